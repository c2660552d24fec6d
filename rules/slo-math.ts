/**
 * The burn-rate tiers and their arithmetic: thresholds per SLO, budget consumed before a tier
 * fires, and the time a tier needs to notice a given burn.
 *
 * Tiers follow the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate) with
 * one change: the 14.4x tier looks at 5m/1m instead of 1h/5m. The workbook's 1h window makes a
 * sustained 20x burn of a 99.9% SLO wait ~44 minutes for the hour's average to cross 14.4x (the
 * hour before was healthy); over 5 minutes it pages in 3m36s, and a sustained 14.4x pages at the
 * 5-minute mark, young Prometheus or old. What the 1h window bought, not paging on a few seconds
 * of errors, comes from the budget arithmetic instead: 14.4x over 5 minutes is 72 seconds of total
 * failure on a 99.9% SLO, and the short window must also hold alerts.burnRate.minBadEvents.
 *
 * Tiers are stack config (alerts.burnRate.tiers); every threshold compares with >=: a burn of
 * exactly 14.4x pages, exactly 1x opens a ticket, and 0.5x never alerts.
 */
import { SLO_WINDOWS, type Severity, type SloWindow } from "../config/conventions";
import type { SloConfig, StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import { groupWaits } from "../render/alertmanager";

/** One multiwindow burn-rate tier: fires when BOTH windows burn at least `burnRate` x budget. */
export interface BurnTier {
  /** The long window names the tier (alert label long_window). */
  id: SloWindow;
  long: SloWindow;
  short: SloWindow;
  /** Budget multiple. */
  burnRate: number;
  severity: Severity;
}

/** The stack's tiers, fastest (shortest long window) first. */
export function burnTiers(cfg: StackConfig): BurnTier[] {
  return cfg.alerts.burnRate.tiers
    .map((t) => ({ id: t.long, long: t.long, short: t.short, burnRate: t.burnRate, severity: t.severity as Severity }))
    .sort((a, b) => durationSeconds(a.long) - durationSeconds(b.long));
}

/**
 * Windows computed from raw counters. Longer ones (1d, 3d, the compliance period) are the
 * average of the recorded 5m rates (sum_over_time): a raw rate() over days of per-route series
 * every 15 s is the expensive query recording rules exist to avoid; those tiers only open tickets.
 */
export const RAW_WINDOWS: readonly SloWindow[] = ["1m", "2m", "5m", "30m", "1h", "2h", "6h"];

/** The other SLO windows (1d, 3d): built from the hourly and running sums (slo-recording.ts, windowSumExpr). */
export const LONG_WINDOWS: readonly SloWindow[] = SLO_WINDOWS.filter((w) => !RAW_WINDOWS.includes(w));

/**
 * Absolute tolerance of every burn threshold (rendered `>= 0.0144 - 1e-12`). A burn of exactly
 * 14.4x computes to 0.0144 give or take a unit in the last place, depending on how rate()
 * extrapolated each counter; the tolerance makes "at or above" mean that, deterministically,
 * and is ten thousand times below the smallest threshold a 99.99% SLO has (1e-4).
 */
export const THRESHOLD_TOLERANCE = 1e-12;

/** Error budget of an SLO as a ratio: 99.9 -> 0.001 (without float noise). */
export function errorBudget(slo: SloConfig): number {
  return Number(((100 - slo.objective) / 100).toPrecision(10));
}

/**
 * Bad-event share a tier fires at, or null when the tier cannot fire for this SLO (a threshold
 * above 100%: e.g. 14.4x of a 90% SLO's 10% budget).
 */
export function tierThreshold(slo: SloConfig, tier: BurnTier): number | null {
  const t = Number((tier.burnRate * errorBudget(slo)).toPrecision(10));
  return t > 1 ? null : t;
}

/** Share of the whole compliance-period budget spent by the time the tier fires (at its threshold). */
export function budgetConsumedAtFiring(slo: SloConfig, tier: BurnTier): number | null {
  const t = tierThreshold(slo, tier);
  if (t === null) return null;
  return (t / errorBudget(slo)) * (durationSeconds(tier.long) / durationSeconds(slo.window));
}

/**
 * Bad-event share over `window` seconds, `t` seconds after the share jumped from `base` to `e`
 * (traffic constant), with `history` seconds of data at `base` before the jump (a window longer
 * than the data only sees the data). Raw windows are a plain rate() ratio; long windows average
 * the 5m rate, which itself ramps up over 5 minutes.
 */
export function windowRatioAfterStep(window: SloWindow, t: number, e: number, history = Infinity, base = 0): number {
  const w = Math.min(durationSeconds(window), history + t);
  if (t <= 0) return base;
  if (RAW_WINDOWS.includes(window)) {
    const bad = Math.min(t, w);
    return (e * bad + base * (w - bad)) / w;
  }
  const five = 300;
  // Integral of the 5m rate's bad share, which ramps from base to e over 300 s.
  const integral = (x: number) => (x <= five ? (x * x) / (2 * five) : five / 2 + (x - five));
  const from = Math.max(0, t - w);
  const rampShare = (integral(t) - integral(from)) / w;
  return base + (e - base) * rampShare;
}

/** How a detection time is computed: evaluation step, clean history before the burn. */
export interface DetectionOptions {
  /** Seconds between evaluations; default the stack's evaluation interval. */
  step?: number;
  /**
   * Seconds of traffic before the burn, which is also the age of the Prometheus (it started
   * with the traffic): the windows hold no more, and the history guard keeps a tier silent
   * until the age reaches its long window. Default: more than any window.
   */
  history?: number;
  /**
   * Age of the Prometheus when the burn starts, for the history guard, when it is older than its
   * data (an old Prometheus, a new service). Default: `history`.
   */
  age?: number;
  /** Bad-event share before the burn (default 0). */
  base?: number;
}

/**
 * Seconds from the start of a constant bad-event share `e` until the tier's condition holds,
 * at the rule level (evaluation steps; no scrape or notification delay: see
 * pipelineDelaySeconds). Null when the tier never fires for that share. On a young Prometheus
 * (`history` shorter than the long window) the answer is at least the wait for the history
 * guard (rules/history.ts). The bad-event minimum is assumed met (ample traffic).
 */
export function tierDetectionSeconds(slo: SloConfig, tier: BurnTier, e: number, opts: DetectionOptions & { step: number }): number | null {
  const threshold = tierThreshold(slo, tier);
  if (threshold === null || e < threshold - 1e-12) return null;
  const step = opts.step;
  const limit = 2 * durationSeconds(tier.long) + 3600;
  const history = opts.history ?? Infinity;
  const age = opts.age ?? history;
  for (let t = step; t <= limit; t += step) {
    // The history guard: this Prometheus must hold the whole long window.
    if (age + t < durationSeconds(tier.long)) continue;
    const long = windowRatioAfterStep(tier.long, t, e, history, opts.base);
    const short = windowRatioAfterStep(tier.short, t, e, history, opts.base);
    // At or above, like the rules; 1e-9 keeps float noise from deciding a tie.
    if (long >= threshold - 1e-9 && short >= threshold - 1e-9) return t;
  }
  return null;
}

/** The first tier (by time) of a severity that fires on share `e`, and when. */
export function firstDetection(cfg: StackConfig, slo: SloConfig, e: number, severity: Severity, opts: DetectionOptions = {}): { tier: BurnTier; seconds: number } | null {
  const step = opts.step ?? durationSeconds(cfg.scrape.evaluationInterval);
  let best: { tier: BurnTier; seconds: number } | null = null;
  for (const tier of burnTiers(cfg).filter((t) => t.severity === severity)) {
    const s = tierDetectionSeconds(slo, tier, e, { ...opts, step });
    if (s !== null && (best === null || s < best.seconds)) best = { tier, seconds: s };
  }
  return best;
}

/** The first page (critical tier) on share `e`. */
export function pageDetection(cfg: StackConfig, slo: SloConfig, e: number, opts: DetectionOptions = {}): { tier: BurnTier; seconds: number } | null {
  return firstDetection(cfg, slo, e, "critical", opts);
}

/**
 * Seconds of total failure a tier needs before its condition can hold: the long and short
 * windows must both reach the threshold (e.g. 14.4x of 0.1% over 5 minutes: 4.32 s).
 */
export function failureSecondsToFire(slo: SloConfig, tier: BurnTier): number | null {
  const t = tierThreshold(slo, tier);
  return t === null ? null : t * Math.max(durationSeconds(tier.long), durationSeconds(tier.short));
}

/**
 * Worst-case delay from the start of a total outage to the page (rules/README.md, "From fault
 * to page"): the failure time the fastest critical tier needs, up to one scrape interval for a
 * scrape to show it, up to one evaluation interval for the group (recordings and the alert in
 * the same group, so no second evaluation), and the critical route's group_wait.
 */
export function outagePageWorstCaseSeconds(cfg: StackConfig, slo: SloConfig): number | null {
  const needs = burnTiers(cfg)
    .filter((t) => t.severity === "critical")
    .map((t) => failureSecondsToFire(slo, t))
    .filter((s): s is number => s !== null);
  if (needs.length === 0) return null;
  return Math.min(...needs) + pipelineDelaySeconds(cfg);
}

/**
 * Worst-case delay between a fault being under way and a notification, outside the rules:
 * the scrape that first shows it (up to one interval after), the evaluation after that scrape
 * (up to one interval), and the critical route's group_wait.
 */
export function pipelineDelaySeconds(cfg: StackConfig): number {
  return (
    durationSeconds(cfg.scrape.interval) +
    durationSeconds(cfg.scrape.evaluationInterval) +
    durationSeconds(groupWaits(cfg).critical)
  );
}
