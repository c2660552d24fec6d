/**
 * Dashboards provisioned into Grafana: file name -> JSON text. render/stack.ts writes them to
 * Grafana's dashboards/ directory (files on Docker, a ConfigMap on Kubernetes), where the file
 * provider of render/grafana.ts loads them read-only.
 *
 * Also the public API the local stack's end-to-end tests use: panelQueries() lists every query
 * of a rendered dashboard with its variables substituted, checkQueriesReturnData() runs them
 * against a Prometheus the way Grafana would and names the panels that show "No data".
 */
import { GRAFANA_UIDS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { businessMetrics } from "./business";
import type { Dashboard } from "./foundation";
import { opsOverview } from "./ops-overview";
import { toJsonText } from "./sdk";
import { serviceDeepDive } from "./service-deep-dive";

export { checkQueriesReturnData, evaluateQueries, variableValues, type CheckOptions, type CheckReport, type QueryOutcome } from "./check";
export { panelQueries, type PanelQuery } from "./queries";
export { overviewHealth, type ServiceOnOverview } from "./overview-health";
export { serviceHealth, serviceThresholds, colorOf, type Health } from "./health";
export { SERVICE_VAR } from "./service-deep-dive";

/** File name of each dashboard, by uid (the file name is what the provider sees). */
export const DASHBOARD_FILES: Record<string, string> = {
  [GRAFANA_UIDS.opsOverview]: "ops-overview.json",
  [GRAFANA_UIDS.serviceDeepDive]: "service-deep-dive.json",
  [GRAFANA_UIDS.business]: "business-metrics.json",
};

/** The three dashboards as objects, by uid. */
export function buildDashboards(cfg: StackConfig): Record<string, Dashboard> {
  return {
    [GRAFANA_UIDS.opsOverview]: opsOverview(cfg),
    [GRAFANA_UIDS.serviceDeepDive]: serviceDeepDive(cfg),
    [GRAFANA_UIDS.business]: businessMetrics(cfg),
  };
}

/** Every provisioned dashboard: file name -> JSON text. */
export function renderDashboards(cfg: StackConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(buildDashboards(cfg)).map(([uid, d]) => [DASHBOARD_FILES[uid], toJsonText(d)]));
}
