/**
 * SLO recording rules (rules/slo.rules.yml): one group per SLO in the stack config, so adding
 * an SLO is a config change only.
 *
 * Every series of an SLO carries slo, service and team. Bad events are 5xx responses
 * (availability) or responses slower than the threshold bucket (latency: every response counts,
 * a fast 5xx included; its failure is the availability SLO's business).
 */
import { LABELS, METRICS } from "../config/conventions";
import type { SloConfig, StackConfig } from "../config/schema";
import { leMatcher, num, teamOf, type AlertingRule, type RecordingRule, type RuleGroup } from "./model";
import { RECORDED, SLO_WINDOWS, type SloWindow } from "./names";
import { historyGroup, periodCoverage } from "./history";
import { RAW_WINDOWS, errorBudget } from "./slo-math";
import { durationSeconds } from "../config/validate";

/** Labels on every series of the SLO. */
export function sloLabels(cfg: StackConfig, slo: SloConfig): Record<string, string> {
  return { [LABELS.slo]: slo.name, [LABELS.service]: slo.service, [LABELS.team]: teamOf(cfg, slo.service) };
}

/** Selector of one SLO's recorded series. */
export function sloSelector(slo: SloConfig): string {
  return `{${LABELS.slo}="${slo.name}"}`;
}

/** PromQL for bad events/s and all events/s over a window, from the raw counters. */
function rawRates(slo: SloConfig, w: SloWindow): { bad: string; all: string } {
  const svc = `${LABELS.service}="${slo.service}"`;
  if (slo.indicator.type === "availability") {
    return {
      // `or vector(0)`: no 5xx series yet means no errors, not "unknown".
      bad: `(sum(rate(${METRICS.httpRequests}{${svc}, status=~"5.."}[${w}])) or vector(0))`,
      all: `sum(rate(${METRICS.httpRequests}{${svc}}[${w}]))`,
    };
  }
  const all = `sum(rate(${METRICS.httpDuration}_count{${svc}}[${w}]))`;
  const fast = `sum(rate(${METRICS.httpDuration}_bucket{${svc}, ${leMatcher(slo.indicator.thresholdSeconds)}}[${w}]))`;
  return { bad: `(${all} - ${fast})`, all };
}

/** The recording rules of one SLO, in evaluation order (later rules read earlier ones). */
export function sloRecordingRules(cfg: StackConfig, slo: SloConfig): RecordingRule[] {
  const labels = sloLabels(cfg, slo);
  const sel = sloSelector(slo);
  const rules: RecordingRule[] = [
    { record: RECORDED.sloObjective, expr: `vector(${num(slo.objective / 100)})`, labels },
    { record: RECORDED.sloErrorBudget, expr: `vector(${num(errorBudget(slo))})`, labels },
    { record: RECORDED.sloErrors5m, expr: rawRates(slo, "5m").bad, labels },
  ];
  for (const w of SLO_WINDOWS) {
    if (RAW_WINDOWS.includes(w)) {
      const r = rawRates(slo, w);
      rules.push({ record: RECORDED.sloRequests[w], expr: r.all, labels });
      rules.push({ record: RECORDED.sloErrorRatio[w], expr: `${r.bad} / ${r.all}`, labels });
    } else {
      // Average of the 5m rates over the window: exact for constant traffic, weighted by traffic.
      rules.push({ record: RECORDED.sloRequests[w], expr: `avg_over_time(${RECORDED.sloRequests["5m"]}${sel}[${w}])`, labels });
      rules.push({
        record: RECORDED.sloErrorRatio[w],
        expr: `sum_over_time(${RECORDED.sloErrors5m}${sel}[${w}]) / sum_over_time(${RECORDED.sloRequests["5m"]}${sel}[${w}])`,
        labels,
      });
    }
  }
  const period = { ...labels, window: slo.window };
  const interval = durationSeconds(cfg.scrape.evaluationInterval);
  rules.push(...periodRules(RECORDED.sloErrors5m, RECORDED.sloErrorsHourly, RECORDED.sloErrorsSinceHour, sel, labels, interval));
  rules.push(...periodRules(RECORDED.sloRequests["5m"], RECORDED.sloRequestsHourly, RECORDED.sloRequestsSinceHour, sel, labels, interval));
  rules.push({ record: RECORDED.sloErrorRatioPeriod, expr: periodRatioExpr(slo, "hourly"), labels: period });
  rules.push({
    record: RECORDED.sloBudgetRemaining,
    // Spent = bad events seen / the budget of the WHOLE period: the ratio over the data held
    // times the share of the period it covers (traffic assumed steady). With a full period of
    // history this is 1 - ratio / budget; a young Prometheus no longer extrapolates its first
    // minutes to 30 days (rules/history.ts).
    expr: `1 - ${RECORDED.sloErrorRatioPeriod}${sel} / ${num(errorBudget(slo))} * on () group_left () ${periodCoverage(slo.window)}`,
    labels: period,
  });
  return rules;
}

