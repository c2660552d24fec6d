/**
 * Where every component is and where its files live, for each place the stack can run.
 *
 * The rendered files differ between docker, kubernetes and the local stack ONLY through
 * this object (addresses and paths); everything else comes from the stack config.
 */
import { CONTAINER_PATHS, PORTS, THANOS } from "../config/conventions";
import { ALERTMANAGER_PEERS_SERVICE, DOCKER_NETWORK, kubernetesNetwork, memberAddresses, podsSrv, serviceAddress } from "../platform/addresses";
import type { StackConfig } from "../config/schema";
import * as path from "path";


/** The three places the rendered files are used. */
export type TargetKind = "docker" | "kubernetes" | "local";

/** Addresses and paths for one target. */
export interface Topology {
  kind: TargetKind;
  /** Value of the `replica` external label (`${POD_NAME}` is expanded by Prometheus on kubernetes). */
  replicaLabel: string;
  /** host:port of every Alertmanager replica (Prometheus sends to all; they deduplicate). */
  alertmanagers: string[];
  /** host:port of every Alertmanager's gossip port when they form a cluster; [] for one Alertmanager. */
  alertmanagerPeers: string[];
  /**
   * The `prometheus` scrape job: every replica scrapes every replica (itself and its peer), so
   * the replicas hold the same series (the querier then deduplicates them exactly) and each
   * sees its peer go down. host:port list, or "discover" (the StatefulSet's pods on kubernetes).
   */
  prometheusTargets: string[] | "discover";
  /** host:port of Grafana, for nginx and the scrape job; null where Grafana does not run. */
  grafana: string | null;
  /**
   * Local stack only: host:port of the Grafana stand-in the front door proxies to where Grafana
   * does not run (local/grafana-stand-in). Not scraped: it is not Grafana and has no metrics.
   */
  grafanaStandIn?: string;
  /** Static node-exporter target; null on kubernetes, where a DaemonSet is discovered per node. */
  nodeExporter: string | null;
  /** Kubernetes only: the namespace the node agents' pods are discovered in. */
  nodeAgentsNamespace?: string;
  /** Static cAdvisor target, "discover" for the kubernetes DaemonSet, null where it does not run. */
  cadvisor: string | "discover" | null;
  /**
   * Where container memory/CPU come from: cAdvisor on every stack; the services' own process
   * metrics only on a local stack that could not create cgroups (rules/recording.ts says why).
   */
  resourceSource: "cadvisor" | "process";
  /**
   * Local stack only: the cgroup under which each service runs in a cgroup named after it
   * (local/cgroups.ts); cAdvisor reports that path as `id`, relabelled to service and pod.
   */
  serviceCgroups?: string;
  /** Base URL people use to reach Grafana (links in alerts and notifications). */
  grafanaUrl: string;
  /** host:port of Prometheus itself (Grafana's datasource where there is no global view). */
  prometheus: string;
  /** The global view over the Prometheus replicas (Thanos); null where Grafana reads Prometheus directly. */
  thanos: ThanosTopology | null;
  /**
   * Root directory of each component's files. Everything a component reads lives below
   * its root (config, rules/, templates/, provisioning/, dashboards/, secrets/), so one
   * projected volume (kubernetes) or one upload set (docker) carries it.
   */
  roots: Record<FileOwner, string>;
  /** Local stack only: where runtime files (pid, logs, temp) go. */
  stateDir?: string;
  /** Local stack only: user nginx's workers run as when the stack is started by root. */
  workerUser?: string;
  /** Local stack only: nginx's temp dir (written by its workers), when not under stateDir. */
  nginxTempDir?: string;
}

/** Where the Thanos components are and what they reach. */
export interface ThanosTopology {
  /** host:port of Thanos Query's HTTP API: Grafana's default datasource. */
  query: string;
  /** StoreAPI endpoints Query fans out to: host:port, or `dnssrv+` names resolved per pod on kubernetes. */
  endpoints: string[];
  /** Scrape targets: host:port lists, or "discover" (the component's pods, found through the Kubernetes API). */
  scrape: {
    sidecar: string[] | "discover";
    query: string[] | "discover";
    /** Only with long-term storage. */
    store?: "discover";
    compact?: "discover";
  };
}

/** Components that read rendered files. */
export type FileOwner = "prometheus" | "alertmanager" | "grafana" | "nginx" | "thanos";

/** Absolute path of a rendered file. */
export function filePath(topo: Topology, owner: FileOwner, rel: string): string {
  return path.posix.join(topo.roots[owner], rel);
}

