/**
 * The application alerts (rules/application.alerts.yml), generated per SLO of the stack config:
 * multiwindow, multi-burn-rate alerts (rules/slo-math.ts) and a ticket when the compliance
 * period's budget is spent. Adding an SLO for another service is a config change only.
 *
 * Burn thresholds compare with > (as the SRE workbook does): burning exactly the budget (1x)
 * is sustainable and must stay silent, even on the slowest tier.
 *
 * Every tier has a low-traffic guard: below alerts.minRequestsPerSecond over the tier's long
 * window it stays silent, so one failed request on a quiet service cannot page anyone.
 *
 * Every tier has a history guard (rules/history.ts): it stays silent until this Prometheus holds
 * its long window of data, because a window longer than the data is really as short as the data.
 * ErrorBudgetExhausted needs no guard: its budget remaining counts only bad events actually seen.
 */
import { LABELS } from "../config/conventions";
import type { SloConfig, StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { annotations, num, serviceDashboard, type AlertingRule, type RuleGroup } from "./model";
import { ALERTS, RECORDED, type AlertName } from "./names";
import { historyGuard } from "./history";
import { BURN_TIERS, errorBudget, tierThreshold, type BurnTier } from "./slo-math";
import { sloLabels, sloSelector } from "./slo-recording";

/** The burn alert's name for an SLO's indicator. */
export function burnAlertName(slo: SloConfig): AlertName {
  return slo.indicator.type === "availability" ? ALERTS.availabilityBurn : ALERTS.latencyBurn;
}

/** What a bad event is, in words, for summaries. */
function badEvents(slo: SloConfig): string {
  return slo.indicator.type === "availability" ? "requests failing (5xx)" : `requests slower than ${slo.indicator.thresholdSeconds}s`;
}

/** One burn-rate tier of one SLO, or null when the tier cannot fire for it. */
export function burnRule(cfg: StackConfig, topo: Topology, slo: SloConfig, tier: BurnTier): AlertingRule | null {
  const threshold = tierThreshold(cfg, slo, tier);
  if (threshold === null) return null;
  const sel = sloSelector(slo);
  const t = num(threshold);
  const alert = burnAlertName(slo);
  const burn = num(threshold / errorBudget(slo));
  const expr =
    `(${RECORDED.sloErrorRatio[tier.long]}${sel} > ${t} and on (${LABELS.slo}) ${RECORDED.sloErrorRatio[tier.short]}${sel} > ${t})` +
    ` and on (${LABELS.slo}) ${RECORDED.sloRequests[tier.long]}${sel} >= ${num(cfg.alerts.minRequestsPerSecond)}` +
    ` ${historyGuard(tier.long)}`;
  return {
    alert,
    expr,
    labels: {
      severity: tier.severity,
      ...(sloLabels(cfg, slo) as { service: string; team: string }),
      long_window: tier.long,
      short_window: tier.short,
    },
    annotations: annotations(
      cfg,
      alert,
      `${slo.service} is burning its ${slo.name} error budget over ${burn}x the sustainable rate.`,
      `{{ $value | humanizePercentage }} of ${slo.service} ${badEvents(slo)} over the last ${tier.long} ` +
        `(and over ${tier.short}); the threshold is ${num(threshold * 100)}%, ${burn}x the ${num(errorBudget(slo) * 100)}% budget of a ${slo.objective}% SLO over ${slo.window}.`,
      serviceDashboard(topo, slo.service),
    ),
  };
}

/** The compliance period's budget is spent: a ticket (the SLO is missed; freeze risky changes). */
export function budgetExhaustedRule(cfg: StackConfig, topo: Topology, slo: SloConfig): AlertingRule {
  return {
    alert: ALERTS.budgetExhausted,
    expr: `${RECORDED.sloBudgetRemaining}${sloSelector(slo)} < 0`,
    for: "15m",
    labels: { severity: "warning", ...(sloLabels(cfg, slo) as { service: string; team: string }) },
    annotations: annotations(
      cfg,
      ALERTS.budgetExhausted,
      `${slo.service} has spent its ${slo.window} error budget for ${slo.name}.`,
      `Error budget remaining for ${slo.name} (${slo.objective}% over ${slo.window}) is {{ $value | humanizePercentage }}; the SLO is missed for this period.`,
      serviceDashboard(topo, slo.service),
    ),
  };
}

/** Every alert of one SLO, fastest tier first. */
export function sloAlertRules(cfg: StackConfig, topo: Topology, slo: SloConfig): AlertingRule[] {
  const tiers = BURN_TIERS.map((tier) => burnRule(cfg, topo, slo, tier)).filter((r): r is AlertingRule => r !== null);
  return [...tiers, budgetExhaustedRule(cfg, topo, slo)];
}

/** The application group. */
export function applicationGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [{ name: "application", interval: cfg.scrape.evaluationInterval, rules: cfg.slos.flatMap((slo) => sloAlertRules(cfg, topo, slo)) }];
}
