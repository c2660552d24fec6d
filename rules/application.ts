/**
 * The SLO alerts, generated per SLO of the stack config: multiwindow, multi-burn-rate alerts
 * (rules/slo-math.ts), evaluated in the SLO's own recording group right after the recordings they
 * read (slo.rules.yml), and a ticket when the compliance period's budget is spent
 * (application.alerts.yml, with ServiceTargetsMissing). Adding an SLO for another service is a
 * config change only.
 *
 * Burn thresholds compare with >=: a burn of exactly 14.4x pages, exactly 1x opens a ticket.
 *
 * Every tier needs alerts.burnRate.minBadEvents bad events in its short window, so three failed
 * requests on a quiet service (a 25% error ratio at 0.2 r/s) cannot page anyone, while a total
 * outage of the same service still does.
 *
 * Every tier has a history guard (rules/history.ts): it stays silent until this Prometheus holds
 * its long window of data, because a window longer than the data is really as short as the data.
 * ErrorBudgetExhausted needs no guard: its budget remaining counts only bad events actually seen.
 */
import { LABELS } from "../config/conventions";
import type { ServiceConfig, SloConfig, StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import type { Topology } from "../render/topology";
import { annotations, num, serviceDashboard, type AlertingRule, type RuleGroup } from "./model";
import { ALERTS, RECORDED, type AlertName } from "./names";
import { historyGuard } from "./history";
import { THRESHOLD_TOLERANCE, burnTiers, errorBudget, tierThreshold, type BurnTier } from "./slo-math";
import { sloLabels, sloSelector } from "./slo-recording";

/** The burn alert's name for an SLO's indicator. */
export function burnAlertName(slo: SloConfig): AlertName {
  return slo.indicator.type === "availability" ? ALERTS.availabilityBurn : ALERTS.latencyBurn;
}

/** What a bad event is, in words, for summaries. */
function badEvents(slo: SloConfig): string {
  return slo.indicator.type === "availability" ? "requests failing (5xx)" : `requests slower than ${slo.indicator.thresholdSeconds}s`;
}

/**
 * Bad events in a window as PromQL: share x events/s x seconds (rate() extrapolates, so this is
 * the count Prometheus estimates for the window, not an exact tally).
 */
export function badEventsIn(slo: SloConfig, w: BurnTier["short"]): string {
  const sel = sloSelector(slo);
  return `(${RECORDED.sloErrorRatio[w]}${sel} * on (${LABELS.slo}) ${RECORDED.sloRequests[w]}${sel}) * ${num(durationSeconds(w))}`;
}

/** One burn-rate tier of one SLO, or null when the tier cannot fire for it. */
export function burnRule(cfg: StackConfig, topo: Topology, slo: SloConfig, tier: BurnTier): AlertingRule | null {
  const threshold = tierThreshold(slo, tier);
  if (threshold === null) return null;
  const sel = sloSelector(slo);
  // "At or above", with a float tolerance (slo-math.ts THRESHOLD_TOLERANCE).
  const t = `${num(threshold)} - ${THRESHOLD_TOLERANCE}`;
  const alert = burnAlertName(slo);
  const burn = num(tier.burnRate);
  const minBad = num(cfg.alerts.burnRate.minBadEvents);
  const expr =
    `${RECORDED.sloErrorRatio[tier.long]}${sel} >= ${t}` +
    ` and on (${LABELS.slo}) ${RECORDED.sloErrorRatio[tier.short]}${sel} >= ${t}` +
    ` and on (${LABELS.slo}) ${badEventsIn(slo, tier.short)} >= ${minBad}` +
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
      `${slo.service} is burning its ${slo.name} error budget at ${burn}x the sustainable rate or more.`,
      `{{ $value | humanizePercentage }} of ${slo.service} ${badEvents(slo)} over the last ${tier.long} ` +
        `(and over ${tier.short}, with at least ${minBad} of them); the threshold is ${num(threshold * 100)}%, ${burn}x the ${num(errorBudget(slo) * 100)}% budget of a ${slo.objective}% SLO over ${slo.window}.`,
      serviceDashboard(topo, slo.service),
    ),
  };
}

/** The compliance period's budget is spent: a ticket (the SLO is missed; freeze risky changes). */
export function budgetExhaustedRule(cfg: StackConfig, topo: Topology, slo: SloConfig): AlertingRule {
  return {
    alert: ALERTS.budgetExhausted,
    expr: `${RECORDED.sloBudgetRemaining}${sloSelector(slo)} < 0`,
    for: cfg.alerts.budgetExhausted.for,
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

/** The burn-rate alerts of one SLO, fastest tier first (they go in the SLO's recording group). */
export function sloBurnRules(cfg: StackConfig, topo: Topology, slo: SloConfig): AlertingRule[] {
  return burnTiers(cfg)
    .map((tier) => burnRule(cfg, topo, slo, tier))
    .filter((r): r is AlertingRule => r !== null);
}

/** Every alert of one SLO: its burn tiers, then the budget ticket. */
export function sloAlertRules(cfg: StackConfig, topo: Topology, slo: SloConfig): AlertingRule[] {
  return [...sloBurnRules(cfg, topo, slo), budgetExhaustedRule(cfg, topo, slo)];
}

/**
 * A service of `services` without any scrape target: `up` is absent, not 0, so TargetDown and
 * ServiceDown never see it (Kubernetes: scaled to zero, Service deleted, selector or discovery
 * broken). One rule per service, since absent() cannot say which of a list is missing.
 */
export function targetsMissingRule(cfg: StackConfig, topo: Topology, svc: ServiceConfig): AlertingRule {
  const severity = svc.tier === "tier-1" ? "critical" : "warning";
  return {
    alert: ALERTS.targetsMissing,
    expr: `absent(up{job="${svc.name}"})`,
    for: cfg.alerts.targetsMissing.for,
    labels: { severity, service: svc.name, team: svc.team, [LABELS.tier]: svc.tier },
    annotations: annotations(
      cfg,
      ALERTS.targetsMissing,
      `${svc.name} has no scrape target at all.`,
      `Prometheus has had no target for ${svc.name} (job ${svc.name}) for ${cfg.alerts.targetsMissing.for} (absent = {{ $value }}): it is scaled to zero, deleted, or discovery cannot find it. Its SLO alerts cannot see it.`,
      serviceDashboard(topo, svc.name),
    ),
  };
}

/** The application group: budget tickets per SLO, and a missing-targets alert per service. */
export function applicationGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [
    {
      name: "application",
      interval: cfg.scrape.evaluationInterval,
      rules: [...cfg.slos.map((slo) => budgetExhaustedRule(cfg, topo, slo)), ...cfg.services.map((svc) => targetsMissingRule(cfg, topo, svc))],
    },
  ];
}
