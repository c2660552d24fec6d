/**
 * `npm run bench:dashboards`: how fast the ops overview loads, on recorded series and on raw
 * series, at 12 and 120 services (dashboards/bench/). Prints a table; dashboards/README.md
 * keeps the figures of the last run.
 *
 *   --services 12,120   sizes to measure (120 = the 12 fleet profiles x 10, 120 service names)
 *   --hours 6           hours of data (and the dashboard's range)
 *   --rounds 20         timed loads per variant
 *   --points 1000       Grafana's maxDataPoints (a half-width panel on a common screen)
 *   --cache DIR         where data sets are kept (default .local/bench-dashboards)
 *
 *   --history 30d       steady state instead: the ops overview (6 h) and the business dashboard
 *                       (30-day range, recorded vs raw budgets) on a Prometheus holding 30 days
 *                       of history (rules/bench/history.ts, the data set bench:rules builds and
 *                       caches under .local/bench-history), live-fed and evaluating its rules.
 *   --prometheus image  with --history: the server the images run (3.5, built into the tool
 *                       cache when missing), or `debian` (2.42, what the 6-hour mode runs)
 *                       Exits 3 when the ops overview's median at 120 services is over 100 ms.
 */
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { benchData } from "../dashboards/bench/data";
import { formatDeviation, measure, type SizeResult } from "../dashboards/bench/run";
import { localStack } from "../dashboards/testing/fixture";
import { TREND_POINTS } from "../dashboards/tiles";
import { durationSeconds } from "../config/validate";
import { dashboardReport, runSteady, steadyPrometheus } from "../rules/bench/steady";

const GOAL_MS = 100;
const LIMIT_MS = 2000;

function table(results: SizeResult[]): string {
  const rows = results.flatMap((r) => {
    const base = r.variants[0].median;
    return r.variants.map((v) =>
      [String(r.services), v.variant, String(v.queries), String(v.series), v.median.toFixed(1), v.p95.toFixed(1), v.min.toFixed(1), (v.median / base).toFixed(1) + "x"],
    );
  });
  const head = ["services", "variant", "queries", "series", "median ms", "p95 ms", "min ms", "vs recorded"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function steady(history: string, values: { services?: string; rounds?: string; points?: string; prometheus?: string }): Promise<void> {
  const days = durationSeconds(history) / 86400;
  if (!Number.isInteger(days) || days < 1) throw new Error(`--history must be whole days such as 30d, got ${history}`);
  const { cfg } = localStack();
  const o = {
    base: cfg, days, sizes: values.services!.split(",").map(Number), minutes: 0, warmupMinutes: 1, recentHours: 8, oldStepS: 120,
    cacheRoot: path.resolve(__dirname, "..", ".local", "bench-history"), rebuild: false, rules: false,
    dashboards: { rounds: Number(values.rounds), maxDataPoints: Number(values.points) },
    prometheus: steadyPrometheus(values.prometheus!, (m) => process.stderr.write(`${m}\n`)),
  };
  const figures = await runSteady(o);
  const { text, met } = dashboardReport(figures, o);
  console.log(text);
  if (!met) process.exitCode = 3;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: "string" },
      prometheus: { type: "string", default: "image" },
      services: { type: "string", default: "12,120" },
      hours: { type: "string", default: "6" },
      rounds: { type: "string", default: "20" },
      points: { type: "string", default: "1000" },
      cache: { type: "string", default: path.resolve(__dirname, "..", ".local", "bench-dashboards") },
    },
  });
  if (values.history) return steady(values.history, values);
  const sizes = values.services!.split(",").map(Number);
  const o = { rounds: Number(values.rounds), rangeHours: Number(values.hours), maxDataPoints: Number(values.points) };
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const { cfg } = localStack();
  const results: SizeResult[] = [];
  for (const n of sizes) {
    const data = await benchData(cfg, n, o.rangeHours, values.cache!, log);
    results.push(await measure(data, o, log));
  }
  console.log(`ops overview: ${o.rangeHours} h range; tiles are instant queries, trends range queries at step ${results[0]?.stepS} s (their maxDataPoints ${TREND_POINTS}; ${o.maxDataPoints} for panels without one); all queries in parallel; ${o.rounds} loads per variant`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs`);
  console.log(`Prometheus: ${process.env.PROMETHEUS ?? "/usr/bin/prometheus"} on 127.0.0.1, compacted TSDB of synthetic scrapes + recorded series`);
  console.log(table(results));
  for (const r of results) {
    const rec = r.variants[0];
    const verdict = rec.p95 <= GOAL_MS ? "meets the 100 ms goal" : rec.p95 <= LIMIT_MS ? "within the 2 s limit, above the 100 ms goal" : "ABOVE THE 2 s LIMIT";
    console.log(`${r.services} services: recorded p95 ${rec.p95.toFixed(1)} ms (${verdict}); raw 5m / recorded = ${(r.variants[1].median / rec.median).toFixed(1)}x, raw $__rate_interval / recorded = ${(r.variants[2].median / rec.median).toFixed(1)}x (medians); recorded and raw-5m tile values differ by at most ${formatDeviation(r)}`);
  }
  if (results.some((r) => r.variants[0].p95 > LIMIT_MS)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
