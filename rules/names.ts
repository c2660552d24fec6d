/**
 * Every recorded series name and every alert name the rules produce, in one place.
 *
 * Dashboards, the local stack, the end-to-end drills and the tests import these instead of
 * spelling names, so a rename is one edit. Recorded names follow `level:metric:operations`
 * (https://prometheus.io/docs/practices/rules/): the level names the labels the series keeps.
 */

import { SLO_WINDOWS, type SloWindow } from "../config/conventions";

/** Windows of the SLO series: every long and short window a burn-rate tier may use (config/conventions.ts). */
export { SLO_WINDOWS, type SloWindow };

function perWindow(prefix: string): Readonly<Record<SloWindow, string>> {
  return Object.fromEntries(SLO_WINDOWS.map((w) => [w, `${prefix}${w}`])) as Record<SloWindow, string>;
}

/**
 * Recorded series. Labels:
 * - `service:*`: service, team, tier (application services only);
 * - `service_route:*` adds route, `service_status:*` adds status, `service_le:*` adds le;
 * - `service_pod:*`: service, pod, team (cAdvisor on every stack: containers on docker and
 *   kubernetes, the services' cgroups on the local stack);
 * - `instance*:node_*`: instance (+ device, mountpoint, fstype), service="node", team="platform";
 * - `slo:*`: slo, service, team (+ window on the compliance-period series);
 * - `prometheus:*`: no labels (about the Prometheus evaluating the rule, per HA replica).
 */
export const RECORDED = {
  /** Requests per second over 5m. */
  requestsRate5m: "service:http_requests:rate5m",
  /** Share of requests answered 5xx over 5m (0..1); 0, not absent, when a service never failed. */
  errorRatio5m: "service:http_errors:ratio_rate5m",
  /** Requests per second over 5m by route template (the deep-dive's endpoint breakdown). */
  routeRequestsRate5m: "service_route:http_requests:rate5m",
  /** Requests per second over 5m by status code (the deep-dive's status breakdown). */
  statusRequestsRate5m: "service_status:http_requests:rate5m",
  /** Histogram bucket rates over 5m, with `le` normalised to float form ("1.0"); feed heatmaps. */
  durationBucketsRate5m: "service_le:http_request_duration_seconds_bucket:rate5m",
  latencyP50: "service:http_request_duration_seconds:p50_rate5m",
  latencyP95: "service:http_request_duration_seconds:p95_rate5m",
  latencyP99: "service:http_request_duration_seconds:p99_rate5m",
  /** p99 latency by route template over 5m (which endpoint is slow). */
  routeLatencyP99: "service_route:http_request_duration_seconds:p99_rate5m",
  /** Requests in progress, summed over the service's instances. */
  inFlight: "service:http_requests_in_flight:sum",
  /** Share of the service's scrape targets that are up (0..1): the UP/DOWN tile. */
  up: "service:up:ratio",

  /** Memory of each pod/container: cAdvisor's working set (usage minus inactive page cache). */
  memoryBytes: "service_pod:memory_usage:bytes",
  /** Memory over the container's limit (0..1); absent when no limit is set. */
  memoryRatio: "service_pod:memory_usage:ratio",
  /** CPU cores used over 5m. */
  cpuCores: "service_pod:cpu_usage:rate5m",
  /** CPU over the container's CPU limit, over 5m (0..1); absent when no limit is set. */
  cpuRatio: "service_pod:cpu_usage:ratio_rate5m",
  /** Processes of the container the kernel OOM-killed over the last 5m (cAdvisor's container_oom_events_total). */
  oomKills: "service_pod:container_oom_events:increase5m",

  /** Host CPU busy share over 5m (not idle, iowait or steal). */
  hostCpu: "instance:node_cpu_utilisation:ratio_rate5m",
  /** Host memory in use: 1 - MemAvailable/MemTotal. */
  hostMemory: "instance:node_memory_utilisation:ratio",
  /** Filesystem space used (of what non-root users may use), per mountpoint. */
  hostDisk: "instance_mountpoint:node_filesystem_usage:ratio",

  /** The SLO's objective (0.999) as a series, for dashboards. */
  sloObjective: "slo:objective:ratio",
  /** The SLO's error budget (1 - objective). */
  sloErrorBudget: "slo:error_budget:ratio",
  /** Bad events per second over 5m: the base of the long-window series. */
  sloErrors5m: "slo:sli_errors:rate5m",
  /** Share of bad events per window (errors for availability, slower than the threshold for latency). */
  sloErrorRatio: perWindow("slo:sli_error:ratio_rate"),
  /** Events (requests) per second per window: the low-traffic guard. */
  sloRequests: perWindow("slo:sli_requests:rate"),
  /**
   * The inputs of the long windows (1d, 3d) and the compliance period (rules/slo-recording.ts,
   * runningSumRules): per hour, the sum of the 5m series' samples in that hour (one sample per
   * hour), and the running sum since the last hour boundary (every cycle). A 30-day period then
   * reads 720 hourly samples instead of 172,800 samples of the 5m series; a 3-day window 72 + 2.
   */
  sloErrorsHourly: "slo:sli_errors:sum1h",
  sloErrorsSinceHour: "slo:sli_errors:sum_since_hour",
  sloRequestsHourly: "slo:sli_requests:sum1h",
  sloRequestsSinceHour: "slo:sli_requests:sum_since_hour",
  /**
   * The same pair for the NUMBER of 5m samples (one per evaluation): the 1d and 3d request rates
   * are the average of the 5m rate over the samples that exist (what avg_over_time gave), i.e.
   * the requests' sum over this count.
   */
  sloSamplesHourly: "slo:sli_samples:count1h",
  sloSamplesSinceHour: "slo:sli_samples:count_since_hour",
  /** Share of bad events over the SLO's compliance period (label window, e.g. "30d"). */
  sloErrorRatioPeriod: "slo:sli_error:ratio_period",
  /**
   * Error budget left over the compliance period: 1 = untouched, 0 = spent, < 0 = SLO missed.
   * Counts only the bad events this Prometheus has seen (rules/README.md, "History guard").
   */
  sloBudgetRemaining: "slo:error_budget_remaining:ratio",

  /**
   * Seconds of data this Prometheus holds (now minus its TSDB's lowest timestamp; no labels).
   * Absent when its self-scrape is: the SLO alerts then behave as if history were unlimited.
   */
  tsdbHistory: "prometheus:tsdb_history:seconds",

  /** Rule evaluations failing, per Prometheus and rule group, over 5m (meta-monitoring). */
  ruleFailures5m: "instance_rule_group:prometheus_rule_evaluation_failures:increase5m",
  /** Rule group evaluations skipped because the previous one overran its interval. */
  ruleIterationsMissed5m: "instance_rule_group:prometheus_rule_group_iterations_missed:increase5m",
  /** Share of Alertmanager's notification attempts that failed, per integration (pagerduty, slack, webhook). */
  notificationsFailed: "integration:alertmanager_notifications_failed:ratio_rate5m",
  /** Share of Prometheus' sends to each Alertmanager that failed. */
  prometheusNotificationErrors: "instance_alertmanager:prometheus_notifications_errors:ratio_rate5m",
  /** Alerts Prometheus dropped (queue full or every Alertmanager failing), per second. */
  prometheusNotificationsDropped: "instance:prometheus_notifications_dropped:rate5m",
  /** TSDB failures of any kind (compaction, head truncation, WAL, checkpoint, reload) over 3h. */
  tsdbFailures3h: "instance:prometheus_tsdb_failures:increase3h",
} as const;

