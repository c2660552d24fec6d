/**
 * The OOM drill's verdict on hand-made timelines: a clean run passes every check with the
 * figures measured from the supervisor's exit time; a run without the kernel's kill, without
 * the restart, with a late alert or with an unrelated alert fails the check that says so.
 */
import { parseStackConfig, readStackFile } from "../../config/load";
import type { AlertState, Observer } from "./observer";
import { Timeline } from "./timeline";
import { evaluate, evaluateOom } from "./verdict";

const cfg = parseStackConfig(readStackFile("dev").raw, { present: new Set(), required: false }, "dev");
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => T0 + s * 1000;

function alert(name: string, service: string, severity: string, activeAt: number): AlertState {
  return { key: `alertname=${name},service=${service}`, name, service, severity, state: "firing", activeAt, value: "1" };
}

/** A clean OOM drill: ramp at 0 s, kill at 41 s, restart, recovery at 52 s, page, resolves. */
function cleanRun(skip: Set<string> = new Set(), extraAlert?: AlertState): { t: Timeline; obs: Observer } {
  const t = new Timeline("oom", "payment-processor");
  const oom = alert("ContainerOOMKilled", "payment-processor", "critical", at(60));
  const add = (kind: Parameters<Timeline["add"]>[0], s: number, data?: Record<string, unknown>) => {
    if (!skip.has(kind)) t.add(kind, kind, data, at(s));
  };
  add("drill_start", 0);
  add("fault_start", 1);
  add("oom_kill", 42, { oomKills: 1 });
  add("restart", 43, { restarts: 1, lastExit: { reason: "OOMKilled", at: new Date(at(41)).toISOString() } });
  add("recovered", 52);
  add("oom_counted", 58);
  add("alert_firing", 66, { ...oom });
  add("notification", 77, { receiver: "pagerduty", action: "trigger", alertname: "ContainerOOMKilled", service: "payment-processor", accepted: true });
  add("overview", 80, { colour: "green" });
  add("fault_end", 80);
  add("alert_resolved", 370, { ...oom });
  add("notification", 380, { receiver: "pagerduty", action: "resolve", alertname: "ContainerOOMKilled", service: "payment-processor", accepted: true });
  add("drill_end", 400);
  const everFiring = new Map([[oom.key, oom], ...(extraAlert ? [[extraAlert.key, extraAlert] as const] : [])]);
  const obs = { everFiring, notifications: [{ accepted: true }, { accepted: true }] } as unknown as Observer;
  return { t, obs };
}

const failed = (t: Timeline) => t.checks.filter((c) => !c.ok).map((c) => c.name);

test("a clean OOM drill passes, timed from the supervisor's exit record", () => {
  const { t, obs } = cleanRun();
  evaluateOom(t, obs, cfg, { faultStart: at(1), withReceivers: true, local: true });
  expect(failed(t)).toEqual([]);
  expect(t.checks.length).toBe(10);
  expect(t.figures).toMatchObject({ killAfterSeconds: 40, restartedServingSeconds: 11, countedByCadvisorSeconds: 17, alertFiringSeconds: 25, oomNotificationDelaySeconds: 11 });
});

test.each([
  ["no kill by the kernel", new Set(["oom_kill"]), "the kernel OOM-killed payment-processor at its memory limit"],
  ["no restart", new Set(["restart", "recovered"]), "the supervisor restarted payment-processor and it served again within 60s of the kill"],
  ["cAdvisor never counted it", new Set(["oom_counted"]), "cAdvisor counted the kill (service_pod:container_oom_events:increase5m > 0 in Prometheus)"],
  ["no page", new Set(["notification"]), "ContainerOOMKilled (critical) reached pagerduty within 30s of firing"],
])("%s fails exactly that check", (_what, skip, check) => {
  const { t, obs } = cleanRun(skip);
  evaluateOom(t, obs, cfg, { faultStart: at(1), withReceivers: true, local: true });
  expect(failed(t)).toContain(check);
});

