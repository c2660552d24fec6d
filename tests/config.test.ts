/**
 * Stack config: defaults -> parse -> validate, every problem at once. Fixtures in
 * tests/fixtures/config: *.bad.yaml list the exact messages expected, *.good.yaml the
 * values expected after defaults.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, formatProblem } from "../config/errors";
import { parseStackConfig, PROJECT, readStackFile, stackFileFromConfig } from "../config/load";
import { renderStackToDir } from "../render/cli";
import { durationSeconds } from "../config/validate";
import { runProgram, TEST_SECRETS } from "./helpers/pulumi-program";

interface Fixture {
  stack: string;
  overrides?: Record<string, unknown>;
  secrets?: string[];
  requireSecrets?: boolean;
  expect?: string[];
  expectValues?: Record<string, unknown>;
}

const dir = path.join(__dirname, "fixtures", "config");
const fixtures = (suffix: string) => fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => [f, yaml.load(fs.readFileSync(path.join(dir, f), "utf8")) as Fixture] as const);

function parseFixture(fx: Fixture) {
  const file = readStackFile(fx.stack);
  const present = new Set(fx.secrets ?? []);
  return parseStackConfig({ ...file.raw, ...(fx.overrides ?? {}) }, { present, required: fx.requireSecrets ?? false }, fx.stack);
}

/** The problem lines of a ConfigError's message ("  - key: got ...; allowed: ..."), sorted. */
const problemLines = (message: string) =>
  message
    .split("\n")
    .filter((l) => l.startsWith("  - "))
    .map((l) => l.slice(4))
    .sort();

/**
 * The render CLI's library entry on a real stack file: the fixture's config written as
 * Pulumi.<stack>.yaml (secrets as `secure:` entries, as `pulumi config set --secret` writes them).
 */
function renderEntry(fx: Fixture): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "config-entry-"));
  try {
    const file = readStackFile(fx.stack);
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...file.raw, ...(fx.overrides ?? {}) })) config[`${PROJECT}:${k}`] = v;
    for (const k of fx.secrets ?? []) config[`${PROJECT}:${k}`] = { secure: "v1:AAAAAAAAAAAAAAAA" };
    fs.writeFileSync(path.join(tmp, `Pulumi.${fx.stack}.yaml`), yaml.dump({ config }));
    renderStackToDir(fx.stack, path.join(tmp, "out"), tmp);
    throw new Error("render accepted the config");
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Pulumi program (index.ts) under the mock runtime, with the fixture's config and secrets. */
async function programEntry(fx: Fixture): Promise<{ message: string; resources: number }> {
  const secrets = Object.fromEntries((fx.secrets ?? []).map((k) => [k, (TEST_SECRETS as Record<string, string>)[k] ?? `secret-${k}`]));
  // The program always deploys (secrets required); fixtures about other things give it every secret.
  const all: Record<string, string> = fx.requireSecrets ? secrets : { ...TEST_SECRETS, ...secrets };
  // A key the fixture sets as plain config is not also given as a secret.
  for (const k of Object.keys(fx.overrides ?? {})) delete all[k];
  const run = await runProgram(fx.stack, { overrides: fx.overrides ?? {}, secrets: all });
  return { message: run.error?.message ?? "program accepted the config", resources: run.resources.length };
}