/**
 * The compliance period from hourly sums (issue 15: the 30-day window read 172,800 samples per
 * series every cycle; at 40 SLOs on day 30 that was most of the rule-evaluation time).
 *
 * - `sinceHour` (every cycle) = the 5m series' samples summed since the last hour boundary: its
 *   own previous value plus this cycle's sample, back to 0 at the first cycle of each hour
 *   (time() mod 3600 < the evaluation interval: exactly one cycle per hour, whatever the
 *   group's phase).
 * - `hourly` (that first cycle only) = the previous running sum plus this cycle's sample: the
 *   hour just ended. Consecutive hourly samples tile time with no gap and no overlap.
 * - period = sum_over_time(hourly[window]) + sinceHour: every sample of the 5m series in the
 *   window, i.e. the old sum_over_time(5m series[window]), exactly, except that the oldest hour
 *   is counted whole (the window is up to one hour longer: at most 1/720 of a 30-day period).
 *
 * `hourly` is evaluated before `sinceHour` resets. A gap of more than the 5m lookback (Prometheus
 * down) restarts the running sum: that hour then counts from the restart, as a sum_over_time
 * counts only the samples that exist. rules/tests/slo-recording.test.yml checks the values equal
 * the old expression's; the SLO timelines (rules/tests) fire at the same times as before.
 */
/**
 * The period's bad-event share: "hourly" is what the rules record (from the hourly sums);
 * "direct" is the same value as one sum_over_time over the 5m series (what it replaced, and what
 * a backfill evaluates: the running sums read their own previous value, which a backfill's
 * range queries do not have).
 */
export function periodRatioExpr(slo: SloConfig, form: "hourly" | "direct"): string {
  const sel = sloSelector(slo);
  if (form === "direct") {
    return `sum_over_time(${RECORDED.sloErrors5m}${sel}[${slo.window}]) / sum_over_time(${RECORDED.sloRequests["5m"]}${sel}[${slo.window}])`;
  }
  const sum = (hourly: string, since: string) => `((sum_over_time(${hourly}${sel}[${slo.window}]) or ${since}${sel} * 0) + ${since}${sel})`;
  return `${sum(RECORDED.sloErrorsHourly, RECORDED.sloErrorsSinceHour)} / ${sum(RECORDED.sloRequestsHourly, RECORDED.sloRequestsSinceHour)}`;
}

export function periodRules(input: string, hourly: string, sinceHour: string, sel: string, labels: Record<string, string>, intervalS: number): RecordingRule[] {
  const boundary = `on () (vector(time()) % 3600 < ${num(intervalS)})`;
  const previous = `(${sinceHour}${sel} or ${input}${sel} * 0)`;
  return [
    { record: hourly, expr: `(${previous} + ${input}${sel}) and ${boundary}`, labels },
    { record: sinceHour, expr: `((${previous} + ${input}${sel}) unless ${boundary}) or ${input}${sel} * 0`, labels },
  ];
}

/**
 * The history group, then one group per SLO: its recordings in evaluation order, then `alerts`
 * (its burn-rate tiers), which read this evaluation's recordings rather than the previous one's.
 * The groups evaluate concurrently; the history is read one evaluation late at worst (15 s on a
 * guard of minutes to days: nothing).
 */
export function sloGroups(cfg: StackConfig, alerts: (slo: SloConfig) => AlertingRule[] = () => []): RuleGroup[] {
  return [
    historyGroup(cfg),
    ...cfg.slos.map((slo) => ({ name: `slo-${slo.name}`, interval: cfg.scrape.evaluationInterval, rules: [...sloRecordingRules(cfg, slo), ...alerts(slo)] })),
  ];
}
