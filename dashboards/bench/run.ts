/**
 * The ops overview benchmark: every query of the overview issued as Grafana issues them when
 * the dashboard opens (range queries over 6 h, step from maxDataPoints and the scrape
 * interval, all at once), timed from the first request to the last response, against Debian's
 * Prometheus on a compacted TSDB of 12 or 120 services. Three variants of the same seven panels:
 *
 *   recorded                the provisioned dashboard (recorded series)
 *   raw, 5m windows         rate()/histogram_quantile() over raw series, same numbers
 *   raw, $__rate_interval   the same with Grafana's usual window (1m at this step)
 *
 * Variants alternate within each round so drift (page cache, compaction) hits all alike.
 */
import type { StackConfig } from "../../config/schema";
import { requestOf, seriesOf, type QueryOutcome } from "../check";
import { opsOverview } from "../ops-overview";
import { panelQueries, type PanelQuery } from "../queries";
import { startPrometheus } from "../testing/prometheus";
import { rawSignals } from "../tiles";
import type { BenchData } from "./data";

/** Options of one measurement. */
export interface BenchOptions {
  rounds: number;
  rangeHours: number;
  maxDataPoints: number;
  /**
   * A dashboard load still running after this many ms is abandoned (default 120 s, Grafana's
   * default data-source timeout is 30 s): the variant is reported as timed out, its remaining
   * rounds are skipped and the other variants go on, so one unusable variant (the raw budgets
   * of 40 SLOs over 30 days) does not cost the figures of the rest.
   */
  limitMs?: number;
}

/** Timings of one variant, milliseconds per dashboard load. */
export interface VariantResult {
  variant: string;
  queries: number;
  series: number;
  median: number;
  p95: number;
  min: number;
  max?: number;
  /** Set when a load of this variant passed BenchOptions.limitMs: the limit; the timings are NaN. */
  timedOutAfterMs?: number;
}

/** A dashboard load that passed its time limit. */
export class LoadTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`dashboard load still running after ${limitMs} ms`);
  }
}

/** A variant's time for a report: "> 120000 (timed out)" when it timed out. */
export function formatMs(v: VariantResult, key: "median" | "p95" | "min" | "max"): string {
  return v.timedOutAfterMs !== undefined ? `> ${v.timedOutAfterMs} (timed out)` : (v[key] ?? NaN).toFixed(1);
}

/** Results at one size. */
export interface SizeResult {
  services: number;
  stepS: number;
  variants: VariantResult[];
  /** Largest relative difference between recorded and raw-5m tile values (the same numbers?). */
  maxDeviation: number;
  /** The tile with that difference, "key: recorded vs raw", so a report can say which one. */
  worstTile?: string;
}

