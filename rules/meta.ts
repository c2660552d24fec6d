/**
 * The meta group (rules/meta.alerts.yml): the Watchdog, an alert that always fires.
 *
 * It proves the whole path (rule evaluation -> Alertmanager -> receiver) is alive: a missing
 * Watchdog means the pipeline is broken. Alertmanager routes it by name to the `watchdog`
 * receiver before any severity route, so it never pages a person; severity info keeps it off
 * every human channel even if that route were lost.
 */
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { annotations, opsDashboard, type RuleGroup } from "./model";
import { ALERTS, MONITORING_TEAM } from "./names";

/** The meta group. */
export function metaGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [
    {
      name: "meta",
      interval: cfg.scrape.evaluationInterval,
      rules: [
        {
          alert: ALERTS.watchdog,
          expr: "vector(1)",
          labels: { severity: "info", service: "monitoring", team: MONITORING_TEAM },
          annotations: annotations(
            cfg,
            ALERTS.watchdog,
            "Alerting pipeline heartbeat; always firing.",
            "Fires continuously (value {{ $value }}) so that a missing Watchdog means rule evaluation or notification is broken.",
            opsDashboard(topo),
          ),
        },
      ],
    },
  ];
}
