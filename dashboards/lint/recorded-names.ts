import { allRecordedNames } from "../../rules/names";
import { analyze } from "../promql";
import { queryName } from "../queries";
import type { DashboardCheck } from "./check";
import { lintQueries } from "./check";

/** Ours: every name in the recording-rule format is one the rules produce (catches typos and renames). */
export const recordedNames: DashboardCheck = {
  id: "recorded-names",
  why: "every level:metric:operations name a query reads is recorded by the rules (rules/names.ts)",
  check: (d) => {
    const known = new Set(allRecordedNames());
    return lintQueries(d).flatMap((q) =>
      analyze(q.expr).selectors.filter((s) => s.name.includes(":") && !known.has(s.name)).map((s) => `${queryName(q)}: ${s.name} is not a recorded series (rules/names.ts)`),
    );
  },
};
