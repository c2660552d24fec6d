/**
 * Statistics every benchmark of this project prints: spread of a sample (min/median/max) and a
 * 95% confidence interval of a mean, so a figure comes with how far a rerun may move it.
 *
 * The interval is Student's t over independent units (ABBA blocks of the overhead benchmark,
 * evaluation cycles of the rule benchmark): mean ± t(0.975, n-1)·s/√n. With 10-30 units the t
 * interval is the honest one (a normal interval, or a bootstrap of so few units, is too narrow);
 * the quantile comes from jStat rather than a table typed in by hand.
 */
import { jStat } from "jstat";
import { seededRandom } from "../lib/latency";

/** min / median / max of a sample. */
export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** A mean with its two-sided confidence interval. */
export interface Interval {
  n: number;
  mean: number;
  /** Sample standard deviation (n-1). */
  sd: number;
  low: number;
  high: number;
  /** Confidence level of [low, high], e.g. 0.95. */
  level: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in [0, 1]) of a non-empty list (the R-7 / numpy default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error("quantile of an empty list");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** min / median / max. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("spread of an empty list");
  return { n: values.length, min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Student-t confidence interval of the mean of independent values (at least 2). */
export function tInterval(values: readonly number[], level = 0.95): Interval {
  const n = values.length;
  if (n < 2) throw new Error(`a confidence interval needs at least 2 values, got ${n}`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (jStat.studentt.inv(1 - (1 - level) / 2, n - 1) as number) * (sd / Math.sqrt(n));
  return { n, mean, sd, low: mean - half, high: mean + half, level };
}

/** True when two intervals share at least one point. */
export function overlaps(a: Pick<Interval, "low" | "high">, b: Pick<Interval, "low" | "high">): boolean {
  return a.low <= b.high && b.low <= a.high;
}

/** "12.3 [11.9, 12.8]" with `digits` decimals. */
export function formatInterval(i: Pick<Interval, "mean" | "low" | "high">, digits = 1, unit = ""): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(i.mean)}${unit} [${f(i.low)}, ${f(i.high)}]`;
}

/** "min 1.0 / median 1.2 / max 1.9" with `digits` decimals. */
export function formatSpread(s: Spread, digits = 1, unit = ""): string {
  const f = (v: number) => `${v.toFixed(digits)}${unit}`;
  return `min ${f(s.min)} / median ${f(s.median)} / max ${f(s.max)} (n=${s.n})`;
}

/**
 * Percentile-bootstrap confidence interval of the MEDIAN of independent values: resample the
 * units with replacement `resamples` times, take each resample's median, report the
 * (1-level)/2 and (1+level)/2 quantiles. Robust where the t-interval is not: one block that
 * another process preempted (CPU/request x3 for a second) moves a mean and its standard
 * deviation a lot and a median hardly at all. Reported as `mean` = the sample median.
 */
export function bootstrapMedianInterval(values: readonly number[], level = 0.95, resamples = 10_000, seed = 15): Interval {
  const n = values.length;
  if (n < 3) throw new Error(`a bootstrap interval needs at least 3 values, got ${n}`);
  // Deterministic (seededRandom is mulberry32): a bootstrap prints the same interval for the same data.
  const rand = seededRandom(seed);
  const medians = new Float64Array(resamples);
  const sample = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(rand() * n)];
    medians[b] = median(sample);
  }
  const sorted = Array.from(medians).sort((x, y) => x - y);
  const at = (q: number) => quantile(sorted, q);
  const m = median(values);
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
  return { n, mean: m, sd, low: at((1 - level) / 2), high: at((1 + level) / 2), level };
}

/**
 * The same interval when the values come in groups that share an offset: rounds measured on
 * one pair of processes. A process's JIT and memory layout give it a speed of its own for its
 * lifetime (measured: two runs of 32 rounds each on one fresh pair gave Node +3.8% [2.8, 6.3]
 * and +0.0% [-1.3, 0.6], intervals that do not overlap), so rounds of one pair are not
 * independent draws and a flat bootstrap over them is too narrow. Two levels: resample the
 * groups with replacement, then each picked group's values, and take the median of the pool.
 * Reported `mean` is the median of all values; `n` the number of groups.
 */
export function nestedBootstrapMedianInterval(groups: readonly (readonly number[])[], level = 0.95, resamples = 10_000, seed = 15): Interval {
  const g = groups.length;
  if (g < 3) throw new Error(`a nested bootstrap interval needs at least 3 groups, got ${g}`);
  if (groups.some((v) => v.length === 0)) throw new Error("a nested bootstrap interval needs values in every group");
  const rand = seededRandom(seed);
  const all = groups.flat();
  const medians = new Float64Array(resamples);
  const pool: number[] = [];
  for (let b = 0; b < resamples; b++) {
    pool.length = 0;
    for (let i = 0; i < g; i++) {
      const group = groups[Math.floor(rand() * g)];
      for (let j = 0; j < group.length; j++) pool.push(group[Math.floor(rand() * group.length)]);
    }
    medians[b] = median(pool);
  }
  const sorted = Array.from(medians).sort((x, y) => x - y);
  const m = median(all);
  const sd = Math.sqrt(all.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, all.length - 1));
  return { n: g, mean: m, sd, low: quantile(sorted, (1 - level) / 2), high: quantile(sorted, (1 + level) / 2), level };
}
