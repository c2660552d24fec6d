import type { DashboardCheck, Json } from "./check";

/**
 * dashboard-linter's template-on-time-change-reload-rule: a query variable lists its values again
 * when the time range changes, so a service that appeared (or left) is in the list.
 */
export const variableRefresh: DashboardCheck = {
  id: "template-on-time-change-reload-rule",
  why: "query variables refresh on time range change (refresh: 2)",
  check: (d) =>
    (d.templating?.list ?? [])
      .filter((v: Json) => v.type === "query")
      .flatMap((v: Json) => (v.refresh === 2 ? [] : [`variable ${v.name}: refresh is ${v.refresh}, not 2 (on time range change)`])),
};
