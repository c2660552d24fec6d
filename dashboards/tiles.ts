/**
 * The five service signals (up, error ratio, p99, memory, request rate) as PromQL and panels: one
 * stat tile per service, colored per service from dashboards/health.ts, each linking to the
 * deep-dive. The ops overview shows them for every service; the deep-dive's header shows them
 * for the selected one (same thresholds, so the colors agree).
 */
import { common, dashboard, stat, type StatPanelBuilder, type TimeseriesPanelBuilder, type ValueMapping } from "./foundation";
import { JOBS, LABELS, METRICS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { RECORDED } from "../rules/names";
import { seriesPanel } from "./panels";
import { serviceThresholds, type ThresholdStep, UP_STEPS } from "./health";
import { DATASOURCE, deepDiveLink, prom, thresholds } from "./sdk";

/** PromQL of the five signals, one series per service (label `service`). */
export interface SignalExprs {
  up: string;
  rate: string;
  errorRatio: string;
  p99: string;
  /** The fullest pod's memory over its limit. */
  memory: string;
  /**
   * Every pod's memory over its limit (label `service` kept): the trend's series. A range
   * query of `max by (service)` costs Prometheus 2.42 five times the plain selector (it groups
   * at every step); per pod is also what the drill wants to see climbing.
   */
  memoryPods: string;
}

/** From recorded series (what the dashboards use); `matcher` narrows, e.g. `service="$service"`. */
export function recordedSignals(matcher = ""): SignalExprs {
  const sel = (name: string) => (matcher ? `${name}{${matcher}}` : name);
  return {
    up: sel(RECORDED.up),
    rate: sel(RECORDED.requestsRate5m),
    errorRatio: sel(RECORDED.errorRatio5m),
    p99: sel(RECORDED.latencyP99),
    memory: `max by (${LABELS.service}) (${sel(RECORDED.memoryRatio)})`,
    memoryPods: sel(RECORDED.memoryRatio),
  };
}

/**
 * The same signals written from raw series, as a dashboard without recording rules would:
 * only the benchmark renders these, to measure what the recording rules save.
 * With window "5m" the numbers equal the recorded ones; "$__rate_interval" is the usual choice.
 */
export function rawSignals(cfg: StackConfig, window: string): SignalExprs {
  const jobs = `job=~"${cfg.services.map((s) => s.name).join("|")}"`;
  const ca = `job="${JOBS.cadvisor}", ${LABELS.service}=~"${cfg.services.map((s) => s.name).join("|")}"`;
  const cadvisorMemoryRatio = `container_memory_working_set_bytes{${ca}} / (container_spec_memory_limit_bytes{${ca}} > 0)`;
  const req = (extra = "") => `sum by (${LABELS.service}) (rate(${METRICS.httpRequests}{${jobs}${extra}}[${window}]))`;
  return {
    up: `avg by (${LABELS.service}) (up{${jobs}})`,
    rate: req(),
    errorRatio: `(${req(`, status=~"5.."`)} or 0 * ${req()}) / ${req()}`,
    p99: `histogram_quantile(0.99, sum by (${LABELS.service}, le) (rate(${METRICS.httpDuration}_bucket{${jobs}}[${window}])))`,
    // cAdvisor's series (every stack's source); gauges, so no window. Both sides carry the same
    // labels after the scrape relabelling, so they match one to one and keep `service`.
    memory: `max by (${LABELS.service}) (${cadvisorMemoryRatio})`,
    memoryPods: cadvisorMemoryRatio,
  };
}

/** Which signal a tile panel shows; decides unit, thresholds and text. */
export type Signal = "up" | "rate" | "errorRatio" | "p99" | "memory";

const UNITS: Record<Signal, string> = { up: "percentunit", rate: "reqps", errorRatio: "percentunit", p99: "s", memory: "percentunit" };

const UP_MAPPINGS: ValueMapping[] = [
  { type: dashboard.MappingType.ValueToText, options: { "1": { text: "UP", index: 0 }, "0": { text: "DOWN", index: 1 } } },
  { type: dashboard.MappingType.RangeToText, options: { from: 0.0001, to: 0.9999, result: { text: "DEGRADED", index: 2 } } },
];

/**
 * Threshold steps of one signal for one service, or null when the signal has no good or bad
 * (request rate); `service` null gives the defaults. The overview and the tests both call this.
 */
export function stepsFor(cfg: StackConfig, signal: Signal, service: string | null): ThresholdStep[] | null {
  const t = serviceThresholds(cfg, service);
  const steps: Record<Signal, ThresholdStep[] | null> = { up: t.up, errorRatio: t.errorRatio, p99: t.p99Seconds, memory: t.memoryRatio, rate: null };
  return steps[signal];
}

/** Title and description of each signal's panels. */
export const SIGNAL_TEXT: Record<Signal, { title: string; description: string }> = {
  up: {
    title: "Status",
    description: `Share of the service's scrape targets that are up (${RECORDED.up}). UP: all, DEGRADED: some, DOWN: none.`,
  },
  rate: {
    title: "Request rate",
    description: `Requests per second over 5 minutes (${RECORDED.requestsRate5m}), /metrics and health checks excluded.`,
  },
  errorRatio: {
    title: "Error rate (5xx)",
    description: `Share of requests answered 5xx over 5 minutes (${RECORDED.errorRatio5m}). Red at the availability SLO's error budget, yellow at 75% of it; without an SLO red at 5%.`,
  },
  p99: {
    title: "p99 latency",
    description: `99th percentile of request duration over 5 minutes (${RECORDED.latencyP99}). Red at the latency SLO's threshold, yellow at 75% of it; without an SLO red at 5 s (the top bucket).`,
  },
  memory: {
    title: "Memory (of limit)",
    description: `Memory of the service's fullest pod over its limit (${RECORDED.memoryRatio}). Red at the HighMemoryUsage threshold, yellow at 75% of it (alerts.memory in the stack config).`,
  },
};

/**
 * One stat panel with a tile per series (per service). Thresholds default to those of a
 * service without SLOs; services whose thresholds differ get a by-name override, so adding an
 * SLO to the config recolors exactly that service's tiles.
 */
export function signalTiles(cfg: StackConfig, signal: Signal, expr: string, services: string[], link = true): StatPanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(SIGNAL_TEXT[signal].title)
    .description(`${SIGNAL_TEXT[signal].description}${link ? " Click a tile for the service deep-dive." : ""}`)
    .datasource(DATASOURCE)
    // Instant: the value at the end of the range, exact and small (a 6 h series per tile would
    // cost Prometheus JSON and gzip work for a sparkline; the trends below show the history).
    .withTarget(prom("A", expr, { legend: `{{${LABELS.service}}}`, instant: true }))
    .unit(UNITS[signal])
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false).fields(""))
    .textMode(common.BigValueTextMode.ValueAndName)
    .justifyMode(common.BigValueJustifyMode.Center)
    .graphMode(common.BigValueGraphMode.None)
    // Request rate has no good or bad: plain text, so color always means health.
    .colorMode(signal === "rate" ? common.BigValueColorMode.None : common.BigValueColorMode.Background);
  if (link) panel.dataLinks([deepDiveLink()]);
  if (signal === "up") panel.mappings(UP_MAPPINGS).thresholds(thresholds(UP_STEPS)).min(0).max(1);
  const base = stepsFor(cfg, signal, null);
  if (base) {
    panel.thresholds(thresholds(base));
    for (const service of services) {
      const own = stepsFor(cfg, signal, service)!;
      if (JSON.stringify(own) !== JSON.stringify(base)) panel.overrideByName(service, [{ id: "thresholds", value: thresholds(own).build() }]);
    }
  }
  return panel;
}

