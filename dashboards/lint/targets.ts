import type { DashboardCheck, Json } from "./check";
import { panelsOf } from "./check";

/** dashboard-linter's panel-no-targets-rule: a panel without a query shows "No data" forever. */
export const targets: DashboardCheck = {
  id: "panel-no-targets-rule",
  why: "every panel has at least one query",
  check: (d) => panelsOf(d).filter((p: Json) => !(p.targets ?? []).length).map((p: Json) => `${p.title}: no queries`),
};
