/**
 * How Grafana turns a panel query into a Prometheus request: the interval, the step, the
 * aligned range and the values of $__interval, $__rate_interval and $__range. Reproduced
 * from Grafana 12's Prometheus backend (pkg/promlib/models/query.go, intervalv2, gtime) so the
 * checker and the benchmark send what Grafana would send:
 *
 *   interval   = max(roundInterval(range / maxDataPoints), minInterval)
 *                minInterval: the panel's min interval, else the datasource's timeInterval
 *                (render/grafana.ts sets it to the scrape interval, 15 s)
 *   step       = max(interval, roundInterval(range / 11000))
 *   $__rate_interval = max(interval + scrape, 4 * scrape), scrape = the same minInterval
 *   range      = [floor(from / step) * step, floor(to / step) * step] (range queries)
 *   $__range   = round(range in seconds) + "s"
 *
 * With the defaults (6 h, 1000 points, 15 s): interval and step 20 s, $__rate_interval 1m0s.
 */

/** Parses a Prometheus/Grafana duration ("15s", "1m30s", "1h", "250ms") to milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]], 0);
}

// Grafana's gtime.RoundInterval: upper bound of each bracket -> the "nice" interval it rounds to.
const ROUND: Array<[number, number]> = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000],
  [12500, 10000], [17500, 15000], [25000, 20000], [45000, 30000], [90000, 60000], [210000, 120000],
  [450000, 300000], [750000, 600000], [1050000, 900000], [1500000, 1200000], [2700000, 1800000],
  [5400000, 3600000], [9000000, 7200000], [16200000, 10800000], [32400000, 21600000], [86400000, 43200000],
  [172800000, 86400000], [604800000, 86400000], [1814400000, 604800000],
];

/** Grafana's roundInterval (milliseconds in, milliseconds out). */
export function roundInterval(ms: number): number {
  for (const [upTo, to] of ROUND) if (ms <= upTo) return to;
  return ms < 3628800000 ? 2592000000 : 31536000000;
}

/** Grafana's gtime.FormatInterval: the largest whole unit ("20s", "1m", "2h"). */
export function formatInterval(ms: number): string {
  const units: Array<[number, string]> = [[31_536_000_000, "y"], [86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"], [1, "ms"]];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return "1ms";
}

/** Go's time.Duration.String for whole seconds, which Grafana uses for $__rate_interval ("1m0s"). */
export function goDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms / 1000}s`;
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h${m}m${sec}s`;
  if (m) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** The dashboard's time range and the datasource settings a query depends on. */
export interface TimeContext {
  /** Range start and end, epoch milliseconds. */
  fromMs: number;
  toMs: number;
  /** Grafana sends the panel's width in pixels; 1000 is a half-width panel on a common screen. */
  maxDataPoints: number;
  /** The datasource's scrape interval (jsonData.timeInterval). */
  scrapeInterval: string;
}

/** What Grafana sends to Prometheus for one query. */
export interface PreparedQuery {
  expr: string;
  instant: boolean;
  /** Range queries: aligned start/end (seconds) and step; instant queries: time = end. */
  startS: number;
  endS: number;
  stepS: number;
  intervalMs: number;
  rateIntervalMs: number;
}

/** Computes interval, step and range, and replaces Grafana's built-in variables in `expr`. */
export function prepareQuery(expr: string, instant: boolean, t: TimeContext, minInterval?: string, maxDataPoints?: number): PreparedQuery {
  const rangeMs = t.toMs - t.fromMs;
  const lowLimitMs = durationMs(minInterval ?? t.scrapeInterval);
  const intervalMs = Math.max(roundInterval(rangeMs / (maxDataPoints ?? t.maxDataPoints)), lowLimitMs);
  const stepMs = Math.max(intervalMs, roundInterval(rangeMs / 11000));
  const rateIntervalMs = Math.max(intervalMs + lowLimitMs, 4 * lowLimitMs);
  const rangeS = Math.round(rangeMs / 1000);
  // ${__name} is the same variable as $__name.
  const filled = expr
    .replace(/\$\{(__\w+)\}/g, "$$$1")
    .replaceAll("$__interval_ms", String(stepMs))
    .replaceAll("$__interval", formatInterval(stepMs))
    .replaceAll("$__range_ms", String(rangeMs))
    .replaceAll("$__range_s", String(rangeS))
    .replaceAll("$__range", `${rangeS}s`)
    .replaceAll("$__rate_interval_ms", String(rateIntervalMs))
    .replaceAll("$__rate_interval", goDuration(rateIntervalMs));
  const align = (ms: number) => Math.floor(ms / stepMs) * (stepMs / 1000);
  return {
    expr: filled,
    instant,
    startS: instant ? t.toMs / 1000 : align(t.fromMs),
    endS: instant ? t.toMs / 1000 : align(t.toMs),
    stepS: stepMs / 1000,
    intervalMs,
    rateIntervalMs,
  };
}
