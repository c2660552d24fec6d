/**
 * `npm run bench:rules -- --history 30d`: rule evaluation, footprint and (with --dashboards)
 * dashboard loads on a Prometheus holding N days of history, next to a fresh TSDB in the same
 * run. See rules/README.md ("Rule evaluation at steady state") for the figures.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StackConfig } from "../../config/schema";
import { startLiveFleet } from "../../dashboards/testing/live";
import { scaledConfig, synthServices } from "../../dashboards/testing/profiles";
import { formatSpread } from "../../services/bench/stats";
import { bytesPerSample, liveFootprint, type LiveFootprint } from "./footprint";
import { buildHistory, type History } from "./history";
import { measureRules, startRuleServer, type ServerResult } from "./run";
import { formatDeviation, formatMs, timeLoads, variants, type VariantResult } from "../../dashboards/bench/run";
import { businessVariants } from "../../dashboards/bench/business";
import { PROMETHEUS_BIN } from "../../dashboards/testing/prometheus";
import { locate, PROJECT_ROOT, TOOLS } from "../../scripts/tools/find";

/** Which Prometheus the day-N servers run: the images' version (default) or Debian's. */
export type SteadyPrometheus = "image" | "debian";
export const STEADY_PROMETHEUS: readonly SteadyPrometheus[] = ["image", "debian"];

/**
 * The server binary of a steady-state run. "image" is the version the images run (production's
 * Prometheus, built from the Go module proxy into the tool cache; built here, ~5 min, when
 * missing); "debian" is the 2.42 the local stack runs, to compare. Both read the same data set.
 */
export function steadyPrometheus(choice: string, log: (m: string) => void): { bin: string; label: string } {
  if (choice === "debian") return { bin: PROMETHEUS_BIN, label: TOOLS.prometheusDebian.label };
  if (choice !== "image") throw new Error(`--prometheus must be one of ${STEADY_PROMETHEUS.join(", ")}, got ${JSON.stringify(choice)}`);
  let tool = locate("prometheus");
  if (!tool) {
    log(`${TOOLS.prometheus.label} is not built: ${TOOLS.prometheus.fix}`);
    execFileSync("bash", [path.join(PROJECT_ROOT, "scripts/tools/build.sh"), "prometheus"], { stdio: ["ignore", "inherit", "inherit"] });
    tool = locate("prometheus");
    if (!tool) throw new Error(`${TOOLS.prometheus.label}: still missing after ${TOOLS.prometheus.fix}`);
  }
  return { bin: tool.path, label: tool.label };
}

/** Options of a steady-state run. */
export interface SteadyOptions {
  base: StackConfig;
  sizes: number[];
  days: number;
  minutes: number;
  warmupMinutes: number;
  recentHours: number;
  oldStepS: number;
  cacheRoot: string;
  rebuild: boolean;
  /** Sample rule evaluation (bench:rules) and/or time dashboard loads (bench:dashboards). */
  rules: boolean;
  dashboards?: { rounds: number; maxDataPoints: number };
  /** The server binary and its label (steadyPrometheus). */
  prometheus: { bin: string; label: string };
}

/** Dashboard loads on the day-N server (bench:dashboards --history). */
export interface DashboardFigures {
  ops: Awaited<ReturnType<typeof timeLoads>>;
  business: Awaited<ReturnType<typeof timeLoads>>;
}

/** Everything measured at one fleet size. */
export interface SizeFigures {
  services: number;
  slos: number;
  history: Pick<History, "startS" | "endS" | "recentFromS" | "blocks" | "builtInS">;
  steady?: ServerResult;
  fresh?: ServerResult;
  dashboards?: DashboardFigures;
  disk: ReturnType<typeof bytesPerSample>;
  live: LiveFootprint;
  tsdbBytes: number;
}

const log = (m: string) => process.stderr.write(`${m}\n`);

/** Copies a TSDB: blocks hard-linked (immutable), WAL and head chunks copied (appended to). */
function cloneTsdb(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from)) {
    const src = path.join(from, e);
    const isBlock = fs.existsSync(path.join(src, "meta.json"));
    if (e === "lock") continue;
    execFileSync("cp", [isBlock ? "-al" : "-r", src, path.join(to, e)]);
  }
}