/**
 * Points per line of the overview's trends: one a minute over the default 6 hours. Grafana
 * would otherwise ask for one per pixel of panel width; at a third of the screen that is
 * 20-second steps, three times the data, and Prometheus' time goes into encoding and
 * compressing the response, not into evaluating recorded series (dashboards/README.md).
 */
export const TREND_POINTS = 300;

/**
 * Most lines a trend draws. Up to this many services every service has its line; beyond it a
 * chart is unreadable and its data is what a load spends its time on (120 services: 3 x 120
 * lines x 361 points, 4.5 MB of JSON for Prometheus to gzip), so a trend shows the TREND_TOP
 * highest at each point in time: the worst error rates and latencies, the busiest services.
 */
export const TREND_MAX_LINES = 20;
export const TREND_TOP = 10;

/** A time series of one signal, a line per service (or the top ones), each linking to the deep-dive. */
export function signalTrend(signal: Exclude<Signal, "up">, expr: string, services: number): TimeseriesPanelBuilder {
  const titles = { rate: "Request rate by service", errorRatio: "Error rate (5xx) by service", p99: "p99 latency by service", memory: "Memory (of limit) by pod" };
  // Memory is drawn per pod: one line per pod, named after its service and pod.
  const legend = signal === "memory" ? `{{${LABELS.service}}} {{pod}}` : `{{${LABELS.service}}}`;
  const top = services > TREND_MAX_LINES;
  const description = `${SIGNAL_TEXT[signal].description.replace(/ Red at .*$/, "")}${top ? ` The ${TREND_TOP} highest at each point in time.` : ""} Click a line for the service deep-dive.`;
  return seriesPanel(top ? `${titles[signal]}, top ${TREND_TOP}` : titles[signal], description, UNITS[signal])
    .withTarget(prom("A", top ? `topk(${TREND_TOP}, ${expr})` : expr, { legend }))
    .fillOpacity(0)
    .maxDataPoints(TREND_POINTS)
    .dataLinks([deepDiveLink()]);
}