function containerRoots(): Topology["roots"] {
  return {
    prometheus: CONTAINER_PATHS.prometheusConfigDir,
    alertmanager: CONTAINER_PATHS.alertmanagerConfigDir,
    grafana: CONTAINER_PATHS.grafanaConfigDir,
    nginx: CONTAINER_PATHS.nginxConfigDir,
    thanos: CONTAINER_PATHS.thanosConfigDir,
  };
}

/** Public URL of Grafana behind the front door. */
export function grafanaPublicUrl(cfg: StackConfig, port: number): string {
  return `https://${cfg.frontDoor.hostname}${port === 443 ? "" : `:${port}`}`;
}

/** Topology of the Docker (dev) stack: containers reach each other by alias on one network. */
export function dockerTopology(cfg: StackConfig): Topology {
  const at = (workload: string, port: number) => serviceAddress(DOCKER_NETWORK, workload, port);
  return {
    kind: "docker",
    replicaLabel: "prometheus-0",
    alertmanagers: [at("alertmanager", PORTS.alertmanager)],
    alertmanagerPeers: [],
    // Prometheus scrapes itself over loopback inside its container.
    prometheusTargets: [`localhost:${PORTS.prometheus}`],
    prometheus: at("prometheus", PORTS.prometheus),
    grafana: at("grafana", PORTS.grafana),
    nodeExporter: at("node-exporter", PORTS.nodeExporter),
    cadvisor: at("cadvisor", PORTS.cadvisor),
    resourceSource: "cadvisor",
    grafanaUrl: grafanaPublicUrl(cfg, cfg.frontDoor.hostHttpsPort),
    // One Prometheus on one host: nothing to deduplicate, Grafana reads it directly.
    thanos: null,
    roots: containerRoots(),
  };
}

/**
 * The stack's two Kubernetes namespaces: `main` (Pod Security "restricted") for everything
 * but the node agents, and `nodeAgents` ("privileged") for node-exporter and cAdvisor, which
 * need the host's PID namespace, network and filesystem.
 */
export function kubernetesNamespaces(cfg: StackConfig): { main: string; nodeAgents: string } {
  return { main: cfg.namespace, nodeAgents: cfg.nodeAgentsNamespace ?? `${cfg.namespace}-node-agents` };
}

export { ALERTMANAGER_PEERS_SERVICE };

/** Name of the StoreAPI port (gRPC) on the Prometheus sidecars and the Store Gateway. */
export const STORE_API_PORT_NAME = "grpc";

/**
 * The global view on kubernetes: Thanos Query over every Prometheus pod's sidecar (and the Store
 * Gateway), each found through the SRV record of its StoreAPI port on the StatefulSet's headless
 * Service, which resolves to every pod (not one Service VIP), so Query sees each replica on its own.
 */
function kubernetesThanos(cfg: StackConfig): ThanosTopology {
  const lts = cfg.thanos.longTermStorage.enabled;
  const net = kubernetesNetwork(cfg.namespace);
  return {
    query: serviceAddress(net, THANOS.query, PORTS.thanosHttp),
    endpoints: [podsSrv(net, "prometheus", STORE_API_PORT_NAME), ...(lts ? [podsSrv(net, THANOS.store, STORE_API_PORT_NAME)] : [])],
    scrape: { sidecar: "discover", query: "discover", ...(lts ? { store: "discover" as const, compact: "discover" as const } : {}) },
  };
}

/** Topology of the Kubernetes (prod) stack. */
export function kubernetesTopology(cfg: StackConfig): Topology {
  const net = kubernetesNetwork(cfg.namespace);
  const members = (port: number) => memberAddresses(net, "alertmanager", ALERTMANAGER_PEERS_SERVICE, cfg.replicas.alertmanager, port);
  return {
    kind: "kubernetes",
    replicaLabel: "${POD_NAME}",
    alertmanagers: members(PORTS.alertmanager),
    alertmanagerPeers: cfg.replicas.alertmanager > 1 ? members(PORTS.alertmanagerCluster) : [],
    prometheusTargets: "discover",
    prometheus: serviceAddress(net, "prometheus", PORTS.prometheus),
    grafana: serviceAddress(net, "grafana", PORTS.grafana),
    nodeExporter: null,
    nodeAgentsNamespace: kubernetesNamespaces(cfg).nodeAgents,
    cadvisor: "discover",
    resourceSource: "cadvisor",
    grafanaUrl: grafanaPublicUrl(cfg, 443),
    thanos: kubernetesThanos(cfg),
    roots: containerRoots(),
  };
}

