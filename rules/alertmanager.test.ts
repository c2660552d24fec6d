/**
 * Where our alerts go: the rendered alertmanager.yml under `amtool config routes test`, and a
 * real Alertmanager on loopback (both 0.28, the images' version; Debian's 0.25 cannot read the
 * heartbeat's url_file) that must: inhibit a warning under a critical of the same service, and
 * a host's warnings under that host's critical only; page once for a pod's two memory alerts;
 * send the Watchdog to the heartbeat URL at every group_interval; deliver PagerDuty and Slack
 * notifications, rendered by our templates, to stand-in receivers.
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
import { optional, skipReason } from "../scripts/tools/find";
import { freePort } from "../tests/helpers/ports";
import { amtools, run, stackUnderTest } from "./testing";

const ALERTMANAGER = optional("alertmanager");

if (amtools().length === 0) test.skip(`amtool routes the rendered alertmanager.yml (${skipReason("amtool")})`, () => undefined);

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
      [["severity=info", "service=monitoring", "alertname=Watchdog"], RECEIVERS.heartbeat],
      // A Watchdog with any severity must still never page.
      [["severity=critical", "service=monitoring", "alertname=Watchdog"], RECEIVERS.heartbeat],
      [["service=payment-processor", "alertname=NoSeverity"], RECEIVERS.slack],
      // A failing integration cannot carry its own alert: PagerDuty's goes to Slack, the others page.
      [["severity=critical", "service=alertmanager", "alertname=AlertmanagerNotificationsFailing", "integration=pagerduty"], RECEIVERS.slack],
      [["severity=critical", "service=alertmanager", "alertname=AlertmanagerNotificationsFailing", "integration=slack"], RECEIVERS.pagerduty],
      [["severity=critical", "service=alertmanager", "alertname=AlertmanagerNotificationsFailing", "integration=webhook"], RECEIVERS.pagerduty],
    ])("%j goes to %s", (labels, receiver) => {
      const r = run(bin, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
      expect(r.output.trim()).toBe(receiver);
      expect(r.code).toBe(0);
    });

    test("a critical inhibits warnings of the same service, and of the same host only", () => {
      const doc = yaml.load(fs.readFileSync(file, "utf8")) as { inhibit_rules: Array<Record<string, string[]>> };
      expect(doc.inhibit_rules).toEqual([
        { source_matchers: ['severity="critical"', 'service!="node"'], target_matchers: ['severity="warning"'], equal: ["service"] },
        { source_matchers: ['severity="critical"', 'service="node"'], target_matchers: ['severity="warning"', 'service="node"'], equal: ["instance"] },
      ]);
    });
  });
});

/** Records the JSON bodies POSTed to it (PagerDuty Events v2 and Slack webhook stand-in). */
class Receiver {
  readonly bodies: Array<{ path: string; body: Record<string, unknown>; at: number }> = [];
  private server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      this.bodies.push({ path: req.url ?? "", body: JSON.parse(data || "{}"), at: Date.now() });
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

/**
 * Writes the rendered alertmanager.yml, templates and secret files of `cfg` for a loopback
 * Alertmanager on `port` (receivers' Slack and heartbeat URLs point at `receiverPort`) and
 * returns the config file's path.
 */
function writeAlertmanagerFiles(cfg: ReturnType<typeof stackUnderTest>["cfg"], dir: string, port: number, receiverPort: number): string {
  const ports = { prometheus: 0, alertmanager: port, alertmanagerCluster: 0, nodeExporter: 0, frontDoorHttps: 8443, frontDoorHttp: 0, grafana: 0, cadvisor: 0 };
  const topo = localTopology(cfg, dir, ports);
  const root = topo.roots.alertmanager;
  fs.mkdirSync(path.join(root, SUBDIRS.templates), { recursive: true });
  fs.mkdirSync(path.join(root, SUBDIRS.secrets), { recursive: true });
  fs.writeFileSync(path.join(root, "alertmanager.yml"), renderAlertmanagerConfig(cfg, topo));
  fs.writeFileSync(path.join(root, SUBDIRS.templates, TEMPLATE_FILE), renderAlertmanagerTemplates());
  fs.writeFileSync(path.join(root, SUBDIRS.secrets, SECRET_FILES.pagerdutyRoutingKey), "0123456789abcdef0123456789abcdef");
  fs.writeFileSync(path.join(root, SUBDIRS.secrets, SECRET_FILES.slackWebhookUrl), `http://127.0.0.1:${receiverPort}/slack`);
  fs.writeFileSync(path.join(root, SUBDIRS.secrets, SECRET_FILES.heartbeatUrl), `http://127.0.0.1:${receiverPort}/heartbeat/s3cret\n`);
  return path.join(root, "alertmanager.yml");
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

const liveName = `a real Alertmanager (${ALERTMANAGER?.label ?? skipReason("alertmanager")}) with the rendered config and templates`;
(ALERTMANAGER ? describe : describe.skip)(liveName, () => {
  const receiver = new Receiver();
  let am: ChildProcess;
  let api: string;
  let dir: string;
  let logs = "";
  const { cfg: base } = stackUnderTest("dev");
  /** The heartbeat interval of this test (seconds): short, so its repeats are seen in seconds. */
  const HEARTBEAT_S = 4;

  beforeAll(async () => {
    await receiver.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-live-"));
    const port = await freePort();
    // Short waits so the test takes seconds; PagerDuty's URL points at the stand-in.
    const cfg = {
      ...base,
      alertmanager: { ...base.alertmanager, pagerdutyUrl: `http://127.0.0.1:${receiver.port}/pagerduty`, criticalGroupWait: "1s", warningGroupWait: "1s", groupInterval: "3s", criticalGroupInterval: "3s", heartbeat: { enabled: true, interval: `${HEARTBEAT_S}s`, grace: "2s" } },
    };
    const configFile = writeAlertmanagerFiles(cfg, dir, port, receiver.port);
    api = `http://127.0.0.1:${port}/api/v2`;
    am = spawn(ALERTMANAGER!.path, [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
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

  const alert = (name: string, severity: string, labels: Record<string, string> = {}) => ({
    labels: { alertname: name, severity, service: "payment-processor", team: "payments", ...labels },
    annotations: {
      summary: `${name} summary`,
      description: `${name} description: 92%`,
      runbook_url: `https://runbooks.example/${name}.md`,
      dashboard_url: "https://grafana.example/d/service-deep-dive?var-service=payment-processor",
    },
    startsAt: new Date().toISOString(),
  });
  const post = async (alerts: unknown[]) => expect((await fetch(`${api}/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) })).ok).toBe(true);
  const listAlerts = async () => (await (await fetch(`${api}/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { inhibitedBy: string[]; state: string } }>;

  test("a warning is inhibited by a critical of the same service and never reaches Slack", async () => {
    await post([alert("MemoryExhaustionImminent", "critical", { pod: "pp-0" }), alert("HighCpuUsage", "warning")]);
    const warning = await until("the warning to be inhibited", async () => {
      const w = (await listAlerts()).find((a) => a.labels.alertname === "HighCpuUsage");
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

  test("HighMemoryUsage joining the pod's MemoryExhaustionImminent reaches the same PagerDuty incident: one page", async () => {
    const first = (await until("the memory page", () => receiver.bodies.find((b) => b.path === "/pagerduty"))).body as { dedup_key: string };
    await post([alert("MemoryExhaustionImminent", "critical", { pod: "pp-0" }), alert("HighMemoryUsage", "critical", { pod: "pp-0" })]);
    // The group's next flush (group_interval 3s) carries both alerts under the same key.
    const update = (await until("the group's update", () =>
      receiver.bodies.find((b) => b.path === "/pagerduty" && String((b.body as { payload?: { summary?: string } }).payload?.summary).includes("HighMemoryUsage")),
    )).body as { dedup_key: string; payload: { summary: string } };
    expect(update.dedup_key).toBe(first.dedup_key);
    expect(update.payload.summary).toMatch(/^\[FIRING\] (MemoryExhaustionImminent\+HighMemoryUsage|HighMemoryUsage\+MemoryExhaustionImminent) payment-processor: /);
    const keys = new Set(receiver.bodies.filter((b) => b.path === "/pagerduty").map((b) => (b.body as { dedup_key: string }).dedup_key));
    expect(keys.size).toBe(1);
  }, 30_000);

  test("a host's critical inhibits that host's warnings, not another host's", async () => {
    const host = (name: string, severity: string, instance: string) => alert(name, severity, { service: "node", team: "platform", instance });
    await post([host("DiskFillingUp", "critical", "node-1:9100"), host("HighCpuUsage", "warning", "node-1:9100"), host("HighCpuUsage", "warning", "node-2:9100")]);
    const states = await until("both host warnings judged", async () => {
      const list = (await listAlerts()).filter((a) => a.labels.service === "node" && a.labels.alertname === "HighCpuUsage");
      return list.length === 2 && list.some((a) => a.status.state === "suppressed") ? list : undefined;
    });
    expect(Object.fromEntries(states.map((a) => [a.labels.instance, a.status.state]))).toEqual({ "node-1:9100": "suppressed", "node-2:9100": "active" });
  }, 30_000);

  test(`the Watchdog reaches the heartbeat URL once per heartbeat interval (${HEARTBEAT_S}s), not once per two`, async () => {
    const since = Date.now();
    // Prometheus re-sends its alerts every evaluation; here the test does.
    const watchdog = { labels: { alertname: "Watchdog", severity: "info", service: "monitoring", team: "platform" }, annotations: { summary: "heartbeat", description: "1" }, startsAt: new Date().toISOString() };
    const resend = setInterval(() => void post([watchdog]), 1000);
    try {
      await post([watchdog]);
      const beats = await until("five heartbeats", () => {
        const b = receiver.bodies.filter((x) => x.path === "/heartbeat/s3cret" && x.at >= since);
        return b.length >= 5 ? b : undefined;
      }, 40_000);
      const gaps = beats.slice(1).map((b, i) => (b.at - beats[i].at) / 1000);
      process.stdout.write(`heartbeat gaps (s): ${gaps.map((g) => g.toFixed(1)).join(", ")}\n`);
      for (const g of gaps) {
        expect(g).toBeGreaterThan(HEARTBEAT_S - 1);
        expect(g).toBeLessThan(HEARTBEAT_S + 1.5);
      }
      // Never a person: nothing of the Watchdog's in PagerDuty or Slack.
      expect(receiver.bodies.filter((b) => b.path !== "/heartbeat/s3cret" && JSON.stringify(b.body).includes("Watchdog"))).toEqual([]);
    } finally {
      clearInterval(resend);
    }
  }, 60_000);

  test("a warning alone reaches Slack with service, summary, value, runbook and dashboard", async () => {
    const w = alert("HighDiskUsage", "warning", { service: "node", instance: "node-3:9100" });
    await post([w]);
    const msg = (await until("the Slack message", () => receiver.bodies.find((b) => b.path === "/slack" && JSON.stringify(b.body).includes("HighDiskUsage")))).body as {
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

/**
 * Why the page routes have their own, short group_interval (config/schema.ts
 * criticalGroupInterval): Alertmanager opens a group for a RESOLVED alert Prometheus re-sends
 * (every resend-delay, for 15 minutes after the resolve), flushes it at once with nothing to say,
 * and keeps it until its next maintenance (every 30 s). The same alert firing again meanwhile
 * joins that already-flushed group and waits for its next tick. Measured here on a real
 * Alertmanager 0.28: the re-fire's page waits one page-route group_interval, so the rendered
 * interval is what bounds a re-fire's page (the counterfactual proves the wait is real).
 */
const ghostName = `a real Alertmanager (${ALERTMANAGER?.label ?? skipReason("alertmanager")}): a re-fire into the group of a re-sent resolved alert`;
(ALERTMANAGER ? describe : describe.skip)(ghostName, () => {
  const { cfg: base } = stackUnderTest("dev");
  /**
   * Seconds from a re-fire to its page, with the page routes' group_interval set to `interval`.
   * If Alertmanager's maintenance dropped the reopened group in the 100 ms between the two posts
   * (about 1 in 300), the page is immediate and says nothing: measured once more.
   */
  async function refireDelay(interval: string): Promise<{ seconds: number; pages: number }> {
    const first = await refireOnce(interval);
    return first.seconds >= 1 ? first : refireOnce(interval);
  }
  async function refireOnce(interval: string): Promise<{ seconds: number; pages: number }> {
    const receiver = new Receiver();
    await receiver.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-ghost-"));
    const port = await freePort();
    const cfg = { ...base, alertmanager: { ...base.alertmanager, pagerdutyUrl: `http://127.0.0.1:${receiver.port}/pagerduty`, criticalGroupInterval: interval, groupInterval: "5m", heartbeat: { ...base.alertmanager.heartbeat, enabled: false } } };
    const configFile = writeAlertmanagerFiles(cfg, dir, port, receiver.port);
    const api = `http://127.0.0.1:${port}/api/v2`;
    const am = spawn(ALERTMANAGER!.path, [`--config.file=${configFile}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="]);
    try {
      await until("Alertmanager ready", async () => ((await fetch(`${api}/status`).catch(() => null))?.ok ? true : undefined));
      const labels = { alertname: "AvailabilityBudgetBurn", severity: "critical", service: "payment-processor", team: "payments", slo: "payment-processor-availability" };
      const annotations = { summary: "burn", description: "100%" };
      const post = async (a: unknown) => expect((await fetch(`${api}/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([a]) })).ok).toBe(true);
      // Prometheus re-sending the previous outage's resolved alert: a group opens and flushes.
      const now = Date.now();
      await post({ labels, annotations, startsAt: new Date(now - 10 * 60_000).toISOString(), endsAt: new Date(now - 4 * 60_000).toISOString() });
      await new Promise((r) => setTimeout(r, 100));
      // The outage is back: the same alert fires again.
      const refired = Date.now();
      await post({ labels, annotations, startsAt: new Date(refired).toISOString() });
      const page = await until("the re-fire's page", () => receiver.bodies.find((b) => b.path === "/pagerduty"), 90_000);
      return { seconds: (page.at - refired) / 1000, pages: receiver.bodies.filter((b) => b.path === "/pagerduty").length };
    } finally {
      am.kill("SIGTERM");
      await new Promise((ok) => am.once("exit", ok));
      await receiver.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("pages after the page route's group_interval (4s), not at once and not after the 5m default", async () => {
    const r = await refireDelay("4s");
    process.stdout.write(`re-fire into a reopened group, page-route group_interval 4s: paged after ${r.seconds.toFixed(1)}s\n`);
    expect(r.seconds).toBeGreaterThan(2.5);
    expect(r.seconds).toBeLessThan(6);
    expect(r.pages).toBe(1);
  }, 60_000);

  test("counterfactual: with a 20s page-route group_interval the same re-fire waits ~20s", async () => {
    const r = await refireDelay("20s");
    process.stdout.write(`re-fire into a reopened group, page-route group_interval 20s: paged after ${r.seconds.toFixed(1)}s\n`);
    expect(r.seconds).toBeGreaterThan(18);
    expect(r.seconds).toBeLessThan(23);
  }, 90_000);
});