/** "1.23% [the tile: a vs b]" for a report, or why nothing was compared. */
export function formatDeviation(r: { maxDeviation: number; worstTile?: string }): string {
  if (Number.isNaN(r.maxDeviation)) return "(not compared: a variant timed out or no tile is shared)";
  return `${(100 * r.maxDeviation).toFixed(2)}%${r.worstTile ? ` [${r.worstTile}]` : ""}`;
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The three variants' queries for a config. */
export function variants(cfg: StackConfig): Array<{ name: string; queries: PanelQuery[] }> {
  return [
    { name: "recorded", queries: panelQueries(opsOverview(cfg)) },
    { name: "raw, 5m windows", queries: panelQueries(opsOverview(cfg, rawSignals(cfg, "5m"))) },
    { name: "raw, $__rate_interval", queries: panelQueries(opsOverview(cfg, rawSignals(cfg, "$__rate_interval"))) },
  ];
}

/**
 * One dashboard load: all queries at once, timed from the first request to the last response
 * body received. Like Grafana's Go client the requests accept gzip, so Prometheus compresses
 * as it would for Grafana; parsing happens after the clock stops (Grafana parses in Go, not JS).
 */
async function load(url: string, queries: PanelQuery[], o: BenchOptions, endMs: number): Promise<{ ms: number; outcomes: QueryOutcome[] }> {
  const opts = { endMs, rangeSeconds: o.rangeHours * 3600, maxDataPoints: o.maxDataPoints };
  const requests = queries.map((q) => requestOf(q, opts));
  const limitMs = o.limitMs ?? 120_000;
  // One signal for the whole load: when it fires every request of the load is aborted, and
  // Prometheus cancels a query whose client went away, so nothing keeps running into the next load.
  const signal = AbortSignal.timeout(limitMs);
  const started = performance.now();
  let bodies: Array<{ status: number; text: string }>;
  try {
    bodies = await Promise.all(
      requests.map(async (r) => {
        const res = await fetch(`${url}${r.path}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip" },
          body: new URLSearchParams(r.params).toString(),
          signal,
        });
        return { status: res.status, text: await res.text() };
      }),
    );
  } catch (e) {
    if (signal.aborted) throw new LoadTimeout(limitMs);
    throw e;
  }
  const ms = performance.now() - started;
  const outcomes = bodies.map((b, i) => {
    const body = JSON.parse(b.text) as { status: string; data: { resultType: string; result: unknown[] }; error?: string };
    if (body.status !== "success") throw new Error(`bench query failed: ${queries[i].panelTitle}: HTTP ${b.status} ${body.error}`);
    return { query: queries[i], promql: requests[i].promql, stepS: requests[i].stepS, series: seriesOf(body.data as never), tookMs: ms };
  });
  return { ms, outcomes };
}

/**
 * Value per tile of a load, for checking the variants compute the same numbers. A tile is what
 * Grafana draws: the panel, the query and the series' legend ({{service}} on the ops overview,
 * {{slo}} on the business dashboard's budgets; the whole label set when a query has no legend).
 * Keying on the service label alone collapsed the business dashboard's 40 SLO bars (no service
 * label after `max by (slo)`) into one key and compared one SLO's recorded budget with another's
 * raw one: a 149% "difference" at 120 services that was the benchmark's. A legend two series of
 * one load share is ambiguous and left out of the comparison rather than guessed.
 * Tiles only: they are instant, so both variants answer for the same moment (a trend's last
 * point under topk is wherever the series last made the top 10).
 */
export function tileValues(outcomes: QueryOutcome[]): Map<string, number> {
  const values = new Map<string, number>();
  const ambiguous = new Set<string>();
  for (const o of outcomes.filter((x) => x.query.instant)) {
    for (const s of o.series) {
      if (s.last === undefined) continue;
      const legend = o.query.legend
        ? o.query.legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => s.labels[name] ?? "")
        : JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== "__name__").sort(([a], [b]) => a.localeCompare(b)));
      const key = `${o.query.panelTitle} / ${o.query.refId} / ${legend}`;
      if (values.has(key)) ambiguous.add(key);
      values.set(key, s.last);
    }
  }
  for (const key of ambiguous) values.delete(key);
  return values;
}

/**
 * Largest relative difference between the tiles two loads share; NaN when they share none
 * (nothing was compared: not a false 0%).
 */
export function tileDeviation(a: Map<string, number>, b: Map<string, number>): number {
  return worstTile(a, b)?.deviation ?? NaN;
}

/** One tile's values in two variants and their relative difference. */
export interface TileDifference { key: string; a: number; b: number; deviation: number }

/** The tile behind tileDeviation (undefined when none is shared). */
export function worstTile(a: Map<string, number>, b: Map<string, number>): TileDifference | undefined {
  let worst: TileDifference | undefined;
  for (const [key, v] of a) {
    if (!b.has(key) || v === 0) continue;
    const deviation = Math.abs(b.get(key)! - v) / Math.abs(v);
    if (!worst || deviation > worst.deviation) worst = { key, a: v, b: b.get(key)!, deviation };
  }
  return worst;
}

/** Timings of variants of one dashboard, loaded alternately against one Prometheus. */
export async function timeLoads(url: string, vs: Array<{ name: string; queries: PanelQuery[] }>, o: BenchOptions, endMs: number): Promise<{ variants: VariantResult[]; maxDeviation: number; worstTile?: string; stepS: number }> {
  const timedOut = new Map<number, number>();
  /** One load of variant i, or undefined when it (now or before) passed the limit. */
  const attempt = async (i: number) => {
    if (timedOut.has(i)) return undefined;
    try {
      return await load(url, vs[i].queries, o, endMs);
    } catch (e) {
      if (!(e instanceof LoadTimeout)) throw e;
      timedOut.set(i, e.limitMs);
      return undefined;
    }
  };
  // Warm-up: page cache, postings, Go's heap; not timed. One variant at a time, so a slow one
  // cannot push a fast one past the limit.
  const warm: Array<Awaited<ReturnType<typeof load>> | undefined> = [];
  for (let i = 0; i < vs.length; i++) warm.push(await attempt(i));
  const times = vs.map(() => [] as number[]);
  for (let round = 0; round < o.rounds; round++) {
    const order = vs.map((_, i) => (i + round) % vs.length);
    for (const i of order) {
      const r = await attempt(i);
      if (r) times[i].push(r.ms);
    }
  }
  // The tiles of the first two variants must agree (NaN when either timed out: not compared).
  const recorded = warm[0] ? tileValues(warm[0].outcomes) : new Map<string, number>();
  const raw = vs.length > 1 && warm[1] ? tileValues(warm[1].outcomes) : recorded;
  const worst = warm[0] && (vs.length < 2 || warm[1]) ? worstTile(recorded, raw) : undefined;
  return {
    stepS: Math.max(0, ...(warm.find((w) => w)?.outcomes ?? []).filter((r) => !r.query.instant).map((r) => r.stepS)),
    maxDeviation: worst?.deviation ?? NaN,
    worstTile: worst && `${worst.key}: ${worst.a.toPrecision(4)} vs ${worst.b.toPrecision(4)}`,
    variants: vs.map((v, i) => {
      if (timedOut.has(i)) {
        return { variant: v.name, queries: v.queries.length, series: NaN, median: NaN, p95: NaN, min: NaN, max: NaN, timedOutAfterMs: timedOut.get(i) };
      }
      const sorted = [...times[i]].sort((a, b) => a - b);
      return {
        variant: v.name,
        queries: v.queries.length,
        series: warm[i]!.outcomes.reduce((a, r) => a + r.series.length, 0),
        median: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        min: sorted[0],
        max: sorted[sorted.length - 1],
      };
    }),
  };
}

/** Measures the three variants on one data set. */
export async function measure(data: BenchData, o: BenchOptions, log: (m: string) => void): Promise<SizeResult> {
  const prometheus = await startPrometheus(data.dataDir);
  try {
    const t = await timeLoads(prometheus.url, variants(data.cfg), o, data.endS * 1000);
    log(`  ${data.cfg.services.length} services: ${o.rounds} rounds done`);
    return { services: data.cfg.services.length, stepS: t.stepS, maxDeviation: t.maxDeviation, worstTile: t.worstTile, variants: t.variants };
  } finally {
    await prometheus.stop();
  }
}
