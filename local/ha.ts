/**
 * `npm start -- --ha`: the local stack with prod's high-availability shape, on loopback.
 *
 *                      ┌─ prometheus-0 (data/prometheus-0, replica=prometheus-0) ─ thanos-sidecar-0 ─┐
 *   12 services ◀─scrape┤                                                                           ├─gRPC─ thanos-query :10902 (dedup on `replica`)
 *                      └─ prometheus-1 (data/prometheus-1, replica=prometheus-1) ─ thanos-sidecar-1 ─┘
 *                                 │ both send every alert to all three
 *                                 ▼
 *             alertmanager-0 ◀─gossip─▶ alertmanager-1 ◀─gossip─▶ alertmanager-2   (one notification per group)
 *
 * The same render functions as prod: prometheus.yml (one file per replica, differing only in
 * its `replica` label, which prod takes from the pod name and Debian's Prometheus 2.42 would
 * only expand behind a feature flag), alertmanager.yml, and the Thanos and Alertmanager flags of render/thanos.ts and
 * render/alertmanager.ts with loopback addresses. Everything else of the local stack (services,
 * traffic, receivers, node-exporter, nginx) is unchanged. local/stack.ts calls this module
 * through four small hooks; the default `npm start` never reaches it.
 */
import type { StackConfig } from "../config/schema";
import { alertmanagerArgs } from "../render/alertmanager";
import { PROMETHEUS_CONFIG_FILE, prometheusArgs, renderPrometheusConfig } from "../render/prometheus";
import type { RenderedFile } from "../render/stack";
import { thanosQueryArgs, thanosSidecarArgs } from "../render/thanos";
import type { Topology } from "../render/topology";
import { requireTool } from "../scripts/tools/find";
import type { LocalStackOptions, LocalStackPorts } from "./config";
import { BINARIES, dataDir } from "./plan";
import type { ProcessSpec } from "./supervisor";

/** Prometheus replicas and Alertmanager cluster size, as on prod. */
export const HA_PROMETHEUS_REPLICAS = 2;
export const HA_ALERTMANAGERS = 3;

const loop = (port: number) => `127.0.0.1:${port}`;

/** Web and gossip ports of Alertmanager i. */
export function alertmanagerPorts(p: LocalStackPorts, i: number): { web: number; cluster: number } {
  return [
    { web: p.alertmanager, cluster: p.alertmanagerCluster },
    { web: p.alertmanager1, cluster: p.alertmanagerCluster1 },
    { web: p.alertmanager2, cluster: p.alertmanagerCluster2 },
  ][i];
}

/** Prometheus replica i's web port and its sidecar's ports. */
export function replicaPorts(p: LocalStackPorts, i: number): { prometheus: number; sidecarGrpc: number; sidecarHttp: number } {
  return [
    { prometheus: p.prometheus, sidecarGrpc: p.thanosSidecar0Grpc, sidecarHttp: p.thanosSidecar0Http },
    { prometheus: p.prometheus1, sidecarGrpc: p.thanosSidecar1Grpc, sidecarHttp: p.thanosSidecar1Http },
  ][i];
}