/** Every recorded name, flat (for linters and dashboards' query checks). */
/**
 * The running sums: they read their own previous value, so a backfill (promtool's range queries)
 * cannot evaluate them; backfills write them another way (rules/bench/history.ts) or leave them out.
 */
export const RUNNING_SUMS: readonly string[] = [
  RECORDED.sloErrorsHourly, RECORDED.sloErrorsSinceHour,
  RECORDED.sloRequestsHourly, RECORDED.sloRequestsSinceHour,
  RECORDED.sloSamplesHourly, RECORDED.sloSamplesSinceHour,
];

export function allRecordedNames(): string[] {
  return Object.values(RECORDED).flatMap((v) => (typeof v === "string" ? [v] : Object.values(v)));
}

/** Alert names; each has docs/runbooks/<name>.md. */
export const ALERTS = {
  watchdog: "Watchdog",
  highCpu: "HighCpuUsage",
  highMemory: "HighMemoryUsage",
  memoryExhaustion: "MemoryExhaustionImminent",
  highDisk: "HighDiskUsage",
  targetDown: "TargetDown",
  serviceDown: "ServiceDown",
  availabilityBurn: "AvailabilityBudgetBurn",
  latencyBurn: "LatencyBudgetBurn",
  budgetExhausted: "ErrorBudgetExhausted",
  targetsMissing: "ServiceTargetsMissing",
  diskFilling: "DiskFillingUp",
  ruleFailures: "PrometheusRuleFailures",
  notificationsFailing: "AlertmanagerNotificationsFailing",
  prometheusNotificationsFailing: "PrometheusNotificationsFailing",
  prometheusConfigReload: "PrometheusConfigReloadFailed",
  alertmanagerConfigReload: "AlertmanagerConfigReloadFailed",
  notConnected: "PrometheusNotConnectedToAlertmanagers",
  clusterMembers: "AlertmanagerClusterMembersMissing",
  tsdbErrors: "PrometheusTsdbErrors",
  storageFull: "PrometheusStorageNearRetentionSize",
  remoteWriteBehind: "PrometheusRemoteWriteBehind",
  containerOomKilled: "ContainerOOMKilled",
} as const;
export type AlertName = (typeof ALERTS)[keyof typeof ALERTS];

/** Service and team of alerts about hosts (node-exporter) and the monitoring stack itself. */
export const HOST_OWNER = { service: "node", team: "platform" } as const;
export const MONITORING_TEAM = "platform";
