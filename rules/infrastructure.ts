/**
 * The infrastructure alerts (rules/infrastructure.alerts.yml): CPU, memory, disk and targets.
 * Thresholds and `for` durations come from `alerts` in the stack config.
 *
 * Containers are measured against their own limits (the recorded service_pod:* series); hosts
 * are owned by service "node", team "platform". Thresholds compare with >= so an alert "at 90%"
 * fires at 90%. Every expression reads recorded series or `up`, never raw rates.
 */
import { LABELS, type Severity } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { annotations, appJobs, num, opsDashboard, ratio, serviceDashboard, type AlertingRule, type RuleGroup } from "./model";
import { ALERTS, HOST_OWNER, MONITORING_TEAM, RECORDED } from "./names";
import { durationSeconds } from "../config/validate";

const POD_LABELS = `{{ $labels.${LABELS.service} }}/{{ $labels.pod }}`;
const pct = "{{ $value | humanizePercentage }}";

/**
 * Labels of an alert whose service and team come from the series (service_pod:*, up). Written
 * out anyway so every rule states them; the templates copy the series' values.
 */
const fromSeries = (severity: Severity) => ({ severity, service: `{{ $labels.${LABELS.service} }}`, team: `{{ $labels.${LABELS.team} }}` });
/** Labels of a host alert: hosts belong to service "node", team "platform". */
const host = (severity: Severity) => ({ severity, ...HOST_OWNER });

function cpuRules(cfg: StackConfig, topo: Topology): AlertingRule[] {
  const levels = [
    { severity: "warning" as const, ...cfg.alerts.cpu.warning },
    { severity: "critical" as const, ...cfg.alerts.cpu.critical },
  ];
  return levels.flatMap(({ severity, threshold, for: forDur }) => [
    {
      alert: ALERTS.highCpu,
      expr: `${RECORDED.cpuRatio} >= ${num(ratio(threshold))}`,
      for: forDur,
      labels: fromSeries(severity),
      annotations: annotations(
        cfg,
        ALERTS.highCpu,
        `${POD_LABELS} uses ${pct} of its CPU limit.`,
        `CPU of ${POD_LABELS} has been at or above ${threshold}% of its limit for ${forDur} (now ${pct}); it is being throttled and latency will follow.`,
        serviceDashboard(topo),
      ),
    },
    {
      alert: ALERTS.highCpu,
      expr: `${RECORDED.hostCpu} >= ${num(ratio(threshold))}`,
      for: forDur,
      labels: host(severity),
      annotations: annotations(
        cfg,
        ALERTS.highCpu,
        `Host {{ $labels.instance }} CPU is ${pct} busy.`,
        `Host {{ $labels.instance }} has been at or above ${threshold}% CPU for ${forDur} (now ${pct}); every container on it competes for what is left.`,
        opsDashboard(topo),
      ),
    },
  ]);
}

/**
 * "At or above the threshold", judged on the median of the last alerts.memory.smoothing rather
 * than on each sample: memory held at 92% that reads 89.9% for one scrape must not restart a
 * 10-minute `for` (the memory --full drill did exactly that). The median of a minute ignores up
 * to two stray samples of four, yet still follows a real drop within half a minute.
 */
export function memoryAbove(cfg: StackConfig, series: string): string {
  return `quantile_over_time(0.5, ${series}[${cfg.alerts.memory.smoothing}]) >= ${num(ratio(cfg.alerts.memory.threshold))}`;
}

function memoryRules(cfg: StackConfig, topo: Topology): AlertingRule[] {
  const { threshold, for: forDur, smoothing } = cfg.alerts.memory;
  const pred = cfg.alerts.memoryPredictive;
  const judged = `(the median of each ${smoothing})`;
  return [
    {
      alert: ALERTS.highMemory,
      expr: memoryAbove(cfg, RECORDED.memoryRatio),
      for: forDur,
      labels: fromSeries("critical"),
      annotations: annotations(
        cfg,
        ALERTS.highMemory,
        `${POD_LABELS} uses ${pct} of its memory limit.`,
        `Memory of ${POD_LABELS} has been at or above ${threshold}% of its limit ${judged} for ${forDur} (now ${pct}); the kernel will OOM-kill it at 100%.`,
        serviceDashboard(topo),
      ),
    },
    {
      alert: ALERTS.highMemory,
      expr: memoryAbove(cfg, RECORDED.hostMemory),
      for: forDur,
      labels: host("critical"),
      annotations: annotations(
        cfg,
        ALERTS.highMemory,
        `Host {{ $labels.instance }} memory is ${pct} used.`,
        `Host {{ $labels.instance }} has had ${threshold}% or more of its memory in use ${judged} for ${forDur} (now ${pct}); the OOM killer picks a victim at 100%.`,
        opsDashboard(topo),
      ),
    },
    {
      alert: ALERTS.memoryExhaustion,
      // Pages on the way up (on course to reach the limit within the horizon) and stays firing
      // while memory is above the HighMemoryUsage threshold (judged the same way), so a ramp that
      // stops at 92% is one alert until memory is released. Alertmanager puts both memory alerts
      // of a pod in one group: one incident, one page (render/alertmanager.ts).
      expr:
        `(${RECORDED.memoryRatio} >= ${num(ratio(pred.minPercent))} and predict_linear(${RECORDED.memoryRatio}[${pred.lookback}], ${durationSeconds(pred.horizon)}) >= 1)` +
        ` or ${memoryAbove(cfg, RECORDED.memoryRatio)}`,
      for: pred.for,
      labels: fromSeries("critical"),
      annotations: annotations(
        cfg,
        ALERTS.memoryExhaustion,
        `${POD_LABELS} will run out of memory soon (${pct} of its limit).`,
        `Memory of ${POD_LABELS} is at ${pct} of its limit and, at the rate of the last ${pred.lookback}, reaches the limit within ${pred.horizon} (or it is already above ${threshold}%). The container is OOM-killed at 100%.`,
        serviceDashboard(topo),
      ),
    },
  ];
}

