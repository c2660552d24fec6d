/**
 * The burn-rate tiers and their arithmetic: thresholds per SLO, budget consumed before a tier
 * fires, and the time a tier needs to notice a given error ratio.
 *
 * Tiers follow the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate) plus
 * one faster tier: a 14.4x burn needs a 1h error ratio of 14.4 x budget, which a 99.5% or a 99%
 * latency SLO only reaches after 4-9 minutes of TOTAL failure. The fast tier looks at 2m/1m and
 * asks for an absolute bad-event share (alerts.fastBurn.errorPercent, 10% by default), which
 * normal traffic (5xx well under 0.1%, slow requests under 1%) is far from.
 */
import type { Severity } from "../config/conventions";
import type { SloConfig, StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import type { SloWindow } from "./names";

/** One multiwindow burn-rate tier: fires when BOTH windows burn at least `burnRate` x budget. */
export interface BurnTier {
  id: "fast" | "1h" | "6h" | "1d" | "3d";
  long: SloWindow;
  short: SloWindow;
  /** Budget multiple; for the fast tier the minimum one (the threshold is an absolute share). */
  burnRate: number;
  severity: Severity;
}

/** Faster than the workbook: pages on an outage of any SLO within seconds. */
export const FAST_TIER: BurnTier = { id: "fast", long: "2m", short: "1m", burnRate: 10, severity: "critical" };

/** All tiers, fastest first. 14.4x/1h and 6x/6h page; 3x/1d and 1x/3d are tickets (Slack). */
export const BURN_TIERS: readonly BurnTier[] = [
  FAST_TIER,
  { id: "1h", long: "1h", short: "5m", burnRate: 14.4, severity: "critical" },
  { id: "6h", long: "6h", short: "30m", burnRate: 6, severity: "critical" },
  { id: "1d", long: "1d", short: "2h", burnRate: 3, severity: "warning" },
  { id: "3d", long: "3d", short: "6h", burnRate: 1, severity: "warning" },
];

/**
 * Windows computed from raw counters. Longer ones (1d, 3d, the compliance period) are the
 * average of the recorded 5m rates (sum_over_time): a raw rate() over days of per-route series
 * every 15 s is the expensive query recording rules exist to avoid; those tiers only open tickets.
 */
export const RAW_WINDOWS: readonly SloWindow[] = ["1m", "2m", "5m", "30m", "1h", "2h", "6h"];

/** Error budget of an SLO as a ratio: 99.9 -> 0.001 (without float noise). */
export function errorBudget(slo: SloConfig): number {
  return Number(((100 - slo.objective) / 100).toPrecision(10));
}

/**
 * Bad-event share a tier fires at, or null when the tier cannot fire for this SLO (a threshold
 * of 100% or more: e.g. 14.4x of a 90% SLO's 10% budget).
 */
export function tierThreshold(cfg: StackConfig, slo: SloConfig, tier: BurnTier): number | null {
  const b = errorBudget(slo);
  const t = tier.id === "fast" ? Math.max(cfg.alerts.fastBurn.errorPercent / 100, tier.burnRate * b) : tier.burnRate * b;
  const rounded = Number(t.toPrecision(10));
  return rounded >= 1 ? null : rounded;
}

/** Share of the whole compliance-period budget spent by the time the tier fires (at its threshold). */
export function budgetConsumedAtFiring(cfg: StackConfig, slo: SloConfig, tier: BurnTier): number | null {
  const t = tierThreshold(cfg, slo, tier);
  if (t === null) return null;
  return (t / errorBudget(slo)) * (durationSeconds(tier.long) / durationSeconds(slo.window));
}

/**
 * Bad-event share over `window` seconds, `t` seconds after the share jumped from 0 to `e`
 * (traffic constant), with `history` seconds of clean traffic before the jump (a window longer
 * than the data only sees the data). Raw windows are a plain rate() ratio; long windows average
 * the 5m rate, which itself ramps up over 5 minutes.
 */
export function windowRatioAfterStep(window: SloWindow, t: number, e: number, history = Infinity): number {
  const w = Math.min(durationSeconds(window), history + t);
  if (t <= 0) return 0;
  if (RAW_WINDOWS.includes(window)) return (e * Math.min(t, w)) / w;
  const five = 300;
  // Integral of e * min(s, 300)/300 over the last w seconds, divided by w.
  const integral = (x: number) => (x <= five ? (x * x) / (2 * five) : five / 2 + (x - five));
  const from = Math.max(0, t - w);
  return (e * (integral(t) - integral(from))) / w;
}

/** How a detection time is computed: evaluation step, and clean history before the errors start. */
export interface DetectionOptions {
  /** Seconds between evaluations; default the stack's evaluation interval. */
  step?: number;
  /**
   * Seconds of clean traffic before the errors, which is also the age of the Prometheus (it
   * started with the traffic): the windows hold no more, and the history guard keeps a tier
   * silent until the age reaches its long window. Default: more than any window.
   */
  history?: number;
}

/**
 * Seconds from the start of a constant error ratio `e` until the tier's condition holds, at
 * the rule level (evaluation steps; no scrape, recording or notification delay: see
 * pipelineDelaySeconds). Null when the tier never fires for that ratio. On a young Prometheus
 * (`history` shorter than the long window) the answer is at least the wait for the history
 * guard (rules/history.ts).
 */
export function tierDetectionSeconds(cfg: StackConfig, slo: SloConfig, tier: BurnTier, e: number, opts: DetectionOptions = {}): number | null {
  const threshold = tierThreshold(cfg, slo, tier);
  if (threshold === null || e <= threshold) return null;
  const step = opts.step ?? durationSeconds(cfg.scrape.evaluationInterval);
  const limit = 2 * durationSeconds(tier.long) + 3600;
  const history = opts.history ?? Infinity;
  for (let t = step; t <= limit; t += step) {
    // The history guard: this Prometheus must hold the whole long window.
    if (history + t < durationSeconds(tier.long)) continue;
    const long = windowRatioAfterStep(tier.long, t, e, history);
    const short = windowRatioAfterStep(tier.short, t, e, history);
    // Strictly above, like the rules; 1e-9 keeps float noise from deciding a tie.
    if (long > threshold + 1e-9 && short > threshold + 1e-9) return t;
  }
  return null;
}

/** The first tier (by time) that pages on ratio `e`, and when. */
export function pageDetection(cfg: StackConfig, slo: SloConfig, e: number): { tier: BurnTier; seconds: number } | null {
  let best: { tier: BurnTier; seconds: number } | null = null;
  for (const tier of BURN_TIERS.filter((t) => t.severity === "critical")) {
    const s = tierDetectionSeconds(cfg, slo, tier, e);
    if (s !== null && (best === null || s < best.seconds)) best = { tier, seconds: s };
  }
  return best;
}

/**
 * Worst-case delay between the fault and a notification that the rule-level times leave out.
 * Rule-level times (and promtool timelines) already include the recording -> alert lag of one
 * evaluation; add the scrape that first shows the fault (up to one interval after it), the
 * evaluation phase after that scrape (up to one interval) and the critical route's group_wait.
 */
export function pipelineDelaySeconds(cfg: StackConfig): number {
  return (
    durationSeconds(cfg.scrape.interval) +
    durationSeconds(cfg.scrape.evaluationInterval) +
    durationSeconds(cfg.alertmanager.criticalGroupWait)
  );
}