/** Process names, as the supervisor, `npm stop` and the tests know them. */
export const haName = {
  prometheus: (i: number) => `prometheus-${i}`,
  sidecar: (i: number) => `thanos-sidecar-${i}`,
  alertmanager: (i: number) => `alertmanager-${i}`,
  query: "thanos-query",
} as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The local topology with the global view and the Alertmanager cluster (replica 0's view). */
export function haTopology(base: Topology, p: LocalStackPorts): Topology {
  const replicas = range(HA_PROMETHEUS_REPLICAS).map((i) => replicaPorts(p, i));
  return {
    ...base,
    replicaLabel: haName.prometheus(0),
    alertmanagers: range(HA_ALERTMANAGERS).map((i) => loop(alertmanagerPorts(p, i).web)),
    alertmanagerPeers: range(HA_ALERTMANAGERS).map((i) => loop(alertmanagerPorts(p, i).cluster)),
    // Each replica scrapes both: identical series on both (exact deduplication), and each sees its peer down.
    prometheusTargets: range(HA_PROMETHEUS_REPLICAS).map((i) => loop(replicaPorts(p, i).prometheus)),
    thanos: {
      query: loop(p.thanosQueryHttp),
      endpoints: replicas.map((r) => loop(r.sidecarGrpc)),
      scrape: { sidecar: replicas.map((r) => loop(r.sidecarHttp)), query: [loop(p.thanosQueryHttp)] },
    },
  };
}

/** Replica i's topology: its own `replica` label; everything else shared. */
export function replicaTopology(topo: Topology, i: number): Topology {
  return { ...topo, replicaLabel: haName.prometheus(i) };
}

/** Replica i's config file below the Prometheus root (replica 0 reads the usual prometheus.yml). */
export const replicaConfigFile = (i: number) => (i === 0 ? PROMETHEUS_CONFIG_FILE : `prometheus-${i}.yml`);

/** The files HA adds to the rendered set: each further replica's prometheus.yml. */
export function haConfigFiles(cfg: StackConfig, topo: Topology): RenderedFile[] {
  return range(HA_PROMETHEUS_REPLICAS)
    .slice(1)
    .map((i) => ({ owner: "prometheus" as const, path: replicaConfigFile(i), content: renderPrometheusConfig(cfg, replicaTopology(topo, i)), secret: false }));
}

/** Data directories of the HA processes (each replica and each Alertmanager its own). */
export function haDataDirs(o: LocalStackOptions): string[] {
  return [...range(HA_PROMETHEUS_REPLICAS).map((i) => dataDir(o, haName.prometheus(i))), ...range(HA_ALERTMANAGERS).map((i) => dataDir(o, haName.alertmanager(i)))];
}

/**
 * The HA plan: the single-replica plan with its Prometheus and Alertmanager replaced by two
 * replicas with sidecars, a querier and a three-node cluster. Fails, naming the build command,
 * when the Thanos binary is missing.
 */
export function haPlan(o: LocalStackOptions, cfg: StackConfig, topo: Topology, base: ProcessSpec[]): ProcessSpec[] {
  const thanos = requireTool("thanos").path;
  const p = o.ports;
  const rest = base.filter((s) => s.name !== "prometheus" && s.name !== "alertmanager");
  const alertmanagers: ProcessSpec[] = range(HA_ALERTMANAGERS).map((i) => {
    const ports = alertmanagerPorts(p, i);
    return {
      name: haName.alertmanager(i),
      command: BINARIES.alertmanager,
      args: alertmanagerArgs(cfg, topo, { dataDir: dataDir(o, haName.alertmanager(i)), listen: loop(ports.web), peers: topo.alertmanagerPeers, cluster: { listen: loop(ports.cluster), advertise: loop(ports.cluster) } }),
      ports: [ports.web, ports.cluster],
      healthUrl: `http://${loop(ports.web)}/-/ready`,
    };
  });
  const prometheus: ProcessSpec[] = range(HA_PROMETHEUS_REPLICAS).map((i) => {
    const r = replicaPorts(p, i);
    return {
      name: haName.prometheus(i),
      command: BINARIES.prometheus,
      args: prometheusArgs(cfg, replicaTopology(topo, i), dataDir(o, haName.prometheus(i)), loop(r.prometheus), replicaConfigFile(i)),
      ports: [r.prometheus],
      healthUrl: `http://${loop(r.prometheus)}/-/ready`,
    };
  });
  const sidecars: ProcessSpec[] = range(HA_PROMETHEUS_REPLICAS).map((i) => {
    const r = replicaPorts(p, i);
    return {
      name: haName.sidecar(i),
      command: thanos,
      args: thanosSidecarArgs(cfg, topo, { tsdbPath: dataDir(o, haName.prometheus(i)), prometheusUrl: `http://${loop(r.prometheus)}`, listen: { grpc: loop(r.sidecarGrpc), http: loop(r.sidecarHttp) } }),
      ports: [r.sidecarGrpc, r.sidecarHttp],
      healthUrl: `http://${loop(r.sidecarHttp)}/-/ready`,
    };
  });
  if (!topo.thanos) throw new Error("haPlan needs haTopology()");
  const query: ProcessSpec = {
    name: haName.query,
    command: thanos,
    args: thanosQueryArgs(cfg, { endpoints: topo.thanos.endpoints, listen: { grpc: loop(p.thanosQueryGrpc), http: loop(p.thanosQueryHttp) } }),
    ports: [p.thanosQueryHttp, p.thanosQueryGrpc],
    healthUrl: `http://${loop(p.thanosQueryHttp)}/-/ready`,
  };
  return [...rest, ...alertmanagers, ...prometheus, ...sidecars, query];
}

/**
 * Start order, by name: receivers and services; then traffic, the Alertmanagers, node-exporter
 * and nginx; then Prometheus (its targets and Alertmanagers are up); then the sidecars (they wait
 * for their Prometheus); then the querier. Each wave waits until all of its processes are healthy.
 */
export function startWaves(plan: ProcessSpec[]): ProcessSpec[][] {
  const waveOf = (name: string): number => {
    if (name === haName.query) return 4;
    if (name.startsWith("thanos-sidecar")) return 3;
    if (name === "prometheus" || name.startsWith("prometheus-")) return 2;
    if (["traffic", "node-exporter", "cadvisor", "nginx"].includes(name) || name === "alertmanager" || name.startsWith("alertmanager-")) return 1;
    return 0;
  };
  const waves: ProcessSpec[][] = [[], [], [], [], []];
  for (const s of plan) waves[waveOf(s.name)].push(s);
  return waves.filter((w) => w.length > 0);
}

/** What `npm start -- --ha` prints besides the usual URLs. */
export function haUrls(o: LocalStackOptions): Array<{ what: string; url: string }> {
  const p = o.ports;
  return [
    { what: "Thanos Query (deduplicated view; Grafana's datasource)", url: `http://${loop(p.thanosQueryHttp)}/` },
    { what: "Prometheus replica 1", url: `http://${loop(p.prometheus1)}/classic/targets` },
    ...range(HA_ALERTMANAGERS)
      .slice(1)
      .map((i) => ({ what: `Alertmanager ${i} (cluster status: /#/status)`, url: `http://${loop(alertmanagerPorts(p, i).web)}/` })),
  ];
}
