/**
 * Service deep-dive: one service (template variable `service`), everything needed to find
 * which endpoint is slow or failing and why: the overview's five signals for the service,
 * traffic and latency by endpoint, errors by status code, CPU, memory, network and requests
 * in flight.
 *
 * Everything but the network panel reads recorded series. Network bytes are not recorded: the
 * panel reads cAdvisor's counters for the service's pods and, where no container runtime
 * reports them (the local stack runs processes), falls back to the host's interfaces.
 */
import { dashboard, type Dashboard } from "./foundation";
import { LABELS, GRAFANA_UIDS, JOBS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { RECORDED } from "../rules/names";
import { ascending } from "./health";
import { fixedColor, seriesPanel as series } from "./panels";
import { DATASOURCE, finalize, prom, shell } from "./sdk";
import { recordedSignals, signalTiles } from "./tiles";

/** The template variable's name; the overview's links set `var-service`. */
export const SERVICE_VAR = "service";

const SVC = `${LABELS.service}="$${SERVICE_VAR}"`;
const sel = (name: string) => `${name}{${SVC}}`;

/** The variable's values: every service the recording rules know (Grafana's label_values). */
export const SERVICE_VALUES_QUERY = `label_values(${RECORDED.up}, ${LABELS.service})`;

/** Legend of the network fallback series. */
export const HOST_NETWORK_LEGEND = "host, all interfaces (no container metrics)";

/** Bytes/s of one direction: the service's pods from cAdvisor, or the host when there are none. */
export function networkExpr(direction: "receive" | "transmit"): string {
  const pods = `group by (pod) (${sel(RECORDED.memoryBytes)})`;
  const containers = `sum by (pod) (rate(container_network_${direction}_bytes_total{job="${JOBS.cadvisor}"}[$__rate_interval])) * on (pod) ${pods}`;
  const host = `label_replace(sum(rate(node_network_${direction}_bytes_total{job="${JOBS.nodeExporter}"}[$__rate_interval])), "pod", "${HOST_NETWORK_LEGEND}", "", "")`;
  return `${containers} or on () ${host}`;
}

/** Builds the deep-dive. */
export function serviceDeepDive(cfg: StackConfig): Dashboard {
  const services = cfg.services.map((s) => s.name);
  const signals = recordedSignals(SVC);
  const memoryAlert = cfg.alerts.memory.threshold / 100;
  const cpu = cfg.alerts.cpu;
  const builder = shell({
    uid: GRAFANA_UIDS.serviceDeepDive,
    description: "One service in depth: endpoints, latency percentiles, status codes, CPU, memory, network, requests in flight.",
    from: "now-6h",
    refresh: "30s",
    source: "dashboards/service-deep-dive.ts",
  })
    .withVariable(
      new dashboard.QueryVariableBuilder(SERVICE_VAR)
        .label("Service")
        .description("Application service (the `service` label).")
        .datasource(DATASOURCE)
        .query(SERVICE_VALUES_QUERY)
        .definition(SERVICE_VALUES_QUERY)
        // Services come and go with deploys: re-list them when the time range changes.
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .current({ text: services[0], value: services[0], selected: true })
        .multi(false)
        .includeAll(false)
        .allowCustomValue(false),
    )
    .withRow(new dashboard.RowBuilder("$service now"))
    .withPanel(signalTiles(cfg, "up", signals.up, services, false).height(4).span(5))
    .withPanel(signalTiles(cfg, "errorRatio", signals.errorRatio, services, false).height(4).span(5))
    .withPanel(signalTiles(cfg, "p99", signals.p99, services, false).height(4).span(5))
    .withPanel(signalTiles(cfg, "memory", signals.memory, services, false).height(4).span(5))
    .withPanel(signalTiles(cfg, "rate", signals.rate, services, false).height(4).span(4))
    .withRow(new dashboard.RowBuilder("Traffic and latency by endpoint"))
    .withPanel(
      series("Request rate by endpoint", `Requests per second over 5 minutes by route template (${RECORDED.routeRequestsRate5m}).`, "reqps", { stacked: true })
        .withTarget(prom("A", `sum by (route) (${sel(RECORDED.routeRequestsRate5m)})`, { legend: "{{route}}" })),
    )
    .withPanel(
      series("p99 latency by endpoint", `99th percentile of request duration over 5 minutes by route template (${RECORDED.routeLatencyP99}): which endpoint is slow.`, "s")
        .withTarget(prom("A", `max by (route) (${sel(RECORDED.routeLatencyP99)})`, { legend: "{{route}}" })),
    )
    .withPanel(
      series("Latency percentiles", `p50, p95 and p99 of request duration over 5 minutes, all endpoints (${RECORDED.latencyP50}, ${RECORDED.latencyP95}, ${RECORDED.latencyP99}).`, "s")
        .withTarget(prom("A", `max(${sel(RECORDED.latencyP50)})`, { legend: "p50" }))
        .withTarget(prom("B", `max(${sel(RECORDED.latencyP95)})`, { legend: "p95" }))
        .withTarget(prom("C", `max(${sel(RECORDED.latencyP99)})`, { legend: "p99" })),
    )
    .withPanel(
      series("Active connections (requests in flight)", `HTTP requests received and not yet answered, summed over the service's instances (${RECORDED.inFlight}).`, "short")
        .withTarget(prom("A", `sum(${sel(RECORDED.inFlight)})`, { legend: "in flight" })),
    )
    .withRow(new dashboard.RowBuilder("Errors"))
    .withPanel(
      series("Error rate (5xx)", `Share of requests answered 5xx over 5 minutes (${RECORDED.errorRatio5m}).`, "percentunit")
        .withTarget(prom("A", `max(${sel(RECORDED.errorRatio5m)})`, { legend: "5xx share" }))
        .overrideByName("5xx share", fixedColor("red")),
    )
    .withPanel(
      series("Responses by status code", `Responses per second over 5 minutes by status code (${RECORDED.statusRequestsRate5m}); 5xx red, 4xx orange.`, "reqps")
        .withTarget(prom("A", `sum by (status) (${sel(RECORDED.statusRequestsRate5m)})`, { legend: "{{status}}" }))
        .overrideByRegexp("^5..$", fixedColor("red"))
        .overrideByRegexp("^4..$", fixedColor("orange")),
    )
    .withRow(new dashboard.RowBuilder("Resources"))
    .withPanel(
      series("CPU usage", `CPU cores used per pod over 5 minutes (${RECORDED.cpuCores}).`, "short")
        .withTarget(prom("A", sel(RECORDED.cpuCores), { legend: "{{pod}}" })),
    )
    .withPanel(
      series("CPU usage of limit", `CPU used per pod over its CPU limit (${RECORDED.cpuRatio}); lines at the HighCpuUsage warning and critical thresholds.`, "percentunit", {
        lines: ascending(cpu.critical.threshold / 100, cpu.warning.threshold / 100),
      }).withTarget(prom("A", sel(RECORDED.cpuRatio), { legend: "{{pod}}" })),
    )
    .withPanel(
      series("Memory usage", `Working set (containers) or resident memory (processes) per pod (${RECORDED.memoryBytes}).`, "bytes")
        .withTarget(prom("A", sel(RECORDED.memoryBytes), { legend: "{{pod}}" })),
    )
    .withPanel(
      series("Memory usage of limit", `Memory per pod over its limit (${RECORDED.memoryRatio}); the line is the HighMemoryUsage threshold.`, "percentunit", {
        lines: ascending(memoryAlert, null),
      }).withTarget(prom("A", sel(RECORDED.memoryRatio), { legend: "{{pod}}" })),
    )
    .withPanel(
      series("Network", "Bytes per second received (above the axis) and transmitted (below) by the service's pods (cAdvisor); the host's interfaces where no container metrics exist (local stack).", "Bps", { negative: true })
        .withTarget(prom("A", networkExpr("receive"), { legend: "received {{pod}}" }))
        .withTarget(prom("B", networkExpr("transmit"), { legend: "transmitted {{pod}}" }))
        .overrideByQuery("B", [{ id: "custom.transform", value: "negative-Y" }])
        .span(24),
    );
  return finalize(builder);
}
