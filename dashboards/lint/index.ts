/**
 * The rules of Grafana's dashboard-linter (github.com/grafana/dashboard-linter) over the rendered
 * dashboards, one module per rule, plus two of our own; checks.test.ts runs each on every
 * dashboard (no problem) and on a dashboard broken on purpose (exactly the expected problems).
 *
 *   dashboard-linter rule               module
 *   template-datasource-rule            datasource.ts (fixed uid "prometheus" or a datasource variable)
 *   panel-datasource-rule               datasource.ts
 *   panel-title-description-rule        title-description.ts
 *   panel-units-rule                    units.ts
 *   panel-no-targets-rule               targets.ts
 *   target-rate-interval-rule           rate-interval.ts ($__rate_interval; $__range in instant queries)
 *   target-counter-agg-rule             counter-agg.ts (counters only inside rate/irate/increase)
 *   target-promql-rule                  promtool check rules, in checks.test.ts (the real parser)
 *   template-on-time-change-reload-rule variable-refresh.ts
 *   (ours) recorded names exist         recorded-names.ts (every level:metric:ops name is in RECORDED)
 *   (ours) overview on recorded series  recorded-only.ts (the ops overview only)
 */
import type { DashboardCheck, Json, WindowException } from "./check";
import { counterAgg } from "./counter-agg";
import { datasource } from "./datasource";
import { rateInterval } from "./rate-interval";
import { recordedNames } from "./recorded-names";
import { recordedOnly } from "./recorded-only";
import { targets } from "./targets";
import { titleDescription } from "./title-description";
import { units } from "./units";
import { variableRefresh } from "./variable-refresh";

export { lintQueries, type DashboardCheck, type WindowException } from "./check";
export { recordedOnly };

/** The checks every dashboard passes. */
export const CHECKS: readonly DashboardCheck[] = [datasource, titleDescription, units, targets, variableRefresh, rateInterval, counterAgg, recordedNames];

/** One problem, with the check that found it. */
export interface DashboardProblem {
  check: string;
  problem: string;
}

/** Runs `checks` (every general check by default) over one rendered dashboard. */
export function lintDashboard(d: Json, exceptions: readonly WindowException[] = [], checks: readonly DashboardCheck[] = CHECKS): DashboardProblem[] {
  return checks.flatMap((c) => c.check(d, { exceptions }).map((problem) => ({ check: c.id, problem })));
}
