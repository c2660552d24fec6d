/**
 * Where our alerts go: the rendered alertmanager.yml under `amtool config routes test` (Debian's
 * 0.25 and, when built, the image's 0.28), and a real Alertmanager (Debian 0.25) on loopback
 * that must inhibit a warning under a critical of the same service and deliver PagerDuty and
 * Slack notifications, rendered by our templates, to stand-in receivers.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { SECRET_FILES, SUBDIRS } from "../config/conventions";
import { RECEIVERS, TEMPLATE_FILE, renderAlertmanagerConfig, renderAlertmanagerTemplates } from "../render/alertmanager";
import { localTopology } from "../render/topology";
import { amtools, isExecutable, run, stackUnderTest } from "./testing";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

describe.each(amtools())("$name routes the rendered alertmanager.yml", ({ bin }) => {
  describe.each(["dev", "prod"] as const)("stack %s", (stack) => {
    let file: string;
    beforeAll(() => {
      const { cfg, topo } = stackUnderTest(stack);
      file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "am-routes-")), "alertmanager.yml");
      fs.writeFileSync(file, renderAlertmanagerConfig(cfg, topo));
    });
    afterAll(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

    test.each([
      [["severity=critical", "service=payment-processor", "alertname=AvailabilityBudgetBurn"], RECEIVERS.pagerduty],
      [["severity=warning", "service=payment-processor", "alertname=HighCpuUsage"], RECEIVERS.slack],
      [["severity=info", "service=payment-processor", "alertname=Anything"], RECEIVERS.none],
      [["severity=info", "service=monitoring", "alertname=Watchdog"], RECEIVERS.watchdog],
      // A Watchdog with any severity must still never page.
      [["severity=critical", "service=monitoring", "alertname=Watchdog"], RECEIVERS.watchdog],
      [["service=payment-processor", "alertname=NoSeverity"], RECEIVERS.slack],
    ])("%j goes to %s", (labels, receiver) => {
      const r = run(bin, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
      expect(r.output.trim()).toBe(receiver);
      expect(r.code).toBe(0);
    });

    test("a critical inhibits warnings of the same service only", () => {
      const doc = yaml.load(fs.readFileSync(file, "utf8")) as { inhibit_rules: Array<Record<string, string[]>> };
      expect(doc.inhibit_rules).toEqual([
        { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["service"] },
      ]);
    });
  });
});

/** Records the JSON bodies POSTed to it (PagerDuty Events v2 and Slack webhook stand-in). */
class Receiver {
  readonly bodies: Array<{ path: string; body: Record<string, unknown> }> = [];
  private server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      this.bodies.push({ path: req.url ?? "", body: JSON.parse(data || "{}") });
      res.writeHead(202, { "content-type": "application/json" }).end('{"status":"success"}');
    });
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

