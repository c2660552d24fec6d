/**
 * The real Alertmanager against the stand-ins, with the project's own alertmanager.yml and
 * templates (render/alertmanager.ts) and flags (alertmanagerArgs): only addresses, paths
 * and the group timers change. This proves that our validators accept what Alertmanager
 * really sends, and that routing, grouping and resolve reach the right place once.
 *
 * Runs 0.28.1, the images' version and the local stack's (scripts/tools/find.ts): the heartbeat
 * receiver reads its URL from a file (url_file), which Debian's 0.25 does not know. With it, the
 * dead man's switch stand-in end to end: the Watchdog's heartbeats keep it up, and when they
 * stop (Prometheus stops re-sending the Watchdog) it pages through the PagerDuty stand-in, then
 * resolves when they come back.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SUBDIRS } from "../../config/conventions";
import { ALERTMANAGER_CONFIG_FILE, TEMPLATE_FILE, alertmanagerArgs, renderAlertmanagerConfig, renderAlertmanagerTemplates } from "../../render/alertmanager";
import { placeholderSecrets, renderSecretFiles } from "../../render/stack";
import { DEFAULT_LOCAL_PORTS, localTopology } from "../../render/topology";
import { stackConfig } from "../../tests/helpers/render-tmp";
import { freePort } from "../../tests/helpers/ports";
import { optional, skipReason } from "../../scripts/tools/find";
import { fetchIncidents, waitForNotifications } from "./client";
import { startReceivers, type Receivers } from "./server";

const KEY = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5";
const TOKEN = "amtest0token";
/** Each wait is bounded: group_wait 1s and group_interval 2s leave a wide margin. */
const WAIT = { timeoutMs: 20_000 };

const binaries = [optional("alertmanager")]
  .filter((t): t is NonNullable<typeof t> => t !== null)
  .map((t) => ({ label: t.label, file: t.path }));
