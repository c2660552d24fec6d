/**
 * The shape of one dashboard-lint check (dashboards/lint/*.ts): one rule per module, named as
 * Grafana's dashboard-linter names it (github.com/grafana/dashboard-linter) or, for our own,
 * after what it asks; each with a passing and a failing case in dashboards/lint/checks.test.ts.
 * A check reads one rendered dashboard (Grafana's JSON) and returns one message per problem.
 */
import { panelQueries, type PanelQuery } from "../queries";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

/** A fixed range window allowed where the window is the panel's definition (e.g. "hourly"). */
export interface WindowException {
  dashboardUid: string;
  panelTitle: string;
  window: string;
  why: string;
}

/** What a check may read besides the dashboard. */
export interface DashboardLintContext {
  /** Fixed windows allowed, each with its reason (target-rate-interval-rule). */
  exceptions: readonly WindowException[];
}

/** One rule. */
export interface DashboardCheck {
  /** dashboard-linter's rule name, or ours; printed with every problem. */
  id: string;
  /** The rule and why it holds, one sentence. */
  why: string;
  check(d: Json, ctx: DashboardLintContext): string[];
}

/** Panels, including those inside collapsed rows; rows themselves excluded. */
export const panelsOf = (d: Json): Json[] => (d.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]).filter((p: Json) => p.type !== "row");
export const rowsOf = (d: Json): Json[] => (d.panels ?? []).filter((p: Json) => p.type === "row");
export const RATE_FUNCTIONS = new Set(["rate", "irate", "increase"]);

/** Queries of a dashboard for the expression rules; variables get a placeholder value. */
export function lintQueries(d: Json): PanelQuery[] {
  const vars = Object.fromEntries((d.templating?.list ?? []).map((v: Json) => [v.name, `lint-${v.name}`]));
  return panelQueries(d, vars);
}
