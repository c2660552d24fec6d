/**
 * The meta group (rules/meta.alerts.yml): the monitoring stack watching itself.
 *
 * - Watchdog always fires. Alertmanager sends it every minute to a heartbeat service (the dead
 *   man's switch, render/alertmanager.ts), which pages when the heartbeats stop: Prometheus,
 *   Alertmanager or the path between them is dead, and nothing below can say so itself.
 * - The rest page or warn while the stack still runs but works badly: rules failing to evaluate,
 *   notifications failing or dropped, a configuration reload that failed (the old one keeps
 *   running, so the change people think is live is not), Prometheus without an Alertmanager, a
 *   short Alertmanager cluster, TSDB errors, storage at the retention size cap (history is being
 *   deleted early, so 30-day SLO budgets are computed over less), remote write falling behind.
 *
 * Every Prometheus scrapes only itself under job="prometheus" and every Alertmanager under
 * job="alertmanager" (render/prometheus.ts); each series says which one through `instance`.
 * Counters are recorded first in the same group (alerts read recorded series, rules/lint/alert-recorded-input.ts).
 */
import { JOBS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { durationSeconds } from "../config/validate";
import { annotations, num, opsDashboard, ratio, type AlertingRule, type RecordingRule, type RuleGroup } from "./model";
import { ALERTS, MONITORING_TEAM, RECORDED, type AlertName } from "./names";

const PROM = `job="${JOBS.prometheus}"`;
const AM = `job="${JOBS.alertmanager}"`;

/** TSDB counters that only move when something failed. */
export const TSDB_FAILURE_COUNTERS = [
  "reloads_failures",
  "compactions_failed",
  "head_truncations_failed",
  "checkpoint_creations_failed",
  "checkpoint_deletions_failed",
  "wal_corruptions",
  "wal_truncations_failed",
  "wal_writes_failed",
  "mmap_chunk_corruptions",
];

/** One series per Prometheus instance that exposes any of the TSDB failure counters (no function: names kept). */
const anyTsdbCounter = `count by (instance) ({__name__=~"prometheus_tsdb_(${TSDB_FAILURE_COUNTERS.join("|")})_total", ${PROM}})`;

/** Share above which notifications count as failing (one attempt in a hundred). */
export const NOTIFICATION_FAILURE_RATIO = 0.01;

/** The counters of the meta alerts, as rates and increases. */
export function metaRecordingRules(): RecordingRule[] {
  return [
    { record: RECORDED.ruleFailures5m, expr: `sum by (instance, rule_group) (increase(prometheus_rule_evaluation_failures_total{${PROM}}[5m]))` },
    { record: RECORDED.ruleIterationsMissed5m, expr: `sum by (instance, rule_group) (increase(prometheus_rule_group_iterations_missed_total{${PROM}}[5m]))` },
    {
      record: RECORDED.notificationsFailed,
      // Summed over every Alertmanager replica: the cluster sends each notification once.
      expr: `sum by (integration) (rate(alertmanager_notifications_failed_total{${AM}}[5m])) / sum by (integration) (rate(alertmanager_notifications_total{${AM}}[5m]) > 0)`,
    },
    {
      record: RECORDED.prometheusNotificationErrors,
      expr: `sum by (instance, alertmanager) (rate(prometheus_notifications_errors_total{${PROM}}[5m])) / sum by (instance, alertmanager) (rate(prometheus_notifications_sent_total{${PROM}}[5m]) > 0)`,
    },
    { record: RECORDED.prometheusNotificationsDropped, expr: `sum by (instance) (rate(prometheus_notifications_dropped_total{${PROM}}[5m]))` },
    {
      record: RECORDED.tsdbFailures3h,
      // One increase() per counter: before 3.0 increase() drops the metric name at once, so
      // over a name regex its results collide ("vector cannot contain metrics with the same
      // labelset": found by the local stack, which runs Prometheus 2.42). A counter an
      // instance does not expose counts 0 (the `or` with the instance's other counters x 0).
      expr: TSDB_FAILURE_COUNTERS.map((c) => `(sum by (instance) (increase(prometheus_tsdb_${c}_total{${PROM}}[3h])) or ${anyTsdbCounter} * 0)`).join(" + "),
    },
  ];
}

type Level = "critical" | "warning";
const meta = (cfg: StackConfig, topo: Topology, alert: AlertName, service: string, severity: Level, expr: string, forDur: string, summary: string, description: string, extra: Record<string, string> = {}): AlertingRule => ({
  alert,
  expr,
  ...(durationSeconds(forDur) > 0 ? { for: forDur } : {}),
  labels: { severity, service, team: MONITORING_TEAM, ...extra },
  annotations: annotations(cfg, alert, summary, description, opsDashboard(topo)),
});

/** The alerts about Prometheus and Alertmanager themselves. */
export function metaAlertRules(cfg: StackConfig, topo: Topology): AlertingRule[] {
  const m = cfg.alerts.meta;
  const inst = "{{ $labels.instance }}";
  const rules: AlertingRule[] = [
    meta(cfg, topo, ALERTS.ruleFailures, JOBS.prometheus, "critical",
      `${RECORDED.ruleFailures5m} > 0 or ${RECORDED.ruleIterationsMissed5m} > 0`, m.ruleFailuresFor,
      `Prometheus ${inst} fails to evaluate rule group {{ $labels.rule_group }}.`,
      `{{ $value }} evaluations of {{ $labels.rule_group }} failed or were skipped in the last 5 minutes, for ${m.ruleFailuresFor}: the alerts of that group may not fire. See the rule's last error on ${inst}/rules.`),
    meta(cfg, topo, ALERTS.notificationsFailing, JOBS.alertmanager, "critical",
      `${RECORDED.notificationsFailed} > ${num(NOTIFICATION_FAILURE_RATIO)}`, m.notificationsFailingFor,
      "Alertmanager cannot deliver notifications through {{ $labels.integration }}.",
      `{{ $value | humanizePercentage }} of the {{ $labels.integration }} notifications failed over the last 5 minutes, for ${m.notificationsFailingFor}: alerts routed there reach nobody. This alert itself goes through the other route (render/alertmanager.ts).`),
    meta(cfg, topo, ALERTS.prometheusNotificationsFailing, JOBS.prometheus, "critical",
      `${RECORDED.prometheusNotificationErrors} > ${num(NOTIFICATION_FAILURE_RATIO)} or ${RECORDED.prometheusNotificationsDropped} > 0`, m.notificationsFailingFor,
      `Prometheus ${inst} fails to send alerts to Alertmanager.`,
      `{{ printf "%.3g" $value }} (error share to {{ $labels.alertmanager }}, or alerts dropped per second) on ${inst}, for ${m.notificationsFailingFor}: alerts are not reaching Alertmanager.`),
    meta(cfg, topo, ALERTS.prometheusConfigReload, JOBS.prometheus, "warning",
      `prometheus_config_last_reload_successful{${PROM}} == 0`, m.configReloadFor,
      `Prometheus ${inst} failed to reload its configuration.`,
      `The last configuration reload of ${inst} failed (value {{ $value }}) ${m.configReloadFor} ago or more: it still runs the previous configuration and rules.`),
    meta(cfg, topo, ALERTS.alertmanagerConfigReload, JOBS.alertmanager, "warning",
      `alertmanager_config_last_reload_successful{${AM}} == 0`, m.configReloadFor,
      `Alertmanager ${inst} failed to reload its configuration.`,
      `The last configuration reload of ${inst} failed (value {{ $value }}) ${m.configReloadFor} ago or more: it still routes with the previous configuration.`),
    meta(cfg, topo, ALERTS.notConnected, JOBS.prometheus, "critical",
      `prometheus_notifications_alertmanagers_discovered{${PROM}} < 1`, m.discoveryFor,
      `Prometheus ${inst} is not connected to any Alertmanager.`,
      `${inst} has discovered {{ $value }} Alertmanagers for ${m.discoveryFor}: its alerts go nowhere (the dead man's switch pages too if no Prometheus reaches one).`),
    meta(cfg, topo, ALERTS.tsdbErrors, JOBS.prometheus, "warning",
      `${RECORDED.tsdbFailures3h} > 0`, m.tsdbErrorsFor,
      `Prometheus ${inst} has TSDB errors.`,
      `{{ $value }} TSDB compactions, head truncations, WAL writes or reloads failed on ${inst} in the last 3 hours: the disk may be full or failing, and data may be lost.`),
    meta(cfg, topo, ALERTS.storageFull, JOBS.prometheus, "warning",
      `(prometheus_tsdb_storage_blocks_bytes{${PROM}} + on (instance) prometheus_tsdb_wal_storage_size_bytes{${PROM}}) / on (instance) (prometheus_tsdb_retention_limit_bytes{${PROM}} > 0) >= ${num(ratio(m.storagePercent))}`,
      m.storageFor,
      `Prometheus ${inst} is at {{ $value | humanizePercentage }} of its retention size.`,
      `Blocks and WAL of ${inst} use {{ $value | humanizePercentage }} of retention.sizeGB (${cfg.retention.sizeGB} GB) for ${m.storageFor}: size-based retention deletes the oldest blocks before they reach retention.time, so SLO budgets over the compliance period see less history.`),
    meta(cfg, topo, ALERTS.remoteWriteBehind, JOBS.prometheus, "warning",
      `max by (instance) (prometheus_remote_storage_highest_timestamp_in_seconds{${PROM}}) - on (instance) group_right () max by (instance, remote_name, url) (prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${PROM}}) > ${num(durationSeconds(m.remoteWriteBehind))}`,
      m.remoteWriteFor,
      `Prometheus ${inst} remote write to {{ $labels.remote_name }} is behind.`,
      `Remote write from ${inst} to {{ $labels.remote_name }} is {{ $value | humanizeDuration }} behind the newest sample (over ${m.remoteWriteBehind} for ${m.remoteWriteFor}): the long-term store misses recent data, and samples are dropped once the WAL is truncated.`),
  ];
  if (cfg.replicas.alertmanager > 1) {
    rules.push(
      meta(cfg, topo, ALERTS.clusterMembers, JOBS.alertmanager, "warning",
        `alertmanager_cluster_members{${AM}} < ${cfg.replicas.alertmanager}`, m.discoveryFor,
        `Alertmanager ${inst} sees {{ $value }} of ${cfg.replicas.alertmanager} cluster members.`,
        `${inst} has seen {{ $value }} cluster members (of ${cfg.replicas.alertmanager}) for ${m.discoveryFor}: notifications are no longer deduplicated across the missing ones, and one more loss may leave no Alertmanager.`),
    );
  }
  return rules;
}

/** Watchdog: the heartbeat of the whole alerting path. */
export function watchdogRule(cfg: StackConfig, topo: Topology): AlertingRule {
  return {
    alert: ALERTS.watchdog,
    expr: "vector(1)",
    labels: { severity: "info", service: "monitoring", team: MONITORING_TEAM },
    annotations: annotations(
      cfg,
      ALERTS.watchdog,
      "Alerting pipeline heartbeat; always firing.",
      "Fires continuously (value {{ $value }}) and is sent every minute to the dead man's switch: when the heartbeats stop, rule evaluation or notification is broken and the heartbeat service pages.",
      opsDashboard(topo),
    ),
  };
}

/** The meta group: recordings first, then the alerts that read them in the same evaluation. */
export function metaGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [{ name: "meta", interval: cfg.scrape.evaluationInterval, rules: [watchdogRule(cfg, topo), ...metaRecordingRules(), ...metaAlertRules(cfg, topo)] }];
}
