import { allRecordedNames } from "../../rules/names";
import { analyze } from "../promql";
import { queryName } from "../queries";
import type { DashboardCheck } from "./check";
import { lintQueries, RATE_FUNCTIONS } from "./check";

/**
 * Ours, for dashboards that must stay cheap (the ops overview, on every wall screen at a 30 s
 * refresh): no raw rate or quantile work, only recorded series.
 */
export const recordedOnly: DashboardCheck = {
  id: "recorded-only",
  why: "the dashboard reads recorded series only: no rate()/irate()/increase()/histogram_quantile() of its own",
  check: (d) => {
    const known = new Set(allRecordedNames());
    const expensive = new Set([...RATE_FUNCTIONS, "histogram_quantile"]);
    return lintQueries(d).flatMap((q) => {
      const a = analyze(q.expr);
      return [
        ...a.calls.filter((c) => expensive.has(c)).map((c) => `${queryName(q)}: calls ${c}() instead of reading a recorded series`),
        ...a.selectors.filter((s) => !known.has(s.name)).map((s) => `${queryName(q)}: reads ${s.name}, not a recorded series`),
      ];
    });
  },
};
