/**
 * The model behind the synthetic data: what one simulated service does at one scrape (up or
 * down, requests by status, latency distribution) and the helpers every family writer uses.
 * Deterministic: a hash of (series, step), not a random generator, decides the noise.
 */
import type { Incident, SynthRoute, SynthService } from "./profiles";

/** What to generate. */
export interface SynthOptions {
  services: SynthService[];
  /** First and last scrape (epoch seconds, multiples of stepS). */
  startS: number;
  endS: number;
  stepS: number;
  incidents: Incident[];
  /**
   * Request counts (http_requests_total, histogram buckets and _count) as whole numbers, as the
   * services export them. Off by default (the dashboard checks compare exact fractions); the
   * steady-state benchmark turns it on so bytes per sample on disk are those of real counters.
   */
  integerCounts?: boolean;
  /**
   * Write only the histogram buckets this accepts (by service and `le` text) and no _sum: for data
   * sets that need a few buckets of many series (the steady-state benchmark's 30 days of SLO
   * inputs), so the lines no one reads are never formatted. Default: every bucket and _sum.
   */
  bucketFilter?: (service: string, le: string) => boolean;
}

export type Labels = Record<string, string>;
/** One family: its TYPE line and, per time step, the lines of every series that exists then. */
export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram";
  /** Called once per step in time order; returns the family's lines at that step. */
  step(t: number, k: number): string;
}

/** Deterministic noise in [1 - a, 1 + a] from a key and a step index (FNV-1a). */
export function jitter(key: string, k: number, a: number): number {
  let h = 2166136261;
  const s = `${key}#${k}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return 1 + a * (((h >>> 0) / 4294967295) * 2 - 1);
}

// Abramowitz-Stegun 7.1.26: the normal CDF to ~1e-7, plenty for bucket shares.
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Share of a log-normal distribution (median, p99) at or below `x`, and its mean. */
export function lognormal(medianS: number, p99S: number): { cdf: (x: number) => number; mean: number } {
  const sigma = Math.log(p99S / medianS) / 2.3263;
  return { cdf: (x) => phi((Math.log(x) - Math.log(medianS)) / sigma), mean: medianS * Math.exp((sigma * sigma) / 2) };
}

/** `{a="1",b="2"}`: label values here never need escaping (names, routes, numbers). */
export const fmtLabels = (l: Labels) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
/** A sample value: integers as they are, others to 4 decimals (rounding keeps counters monotone). */
export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));
/** The `le` label as each client library writes it: prom-client "1", Python's client "1.0". */
export const leText = (le: number, language: SynthService["language"]) => (language === "python" && Number.isInteger(le) ? le.toFixed(1) : String(le));

/** The state of one service at one step: is it up, what fails, how slow. */
export function stateAt(o: SynthOptions, svc: SynthService, t: number) {
  const active = o.incidents.filter((i) => i.service === svc.name && t >= i.fromS && t < i.toS);
  return {
    down: active.some((i) => i.kind === "down"),
    errorRatio: active.some((i) => i.kind === "errors") ? 1 : svc.errorRatio,
    slowdown: active.some((i) => i.kind === "slow") ? 10 : 1,
    memoryRunaway: active.some((i) => i.kind === "memory"),
  };
}

/** Requests of one route in one step, by status, with the latency distribution of the step. */
export function routeStep(o: SynthOptions, svc: SynthService, r: SynthRoute, t: number, k: number) {
  const s = stateAt(o, svc, t);
  const share = r.weight / svc.routes.reduce((a, x) => a + x.weight, 0);
  // A gentle daily shape plus +-10% noise per scrape.
  const diurnal = 1 + 0.2 * Math.sin((2 * Math.PI * t) / 86400);
  const n = s.down ? 0 : svc.rps * share * o.stepS * diurnal * jitter(`${svc.name}${r.route}`, k, 0.1);
  const errors = n * s.errorRatio;
  const client = (n - errors) * r.clientErrorRatio;
  return {
    down: s.down,
    byStatus: { "200": n - errors - client, [svc.errorStatus]: errors, [r.clientErrorStatus]: client } as Record<string, number>,
    latency: lognormal((r.latency.medianMs / 1000) * s.slowdown, (r.latency.p99Ms / 1000) * s.slowdown),
  };
}

