/**
 * Recording rules for services, containers and hosts (rules/recording.rules.yml).
 *
 * They pre-compute what every dashboard panel and alert would otherwise compute from raw
 * series on each refresh: per-service RED series, latency quantiles from the histogram, and
 * CPU/memory per pod against its limits.
 *
 * Resource series come from cAdvisor on every stack: containers on docker and kubernetes, and
 * on the local stack each service's own cgroup (local/cgroups.ts) with the limits its stack
 * config gives the container on dev. The rules are therefore the same text everywhere
 * (rules/stacks.test.ts diffs them). One documented fallback: a local stack that cannot create
 * cgroups (no root, a read-only /sys/fs/cgroup) has no limits to enforce and nothing for
 * cAdvisor to report, and records the same names from the services' own process metrics
 * (`processRules`); it says so at start-up, and rules/tests/recording.local-process.test.yml
 * keeps that path tested.
 */
import { JOBS, LABELS, METRICS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { appJobs, type RecordingRule, type RuleGroup } from "./model";
import { HOST_OWNER, RECORDED } from "./names";

const SVC = `${LABELS.service}, ${LABELS.team}, ${LABELS.tier}`;
const POD = `${LABELS.service}, pod`;

/**
 * Bucket rates with `le` in float form: Node and Prometheus 2 write le="1", Python and
 * Prometheus 3 write le="1.0"; summing both spellings under one keeps quantiles right.
 */
function normalisedBuckets(cfg: StackConfig, by: string): string {
  return `sum by (${by}, le) (label_replace(rate(${METRICS.httpDuration}_bucket{${appJobs(cfg)}}[5m]), "le", "$1.0", "le", "([0-9]+)"))`;
}

/** Per-service HTTP series: rate, errors, breakdowns, latency quantiles, in-flight, up. */
export function serviceRules(cfg: StackConfig): RecordingRule[] {
  const jobs = appJobs(cfg);
  const requests = `${METRICS.httpRequests}{${jobs}}`;
  return [
    { record: RECORDED.requestsRate5m, expr: `sum by (${SVC}) (rate(${requests}[5m]))` },
    {
      record: RECORDED.errorRatio5m,
      // `or 0 * requests`: a service that never answered 5xx has no 5xx series; its ratio is 0, not absent.
      expr: `(sum by (${SVC}) (rate(${METRICS.httpRequests}{${jobs}, status=~"5.."}[5m])) or 0 * ${RECORDED.requestsRate5m}) / ${RECORDED.requestsRate5m}`,
    },
    { record: RECORDED.routeRequestsRate5m, expr: `sum by (${SVC}, route) (rate(${requests}[5m]))` },
    { record: RECORDED.statusRequestsRate5m, expr: `sum by (${SVC}, status) (rate(${requests}[5m]))` },
    { record: RECORDED.durationBucketsRate5m, expr: normalisedBuckets(cfg, SVC) },
    { record: RECORDED.latencyP50, expr: `histogram_quantile(0.5, ${RECORDED.durationBucketsRate5m})` },
    { record: RECORDED.latencyP95, expr: `histogram_quantile(0.95, ${RECORDED.durationBucketsRate5m})` },
    { record: RECORDED.latencyP99, expr: `histogram_quantile(0.99, ${RECORDED.durationBucketsRate5m})` },
    { record: RECORDED.routeLatencyP99, expr: `histogram_quantile(0.99, ${normalisedBuckets(cfg, `${SVC}, route`)})` },
    { record: RECORDED.inFlight, expr: `sum by (${SVC}) (${METRICS.httpInFlight}{${jobs}})` },
    { record: RECORDED.up, expr: `avg by (${SVC}) (up{${jobs}})` },
  ];
}

/** cAdvisor: its series carry service and pod (relabelled at scrape); team comes from the targets. */
function cadvisorRules(cfg: StackConfig): RecordingRule[] {
  const sel = (metric: string) => `${metric}{job="${JOBS.cadvisor}", ${LABELS.service}!=""}`;
  // Adds `team` and keeps only application services (not the pause container, not the stack itself).
  const withTeam = `* on (${LABELS.service}) group_left (${LABELS.team}) group by (${LABELS.service}, ${LABELS.team}) (up{${appJobs(cfg)}})`;
  return [
    { record: RECORDED.memoryBytes, expr: `sum by (${POD}) (${sel("container_memory_working_set_bytes")}) ${withTeam}` },
    {
      record: RECORDED.memoryRatio,
      // cAdvisor reports a limit of 0 for an unlimited container: no ratio rather than +Inf.
      expr: `${RECORDED.memoryBytes} / on (${POD}) group_left () (sum by (${POD}) (${sel("container_spec_memory_limit_bytes")}) > 0)`,
    },
    { record: RECORDED.cpuCores, expr: `sum by (${POD}) (rate(${sel("container_cpu_usage_seconds_total")}[5m])) ${withTeam}` },
    {
      record: RECORDED.cpuRatio,
      expr: `${RECORDED.cpuCores} / on (${POD}) group_left () (sum by (${POD}) (${sel("container_spec_cpu_quota")}) / sum by (${POD}) (${sel("container_spec_cpu_period")}) > 0)`,
    },
    {
      // The kernel's OOM kills, as cAdvisor reads them from /dev/kmsg and counts them per cgroup.
      record: RECORDED.oomKills,
      expr: `sum by (${POD}) (increase(${sel("container_oom_events_total")}[${OOM_WINDOW}])) ${withTeam}`,
    },
  ];
}

/** Window of the OOM-kill count (and so how long ContainerOOMKilled fires after a kill). */
export const OOM_WINDOW = "5m";

/**
 * The fallback when a local stack cannot create cgroups (see the header): each service's own
 * target reports its RSS, CPU time and the limits it is told; pod = instance. No OOM series:
 * without a cgroup nothing enforces the limit.
 */
function processRules(cfg: StackConfig): RecordingRule[] {
  const by = `${POD}, ${LABELS.team}`;
  const asPod = (expr: string) => `sum by (${by}) (label_replace(${expr}, "pod", "$1", "instance", "(.*)"))`;
  const jobs = appJobs(cfg);
  return [
    { record: RECORDED.memoryBytes, expr: asPod(`process_resident_memory_bytes{${jobs}}`) },
    { record: RECORDED.memoryRatio, expr: `${RECORDED.memoryBytes} / (${asPod(`${METRICS.memoryLimit}{${jobs}}`)} > 0)` },
    { record: RECORDED.cpuCores, expr: asPod(`rate(process_cpu_seconds_total{${jobs}}[5m])`) },
    { record: RECORDED.cpuRatio, expr: `${RECORDED.cpuCores} / (${asPod(`${METRICS.cpuLimit}{${jobs}}`)} > 0)` },
  ];
}

/** CPU and memory per pod against its limits: cAdvisor, or the local fallback's process metrics. */
export function resourceRules(cfg: StackConfig, topo: Topology): RecordingRule[] {
  return topo.resourceSource === "cadvisor" ? cadvisorRules(cfg) : processRules(cfg);
}

/** Hosts (node-exporter). Owned by service "node", team "platform" (rules/README.md). */
export function hostRules(): RecordingRule[] {
  const ne = `job="${JOBS.nodeExporter}"`;
  const fs = `${ne}, fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.*|proc|sysfs|devtmpfs", mountpoint!=""`;
  const fsBy = "instance, device, mountpoint, fstype";
  const owner = { [LABELS.service]: HOST_OWNER.service, [LABELS.team]: HOST_OWNER.team };
  return [
    {
      record: RECORDED.hostCpu,
      expr: `1 - avg by (instance) (sum without (mode) (rate(node_cpu_seconds_total{${ne}, mode=~"idle|iowait|steal"}[5m])))`,
      labels: owner,
    },
    {
      record: RECORDED.hostMemory,
      expr: `1 - sum by (instance) (node_memory_MemAvailable_bytes{${ne}}) / sum by (instance) (node_memory_MemTotal_bytes{${ne}})`,
      labels: owner,
    },
    {
      record: RECORDED.hostDisk,
      expr: `1 - sum by (${fsBy}) (node_filesystem_avail_bytes{${fs}}) / sum by (${fsBy}) (node_filesystem_size_bytes{${fs}})`,
      labels: owner,
    },
  ];
}

/** The groups of recording.rules.yml. */
export function recordingGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  const interval = cfg.scrape.evaluationInterval;
  return [
    { name: "service-http", interval, rules: serviceRules(cfg) },
    { name: "service-resources", interval, rules: resourceRules(cfg, topo) },
    { name: "hosts", interval, rules: hostRules() },
  ];
}
