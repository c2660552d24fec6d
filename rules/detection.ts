/**
 * Expected detection times, for the end-to-end drills and the benchmark: given an alert from
 * alertCatalog() and what is injected, how long until the alert fires (rule level, from the
 * first scrape that shows the fault) and until a person is notified (worst case).
 *
 * The rule-level numbers are the ones rules/tests/*.test.yml assert on promtool 2.42.
 */
import type { StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import type { CatalogEntry } from "./index";
import { ratio } from "./model";
import { ALERTS, RECORDED } from "./names";
import { burnTiers, pipelineDelaySeconds, tierDetectionSeconds } from "./slo-math";

/** What a drill injects. */
export type Fault =
  /** A constant share of bad events (errors, or slow requests for a latency SLO) from t=0. */
  | { kind: "badRatio"; ratio: number }
  /** Memory rising linearly from `from` to `to` (ratios of the limit) over `seconds`, then held. */
  | { kind: "memoryRamp"; from: number; to: number; seconds: number }
  /** The alert's measured value jumps above its threshold at t=0 and stays there. */
  | { kind: "step" };

/** Detection time of one alert for one fault; null when the alert should not fire at all. */
export interface Detection {
  /** From the fault's first scrape to the alert firing in Prometheus. */
  ruleSeconds: number;
  /** Worst case to a notification: + scrape, recording/alert evaluation phases, group_wait. */
  notifySeconds: number;
}

/**
 * Memory ramp detection of MemoryExhaustionImminent: samples every scrape interval, the alert
 * reads the previous evaluation's recording, predict_linear is a least-squares fit over the
 * lookback (as Prometheus computes it), then the `for` must elapse.
 */
export function memoryRampRuleSeconds(cfg: StackConfig, from: number, to: number, seconds: number): number | null {
  const step = durationSeconds(cfg.scrape.interval);
  const pred = cfg.alerts.memoryPredictive;
  const lookback = durationSeconds(pred.lookback);
  const horizon = durationSeconds(pred.horizon);
  const min = ratio(pred.minPercent);
  const high = ratio(cfg.alerts.memory.threshold);
  const value = (t: number) => (t <= 0 ? from : t >= seconds ? to : from + ((to - from) * t) / seconds);
  let pendingSince: number | null = null;
  for (let t = step; t <= seconds + 3600; t += step) {
    const seen = t - step; // the recording of the previous evaluation
    const xs: number[] = [];
    for (let s = seen - lookback; s <= seen; s += step) xs.push(s);
    const ys = xs.map(value);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const predicted = my + slope * (t + horizon - mx);
    const now = value(seen);
    const holds = (now >= min && predicted >= 1) || now >= high;
    if (!holds) pendingSince = null;
    else if (pendingSince === null) pendingSince = t;
    if (pendingSince !== null && t - pendingSince >= durationSeconds(pred.for)) return t;
  }
  return null;
}

/**
 * Expected detection of `entry` for `fault`, or null when it should stay silent. `history` is
 * the age of the Prometheus when the fault starts (default: old); a burn tier waits until the
 * age reaches its long window (the history guard, rules/history.ts), so on a stack started
 * 30 minutes before a drill only the fast tier (2m) can answer within the hour.
 */
export function expectedDetection(cfg: StackConfig, entry: CatalogEntry, fault: Fault, opts: { history?: number } = {}): Detection | null {
  const evalStep = durationSeconds(cfg.scrape.evaluationInterval);
  const rule = entry.rule;
  const done = (ruleSeconds: number | null): Detection | null =>
    ruleSeconds === null ? null : { ruleSeconds, notifySeconds: ruleSeconds + pipelineDelaySeconds(cfg) };

  if (rule.alert === ALERTS.availabilityBurn || rule.alert === ALERTS.latencyBurn) {
    if (fault.kind !== "badRatio") return null;
    const slo = cfg.slos.find((s) => s.name === rule.labels.slo);
    const tier = burnTiers(cfg).find((t) => t.long === rule.labels.long_window && t.short === rule.labels.short_window);
    if (!slo || !tier) throw new Error(`detection: ${rule.alert} ${JSON.stringify(rule.labels)} matches no SLO tier`);
    // The tiers sit in their SLO's recording group: they see this evaluation's recordings.
    return done(tierDetectionSeconds(slo, tier, fault.ratio, { history: opts.history, step: evalStep }));
  }
  if (rule.alert === ALERTS.memoryExhaustion) {
    if (fault.kind === "memoryRamp") return done(memoryRampRuleSeconds(cfg, fault.from, fault.to, fault.seconds));
    return done(evalStep + durationSeconds(rule.for ?? "0s"));
  }
  if (rule.alert === ALERTS.highMemory && fault.kind === "memoryRamp") {
    if (fault.to < ratio(cfg.alerts.memory.threshold)) return null;
    const crossing = (fault.seconds * (ratio(cfg.alerts.memory.threshold) - fault.from)) / (fault.to - fault.from);
    // The median of the smoothing window crosses half a window after memory does; the
    // recording is read one evaluation late (another group).
    const firstSeen = Math.ceil((crossing + durationSeconds(cfg.alerts.memory.smoothing) / 2) / evalStep) * evalStep + evalStep;
    return done(firstSeen + durationSeconds(rule.for ?? "0s"));
  }
  if (fault.kind !== "step") return null;
  // Threshold alerts: one evaluation to be seen (recorded series lag one), then `for`;
  // rate-based series (CPU) first need their 5m window to fill with the new level.
  const lag = rule.expr.startsWith("up{") ? 0 : evalStep;
  const windowFill = rule.expr.includes(RECORDED.cpuRatio) || rule.expr.includes(RECORDED.hostCpu) ? 300 : 0;
  return done(windowFill + lag + durationSeconds(rule.for ?? "0s"));
}