if (binaries.length === 0) test.skip(`Alertmanager with the project's config (${skipReason("alertmanager")})`, () => undefined);
/** The heartbeat in this test: every 2 s, paged after 2 s + 1 s of silence. */
const HEARTBEAT = { periodSeconds: 2, graceSeconds: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe.each(binaries)("Alertmanager $label with the project's config", ({ file }) => {
  let dir: string;
  let receivers: Receivers;
  let am: ChildProcess;
  let amUrl: string;
  let logFile: string;
  let startsAt: string;

  const alert = (name: string, service: string, team: string, severity: string, endsAt?: string) => ({
    labels: { alertname: name, service, team, severity, environment: "dev" },
    annotations: { summary: `${name} on ${service}`, description: `${service} is unwell`, runbook_url: `https://runbooks.example.com/${name}`, dashboard_url: "https://grafana.example.com/d/ops-overview" },
    startsAt,
    ...(endsAt ? { endsAt } : {}),
  });
  // Different services: a critical inhibits warnings of its own service (render/alertmanager.ts).
  const alerts = (endsAt?: string) => [alert("ReceiversTestPage", "payment-processor", "payments", "critical", endsAt), alert("ReceiversTestWarn", "merchant-api", "merchants", "warning", endsAt)];
  async function postAlerts(body: unknown): Promise<void> {
    const res = await fetch(`${amUrl}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  }
  const amLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "");

  beforeAll(async () => {
    // A minute ago, so that "ended a second ago" is always after the start.
    startsAt = new Date(Date.now() - 60_000).toISOString();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "receivers-am-"));
    logFile = path.join(dir, "alertmanager.log");
    receivers = await startReceivers({ pagerdutyPort: 0, slackPort: 0, stateDir: path.join(dir, "receivers"), slackToken: TOKEN, pagerdutyRoutingKey: KEY, heartbeat: { port: 0, token: "hb0token", ...HEARTBEAT } });
    const dev = stackConfig("dev");
    // Short timers so the test takes seconds; everything else is what dev deploys.
    const cfg = { ...dev, alertmanager: { ...dev.alertmanager, pagerdutyUrl: receivers.pagerdutyUrl, criticalGroupWait: "1s", warningGroupWait: "1s", groupInterval: "2s", criticalGroupInterval: "2s", heartbeat: { enabled: true, interval: `${HEARTBEAT.periodSeconds}s`, grace: `${HEARTBEAT.graceSeconds}s` } } };
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    const topo = localTopology(cfg, dir, { ...DEFAULT_LOCAL_PORTS, alertmanager: port });
    const secrets = renderSecretFiles(cfg, { ...placeholderSecrets(cfg), pagerdutyRoutingKey: KEY, slackWebhookUrl: receivers.slackWebhookUrl, heartbeatUrl: receivers.heartbeatUrl! }).filter((f) => f.owner === "alertmanager");
    const files = [
      { path: ALERTMANAGER_CONFIG_FILE, content: renderAlertmanagerConfig(cfg, topo) },
      { path: `${SUBDIRS.templates}/${TEMPLATE_FILE}`, content: renderAlertmanagerTemplates() },
      ...secrets,
    ];
    for (const f of files) {
      const at = path.join(topo.roots.alertmanager, f.path);
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.writeFileSync(at, f.content, { mode: 0o600 });
    }
    const log = fs.openSync(logFile, "a");
    am = spawn(file, alertmanagerArgs(cfg, topo, { dataDir: path.join(dir, "am-data"), listen: `127.0.0.1:${port}`, peers: [] }), { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (am.exitCode !== null) throw new Error(`Alertmanager exited with ${am.exitCode}:\n${amLog()}`);
      const ready = await fetch(`${amUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`Alertmanager not ready after 20s:\n${amLog()}`);
      await sleep(200);
    }
  }, 40_000);

  afterAll(async () => {
    if (am && am.exitCode === null) am.kill("SIGKILL");
    await receivers?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a critical alert to PagerDuty and a warning to Slack, each exactly once and valid", async () => {
    const t0 = Date.now();
    await postAlerts(alerts());
    const [page] = await waitForNotifications(receivers.uiUrl, { receiver: "pagerduty", since: t0 }, (l) => l.length >= 1, { ...WAIT, what: "the page" });
    const [warn] = await waitForNotifications(receivers.uiUrl, { receiver: "slack", since: t0 }, (l) => l.length >= 1, { ...WAIT, what: "the Slack message" });
    // Two group intervals more: a duplicate would have arrived by now.
    await sleep(4500);
    expect(receivers.store.query({ since: t0 }).map((r) => r.receiver).sort()).toEqual(["pagerduty", "slack"]);
    expect(receivers.store.query({ accepted: false })).toEqual([]);

    expect(page).toMatchObject({ accepted: true, status: 202, service: "payment-processor", pagerduty: { event_action: "trigger", severity: "critical", outcome: "opened" } });
    expect(page.pagerduty?.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    // The summary is pd.description (render/alertmanager.ts): status, alert, service, the summary annotation.
    expect(page.summary).toBe("[FIRING] ReceiversTestPage payment-processor: ReceiversTestPage on payment-processor");
    const body = JSON.parse(page.raw);
    expect(body.links).toEqual([
      { href: "https://runbooks.example.com/ReceiversTestPage", text: "Runbook" },
      { href: "https://grafana.example.com/d/ops-overview", text: "Dashboard" },
    ]);
    expect(body.payload.custom_details).toMatchObject({ service: "payment-processor", team: "payments", firing: "1", resolved: "0" });
    expect(body.client).toBe("Alertmanager (dev)");

    expect(warn).toMatchObject({ accepted: true, status: 200, service: "merchant-api", slack: { channel: "#alerts-warning", status: "firing", title: "[FIRING:1] ReceiversTestWarn - merchant-api" } });
    expect(JSON.parse(warn.raw).attachments[0]).toMatchObject({ color: "warning", title_link: "https://grafana.example.com/d/ops-overview" });
    expect((await fetchIncidents(receivers.uiUrl, { service: "payment-processor" })).map((i) => i.state)).toEqual(["open"]);
  }, 60_000);

  it("sends the resolves when the alerts end: PagerDuty resolve on the same dedup key, Slack [RESOLVED]", async () => {
    const t0 = Date.now();
    const dedupKey = receivers.store.query({ receiver: "pagerduty" })[0].pagerduty!.dedup_key;
    await postAlerts(alerts(new Date(t0 - 1000).toISOString()));
    const [resolve] = await waitForNotifications(receivers.uiUrl, { receiver: "pagerduty", since: t0 }, (l) => l.length >= 1, { ...WAIT, what: "the PagerDuty resolve" });
    const [resolved] = await waitForNotifications(receivers.uiUrl, { receiver: "slack", since: t0 }, (l) => l.length >= 1, { ...WAIT, what: "the Slack resolved message" });

    expect(resolve).toMatchObject({ accepted: true, pagerduty: { event_action: "resolve", dedup_key: dedupKey, outcome: "resolved" } });
    expect(resolved).toMatchObject({ accepted: true, slack: { status: "resolved", title: "[RESOLVED] ReceiversTestWarn - merchant-api" } });
    expect(JSON.parse(resolved.raw).attachments[0].color).toBe("good");
    expect(receivers.store.query({ accepted: false })).toEqual([]);
    expect((await fetchIncidents(receivers.uiUrl, { service: "payment-processor" })).map((i) => i.state)).toEqual(["resolved"]);
  }, 60_000);

  it("the Watchdog keeps the dead man's switch up; when it stops coming the switch pages through PagerDuty, and resolves when it returns", async () => {
    const watchdog = (validFor: number) => ({
      labels: { alertname: "Watchdog", severity: "info", service: "monitoring", team: "platform" },
      annotations: { summary: "heartbeat", description: "1", runbook_url: "https://runbooks.example.com/Watchdog", dashboard_url: "https://grafana.example.com/d/ops-overview" },
      startsAt,
      // As Prometheus sends it: valid until 4 resend delays (here 4 x 0.5 s) after the last send.
      endsAt: new Date(Date.now() + validFor).toISOString(),
    });
    const t0 = Date.now();
    // "Prometheus" re-sends the Watchdog every 500 ms for 6 s.
    for (let i = 0; i < 12; i++) {
      await postAlerts([watchdog(2000)]);
      await sleep(500);
    }
    const up = receivers.heartbeat!.status();
    expect(up.state).toBe("up");
    expect(up.pings).toBeGreaterThanOrEqual(2);
    // ...and then stops (it died). Alertmanager drops the Watchdog 2 s later, the last ping has
    // gone by then, and the switch pages 3 s after it.
    const stopped = Date.now();
    const [page] = await waitForNotifications(receivers.uiUrl, { receiver: "pagerduty", since: t0, service: "monitoring" }, (l) => l.length >= 1, { ...WAIT, what: "the dead man's switch page" });
    const after = (page.receivedAtMs - stopped) / 1000;
    process.stdout.write(`dead man's switch: paged ${after.toFixed(1)}s after the last Watchdog send\n`);
    expect(after).toBeGreaterThanOrEqual(HEARTBEAT.periodSeconds + HEARTBEAT.graceSeconds - 0.5);
    expect(after).toBeLessThan(2 + HEARTBEAT.periodSeconds * 2 + HEARTBEAT.graceSeconds + 2);
    expect(page).toMatchObject({ accepted: true, pagerduty: { event_action: "trigger", severity: "critical", outcome: "opened", dedup_key: "dead-mans-switch" } });
    expect(page.summary).toMatch(/^Dead man's switch: no heartbeat from Alertmanager for \d+s/);
    expect((await fetchIncidents(receivers.uiUrl, { service: "monitoring" })).map((i) => i.state)).toEqual(["open"]);
    // Heartbeats are never a person's notification: nothing of the Watchdog's in PagerDuty or Slack.
    expect(receivers.store.query({ since: t0 }).filter((r) => r.raw.includes("Watchdog"))).toEqual([]);
    // "Prometheus" is back: the next heartbeat resolves the incident.
    const back = Date.now();
    const resend = setInterval(() => void postAlerts([watchdog(2000)]).catch(() => undefined), 500);
    try {
      const [resolve] = await waitForNotifications(receivers.uiUrl, { receiver: "pagerduty", since: back, service: "monitoring" }, (l) => l.length >= 1, { ...WAIT, what: "the dead man's switch resolve" });
      expect(resolve).toMatchObject({ accepted: true, pagerduty: { event_action: "resolve", dedup_key: "dead-mans-switch", outcome: "resolved" } });
    } finally {
      clearInterval(resend);
    }
    expect((await fetchIncidents(receivers.uiUrl, { service: "monitoring" })).map((i) => i.state)).toEqual(["resolved"]);
  }, 60_000);

  it("stops Alertmanager and the stand-ins, leaving no process or listener behind", async () => {
    const pid = am.pid!;
    const exited = new Promise<void>((ok) => {
      const timer = setTimeout(ok, 10_000);
      am.once("exit", () => {
        clearTimeout(timer);
        ok();
      });
    });
    am.kill("SIGTERM");
    await exited;
    expect(gone(pid)).toBe(true);
    await receivers.close();
    await expect(fetch(receivers.uiUrl)).rejects.toThrow();
    expect(fs.readFileSync(logFile, "utf8")).not.toMatch(/level=error/i);
  }, 20_000);
});