export async function runSteady(o: SteadyOptions): Promise<SizeFigures[]> {
  const figures: SizeFigures[] = [];
  for (const n of o.sizes) {
    const cfg = n === o.base.services.length ? o.base : scaledConfig(o.base, n, { cloneSlos: true });
    const h = await buildHistory({ cfg, days: o.days, recentHours: o.recentHours, oldStepS: o.oldStepS, cacheRoot: o.cacheRoot, log, rebuild: o.rebuild });
    const runDir = fs.mkdtempSync(path.join(o.cacheRoot, `run-${n}-`));
    const fleet = await startLiveFleet(synthServices(cfg));
    const servers: Awaited<ReturnType<typeof startRuleServer>>[] = [];
    try {
      const steadyDir = path.join(runDir, "steady", "data");
      const freshDir = path.join(runDir, "fresh", "data");
      cloneTsdb(h.dataDir, steadyDir);
      fs.mkdirSync(freshDir, { recursive: true });
      const gapMin = (Date.now() / 1000 - h.endS) / 60;
      log(`${n} services: history ends ${gapMin.toFixed(0)} min ago (${gapMin > 60 ? "the raw windows see a gap: rebuild with --rebuild for the exact figure" : "live data continues it"}); starting both servers`);
      servers.push(await startRuleServer(`${o.days}d history`, cfg, h.topo, steadyDir, fleet.target, o.prometheus.bin));
      if (o.rules) servers.push(await startRuleServer("fresh TSDB", cfg, h.topo, freshDir, fleet.target, o.prometheus.bin));
      const [steady, fresh] = o.rules ? await measureRules(servers, cfg, o, log) : [undefined, undefined];
      let dashboards: DashboardFigures | undefined;
      if (o.dashboards) {
        if (!o.rules) await new Promise((r) => setTimeout(r, o.warmupMinutes * 60_000));
        const endMs = Date.now();
        const bo = { rounds: o.dashboards.rounds, maxDataPoints: o.dashboards.maxDataPoints };
        log(`${n} services: ops overview (6 h) and business dashboard (${o.days} d) loads, ${bo.rounds} rounds each`);
        dashboards = {
          ops: await timeLoads(servers[0].url, variants(cfg), { ...bo, rangeHours: 6 }, endMs),
          business: await timeLoads(servers[0].url, businessVariants(cfg), { ...bo, rangeHours: o.days * 24 }, endMs),
        };
      }
      figures.push({
        services: n, slos: cfg.slos.length,
        history: { startS: h.startS, endS: h.endS, recentFromS: h.recentFromS, blocks: h.blocks, builtInS: h.builtInS },
        steady, fresh, dashboards,
        disk: bytesPerSample(h.dataDir, h.recentFromS * 1000),
        live: await liveFootprint(servers[0].url, steadyDir),
        tsdbBytes: Number(execFileSync("du", ["-sb", "-L", h.dataDir]).toString().split("\t")[0]),
      });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await fleet.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  }
  return figures;
}

const ms = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(1));
const si = (v: number) => (v >= 1e9 ? `${(v / 1e9).toFixed(2)}G` : v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0));

