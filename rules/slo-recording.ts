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
import { leMatcher, num, teamOf, type RecordingRule, type RuleGroup } from "./model";
import { RECORDED, SLO_WINDOWS, type SloWindow } from "./names";
import { historyGroup, periodCoverage } from "./history";
import { RAW_WINDOWS, errorBudget } from "./slo-math";

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
  rules.push({
    record: RECORDED.sloErrorRatioPeriod,
    expr: `sum_over_time(${RECORDED.sloErrors5m}${sel}[${slo.window}]) / sum_over_time(${RECORDED.sloRequests["5m"]}${sel}[${slo.window}])`,
    labels: period,
  });
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
 * The history group, then one group per SLO (the groups evaluate concurrently; each SLO's
 * rules stay in order). The history is read one evaluation late at worst: 15 s, nothing.
 */
export function sloGroups(cfg: StackConfig): RuleGroup[] {
  return [
    historyGroup(cfg),
    ...cfg.slos.map((slo) => ({ name: `slo-${slo.name}`, interval: cfg.scrape.evaluationInterval, rules: sloRecordingRules(cfg, slo) })),
  ];
}
