/**
 * The rules of Grafana's dashboard-linter (github.com/grafana/dashboard-linter), as pure
 * functions over rendered dashboards, plus two of our own. Each returns one message per
 * problem; lint.test.ts asserts the rendered dashboards produce none and that each rule does
 * flag a dashboard built to break it.
 *
 *   dashboard-linter rule               here
 *   template-datasource-rule            datasourceRule (fixed uid "prometheus" or a datasource variable)
 *   panel-datasource-rule               datasourceRule
 *   panel-title-description-rule        titleDescriptionRule
 *   panel-units-rule                    unitsRule
 *   panel-no-targets-rule               targetsRule
 *   target-rate-interval-rule           rateIntervalRule ($__rate_interval; $__range in instant queries)
 *   target-counter-agg-rule             counterRule (counters only inside rate/irate/increase)
 *   target-promql-rule                  promtool check rules, in lint.test.ts (the real parser)
 *   template-on-time-change-reload-rule variableRule
 *   (ours) recorded names exist         recordedNamesRule (every level:metric:ops name is in RECORDED)
 *   (ours) overview on recorded series  recordedOnlyRule
 */
import { GRAFANA_UIDS } from "../config/conventions";
import { allRecordedNames } from "../rules/names";
import { analyze, isCounterName } from "./promql";
import { panelQueries, queryName, type PanelQuery } from "./queries";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** A fixed range window allowed where the window is the panel's definition (e.g. "hourly"). */
export interface WindowException {
  dashboardUid: string;
  panelTitle: string;
  window: string;
  why: string;
}

const panelsOf = (d: Json): Json[] => (d.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]).filter((p: Json) => p.type !== "row");
const rowsOf = (d: Json): Json[] => (d.panels ?? []).filter((p: Json) => p.type === "row");
const RATE_FUNCTIONS = new Set(["rate", "irate", "increase"]);

/** Panels and queries read the provisioned datasource by its fixed uid, or a datasource variable. */
export function datasourceRule(d: Json): string[] {
  const dsVars = new Set((d.templating?.list ?? []).filter((v: Json) => v.type === "datasource").map((v: Json) => `\${${v.name}}`));
  const ok = (ds: Json) => ds && ((ds.type === "prometheus" && ds.uid === GRAFANA_UIDS.datasource) || dsVars.has(ds.uid));
  return panelsOf(d).flatMap((p: Json) => [
    ...(ok(p.datasource) ? [] : [`${p.title}: panel datasource ${JSON.stringify(p.datasource)} is neither uid "${GRAFANA_UIDS.datasource}" nor a datasource variable`]),
    ...(p.targets ?? []).filter((t: Json) => t.datasource && !ok(t.datasource)).map((t: Json) => `${p.title} [${t.refId}]: query datasource ${JSON.stringify(t.datasource)}`),
  ]);
}

/** Every panel has a title and a description; every row a title. */
export function titleDescriptionRule(d: Json): string[] {
  return [
    ...panelsOf(d).flatMap((p: Json) => [...(p.title?.trim() ? [] : [`panel ${p.id}: no title`]), ...(p.description?.trim() ? [] : [`${p.title}: no description`])]),
    ...rowsOf(d).filter((r: Json) => !r.title?.trim()).map((r: Json) => `row ${r.id}: no title`),
  ];
}

/** Panels that show numbers say what they count. */
export function unitsRule(d: Json): string[] {
  return panelsOf(d)
    .filter((p: Json) => ["stat", "timeseries", "bargauge", "gauge"].includes(p.type) && !p.fieldConfig?.defaults?.unit)
    .map((p: Json) => `${p.title}: no unit`);
}

/** Every panel has at least one query. */
export function targetsRule(d: Json): string[] {
  return panelsOf(d).filter((p: Json) => !(p.targets ?? []).length).map((p: Json) => `${p.title}: no queries`);
}

/** Query variables list their values again when the time range changes, from a known series. */
export function variableRule(d: Json): string[] {
  return (d.templating?.list ?? [])
    .filter((v: Json) => v.type === "query")
    .flatMap((v: Json) => (v.refresh === 2 ? [] : [`variable ${v.name}: refresh is ${v.refresh}, not 2 (on time range change)`]));
}

/** Queries of a dashboard for the expression rules; variables get a placeholder value. */
export function lintQueries(d: Json): PanelQuery[] {
  const vars = Object.fromEntries((d.templating?.list ?? []).map((v: Json) => [v.name, `lint-${v.name}`]));
  return panelQueries(d, vars);
}

/**
 * rate, irate and increase use $__rate_interval, so the window follows the step and never
 * holds fewer than four scrapes; instant queries may use $__range (a total over the range on
 * screen); fixed windows only where `exceptions` lists them.
 */
export function rateIntervalRule(d: Json, exceptions: WindowException[] = []): string[] {
  return lintQueries(d).flatMap((q) =>
    analyze(q.expr)
      .selectors.filter((s) => s.insideCall && RATE_FUNCTIONS.has(s.insideCall))
      .filter((s) => !(s.window === "$__rate_interval" || (q.instant && s.window === "$__range")))
      .filter((s) => !exceptions.some((e) => e.dashboardUid === d.uid && e.panelTitle === q.panelTitle && e.window === s.window))
      .map((s) => `${queryName(q)}: ${s.insideCall}(${s.name}[${s.window ?? ""}]) should use [$__rate_interval]`),
  );
}

/** Counters (and histogram/summary parts) only inside rate/irate/increase; those only over counters. */
export function counterRule(d: Json): string[] {
  return lintQueries(d).flatMap((q) =>
    analyze(q.expr).selectors.flatMap((s) => {
      const underRate = s.insideCall !== undefined && RATE_FUNCTIONS.has(s.insideCall);
      if (isCounterName(s.name) && !underRate) return [`${queryName(q)}: counter ${s.name} outside rate/irate/increase`];
      if (!isCounterName(s.name) && underRate) return [`${queryName(q)}: ${s.insideCall} over ${s.name}, which is not a counter`];
      return [];
    }),
  );
}

/** Every name in the recording-rule format is one the rules produce (catches typos and renames). */
export function recordedNamesRule(d: Json): string[] {
  const known = new Set(allRecordedNames());
  return lintQueries(d).flatMap((q) =>
    analyze(q.expr).selectors.filter((s) => s.name.includes(":") && !known.has(s.name)).map((s) => `${queryName(q)}: ${s.name} is not a recorded series (rules/names.ts)`),
  );
}

/** A dashboard that must stay cheap: no raw rate or quantile work, only recorded series. */
export function recordedOnlyRule(d: Json): string[] {
  const known = new Set(allRecordedNames());
  const expensive = new Set([...RATE_FUNCTIONS, "histogram_quantile"]);
  return lintQueries(d).flatMap((q) => {
    const a = analyze(q.expr);
    return [
      ...a.calls.filter((c) => expensive.has(c)).map((c) => `${queryName(q)}: calls ${c}() instead of reading a recorded series`),
      ...a.selectors.filter((s) => !known.has(s.name)).map((s) => `${queryName(q)}: reads ${s.name}, not a recorded series`),
    ];
  });
}

/** Every rule above that applies to any dashboard. */
export function lintDashboard(d: Json, exceptions: WindowException[] = []): string[] {
  return [
    ...datasourceRule(d),
    ...titleDescriptionRule(d),
    ...unitsRule(d),
    ...targetsRule(d),
    ...variableRule(d),
    ...rateIntervalRule(d, exceptions),
    ...counterRule(d),
    ...recordedNamesRule(d),
  ];
}
