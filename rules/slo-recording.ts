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
import { RECORDED, type SloWindow } from "./names";
import { historyGroup, periodCoverage } from "./history";
import { LONG_WINDOWS, RAW_WINDOWS, errorBudget } from "./slo-math";
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
  for (const w of RAW_WINDOWS) {
    const r = rawRates(slo, w);
    rules.push({ record: RECORDED.sloRequests[w], expr: r.all, labels });
    rules.push({ record: RECORDED.sloErrorRatio[w], expr: `${r.bad} / ${r.all}`, labels });
  }
  const interval = durationSeconds(cfg.scrape.evaluationInterval);
  for (const s of runningSums()) rules.push(...runningSumRules(s.input(sel), s.hourly, s.sinceHour, sel, labels, interval));
  for (const w of LONG_WINDOWS) {
    const [errors, requests, samples] = runningSums().map((s) => windowSumExpr(s.hourly, s.sinceHour, sel, w));
    // The average of the 5m rates over the window (what avg_over_time gave), and the share of bad
    // events, both exactly as one sum_over_time over the 5m series would give them.
    rules.push({ record: RECORDED.sloRequests[w], expr: `${requests} / ${samples}`, labels });
    rules.push({ record: RECORDED.sloErrorRatio[w], expr: `${errors} / ${requests}`, labels });
  }
  const period = { ...labels, window: slo.window };
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

/** How far back a running sum looks for its previous value (runningSumRules). */
export const RUNNING_SUM_REACH = "20m";

/** The three running sums of an SLO: bad events/s, events/s (the 5m series) and the number of 5m samples. */
function runningSums(): Array<{ input: (sel: string) => string; hourly: string; sinceHour: string }> {
  return [
    { input: (sel) => `${RECORDED.sloErrors5m}${sel}`, hourly: RECORDED.sloErrorsHourly, sinceHour: RECORDED.sloErrorsSinceHour },
    { input: (sel) => `${RECORDED.sloRequests["5m"]}${sel}`, hourly: RECORDED.sloRequestsHourly, sinceHour: RECORDED.sloRequestsSinceHour },
    { input: (sel) => `(${RECORDED.sloRequests["5m"]}${sel} * 0 + 1)`, hourly: RECORDED.sloSamplesHourly, sinceHour: RECORDED.sloSamplesSinceHour },
  ];
}

/**
 * The long windows (1d, 3d) from the hourly sums, exactly (issue 15: as sum_over_time over the
 * 5m series they read 5,760 and 17,280 samples per series every cycle, three series per window,
 * ~69k of each SLO group's 80k-126k samples on day 30).
 *
 * sum(w) at t = sum_over_time(hourly[w - 1s]) + sinceHour - sinceHour offset w:
 * - the hourly samples after t - w tile the time from the hour boundary before t - w up to the
 *   last boundary; sinceHour adds the running hour;
 * - the oldest of them starts before the window: by exactly the samples between that boundary
 *   and t - w, which is the running sum AT t - w (sinceHour offset w). When t - w is itself a
 *   boundary that running sum is 0 and the boundary's own hourly sample (the hour before the
 *   window) must not count: the range is `w - 1s`, so it is left out by Prometheus 2 (whose
 *   ranges include their left end) as by Prometheus 3 (whose ranges do not). Samples are 15 s
 *   apart, so no other sample lies in that second.
 * - The result is the sum of the 5m series' samples in (t - w, t]: Prometheus 3's
 *   sum_over_time(x[w]). A young Prometheus (no running sum a window ago) sums what exists, as
 *   sum_over_time does. rules/tests/slo-windows.test.yml compares the two at moments around
 *   every kind of boundary; the burn-rate timelines fire at the same times.
 * It reads w/1h + 2 samples per series (26 for 1d, 74 for 3d).
 */
export function windowSumExpr(hourly: string, sinceHour: string, sel: string, w: SloWindow): string {
  const s = durationSeconds(w);
  const zero = `${sinceHour}${sel} * 0`;
  return `((sum_over_time(${hourly}${sel}[${s - 1}s]) or ${zero}) + ${sinceHour}${sel} - (${sinceHour}${sel} offset ${w} or ${zero}))`;
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
 *   is counted whole (the window is up to one hour longer: at most 1/720 of a 30-day period; the
 *   exact form of windowSumExpr would need the running sum of 30 days ago, which the retention
 *   may already have dropped).
 *
 * `hourly` is evaluated before `sinceHour` resets. The previous running sum is the last one of
 * the past RUNNING_SUM_REACH (20m), not the instant value (whose 5-minute lookback would restart
 * the sum at every evaluation of a timeline evaluated every 15 minutes, and after any gap over
 * 5 minutes): a gap (Prometheus down, missed iterations) just adds no samples, as a sum_over_time
 * counts only the samples that exist; a boundary evaluation missed leaves that hour's sum in the
 * next hourly sample, which keeps the tiling. Only a gap over 20 minutes restarts the running
 * sum, and that hour then counts from the restart. It reads 80 samples per series per cycle.
 * rules/tests/slo-period.test.yml checks the values equal the old expression's; the SLO
 * timelines (rules/tests) fire at the same times as before.
 * `input` is the PromQL of the 5m series (with its selector).
 */
export function runningSumRules(input: string, hourly: string, sinceHour: string, sel: string, labels: Record<string, string>, intervalS: number): RecordingRule[] {
  const boundary = `on () (vector(time()) % 3600 < ${num(intervalS)})`;
  const previous = `(last_over_time(${sinceHour}${sel}[${RUNNING_SUM_REACH}]) or ${input} * 0)`;
  return [
    { record: hourly, expr: `(${previous} + ${input}) and ${boundary}`, labels },
    { record: sinceHour, expr: `((${previous} + ${input}) unless ${boundary}) or ${input} * 0`, labels },
  ];
}

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

/**
 * The long windows' ratios in their direct form (one sum_over_time over the 5m series, what a
 * backfill evaluates; equal to the recorded form, rules/tests/slo-windows.test.yml).
 */
export function longWindowDirectExpr(slo: SloConfig, record: string): string | null {
  const sel = sloSelector(slo);
  for (const w of LONG_WINDOWS) {
    const range = `[${durationSeconds(w) - 1}s]`;
    if (record === RECORDED.sloRequests[w]) return `avg_over_time(${RECORDED.sloRequests["5m"]}${sel}${range})`;
    if (record === RECORDED.sloErrorRatio[w]) return `sum_over_time(${RECORDED.sloErrors5m}${sel}${range}) / sum_over_time(${RECORDED.sloRequests["5m"]}${sel}${range})`;
  }
  return null;
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
