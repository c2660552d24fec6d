import type { RuleCheck } from "./check";

/** dashboard_url opens a dashboard of this stack's Grafana (its address from the topology). */
export const alertDashboard: RuleCheck = {
  id: "alerts/dashboard",
  why: "dashboard_url is a dashboard (/d/...) of the stack's own Grafana",
  alerting: (r, { topo }) => {
    const url = (r.annotations as Record<string, string | undefined> | undefined)?.dashboard_url;
    return url && !url.startsWith(`${topo.grafanaUrl}/d/`) ? [`dashboard_url ${url} is not a dashboard of ${topo.grafanaUrl}`] : [];
  },
};
