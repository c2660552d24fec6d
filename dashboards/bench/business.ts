/**
 * The business dashboard's queries at a 30-day range, two ways: as provisioned (error budgets
 * from the recorded slo:* series, totals from increase() over the business counters) and
 * "raw" (the budget and SLI panels computed from the raw request counters over each SLO's
 * window, which is what the recordings save). The tiles of both must agree (maxDeviation).
 */
import { LABELS, METRICS } from "../../config/conventions";
import type { SloConfig, StackConfig } from "../../config/schema";
import { leMatcher } from "../../rules/model";
import { RECORDED } from "../../rules/names";
import { errorBudget } from "../../rules/slo-math";
import { businessMetrics } from "../business";
import { panelQueries, type PanelQuery } from "../queries";

/** Bad-event share of an SLO over its window, from raw counters. */
export function rawPeriodRatio(slo: SloConfig): string {
  const svc = `${LABELS.service}="${slo.service}"`;
  const w = slo.window;
  if (slo.indicator.type === "availability") {
    return `(sum(increase(${METRICS.httpRequests}{${svc}, status=~"5.."}[${w}])) or vector(0)) / sum(increase(${METRICS.httpRequests}{${svc}}[${w}]))`;
  }
  const all = `sum(increase(${METRICS.httpDuration}_count{${svc}}[${w}]))`;
  return `(${all} - sum(increase(${METRICS.httpDuration}_bucket{${svc}, ${leMatcher(slo.indicator.thresholdSeconds)}}[${w}]))) / ${all}`;
}

const perSlo = (cfg: StackConfig, f: (slo: SloConfig) => string) =>
  cfg.slos.map((slo) => `label_replace(${f(slo)}, "${LABELS.slo}", "${slo.name}", "", "")`).join(" or ");

/** The two variants of the business dashboard. */
export function businessVariants(cfg: StackConfig): Array<{ name: string; queries: PanelQuery[] }> {
  const provisioned = panelQueries(businessMetrics(cfg));
  const raw = provisioned.map((q) => {
    if (q.expr.includes(RECORDED.sloBudgetRemaining)) return { ...q, expr: `max by (slo) (${perSlo(cfg, (slo) => `1 - (${rawPeriodRatio(slo)}) / ${errorBudget(slo)}`)})` };
    if (q.expr.includes(RECORDED.sloErrorRatioPeriod)) return { ...q, expr: `1 - max by (slo) (${perSlo(cfg, rawPeriodRatio)})` };
    return q;
  });
  return [{ name: "as provisioned (recorded budgets)", queries: provisioned }, { name: "raw budgets", queries: raw }];
}