/** The report: per size, per group, history vs fresh; then the goal verdict and the footprint. */
export function report(figures: SizeFigures[], o: SteadyOptions, intervalS: number): { text: string; met: boolean } {
  const out: string[] = [];
  let met = true;
  out.push(`${o.prometheus.label}; load average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs; ${o.minutes} min of cycles after ${o.warmupMinutes} min warm-up; both servers side by side`);
  for (const f of figures) {
    const steady = f.steady;
    const fresh = f.fresh;
    if (!steady || !fresh) continue;
    out.push(`\n== ${f.services} services, ${f.slos} SLOs: ${o.days} days of history vs a fresh TSDB (evaluation every ${intervalS} s) ==`);
    const head = ["group", "rules", `${o.days}d median ms`, `${o.days}d worst ms`, "samples/cycle", "fresh median", "fresh worst", "fresh samples", "errors"];
    const rows = steady.groups.map((g) => {
      const fr = fresh.groups.find((x) => x.group === g.group);
      return [g.group, String(g.rules), ms(g.ms.median), ms(g.ms.max), si(g.samples), ms(fr?.ms.median ?? NaN), ms(fr?.ms.max ?? NaN), si(fr?.samples ?? 0), `${g.unhealthy}/${fr?.unhealthy ?? "-"}`];
    });
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
    out.push(line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line));
    const worstGroup = steady.groups.reduce((a, g) => (g.ms.max > a.ms.max ? g : a));
    const budget = 0.25 * intervalS * 1000;
    out.push(`all groups per cycle (${o.days}d): ${formatSpread(steady.cycleSumMs, 1, " ms")}; sum of each group's worst ${steady.sumOfWorstMs.toFixed(1)} ms; fresh: ${formatSpread(fresh.cycleSumMs, 1, " ms")}`);
    out.push(`rule evaluation failures in the window: ${o.days}d ${steady.failures}, fresh ${fresh.failures}; unhealthy rules: ${steady.groups.reduce((a, g) => a + g.unhealthy, 0)} / ${fresh.groups.reduce((a, g) => a + g.unhealthy, 0)}` +
      (steady.groups.find((g) => g.lastError) ? ` (${steady.groups.find((g) => g.lastError)!.lastError})` : ""));
    const sizeMet = worstGroup.ms.max < 1000 && steady.sumOfWorstMs < budget && steady.failures === 0;
    if (f.services >= 120) met &&= sizeMet;
    out.push(`goal (worst group cycle < 1000 ms, sum of groups' worst < ${budget.toFixed(0)} ms = 25% of ${intervalS} s, no errors): ` +
      `worst group ${worstGroup.group} ${worstGroup.ms.max.toFixed(1)} ms, sum ${steady.sumOfWorstMs.toFixed(1)} ms -> ${sizeMet ? "MET" : "MISSED"}`);
    const perDay = f.live.samplesPerSecond * 86400 * f.disk.bytesPerSample;
    out.push(`footprint: head series ${si(f.live.headSeries)}, ingestion ${f.live.samplesPerSecond.toFixed(0)} samples/s, ` +
      `${f.disk.bytesPerSample.toFixed(2)} bytes/sample on disk (${f.disk.blocks} compacted full-fleet blocks, ${si(f.disk.samples)} samples), ` +
      `disk/day ${(perDay / 2 ** 20).toFixed(0)} MiB, RSS ${formatSpread({ ...steady.rss, min: steady.rss.min / 2 ** 20, median: steady.rss.median / 2 ** 20, max: steady.rss.max / 2 ** 20 }, 0, " MiB")} (${o.days}d), ` +
      `fresh ${(fresh.rss.median / 2 ** 20).toFixed(0)} MiB; WAL ${(f.live.walBytes / 2 ** 20).toFixed(0)} MiB after ${o.warmupMinutes + o.minutes} min`);
  }
  return { text: out.join("\n"), met };
}

/** One row of the footprint table. */
export interface FootprintRow {
  services: number;
  projected: boolean;
  headSeries: number;
  samplesPerSecond: number;
  bytesPerSample: number;
  diskPerDayBytes: number;
  rssBytes: number;
  /** Days of data the size cap holds (the time cap bites first when this is over the retention time). */
  daysInSizeCap: number;
}

/**
 * Measured rows (one per size run) and a projected row for `projectTo` services: head series,
 * ingestion and RSS are fitted as a + b x services through the two measured sizes (fixed part:
 * hosts, the stack itself, business metrics; variable part: per service); bytes/sample is the
 * larger measured one. Disk per day = ingestion x 86,400 x bytes/sample.
 */
