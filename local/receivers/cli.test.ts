/**
 * The CLI: flags and environment, the one "listening" line, and a clean stop on a signal
 * (the local stack's supervisor sends SIGTERM; a person presses Ctrl-C).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "./cli";

const ROOT = path.resolve(__dirname, "../..");
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "receivers-cli-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("parseArgs", () => {
  it("reads the flags the local stack passes (local/plan.ts)", () => {
    expect(parseArgs(["--pagerduty-port", "8291", "--slack-port", "8292", "--state-dir", "/s", "--slack-token", "abc"], {})).toEqual({
      host: "127.0.0.1",
      pagerdutyPort: 8291,
      slackPort: 8292,
      stateDir: "/s",
      slackToken: "abc",
      pagerdutyRoutingKey: undefined,
    });
  });

  it("takes --flag=value, environment variables, and credentials from files", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "key"), "k".repeat(32) + "\n");
    fs.writeFileSync(path.join(dir, "token"), "fromfile\n");
    const o = parseArgs([`--pagerduty-routing-key-file=${path.join(dir, "key")}`, "--slack-port=0"], {
      RECEIVERS_STATE_DIR: "/env",
      RECEIVERS_SLACK_TOKEN_FILE: path.join(dir, "token"),
      RECEIVERS_PAGERDUTY_PORT: "0",
    });
    expect(o).toMatchObject({ stateDir: "/env", slackToken: "fromfile", pagerdutyRoutingKey: "k".repeat(32), pagerdutyPort: 0, slackPort: 0 });
  });

  it("reports every problem at once, saying what is allowed", () => {
    expect(() => parseArgs(["--pagerduty-port", "http", "--bogus"], {})).toThrow(
      'receivers: unknown argument "--bogus"; known: --host, --pagerduty-port, --slack-port, --state-dir, --slack-token, --slack-token-file, --pagerduty-routing-key, --pagerduty-routing-key-file, --heartbeat-port, --heartbeat-token-file, --heartbeat-period, --heartbeat-grace; ' +
        '--pagerduty-port (or RECEIVERS_PAGERDUTY_PORT): got "http"; allowed: a port from 0 to 65535 (0 = any free port); ' +
        "--state-dir (or RECEIVERS_STATE_DIR) is required: the directory notifications.jsonl is kept in; " +
        "--slack-token or --slack-token-file (or RECEIVERS_SLACK_TOKEN) is required: the token the webhook URL must end with",
    );
  });
});

describe("the CLI process", () => {
  it("prints one listening line without the token, serves, and stops cleanly on SIGTERM", async () => {
    const stateDir = tmp();
    const child = spawn(process.execPath, ["--import", "tsx", "local/receivers/cli.ts", "--pagerduty-port", "0", "--slack-port", "0", "--state-dir", stateDir, "--slack-token", "s3cret"], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const exit = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes("\n") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const listening = JSON.parse(out.split("\n")[0]);
      expect(listening).toMatchObject({ event: "listening", stateDir, notifications: 0, routingKeyChecked: false });
      expect(listening.slackWebhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/T0LOCAL00\/B0LOCAL00\/<token>$/);
      expect(out).not.toContain("s3cret");
      const slackUrl = listening.slackWebhookUrl.replace("<token>", "s3cret");
      const res = await fetch(slackUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hi" }) });
      expect(await res.text()).toBe("ok");
      expect((await fetch(`${listening.uiUrl}healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit).toBe(0);
    expect(out.trimEnd().split("\n").at(-1)).toBe('{"event":"stopped","signal":"SIGTERM"}');
    expect(fs.readFileSync(path.join(stateDir, "notifications.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(1);
  }, 30_000);

  it("exits 1 with the reason when started on a non-loopback address", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "local/receivers/cli.ts", "--host", "0.0.0.0", "--state-dir", tmp(), "--slack-token", "x1"], { cwd: ROOT });
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    const code = await new Promise<number | null>((ok) => child.once("exit", (c) => ok(c)));
    expect(code).toBe(1);
    expect(err).toContain("refusing to listen on 0.0.0.0");
  }, 30_000);
});
