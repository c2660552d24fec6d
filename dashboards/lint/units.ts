import type { DashboardCheck, Json } from "./check";
import { panelsOf } from "./check";

/** dashboard-linter's panel-units-rule: a number without a unit is read wrong at 3 a.m. */
export const units: DashboardCheck = {
  id: "panel-units-rule",
  why: "stat, time series, bar gauge and gauge panels say what they count (a unit)",
  check: (d) =>
    panelsOf(d)
      .filter((p: Json) => ["stat", "timeseries", "bargauge", "gauge"].includes(p.type) && !p.fieldConfig?.defaults?.unit)
      .map((p: Json) => `${p.title}: no unit`),
};