/** Ports of the local stack (loopback); with LocalHaPorts the one port table (LOCAL_PORT_OFFSET moves every entry). */
export interface LocalPorts {
  prometheus: number;
  alertmanager: number;
  alertmanagerCluster: number;
  nodeExporter: number;
  frontDoorHttps: number;
  frontDoorHttp: number;
  /** Grafana is not packaged for Debian; the front door proxies to the local stand-in here. */
  grafana: number;
  /** cAdvisor (the upstream library under local/cadvisor/main.go). */
  cadvisor: number;
}

/** Ports `npm start -- --ha` adds (local/ha.ts), in the same table so the offset moves them too. */
export interface LocalHaPorts {
  /** The second Prometheus replica. */
  prometheus1: number;
  /** The second and third Alertmanager, and their gossip ports. */
  alertmanager1: number;
  alertmanagerCluster1: number;
  alertmanager2: number;
  alertmanagerCluster2: number;
  /** Each replica's Thanos sidecar: StoreAPI (gRPC) and HTTP (metrics, probes). */
  thanosSidecar0Grpc: number;
  thanosSidecar0Http: number;
  thanosSidecar1Grpc: number;
  thanosSidecar1Http: number;
  /** Thanos Query: HTTP API and UI (Grafana's datasource), and its own StoreAPI. */
  thanosQueryHttp: number;
  thanosQueryGrpc: number;
}

export const DEFAULT_LOCAL_PORTS: LocalPorts & LocalHaPorts = {
  prometheus: 9090,
  alertmanager: 9093,
  alertmanagerCluster: 9094,
  nodeExporter: 9100,
  frontDoorHttps: 8443,
  frontDoorHttp: 8080,
  grafana: 3000,
  prometheus1: 9091,
  alertmanager1: 9095,
  alertmanagerCluster1: 9096,
  alertmanager2: 9097,
  alertmanagerCluster2: 9098,
  thanosSidecar0Grpc: 10911,
  thanosSidecar0Http: 10912,
  thanosSidecar1Grpc: 10921,
  thanosSidecar1Http: 10922,
  thanosQueryHttp: 10902,
  thanosQueryGrpc: 10901,
  cadvisor: 8088,
};

/**
 * Topology of the local stack: real Debian binaries on 127.0.0.1, files under `stateDir`.
 * Local-only options: `nginxHome`, when given, holds nginx's config, secrets and temp dir
 * instead (its workers must be able to reach them; see local/fs.ts). `serviceCgroups`: the
 * cgroup holding one cgroup per service (local/cgroups.ts), scraped through cAdvisor like a
 * container host; null (the default) when cgroups could not be created, and then memory/CPU
 * come from the services' own process metrics (the documented fallback).
 */
export function localTopology(cfg: StackConfig, stateDir: string, ports: LocalPorts = DEFAULT_LOCAL_PORTS, opts: { nginxHome?: string; serviceCgroups?: string | null } = {}): Topology {
  const { nginxHome, serviceCgroups = null } = opts;
  const etc = (c: string) => path.join(stateDir, "etc", c);
  return {
    kind: "local",
    replicaLabel: "local-0",
    alertmanagers: [`127.0.0.1:${ports.alertmanager}`],
    alertmanagerPeers: [],
    prometheusTargets: [`127.0.0.1:${ports.prometheus}`],
    grafana: null,
    grafanaStandIn: `127.0.0.1:${ports.grafana}`,
    nodeExporter: `127.0.0.1:${ports.nodeExporter}`,
    cadvisor: serviceCgroups ? `127.0.0.1:${ports.cadvisor}` : null,
    resourceSource: serviceCgroups ? "cadvisor" : "process",
    ...(serviceCgroups ? { serviceCgroups } : {}),
    grafanaUrl: grafanaPublicUrl(cfg, ports.frontDoorHttps),
    prometheus: `127.0.0.1:${ports.prometheus}`,
    // The single-replica local stack; `npm start -- --ha` adds the global view (local/ha.ts).
    thanos: null,
    roots: { prometheus: etc("prometheus"), alertmanager: etc("alertmanager"), grafana: etc("grafana"), nginx: nginxHome ? path.join(nginxHome, "etc") : etc("nginx"), thanos: etc("thanos") },
    stateDir,
    ...(nginxHome ? { nginxTempDir: path.join(nginxHome, "tmp") } : {}),
  };
}

/** The topology a stack deploys with. */
export function topologyFor(cfg: StackConfig): Topology {
  return cfg.platform === "kubernetes" ? kubernetesTopology(cfg) : dockerTopology(cfg);
}