test("an alert the kill does not explain fails the drill", () => {
  const { t, obs } = cleanRun(new Set(), alert("HighCpuUsage", "ledger", "warning", at(30)));
  evaluateOom(t, obs, cfg, { faultStart: at(1), withReceivers: true, local: true });
  expect(failed(t)).toEqual(expect.arrayContaining(["no other alert fired during the drill"]));
});

test("on dev/prod (no supervisor records) the kill is timed from cAdvisor's count and the local checks are not made", () => {
  const { t, obs } = cleanRun(new Set(["oom_kill", "restart", "recovered"]));
  evaluateOom(t, obs, cfg, { faultStart: at(1), withReceivers: false, local: false });
  expect(failed(t)).toEqual([]);
  expect(t.checks.map((c) => c.name)).not.toContain("the kernel OOM-killed payment-processor at its memory limit");
  expect(t.figures.alertFiringSeconds).toBe(8);
});

test("memory drill: an alert already pending before the fault (the shared host's CPU) is not judged, even when it fires during the drill", () => {
  const t = new Timeline("memory", "payment-processor");
  const page = alert("MemoryExhaustionImminent", "payment-processor", "critical", at(100));
  const host = { ...alert("HighCpuUsage", "node", "warning", at(-60)), key: "alertname=HighCpuUsage,service=node,severity=warning" };
  t.add("drill_start", "start", undefined, at(0));
  t.add("fault_start", "ramp", undefined, at(1));
  t.add("overview", "red", { colour: "red" }, at(120));
  t.add("alert_firing", "page", { ...page }, at(126));
  t.add("notification", "trigger", { receiver: "pagerduty", action: "trigger", alertname: "MemoryExhaustionImminent", service: "payment-processor", accepted: true, outcome: "opened" }, at(136));
  t.add("fault_end", "release", undefined, at(137));
  // The host alert fires during the drill; a critical of the same service inhibits its Slack post.
  t.add("alert_firing", "host", { ...host }, at(262));
  t.add("overview", "green", { colour: "green" }, at(160));
  t.add("alert_resolved", "resolved", { ...page }, at(400));
  t.add("notification", "resolve", { receiver: "pagerduty", action: "resolve", alertname: "MemoryExhaustionImminent", service: "payment-processor", accepted: true }, at(436));
  const obs = { everFiring: new Map([[page.key, page], [host.key, host]]), everPending: new Map([[host.key, host]]), notifications: [{ accepted: true }, { accepted: true }] } as unknown as Observer;
  evaluate(t, obs, cfg, { faultStart: at(1), pageWithinSeconds: 180, expectHighMemory: false, withReceivers: true });
  expect(failed(t)).toEqual([]);
  expect(t.checks.find((c) => c.name.startsWith("each alert is notified"))?.detail).toBe("MemoryExhaustionImminent: 10.0s");
});

