/**
 * `npm run bench:rules -- --history 30d`: rule evaluation at steady state (rules/bench/): a
 * Prometheus holding 30 days of history for 12 and 120 services (120 = 10x the fleet AND its
 * SLOs), side by side with a fresh TSDB, live-fed by the synthetic fleet; per group median and
 * worst cycle, samples touched, errors; the footprint (bytes/sample, head series, ingestion,
 * RSS). Goal at 120 services: every group's worst cycle < 1 s, all groups < 25% of the
 * evaluation interval. Exits 3 when the goal is missed.
 *
 *   npm run bench:rules -- --history 30d [--services 12,120] [--minutes 5] [--warmup 1]
 *                          [--recent-hours 8] [--old-step 120] [--rebuild] [--json FILE] [--dashboards ROUNDS]
 *                          [--prometheus image|debian]   (the servers: the images' 3.5, default, or Debian's 2.42)
 *
 * Without --history, the older live-stack mode: rule-evaluation time per group, on the local stack (12 services)
 * and on a 10x fleet (120 service targets), with 0 errors. Goal: < 1 s per cycle.
 *
 * The 10x fleet is real data, not synthetic: a second Prometheus (Debian's, same version as
 * the local stack) scrapes each of the 12 running services as 10 distinct targets (instance
 * r0..r9), i.e. 10 pods per service, with the same rendered rules. Both Prometheus servers
 * report each group's `evaluationTime` after every cycle; we sample them for a few minutes.
 *
 *   npm run bench:rules [-- --minutes 6] [--port-offset 40000]
 *
 * Starts its own local stack on offset ports (--port-offset, else BENCH_PORT_OFFSET, else 40000:
 * away from the e2e suites' offsets) in a temporary directory and stops everything it started.
 * Loopback only.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { defaultOptions, localStackConfig } from "../local/config";
import { BINARIES } from "../local/plan";
import { startLocalStack } from "../local/stack";
import { Supervisor } from "../local/supervisor";
import { renderPrometheusConfig } from "../render/prometheus";
import { renderRuleFiles } from "../rules";
import { parseArgs } from "util";
import { durationSeconds } from "../config/validate";
import { localStack } from "../dashboards/testing/fixture";
import { dashboardReport, footprintRows, footprintText, report, runSteady, steadyPrometheus } from "../rules/bench/steady";
import { buildHistory } from "../rules/bench/history";
import { scaledConfig } from "../dashboards/testing/profiles";

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const minutes = Number(arg("--minutes") || 6);
const portOffset = arg("--port-offset") ?? process.env.BENCH_PORT_OFFSET ?? "40000";
if (!/^\d+$/.test(portOffset) || Number(portOffset) + 10000 > 65535) {
  process.stderr.write(`bench:rules: --port-offset must be an integer such that the stack's ports (about offset + 3000 .. offset + 9300) stay under 65536, got ${portOffset}\n`);
  process.exit(2);
}
const REPLICAS = 10;

async function rules(url: string): Promise<Array<{ name: string; seconds: number; errors: number; rules: number }>> {
  const d = (await (await fetch(`${url}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) })).json()) as any;
  return d.data.groups.map((g: any) => ({ name: g.name, seconds: g.evaluationTime, errors: g.rules.filter((r: any) => r.health !== "ok").length, rules: g.rules.length }));
}

async function series(url: string): Promise<number> {
  const d = (await (await fetch(`${url}/api/v1/query?query=prometheus_tsdb_head_series`)).json()) as any;
  return Number(d.data.result[0]?.value[1] ?? 0);
}

/** prometheus.yml of the 10x fleet: every service job scrapes its target as 10 instances. */
function tenfoldConfig(text: string): string {
  const doc = yaml.load(text) as any;
  // Measure evaluation only: the copy must not send alerts to the stack's Alertmanager.
  delete doc.alerting;
  for (const job of doc.scrape_configs) {
    const sc = job.static_configs?.[0];
    if (!sc?.labels?.service) continue;
    job.static_configs = Array.from({ length: REPLICAS }, (_, k) => ({ targets: sc.targets, labels: { ...sc.labels, instance: `${sc.targets[0]}/r${k}` } }));
  }
  return yaml.dump(doc, { lineWidth: -1 });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rules-"));
  const o = defaultOptions({ LOCAL_PORT_OFFSET: portOffset, LOCAL_STATE_DIR: path.join(dir, "stack"), LOCAL_TRAFFIC_DURATION: `${minutes + 5}m` });
  process.stdout.write(`starting the local stack (port offset ${portOffset}) in ${dir} ...\n`);
  const stack = await startLocalStack(o);
  const sup = new Supervisor(path.join(dir, "x10"));
  try {
    const { cfg, topo } = localStackConfig(o);
    const root = path.join(dir, "x10", "etc");
    const topo10 = { ...topo, roots: { ...topo.roots, prometheus: root }, prometheusTargets: [`127.0.0.1:${o.ports.prometheus + 1}`] };
    fs.mkdirSync(path.join(root, "rules"), { recursive: true });
    fs.writeFileSync(path.join(root, "prometheus.yml"), tenfoldConfig(renderPrometheusConfig(cfg, topo10)));
    for (const [f, content] of Object.entries(renderRuleFiles(cfg, topo10))) fs.writeFileSync(path.join(root, "rules", f), content);
    const url10 = `http://127.0.0.1:${o.ports.prometheus + 1}`;
    const spec = {
      name: "prometheus-x10",
      command: BINARIES.prometheus,
      args: [`--config.file=${path.join(root, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "x10", "data")}`, `--web.listen-address=127.0.0.1:${o.ports.prometheus + 1}`],
      ports: [o.ports.prometheus + 1],
      healthUrl: `${url10}/-/ready`,
    };
    sup.start(spec);
    await sup.waitHealthy(spec, 60_000);
    const url1 = `http://127.0.0.1:${o.ports.prometheus}`;
    const samples: Record<string, Record<string, number[]>> = { "12 services": {}, "120 targets": {} };
    const errors: Record<string, number> = { "12 services": 0, "120 targets": 0 };
    const end = Date.now() + minutes * 60_000;
    process.stdout.write(`sampling rule evaluation for ${minutes} minutes (one sample per 15 s cycle) ...\n`);
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 15_000));
      for (const [label, url] of [["12 services", url1], ["120 targets", url10]] as const) {
        for (const g of await rules(url)) {
          (samples[label][g.name] ??= []).push(g.seconds * 1000);
          errors[label] = Math.max(errors[label], g.errors);
        }
      }
    }
    const s1 = await series(url1);
    const s10 = await series(url10);
    process.stdout.write(`\nhead series: 12 services ${s1}, 120 targets ${s10}\n\n`);
    process.stdout.write(`${"group".padEnd(38)} ${"12 svc p50/max ms".padStart(20)} ${"120 tgt p50/max ms".padStart(20)}\n`);
    const groups = Object.keys(samples["120 targets"]);
    let tot1 = 0;
    let tot10 = 0;
    for (const g of groups) {
      const a = samples["12 services"][g] ?? [0];
      const b = samples["120 targets"][g];
      tot1 += Math.max(...a);
      tot10 += Math.max(...b);
      process.stdout.write(`${g.padEnd(38)} ${`${pct(a, 50).toFixed(1)} / ${Math.max(...a).toFixed(1)}`.padStart(20)} ${`${pct(b, 50).toFixed(1)} / ${Math.max(...b).toFixed(1)}`.padStart(20)}\n`);
    }
    process.stdout.write(`${"all groups, worst cycle (sum of max)".padEnd(38)} ${tot1.toFixed(1).padStart(20)} ${tot10.toFixed(1).padStart(20)}\n`);
    process.stdout.write(`rules with errors: 12 services ${errors["12 services"]}, 120 targets ${errors["120 targets"]}\n`);
    process.stdout.write(`goal < 1000 ms per cycle with 0 errors: ${tot10 < 1000 && errors["120 targets"] === 0 && errors["12 services"] === 0 ? "MET" : "MISSED"}\n`);
  } finally {
    await sup.stopAll();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function steady(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: "string" },
      services: { type: "string", default: "12,120" },
      prometheus: { type: "string", default: "image" },
      minutes: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      "recent-hours": { type: "string", default: "8" },
      "old-step": { type: "string", default: "120" },
      cache: { type: "string", default: path.resolve(__dirname, "..", ".local", "bench-history") },
      rebuild: { type: "boolean", default: false },
      "build-only": { type: "boolean", default: false },
      dashboards: { type: "string" },
      json: { type: "string" },
    },
  });
  const days = durationSeconds(values.history!) / 86400;
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  if (!Number.isInteger(days) || days < 1) throw new Error(`--history must be whole days such as 30d, got ${values.history}`);
  const { cfg } = localStack();
  const o = {
    base: cfg, days,
    sizes: values.services!.split(",").map((s) => num("services", s, 1)),
    minutes: num("minutes", values.minutes!, 1), warmupMinutes: num("warmup", values.warmup!, 0),
    recentHours: num("recent-hours", values["recent-hours"]!, 7), oldStepS: num("old-step", values["old-step"]!, 15),
    cacheRoot: values.cache!, rebuild: values.rebuild!, rules: true,
    // --dashboards N: also time N loads of each dashboard variant on the day-N server (bench:dashboards --history).
    dashboards: values.dashboards ? { rounds: num("dashboards", values.dashboards, 1), maxDataPoints: 1000 } : undefined,
    prometheus: values["build-only"] ? { bin: "", label: "" } : steadyPrometheus(values.prometheus!, (m) => process.stderr.write(`${m}\n`)),
  };
  fs.mkdirSync(o.cacheRoot, { recursive: true });
  const started = Date.now();
  if (values["build-only"]) {
    for (const n of o.sizes) await buildHistory({ cfg: n === cfg.services.length ? cfg : scaledConfig(cfg, n, { cloneSlos: true }), days, recentHours: o.recentHours, oldStepS: o.oldStepS, cacheRoot: o.cacheRoot, rebuild: o.rebuild, log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(`built in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
    return;
  }
  const figures = await runSteady(o);
  const { text, met } = report(figures, o, durationSeconds(cfg.scrape.evaluationInterval));
  process.stdout.write(`${text}\n`);
  const retentionDays = durationSeconds(cfg.retention.time) / 86400;
  const rows = footprintRows(figures, cfg.retention.sizeGB * 1e9, [1200]);
  process.stdout.write(`\n== footprint (measured at the sizes run; projected rows fitted linearly through them; RSS after ${o.warmupMinutes + o.minutes} min of ingestion, a head holds up to 3 h) ==\n${footprintText(rows, retentionDays, cfg.retention.sizeGB)}\n`);
  if (o.dashboards) process.stdout.write(`\n== dashboards on the day-${days} server ==\n${dashboardReport(figures, o).text}\n`);
  process.stdout.write(`(total ${((Date.now() - started) / 60000).toFixed(1)} min)\n`);
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify({ at: new Date().toISOString(), options: { ...o, base: undefined }, figures }, null, 2)}\n`);
  if (!met) process.exitCode = 3;
}

(process.argv.includes("--history") ? steady() : main()).catch((e: Error) => {
  process.stderr.write(`bench:rules failed: ${e.message}\n`);
  process.exit(1);
});
