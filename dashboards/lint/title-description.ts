import type { DashboardCheck, Json } from "./check";
import { panelsOf, rowsOf } from "./check";

/** dashboard-linter's panel-title-description-rule: on-call reads what a panel means on the panel. */
export const titleDescription: DashboardCheck = {
  id: "panel-title-description-rule",
  why: "every panel has a title and a description, every row a title",
  check: (d) => [
    ...panelsOf(d).flatMap((p: Json) => [...(p.title?.trim() ? [] : [`panel ${p.id}: no title`]), ...(p.description?.trim() ? [] : [`${p.title}: no description`])]),
    ...rowsOf(d).filter((r: Json) => !r.title?.trim()).map((r: Json) => `row ${r.id}: no title`),
  ],
};
