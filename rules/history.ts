/**
 * The history guard (rules/README.md, "History guard: why slow tiers wait for history").
 *
 * A range function over a window longer than the data a Prometheus holds quietly uses the data
 * there is: on a Prometheus that started 30 minutes ago, rate(...[6h]) is a 30-minute rate, and
 * a 53-second outage reads as 2.9% of errors "over 6 hours" (with real history it is 0.25%).
 * So every window-based SLO alert first asks how much data this Prometheus holds:
 *
 * - a burn-rate tier fires only once the history covers its LONG window (the short window is
 *   shorter, so it is covered too);
 * - the compliance period's budget counts the bad events actually seen against the budget of
 *   the WHOLE period (slo:error_budget_remaining:ratio), so ErrorBudgetExhausted fires as soon
 *   as the period's budget is really spent, however young the Prometheus is.
 *
 * History is `time()` minus prometheus_tsdb_lowest_timestamp_seconds, a gauge every Prometheus
 * (2.x and 3.x) exposes about its own TSDB: the oldest block's start, or the head's first
 * sample before the first block is cut. Each Prometheus scrapes only itself under
 * job="prometheus" (localhost / loopback in every topology), so in HA each replica guards with
 * its own age: a fresh replica stays quiet while the old one, which has the history, alerts.
 */
import { JOBS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import { num, type RecordingRule, type RuleGroup } from "./model";
import { RECORDED } from "./names";

/** The group recording the history (in slo.rules.yml: only the SLO rules read it). */
export const HISTORY_GROUP = "prometheus-history";

/** The TSDB gauge the history comes from (seconds since the epoch). */
export const LOWEST_TIMESTAMP = "prometheus_tsdb_lowest_timestamp_seconds";

/**
 * Seconds of data held, never negative. A Prometheus' first self-scrape happens before its
 * head holds any sample and reports 9.2e15 (the head's "no data" bound): clamped, that is 0.
 * `max` takes the youngest TSDB if several targets ever answer to job="prometheus": the guard
 * errs towards silence for the slow tiers rather than towards the noise it exists to stop.
 */
export function historyRule(): RecordingRule {
  return { record: RECORDED.tsdbHistory, expr: `clamp_min(time() - max(${LOWEST_TIMESTAMP}{job="${JOBS.prometheus}"}), 0)` };
}

/** The history group, evaluated like every other group. */
export function historyGroup(cfg: StackConfig): RuleGroup {
  return { name: HISTORY_GROUP, interval: cfg.scrape.evaluationInterval, rules: [historyRule()] };
}

/**
 * Suffix of an alert expression: holds when this Prometheus has at least `window` of history,
 * OR when its history is unknown (self-scrape down, metric renamed by a future version). Unknown
 * counts as enough on purpose: a missing metric must not switch paging off for good; it only
 * brings back the noise of a young Prometheus, and TargetDown reports the broken self-scrape.
 *
 * Computed from the gauge at evaluation time rather than read from the recorded history: the
 * history group may evaluate after the alert's group, and a guard one evaluation late makes a
 * Prometheus that started with a burn page at 5m15s instead of 5m.
 */
export function historyGuard(window: string): string {
  const g = `${LOWEST_TIMESTAMP}{job="${JOBS.prometheus}"}`;
  return `and on () (clamp_min(time() - max(${g}), 0) >= ${num(durationSeconds(window))} or on () absent(${g}))`;
}

/**
 * The share of a compliance period the history covers (0..1), as a label-less PromQL factor;
 * 1 when the history is unknown (the period ratio is then taken as covering the whole period,
 * which is how the rules behaved before the guard).
 */
export function periodCoverage(period: string): string {
  const s = num(durationSeconds(period));
  return `(clamp_max(${RECORDED.tsdbHistory}, ${s}) / ${s} or on () vector(1))`;
}
