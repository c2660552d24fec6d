import { analyze } from "../promql";
import { queryName } from "../queries";
import type { DashboardCheck } from "./check";
import { lintQueries, RATE_FUNCTIONS } from "./check";

/**
 * dashboard-linter's target-rate-interval-rule: rate, irate and increase use $__rate_interval, so
 * the window follows the step and never holds fewer than four scrapes; instant queries may use
 * $__range (a total over the range on screen); fixed windows only where an exception, with its
 * reason, lists the panel.
 */
export const rateInterval: DashboardCheck = {
  id: "target-rate-interval-rule",
  why: "rate/irate/increase use [$__rate_interval] ($__range in instant totals; fixed windows only as listed exceptions)",
  check: (d, { exceptions }) =>
    lintQueries(d).flatMap((q) =>
      analyze(q.expr)
        .selectors.filter((s) => s.insideCall && RATE_FUNCTIONS.has(s.insideCall))
        .filter((s) => !(s.window === "$__rate_interval" || (q.instant && s.window === "$__range")))
        .filter((s) => !exceptions.some((e) => e.dashboardUid === d.uid && e.panelTitle === q.panelTitle && e.window === s.window))
        .map((s) => `${queryName(q)}: ${s.insideCall}(${s.name}[${s.window ?? ""}]) should use [$__rate_interval]`),
    ),
};
