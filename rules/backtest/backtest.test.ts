/**
 * The backtest: its engine agrees with promtool on the timelines promtool checks, its model of
 * Alertmanager routes like amtool and groups and inhibits like Alertmanager, its week looks like
 * the week it claims (background under budget, deploys, the batch), and the short variant meets
 * the goals (pages, warnings, incidents) end to end.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { optional, skipReason } from "../../scripts/tools/find";
import { renderAlertmanagerConfig, RECEIVERS } from "../../render/alertmanager";
import { ruleGroups } from "..";
import { isAlert } from "../model";
import { RECORDED } from "../names";
import { renderLayout, stackUnderTest } from "../testing";
import { errorBudget } from "../slo-math";
import { LOWEST_TIMESTAMP } from "../history";
import { AlertmanagerModel, notifications, type Episode } from "./notifications";
import { alertClosure, episodesFrom } from "./run";
import { backtest, formatReport, runOptions } from "./backtest";
import { simulateServices, weekServices } from "./week";

const { cfg, topo } = stackUnderTest("dev");
const amYml = renderAlertmanagerConfig(cfg, topo);
const model = new AlertmanagerModel(amYml);
const replay = optional("ruleReplay");
const promtool = optional("promtool");
const amtool = optional("amtool");

const ep = (alert: string, labels: Record<string, string>, fromS: number, toS: number | null): Episode => ({ alert, labels: { alertname: alert, ...labels }, fromS, toS });

describe("the Alertmanager model", () => {
  const labelSets: Array<Record<string, string>> = [
    { alertname: "AvailabilityBudgetBurn", severity: "critical", service: "payment-processor", slo: "payment-processor-availability", long_window: "5m" },
    { alertname: "LatencyBudgetBurn", severity: "warning", service: "merchant-api", long_window: "3d" },
    { alertname: "MemoryExhaustionImminent", severity: "critical", service: "payment-processor", pod: "pp-0" },
    { alertname: "HighMemoryUsage", severity: "critical", service: "payment-processor", pod: "pp-0" },
    { alertname: "HighCpuUsage", severity: "warning", service: "node", instance: "node-0:9100" },
    { alertname: "DiskFillingUp", severity: "critical", service: "node", instance: "node-1:9100" },
    { alertname: "AlertmanagerNotificationsFailing", severity: "critical", service: "alertmanager", integration: "pagerduty" },
    { alertname: "AlertmanagerNotificationsFailing", severity: "critical", service: "alertmanager", integration: "webhook" },
    { alertname: "Watchdog", severity: "info", service: "monitoring" },
    { alertname: "ServiceTargetsMissing", severity: "warning", service: "reporting" },
  ];

  (amtool ? test : test.skip)(`routes every kind of alert to the receiver amtool routes it to${amtool ? "" : ` (${skipReason("amtool")})`}`, () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bt-am-")), "alertmanager.yml");
    fs.writeFileSync(file, amYml);
    for (const l of labelSets) {
      const out = execFileSync(amtool!.path, ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(l).map(([k, v]) => `${k}=${v}`)], { encoding: "utf8" }).trim();
      expect({ labels: l, receiver: model.route(l).receiver }).toEqual({ labels: l, receiver: out });
    }
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  test("a pod's two memory alerts are one page; a second incident after the group closed is another", () => {
    const pod = { severity: "critical", service: "payment-processor", pod: "pp-0", team: "payments" };
    const ns = notifications(model, [ep("MemoryExhaustionImminent", pod, 1000, 3000), ep("HighMemoryUsage", pod, 1600, 3000), ep("MemoryExhaustionImminent", pod, 3000 + 600, 3700)], 10_000);
    expect(ns.map((n) => [n.kind, n.fromS, n.alerts.map((a) => a.alert)])).toEqual([
      ["page", 1000, ["MemoryExhaustionImminent", "HighMemoryUsage"]],
      ["page", 3600, ["MemoryExhaustionImminent"]],
    ]);
  });

  test("a re-fire before the group's resolve went out (the page route's group_interval) reaches the open incident: no new page; after it, a new page", () => {
    const burn = { severity: "critical", service: "payment-processor", slo: "x", long_window: "5m" };
    const gi = model.route({ alertname: "AvailabilityBudgetBurn", ...burn }).groupIntervalS;
    expect(gi).toBe(60); // alertmanager.criticalGroupInterval
    const refire = (after: number) => notifications(model, [ep("AvailabilityBudgetBurn", burn, 0, 100), ep("AvailabilityBudgetBurn", burn, 100 + after, 300 + after)], 10_000);
    expect(refire(gi / 2)).toHaveLength(1);
    expect(refire(gi + 30).map((n) => [n.kind, n.fromS])).toEqual([["page", 0], ["page", 100 + gi + 30]]);
  });

  test("a host's critical mutes that host's warnings only, and only while it fires", () => {
    const host = (i: string) => ({ service: "node", team: "platform", instance: i });
    const ns = notifications(
      model,
      [
        ep("DiskFillingUp", { ...host("node-1:9100"), severity: "critical" }, 100, 800),
        ep("HighDiskUsage", { ...host("node-1:9100"), severity: "warning" }, 200, 400),
        ep("HighCpuUsage", { ...host("node-2:9100"), severity: "warning" }, 200, 400),
        ep("HighCpuUsage", { ...host("node-1:9100"), severity: "warning" }, 300, 1200),
      ],
      10_000,
    );
    // Both hosts' HighCpuUsage share one Slack group (alertname, service="node"); node-2's
    // resolve goes out group_interval (5m) after 400, so that group has closed by 800.
    expect(model.route({ alertname: "HighCpuUsage", severity: "warning", service: "node", instance: "x" }).groupIntervalS).toBeLessThan(800 - 400);
    expect(ns.map((n) => [n.kind, n.openedBy.map((e) => `${e.alert}@${e.labels.instance}`), n.fromS])).toEqual([
      ["page", ["DiskFillingUp@node-1:9100"], 100],
      ["warning", ["HighCpuUsage@node-2:9100"], 200],
      // node-1's CPU warning notifies for the part after the disk page resolved (a new opening
      // of the group; had it been unmuted while node-2's group was open, it would have joined it).
      ["warning", ["HighCpuUsage@node-1:9100"], 800],
    ]);
  });

  test("the Watchdog and info alerts are nobody's notification", () => {
    expect(notifications(model, [ep("Watchdog", { severity: "info", service: "monitoring" }, 0, null)], 100)).toEqual([]);
    expect(model.route({ alertname: "Watchdog" }).receiver).toBe(RECEIVERS.heartbeat);
  });
});

describe("the rules the backtest evaluates", () => {
  const all = ruleGroups(cfg, topo);
  const closure = alertClosure(all);
  const flat = (g: typeof all) => Object.values(g).flat().flatMap((x) => x.rules);

  test("are every alerting rule and every recording rule an alert reads, transitively, in their groups' order", () => {
    expect(flat(closure).filter(isAlert).length).toBe(flat(all).filter(isAlert).length);
    const recorded = new Set(flat(closure).flatMap((r) => ("record" in r ? [r.record] : [])));
    for (const name of [RECORDED.sloErrorRatio["5m"], RECORDED.sloErrors5m, RECORDED.sloRequests["5m"], RECORDED.memoryRatio, RECORDED.memoryBytes, RECORDED.hostDisk, RECORDED.up, RECORDED.notificationsFailed]) expect(recorded).toContain(name);
    // Dashboard-only series are left out: no alert reads them.
    for (const name of [RECORDED.latencyP99, RECORDED.routeRequestsRate5m, RECORDED.durationBucketsRate5m]) expect(recorded).not.toContain(name);
  });
});

describe("the synthetic week", () => {
  const start = Date.UTC(2026, 0, 5) / 1000;
  const o = { cfg, warmupFromS: start, fullFromS: start, endS: start + 86400, stepS: 15, seed: 1, incidents: [] };
  const services = weekServices(cfg, 1);
  const sim = simulateServices(o, services);

  test.each(cfg.slos.map((s) => [s.name, s]))("%s: bad events over the day (a 10-50%% background plus deploy blips and spikes) are 10-80%% of the budget", (_n, slo) => {
    const s = sim.get(slo.service)!;
    const last = s.ok.length - 1;
    let share: number;
    if (slo.indicator.type === "availability") share = s.errors[last] / (s.errors[last] + s.ok[last]);
    else {
      // Requests over the threshold: +Inf minus the threshold's bucket (buckets are cumulative in time, and reset at deploys).
      const b = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5].indexOf(slo.indicator.thresholdSeconds);
      let slow = 0, total = 0;
      for (let k = 1; k <= last; k++) {
        const inf = s.buckets[8][k] - s.buckets[8][k - 1];
        if (inf < 0 || !s.up[k] || !s.up[k - 1]) continue; // a restart
        total += inf;
        slow += inf - (s.buckets[b][k] - s.buckets[b][k - 1]);
      }
      share = slow / total;
    }
    const burn = share / errorBudget(slo);
    // Deploy blips and latency spikes add to the drawn background; the day stays well under 1x.
    expect(burn).toBeGreaterThan(0.1);
    expect(burn).toBeLessThan(0.8);
  });

  test("has weekday deploys (a missed scrape, then counters from zero) and a daily traffic shape", () => {
    const s = sim.get("payment-processor")!;
    const missed = [...s.up].filter((u) => u === 0).length;
    expect(missed).toBeGreaterThanOrEqual(1);
    const at = (h: number) => s.ok[Math.round((h * 3600) / 15)] - s.ok[Math.round((h * 3600) / 15) - 40];
    expect(at(15)).toBeGreaterThan(2 * at(3.5));
  });
});

/**
 * promtool's expanding notation for input series: `a+bxN`, `a-bxN`, `axN`, `_`, `_xN`, numbers.
 * Enough for the timelines this file replays.
 */