function diskRules(cfg: StackConfig, topo: Topology): AlertingRule[] {
  const { threshold, for: forDur } = cfg.alerts.disk;
  const fill = cfg.alerts.diskFilling;
  const where = "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }}";
  return [
    {
      alert: ALERTS.highDisk,
      expr: `${RECORDED.hostDisk} >= ${num(ratio(threshold))}`,
      for: forDur,
      labels: host("warning"),
      annotations: annotations(
        cfg,
        ALERTS.highDisk,
        `Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is ${pct} full.`,
        `${where} has been ${threshold}% full or more for ${forDur} (now ${pct}).`,
        opsDashboard(topo),
      ),
    },
    {
      // The page: not "full-ish" but "will be full before anyone would get to it".
      alert: ALERTS.diskFilling,
      expr: `${RECORDED.hostDisk} >= ${num(ratio(fill.minPercent))} and predict_linear(${RECORDED.hostDisk}[${fill.lookback}], ${durationSeconds(fill.horizon)}) >= 1`,
      for: fill.for,
      labels: host("critical"),
      annotations: annotations(
        cfg,
        ALERTS.diskFilling,
        `Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} will be full within ${fill.horizon} (${pct} now).`,
        `${where} is ${pct} full and, at the rate of the last ${fill.lookback}, full within ${fill.horizon} (for ${fill.for}). Writes fail when it is.`,
        opsDashboard(topo),
      ),
    },
  ];
}

function targetRules(cfg: StackConfig, topo: Topology): AlertingRule[] {
  const forDur = cfg.alerts.targetDown.for;
  const down = (who: string) => `${who} target {{ $labels.instance }} (job {{ $labels.job }}) is down.`;
  const detail = `Prometheus has failed to scrape {{ $labels.instance }} for ${forDur} (up = {{ $value }}).`;
  return [
    {
      alert: ALERTS.targetDown,
      expr: `up{${appJobs(cfg)}} == 0`,
      for: forDur,
      labels: fromSeries("warning"),
      annotations: annotations(cfg, ALERTS.targetDown, down(`{{ $labels.${LABELS.service} }}`), detail, serviceDashboard(topo)),
    },
    {
      // The stack's own components carry no service/team: the job names the component.
      alert: ALERTS.targetDown,
      expr: `up{${appJobs(cfg).replace("=~", "!~")}} == 0`,
      for: forDur,
      labels: { severity: "warning", service: "{{ $labels.job }}", team: MONITORING_TEAM },
      annotations: annotations(cfg, ALERTS.targetDown, down("Monitoring"), detail, opsDashboard(topo)),
    },
    {
      // A service with no target up has no request metrics: its burn-rate alerts go silent.
      alert: ALERTS.serviceDown,
      expr: `${RECORDED.up}{${LABELS.tier}="tier-1"} == 0`,
      for: forDur,
      labels: fromSeries("critical"),
      annotations: annotations(
        cfg,
        ALERTS.serviceDown,
        `Tier-1 service {{ $labels.${LABELS.service} }} has no target up.`,
        `Every scrape target of {{ $labels.${LABELS.service} }} has been down for ${forDur} (share up = {{ $value }}); it is not serving, and its SLO alerts cannot see it.`,
        serviceDashboard(topo),
      ),
    },
  ];
}

/** The infrastructure group. */
export function infrastructureGroups(cfg: StackConfig, topo: Topology): RuleGroup[] {
  return [
    {
      name: "infrastructure",
      interval: cfg.scrape.evaluationInterval,
      rules: [...cpuRules(cfg, topo), ...memoryRules(cfg, topo), ...diskRules(cfg, topo), ...targetRules(cfg, topo)],
    },
  ];
}
