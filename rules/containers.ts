/**
 * ContainerOOMKilled (rules/infrastructure.alerts.yml, group "containers"): the kernel killed a
 * process of a service's container for going past its memory limit.
 *
 * The memory alerts (HighMemoryUsage, MemoryExhaustionImminent) warn on the way up; this one
 * states what happened at the limit. An allocation spike gives no ramp to predict, so it can be
 * the first alert of an incident; and a kill drops every request in flight. So it pages for
 * tier-1 services (critical) and posts to Slack for the rest (warning). It fires while the kill
 * is inside the 5-minute window of `service_pod:container_oom_events:increase5m` and then
 * resolves by itself; a service that keeps being killed keeps it firing (one page, grouped by
 * service), and ServiceDown follows if the restarts stop serving.
 *
 * Source: cAdvisor's container_oom_events_total, counted per cgroup from the kernel's log
 * (/dev/kmsg). Reliable where the killed container's cgroup outlives the kill: Docker's restart
 * policy and the local supervisor restart in place. On Kubernetes a restarted container gets a
 * new cgroup and cAdvisor may drop the old series before a scrape sees the count; there
 * kube-state-metrics' kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} (not
 * part of this stack) is the robust signal (rules/README.md).
 */
import { LABELS, type Severity } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { annotations, appJobs, serviceDashboard, type AlertingRule, type RuleGroup } from "./model";
import { ALERTS, RECORDED } from "./names";

const POD_LABELS = `{{ $labels.${LABELS.service} }}/{{ $labels.pod }}`;

function oomRule(cfg: StackConfig, topo: Topology, severity: Severity, tier: string): AlertingRule {
  return {
    alert: ALERTS.containerOomKilled,
    // `tier` lives on the service's targets; the join keeps the recorded series' labels.
    expr: `${RECORDED.oomKills} > 0 and on (${LABELS.service}) group by (${LABELS.service}) (up{${appJobs(cfg)}, ${LABELS.tier}${tier}})`,
    labels: { severity, service: `{{ $labels.${LABELS.service} }}`, team: `{{ $labels.${LABELS.team} }}` },
    annotations: annotations(
      cfg,
      ALERTS.containerOomKilled,
      `${POD_LABELS} was OOM-killed at its memory limit.`,
      `The kernel killed a process of ${POD_LABELS} for exceeding its container's memory limit ({{ $value | printf "%.0f" }} kill(s) in the last 5 minutes); requests in flight were lost and it restarted.`,
      serviceDashboard(topo),
    ),
  };
}

/** The containers group: OOM kills, critical for tier-1 services, warning for the others. */
export function containerGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [
    {
      name: "containers",
      interval: cfg.scrape.evaluationInterval,
      rules: [oomRule(cfg, topo, "critical", `="tier-1"`), oomRule(cfg, topo, "warning", `!="tier-1"`)],
    },
  ];
}
