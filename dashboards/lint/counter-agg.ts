import { analyze, isCounterName } from "../promql";
import { queryName } from "../queries";
import type { DashboardCheck } from "./check";
import { lintQueries, RATE_FUNCTIONS } from "./check";

/**
 * dashboard-linter's target-counter-agg-rule: a counter's raw value means nothing (it restarts
 * with the process), so counters and histogram parts appear only inside rate/irate/increase, and
 * those only over counters.
 */
export const counterAgg: DashboardCheck = {
  id: "target-counter-agg-rule",
  why: "counters only inside rate/irate/increase, and those only over counters",
  check: (d) =>
    lintQueries(d).flatMap((q) =>
      analyze(q.expr).selectors.flatMap((s) => {
        const underRate = s.insideCall !== undefined && RATE_FUNCTIONS.has(s.insideCall);
        if (isCounterName(s.name) && !underRate) return [`${queryName(q)}: counter ${s.name} outside rate/irate/increase`];
        if (!isCounterName(s.name) && underRate) return [`${queryName(q)}: ${s.insideCall} over ${s.name}, which is not a counter`];
        return [];
      }),
    ),
};
