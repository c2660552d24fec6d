/**
 * Dashboards provisioned into Grafana: file name -> JSON.
 * Interim: one placeholder dashboard until the dashboards issue lands.
 */
import { GRAFANA_UIDS } from "../config/conventions";
import type { StackConfig } from "../config/schema";

export function renderDashboards(cfg: StackConfig): Record<string, string> {
  const dashboard = {
    uid: GRAFANA_UIDS.opsOverview,
    title: "Operations overview",
    editable: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    schemaVersion: 39,
    panels: [
      {
        id: 1,
        type: "stat",
        title: "Targets up",
        description: "Scrape targets currently up, per service.",
        datasource: { type: "prometheus", uid: GRAFANA_UIDS.datasource },
        gridPos: { h: 8, w: 24, x: 0, y: 0 },
        targets: [{ refId: "A", expr: `sum by (service) (up{service=~"${cfg.services.map((s) => s.name).join("|")}"})`, legendFormat: "{{service}}" }],
      },
    ],
  };
  return { "ops-overview.json": JSON.stringify(dashboard, null, 2) + "\n" };
}