test("the host's own alert firing during the drill (the machine it shares) is reported, not judged; a service's is judged", () => {
  const host = cleanRun(new Set(), alert("HighCpuUsage", "node", "warning", at(30)));
  evaluateOom(host.t, host.obs, cfg, { faultStart: at(1), withReceivers: true, local: true });
  expect(failed(host.t)).toEqual([]);
  expect(host.t.events.some((e) => e.kind === "info" && /host's own alerts.*HighCpuUsage/.test(e.text))).toBe(true);
  // Control: the same alert on a service fails the drill.
  const svc = cleanRun(new Set(), alert("HighCpuUsage", "ledger", "warning", at(30)));
  evaluateOom(svc.t, svc.obs, cfg, { faultStart: at(1), withReceivers: true, local: true });
  expect(failed(svc.t)).toContain("no other alert fired during the drill");
});

test("memory drill: one grouped resolve naming both memory alerts counts as the resolve of each", () => {
  const build = (names: string[]) => {
    const t = new Timeline("memory", "payment-processor");
    const imminent = alert("MemoryExhaustionImminent", "payment-processor", "critical", at(100));
    const high = alert("HighMemoryUsage", "payment-processor", "critical", at(200));
    t.add("drill_start", "start", undefined, at(0));
    t.add("fault_start", "ramp", undefined, at(1));
    t.add("overview", "red", { colour: "red" }, at(120));
    t.add("alert_firing", "page", { ...imminent }, at(126));
    t.add("notification", "trigger", { receiver: "pagerduty", action: "trigger", alertname: imminent.name, alertnames: [imminent.name], service: "payment-processor", accepted: true, outcome: "opened" }, at(136));
    t.add("alert_firing", "high", { ...high }, at(800));
    t.add("notification", "trigger", { receiver: "pagerduty", action: "trigger", alertname: high.name, alertnames: [high.name, imminent.name], service: "payment-processor", accepted: true }, at(810));
    t.add("fault_end", "release", undefined, at(900));
    t.add("alert_resolved", "r1", { ...imminent }, at(950));
    t.add("alert_resolved", "r2", { ...high }, at(960));
    t.add("overview", "green", { colour: "green" }, at(1000));
    t.add("notification", "resolve", { receiver: "pagerduty", action: "resolve", alertname: names[0], alertnames: names, service: "payment-processor", accepted: true }, at(1100));
    const obs = { everFiring: new Map([[imminent.key, imminent], [high.key, high]]), everPending: new Map(), notifications: [{ accepted: true }, { accepted: true }, { accepted: true }] } as unknown as Observer;
    evaluate(t, obs, cfg, { faultStart: at(1), pageWithinSeconds: 180, expectHighMemory: true, withReceivers: true });
    return failed(t);
  };
  expect(build(["HighMemoryUsage", "MemoryExhaustionImminent"])).not.toContain("every resolve reached the receiver");
  // Control: a resolve naming only one of them leaves the other unresolved.
  expect(build(["HighMemoryUsage"])).toContain("every resolve reached the receiver");
});

test("memory drill: the host's alerts that start during the fault are not judged on their notifications (its critical inhibits its warning)", () => {
  const build = (hostService: string) => {
    const t = new Timeline("memory", "payment-processor");
    const page = alert("MemoryExhaustionImminent", "payment-processor", "critical", at(100));
    const crit = { ...alert("HighCpuUsage", hostService, "critical", at(20)), key: `alertname=HighCpuUsage,service=${hostService},severity=critical` };
    const warn = { ...alert("HighCpuUsage", hostService, "warning", at(20)), key: `alertname=HighCpuUsage,service=${hostService},severity=warning` };
    t.add("drill_start", "start", undefined, at(0));
    t.add("fault_start", "ramp", undefined, at(1));
    t.add("overview", "red", { colour: "red" }, at(120));
    t.add("alert_firing", "page", { ...page }, at(126));
    t.add("notification", "trigger", { receiver: "pagerduty", action: "trigger", alertname: page.name, service: "payment-processor", accepted: true, outcome: "opened" }, at(136));
    t.add("alert_firing", "crit", { ...crit }, at(320));
    t.add("notification", "cpu", { receiver: "pagerduty", action: "trigger", alertname: "HighCpuUsage", service: hostService, accepted: true, outcome: "opened" }, at(320));
    t.add("alert_firing", "warn", { ...warn }, at(620)); // inhibited by the critical: never notified
    t.add("fault_end", "release", undefined, at(700));
    t.add("alert_resolved", "resolved", { ...page }, at(760));
    t.add("overview", "green", { colour: "green" }, at(770));
    t.add("notification", "resolve", { receiver: "pagerduty", action: "resolve", alertname: page.name, service: "payment-processor", accepted: true }, at(800));
    const obs = { everFiring: new Map([[page.key, page], [crit.key, crit], [warn.key, warn]]), everPending: new Map(), notifications: [{ accepted: true }, { accepted: true }, { accepted: true }] } as unknown as Observer;
    evaluate(t, obs, cfg, { faultStart: at(1), pageWithinSeconds: 180, expectHighMemory: false, withReceivers: true });
    return t;
  };
  const host = build("node");
  expect(failed(host)).toEqual([]);
  expect(host.checks.find((c) => c.name.startsWith("each alert is notified"))?.detail).toBe("MemoryExhaustionImminent: 10.0s");
  // Control: the same pair on a service is judged (and fails on the warning nobody was told of).
  expect(failed(build("ledger"))).toContain("each alert is notified within 30s of firing (one joining an open group, within group_interval + 30s)");
});