function expand(values: string): Array<number | null> {
  const out: Array<number | null> = [];
  for (const part of values.trim().split(/\s+/)) {
    let m: RegExpExecArray | null;
    if ((m = /^_(?:x(\d+))?$/.exec(part))) for (let i = 0; i <= Number(m[1] ?? 0); i++) out.push(null);
    else if ((m = /^(-?[\d.e+]+)([+-])([\d.e]+)x(\d+)$/.exec(part))) for (let i = 0; i <= Number(m[4]); i++) out.push(Number(m[1]) + (m[2] === "+" ? 1 : -1) * Number(m[3]) * i);
    else if ((m = /^(-?[\d.e+]+)x(\d+)$/.exec(part))) for (let i = 0; i <= Number(m[2]); i++) out.push(Number(m[1]));
    else out.push(Number(part));
  }
  return out;
}

/**
 * Series whose VALUE is a time (epoch seconds). promtool's tests run from time 0; the replay runs
 * from `origin`, so these values move with the samples: the history guard's gauge reading 0 (a
 * Prometheus whose first sample is at the test's start) reads `origin` in the replay, else the
 * replayed Prometheus holds 1.7e9 s of history and the guard lets every tier through.
 */
const TIME_VALUED = new Set([LOWEST_TIMESTAMP]);