(isExecutable(ALERTMANAGER) ? describe : describe.skip)("a real Alertmanager with the rendered config and templates", () => {
  const receiver = new Receiver();
  let am: ChildProcess;
  let api: string;
  let dir: string;
  let logs = "";
  const { cfg: base } = stackUnderTest("dev");

  beforeAll(async () => {
    await receiver.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-live-"));
    const ports = { prometheus: 0, alertmanager: await freePort(), alertmanagerCluster: 0, nodeExporter: 0, frontDoorHttps: 8443, frontDoorHttp: 0, grafana: 0 };
    // Short waits so the test takes seconds; PagerDuty's URL points at the stand-in.
    const cfg = { ...base, alertmanager: { ...base.alertmanager, pagerdutyUrl: `http://127.0.0.1:${receiver.port}/pagerduty`, criticalGroupWait: "1s", warningGroupWait: "1s" } };
    const topo = localTopology(cfg, dir, ports);
    const root = topo.roots.alertmanager;
    fs.mkdirSync(path.join(root, SUBDIRS.templates), { recursive: true });
    fs.mkdirSync(path.join(root, SUBDIRS.secrets), { recursive: true });
    fs.writeFileSync(path.join(root, "alertmanager.yml"), renderAlertmanagerConfig(cfg, topo));
    fs.writeFileSync(path.join(root, SUBDIRS.templates, TEMPLATE_FILE), renderAlertmanagerTemplates());
    fs.writeFileSync(path.join(root, SUBDIRS.secrets, SECRET_FILES.pagerdutyRoutingKey), "0123456789abcdef0123456789abcdef");
    fs.writeFileSync(path.join(root, SUBDIRS.secrets, SECRET_FILES.slackWebhookUrl), `http://127.0.0.1:${receiver.port}/slack`);
    api = `http://127.0.0.1:${ports.alertmanager}/api/v2`;
    am = spawn(ALERTMANAGER, [
      `--config.file=${path.join(root, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      "--cluster.listen-address=",
    ]);
    am.stderr?.on("data", (d) => (logs += d));
    await until("Alertmanager ready", async () => ((await fetch(`${api}/status`).catch(() => null))?.ok ? true : undefined));
  }, 30_000);

  afterAll(async () => {
    if (am && am.exitCode === null) {
      am.kill("SIGTERM");
      await new Promise((ok) => am.once("exit", ok));
    }
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const alert = (name: string, severity: string) => ({
    labels: { alertname: name, severity, service: "payment-processor", team: "payments" },
    annotations: {
      summary: `${name} summary`,
      description: `${name} description: 92%`,
      runbook_url: `https://runbooks.example/${name}.md`,
      dashboard_url: "https://grafana.example/d/service-deep-dive?var-service=payment-processor",
    },
    startsAt: new Date().toISOString(),
  });

  test("a warning is inhibited by a critical of the same service and never reaches Slack", async () => {
    const post = await fetch(`${api}/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([alert("MemoryExhaustionImminent", "critical"), alert("HighCpuUsage", "warning")]),
    });
    expect(post.ok).toBe(true);
    const warning = await until("the warning to be inhibited", async () => {
      const list = (await (await fetch(`${api}/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { inhibitedBy: string[]; state: string } }>;
      const w = list.find((a) => a.labels.alertname === "HighCpuUsage");
      return w && w.status.inhibitedBy.length > 0 ? w : undefined;
    });
    expect(warning.status.state).toBe("suppressed");
    await until("the page", () => receiver.bodies.find((b) => b.path === "/pagerduty"));
    await new Promise((r) => setTimeout(r, 2500)); // two more group_waits: time for a wrong Slack message
    expect(receiver.bodies.filter((b) => b.path === "/slack")).toEqual([]);
  }, 30_000);

  test("the PagerDuty page carries service, summary, value, runbook and dashboard", async () => {
    const page = (await until("the page", () => receiver.bodies.find((b) => b.path === "/pagerduty"))).body as {
      payload: { summary: string; custom_details: Record<string, string> };
      links: Array<{ href: string; text: string }>;
    };
    expect(page.payload.summary).toBe("[FIRING] MemoryExhaustionImminent payment-processor: MemoryExhaustionImminent summary");
    expect(page.payload.custom_details).toMatchObject({
      service: "payment-processor",
      team: "payments",
      summary: "MemoryExhaustionImminent summary",
      runbook: "https://runbooks.example/MemoryExhaustionImminent.md",
      dashboard: "https://grafana.example/d/service-deep-dive?var-service=payment-processor",
    });
    expect(page.payload.custom_details.value).toContain("MemoryExhaustionImminent description: 92%");
    expect(page.links.map((l) => l.href)).toEqual(["https://runbooks.example/MemoryExhaustionImminent.md", "https://grafana.example/d/service-deep-dive?var-service=payment-processor"]);
  });

  test("a warning alone reaches Slack with service, summary, value, runbook and dashboard", async () => {
    const w = alert("HighDiskUsage", "warning");
    w.labels.service = "node";
    await fetch(`${api}/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([w]) });
    const msg = (await until("the Slack message", () => receiver.bodies.find((b) => b.path === "/slack"))).body as {
      attachments: Array<{ title: string; title_link: string; text: string }>;
    };
    const a = msg.attachments[0];
    expect(a.title).toBe("[FIRING:1] HighDiskUsage - node");
    expect(a.title_link).toBe(w.annotations.dashboard_url);
    expect(a.text).toContain("*HighDiskUsage summary*");
    expect(a.text).toContain("HighDiskUsage description: 92%");
    expect(a.text).toContain("*Service:* node");
    expect(a.text).toContain(`<${w.annotations.runbook_url}|Runbook>`);
    expect(a.text).toContain(`<${w.annotations.dashboard_url}|Dashboard>`);
    expect(logs).not.toMatch(/level=error.*template/i);
  }, 30_000);
});