export function footprintRows(figures: SizeFigures[], sizeCapBytes: number, projectTo: number[]): FootprintRow[] {
  const measured = figures.filter((f) => f.steady).map((f): FootprintRow => {
    const perDay = f.live.samplesPerSecond * 86400 * f.disk.bytesPerSample;
    return {
      services: f.services, projected: false, headSeries: f.live.headSeries, samplesPerSecond: f.live.samplesPerSecond,
      bytesPerSample: f.disk.bytesPerSample, diskPerDayBytes: perDay, rssBytes: f.steady!.rss.max, daysInSizeCap: sizeCapBytes / perDay,
    };
  });
  if (measured.length < 2) return measured;
  const [a, b] = [measured[0], measured[measured.length - 1]];
  const fit = (key: "headSeries" | "samplesPerSecond" | "rssBytes", n: number) => a[key] + ((b[key] - a[key]) / (b.services - a.services)) * (n - a.services);
  const bps = Math.max(...measured.map((m) => m.bytesPerSample));
  const projected = projectTo.map((n): FootprintRow => {
    const sps = fit("samplesPerSecond", n);
    const perDay = sps * 86400 * bps;
    return { services: n, projected: true, headSeries: fit("headSeries", n), samplesPerSecond: sps, bytesPerSample: bps, diskPerDayBytes: perDay, rssBytes: fit("rssBytes", n), daysInSizeCap: sizeCapBytes / perDay };
  });
  return [...measured, ...projected];
}

/** The footprint table as text. */
export function footprintText(rows: FootprintRow[], retentionDays: number, sizeCapGB: number): string {
  const head = ["services", "", "head series", "samples/s", "bytes/sample", "disk/day", `disk for ${retentionDays} d`, "RSS", `${sizeCapGB} GB cap holds`];
  const gib = (v: number) => `${(v / 2 ** 30).toFixed(v < 2 ** 30 ? 2 : 1)} GiB`;
  const data = rows.map((r) => [
    String(r.services), r.projected ? "projected" : "measured", si(r.headSeries), r.samplesPerSecond.toFixed(0), r.bytesPerSample.toFixed(2),
    `${(r.diskPerDayBytes / 2 ** 20).toFixed(0)} MiB`, gib(r.diskPerDayBytes * retentionDays), `${(r.rssBytes / 2 ** 20).toFixed(0)} MiB`,
    r.daysInSizeCap >= retentionDays ? `${r.daysInSizeCap.toFixed(0)} d (time cap first)` : `${r.daysInSizeCap.toFixed(1)} d (SIZE CAP FIRST)`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...data.map(line)].join("\n");
}

/** The dashboards report: per size and dashboard, each variant's load time. */
export function dashboardReport(figures: SizeFigures[], o: SteadyOptions): { text: string; met: boolean } {
  const out: string[] = [`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs; every query of a dashboard at once, as Grafana sends them, against the ${o.days}-day server (${o.prometheus.label}) while it ingests and evaluates its rules`];
  let met = true;
  const head = ["services", "dashboard", "range", "variant", "queries", "series", "median ms", "p95 ms", "min ms", "max ms"];
  const rows: string[][] = [];
  for (const f of figures) {
    if (!f.dashboards) continue;
    for (const [name, range, d] of [["ops overview", "6h", f.dashboards.ops], ["business", `${o.days}d`, f.dashboards.business]] as const) {
      for (const v of d.variants) rows.push([String(f.services), name, range, v.variant, String(v.queries), String(v.series), formatMs(v, "median"), formatMs(v, "p95"), formatMs(v, "min"), formatMs(v, "max")]);
    }
    const ops = f.dashboards.ops.variants[0];
    if (f.services >= 120) met &&= ops.timedOutAfterMs === undefined && ops.median <= 100;
    const ratio = (a: VariantResult, b: VariantResult) =>
      b.timedOutAfterMs !== undefined ? "n/a (recorded timed out)" : a.timedOutAfterMs !== undefined ? `> ${(a.timedOutAfterMs / b.median).toFixed(0)}x (timed out)` : `${(a.median / b.median).toFixed(1)}x`;
    out.push(`${f.services} services: ops overview recorded median ${ops.median.toFixed(1)} ms (goal <= 100 ms at 120 services); raw/recorded ${ratio(f.dashboards.ops.variants[1], ops)}; ` +
      `business raw budgets / recorded ${ratio(f.dashboards.business.variants[1], f.dashboards.business.variants[0])}; tiles differ by at most ${formatDeviation(f.dashboards.ops)} (ops) / ${formatDeviation(f.dashboards.business)} (business budgets)`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i < 4 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  out.splice(1, 0, line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line));
  return { text: out.join("\n"), met };
}