/** A promtool test group's input series as an OpenMetrics file (family "unknown", time from `origin`). */
function toOpenMetrics(group: { interval: string; input_series: Array<{ series: string; values: string }> }, origin: number): string {
  const step = Number(group.interval.replace(/s$/, ""));
  const byName = new Map<string, string[]>();
  for (const s of group.input_series) {
    const name = s.series.split("{")[0];
    const lines = byName.get(name) ?? [];
    const shift = TIME_VALUED.has(name) ? origin : 0;
    expand(s.values).forEach((v, i) => v !== null && lines.push(`${s.series} ${v + shift} ${origin + i * step}`));
    byName.set(name, lines);
  }
  let out = "";
  for (const [name, lines] of byName) {
    // OpenMetrics wants each series' samples in time order within its family.
    lines.sort((a, b) => Number(a.split(" ").at(-1)) - Number(b.split(" ").at(-1)) || a.localeCompare(b));
    out += `# TYPE ${name} unknown\n${lines.join("\n")}\n`;
  }
  return out + "# EOF\n";
}

const engineName = `the backtest's engine (rule-replay) agrees with promtool's timelines${replay && promtool ? "" : ` (${skipReason(replay ? "promtool" : "ruleReplay")})`}`;
(replay && promtool ? describe : describe.skip)(engineName, () => {
  let dir: string;
  let layout: string;
  const origin = 1_700_000_000 - (1_700_000_000 % 900);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bt-engine-"));
    layout = renderLayout(dir, "dev");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Replays one test group of a timeline file through the engine; returns transitions relative to its start. */
  function replayGroup(file: string, name: RegExp, ruleFiles: string[], seconds: number) {
    const doc = yaml.load(fs.readFileSync(path.join(layout, "tests", file), "utf8")) as { tests: Array<{ name: string; interval: string; input_series: Array<{ series: string; values: string }> }> };
    const group = doc.tests.find((g) => name.test(g.name))!;
    const work = fs.mkdtempSync(path.join(dir, "case-"));
    fs.writeFileSync(path.join(work, "in.om"), toOpenMetrics(group, origin));
    execFileSync(promtool!.path, ["tsdb", "create-blocks-from", "openmetrics", path.join(work, "in.om"), path.join(work, "data")], { stdio: "ignore" });
    const out = execFileSync(replay!.path, ["--data", path.join(work, "data"), "--work", path.join(work, "w"), "--phase", `${origin},${origin + seconds},${ruleFiles.map((f) => path.join(layout, "rules-unannotated", f)).join(",")}`], { encoding: "utf8", maxBuffer: 1 << 26 });
    return out.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => !l.summary).map((l) => ({ ...l, t: l.t - origin }));
  }

  test("the 53-second outage on a young Prometheus: the 5m tier fires with the first bad scrape and lets go when its minute is clean, as slo-history.dev.test.yml asserts", () => {
    const tr = replayGroup("slo-history.dev.test.yml", /53-second outage on a 30-minute-old/, ["slo.rules.yml"], 2400);
    const burns = tr.filter((x) => x.alert === "AvailabilityBudgetBurn");
    // Each group evaluates at its own phase (0-15 s past the scrape): promtool's times plus that offset.
    expect(burns.map((x) => [x.labels.long_window, x.state])).toEqual([["5m", "firing"], ["5m", "inactive"]]);
    expect(burns[0].t).toBeGreaterThanOrEqual(30 * 60 + 15);
    expect(burns[0].t).toBeLessThan(30 * 60 + 30);
    expect(burns[1].t).toBeGreaterThanOrEqual(31 * 60 + 45);
    expect(burns[1].t).toBeLessThan(32 * 60);
    // The guard held every slower tier, as promtool shows.
    expect(episodesFrom(tr, 0).map((e) => e.labels.long_window)).toEqual(["5m"]);
  });

  test("memory held at 92% with one noisy scrape: HighMemoryUsage fires after its unbroken 10 minutes, the predictive page never resolves in between", () => {
    const tr = replayGroup("memory-drill.dev.test.yml", /reads 89.5% for one scrape/, ["recording.rules.yml", "infrastructure.alerts.yml"], 20 * 60);
    const hmu = tr.filter((x) => x.alert === "HighMemoryUsage").map((x) => [x.state, x.t]);
    expect(hmu.map((x) => x[0])).toEqual(["pending", "firing"]);
    // promtool: pending at 7m30s-7m45s, firing 10 minutes later; plus up to one evaluation of
    // phase between the recording and the alert groups.
    expect(Number(hmu[1][1])).toBeGreaterThanOrEqual(17 * 60 + 30);
    expect(Number(hmu[1][1])).toBeLessThanOrEqual(18 * 60);
    expect(tr.filter((x) => x.alert === "MemoryExhaustionImminent").map((x) => x.state)).toEqual(["pending", "firing"]);
  });
});

const shortName = `npm run backtest -- --short: the normal hours stay quiet and each of the five incidents pages once, in time${replay && promtool ? "" : ` (${skipReason(replay ? "promtool" : "ruleReplay")})`}`;
(replay && promtool ? test : test.skip)(
  shortName,
  async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bt-short-"));
    try {
      const report = await backtest(runOptions(cfg, topo, { short: true, workDir, log: () => undefined }));
      process.stdout.write(`${formatReport(report)}\n`);
      expect(report.goals.filter((g) => !g.ok)).toEqual([]);
      expect(report.incidents.verdicts.map((v) => v.pages.length)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  },
  50 * 60_000, // niced in `npm test` beside the starting e2e lanes, it gets what they leave (scripts/test-all.sh)
);