describe("stack config fixtures", () => {
  test.each(fixtures(".bad.yaml"))("%s is rejected with exactly the expected problems", (_name, fx) => {
    let err: unknown;
    try {
      parseFixture(fx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const got = (err as ConfigError).problems.map(formatProblem).sort();
    expect(got).toEqual([...(fx.expect ?? [])].sort());
    // One error, one message listing them all.
    for (const line of fx.expect ?? []) expect((err as ConfigError).message).toContain(line);
  });
});

describe("both entry points reject the same bad configs with the same messages", () => {
  // Render never needs secret values (it writes placeholders), so fixtures about missing
  // secrets are the program's alone; every other fixture must read the same through both.
  const shared = fixtures(".bad.yaml").filter(([, fx]) => !fx.requireSecrets);

  test.each(shared)("%s: npm run render (the stack file) and the program (pulumi config) report the same problems", async (_name, fx) => {
    const fromRender = problemLines(renderEntry(fx));
    const fromProgram = await programEntry(fx);
    expect(fromRender).toEqual([...(fx.expect ?? [])].sort());
    expect(problemLines(fromProgram.message)).toEqual(fromRender);
    expect(fromProgram.resources).toBe(0);
  });

  test.each(fixtures(".bad.yaml").filter(([, fx]) => fx.requireSecrets))("%s: the program requires the secrets; render writes placeholders for them", async (_name, fx) => {
    const fromProgram = await programEntry(fx);
    expect(problemLines(fromProgram.message)).toEqual([...(fx.expect ?? [])].sort());
    expect(fromProgram.resources).toBe(0);
    expect(renderEntry(fx)).toBe("render accepted the config");
  });

  test("a secret's value never appears in either entry point's error", async () => {
    const fx: Fixture = { stack: "dev", overrides: { slackWebhookUrl: "https://hooks.example.test/T/B/leaky-token-123" } };
    expect(renderEntry(fx)).not.toContain("leaky-token-123");
    expect((await programEntry(fx)).message).not.toContain("leaky-token-123");
  });
});

describe("stack config fixtures (good)", () => {
  test.each(fixtures(".good.yaml"))("%s is accepted with defaults filled in", (_name, fx) => {
    const cfg = parseFixture(fx) as unknown as Record<string, unknown>;
    for (const [key, want] of Object.entries(fx.expectValues ?? {})) {
      const got = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], cfg);
      expect({ key, value: got }).toEqual({ key, value: want });
    }
  });

  test("both shipped stacks are valid, with the brief's defaults", () => {
    for (const stack of ["dev", "prod"]) {
      const f = readStackFile(stack);
      const cfg = parseStackConfig(f.raw, { present: f.secretKeys, required: false }, stack);
      expect(cfg.services).toHaveLength(12);
      expect(cfg.scrape.interval).toBe("15s");
      expect(cfg.retention).toEqual({ time: "30d", sizeGB: 10 });
      expect(cfg.slos.map((s) => `${s.service}:${s.objective}`)).toEqual(["payment-processor:99.9", "payment-processor:99", "merchant-api:99.5", "merchant-api:99"]);
      expect(cfg.alerts.memory).toEqual({ threshold: 90, for: "10m", smoothing: "1m" });
      expect(cfg.alertmanager.resolveTimeout).toBe("5m");
    }
  });

  test("secure values in a stack file count as present secrets and are never read as config", () => {
    const f = stackFileFromConfig({ "monitoring-stack:platform": "docker", "monitoring-stack:pagerdutyRoutingKey": { secure: "v1:abc" }, "kubernetes:context": "x" });
    expect(f.raw).toEqual({ platform: "docker" });
    expect([...f.secretKeys]).toEqual(["pagerdutyRoutingKey"]);
  });

  test("an unknown stack name says which stacks exist", () => {
    expect(() => readStackFile("staging")).toThrow(/unknown stack "staging".*known stacks: dev, prod/);
  });

  test("durations are converted to seconds and malformed ones are NaN", () => {
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("30d")).toBe(2592000);
    expect(durationSeconds("15 s")).toBeNaN();
  });
});

describe("the program with invalid config", () => {
  test("throws one ConfigError before registering any resource", async () => {
    const run = await runProgram("prod", { overrides: { alerts: { cpu: { warning: { threshold: 99 } } } }, secrets: { pagerdutyRoutingKey: "x" } });
    expect(run.error).toBeInstanceOf(Error);
    expect(run.error!.name).toBe("ConfigError");
    expect(run.error!.message).toContain("alerts.cpu.warning.threshold: got 99");
    expect(run.error!.message).toContain("tlsCertificate: got nothing (missing)");
    expect(run.resources).toEqual([]);
  });

  test("deploys when the same stack is given valid config and its secrets", async () => {
    const run = await runProgram("prod", { secrets: TEST_SECRETS });
    expect(run.error).toBeUndefined();
    expect(run.resources.length).toBeGreaterThan(30);
  });
});
