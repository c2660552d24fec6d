/**
 * Where every component is and where its files live, for each place the stack can run.
 *
 * The rendered files differ between docker, kubernetes and the local stack ONLY through
 * this object (addresses and paths); everything else comes from the stack config.
 */
import { CONTAINER_PATHS, PORTS } from "../config/conventions";
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
  /** host:port Prometheus scrapes itself on. */
  prometheusSelf: string;
  /** host:port of Grafana, for nginx and the scrape job; null where Grafana does not run. */
  grafana: string | null;
  /** Static node-exporter target; null on kubernetes, where a DaemonSet is discovered per node. */
  nodeExporter: string | null;
  /** Static cAdvisor target, "discover" for the kubernetes DaemonSet, null where it does not run. */
  cadvisor: string | "discover" | null;
  /** Where container memory/CPU come from: cAdvisor, or the services' own process metrics (local). */
  resourceSource: "cadvisor" | "process";
  /** Base URL people use to reach Grafana (links in alerts and notifications). */
  grafanaUrl: string;
  /** host:port other components use to query Prometheus (Grafana's datasource). */
  prometheus: string;
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
}

/** Components that read rendered files. */
export type FileOwner = "prometheus" | "alertmanager" | "grafana" | "nginx";

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
  };
}

/** Public URL of Grafana behind the front door. */
export function grafanaPublicUrl(cfg: StackConfig, port: number): string {
  return `https://${cfg.frontDoor.hostname}${port === 443 ? "" : `:${port}`}`;
}

/** Topology of the Docker (dev) stack: containers reach each other by alias on one network. */
export function dockerTopology(cfg: StackConfig): Topology {
  return {
    kind: "docker",
    replicaLabel: "prometheus-0",
    alertmanagers: [`alertmanager:${PORTS.alertmanager}`],
    prometheusSelf: `localhost:${PORTS.prometheus}`,
    prometheus: `prometheus:${PORTS.prometheus}`,
    grafana: `grafana:${PORTS.grafana}`,
    nodeExporter: `node-exporter:${PORTS.nodeExporter}`,
    cadvisor: `cadvisor:${PORTS.cadvisor}`,
    resourceSource: "cadvisor",
    grafanaUrl: grafanaPublicUrl(cfg, cfg.frontDoor.hostHttpsPort),
    roots: containerRoots(),
  };
}

/** DNS name of a Service in the stack's namespace. */
export function serviceDns(cfg: StackConfig, name: string): string {
  return `${name}.${cfg.namespace}.svc.cluster.local`;
}

/** Headless Service that gives Alertmanager pods stable names for clustering. */
export const ALERTMANAGER_PEERS_SERVICE = "alertmanager-peers";

/** Topology of the Kubernetes (prod) stack. */
export function kubernetesTopology(cfg: StackConfig): Topology {
  const peers = Array.from(
    { length: cfg.replicas.alertmanager },
    (_, i) => `alertmanager-${i}.${ALERTMANAGER_PEERS_SERVICE}.${cfg.namespace}.svc.cluster.local:${PORTS.alertmanager}`,
  );
  return {
    kind: "kubernetes",
    replicaLabel: "${POD_NAME}",
    alertmanagers: peers,
    prometheusSelf: `localhost:${PORTS.prometheus}`,
    prometheus: `${serviceDns(cfg, "prometheus")}:${PORTS.prometheus}`,
    grafana: `${serviceDns(cfg, "grafana")}:${PORTS.grafana}`,
    nodeExporter: null,
    cadvisor: "discover",
    resourceSource: "cadvisor",
    grafanaUrl: grafanaPublicUrl(cfg, 443),
    roots: containerRoots(),
  };
}

/** Ports of the local stack (loopback). */
export interface LocalPorts {
  prometheus: number;
  alertmanager: number;
  alertmanagerCluster: number;
  nodeExporter: number;
  frontDoorHttps: number;
  frontDoorHttp: number;
  /** Grafana is not packaged for Debian; the front door proxies to whatever listens here. */
  grafana: number;
}

export const DEFAULT_LOCAL_PORTS: LocalPorts = {
  prometheus: 9090,
  alertmanager: 9093,
  alertmanagerCluster: 9094,
  nodeExporter: 9100,
  frontDoorHttps: 8443,
  frontDoorHttp: 8080,
  grafana: 3000,
};

/** Topology of the local stack: real Debian binaries on 127.0.0.1, files under `stateDir`. */
export function localTopology(cfg: StackConfig, stateDir: string, ports: LocalPorts = DEFAULT_LOCAL_PORTS): Topology {
  const etc = (c: string) => path.join(stateDir, "etc", c);
  return {
    kind: "local",
    replicaLabel: "local-0",
    alertmanagers: [`127.0.0.1:${ports.alertmanager}`],
    prometheusSelf: `127.0.0.1:${ports.prometheus}`,
    grafana: null,
    nodeExporter: `127.0.0.1:${ports.nodeExporter}`,
    cadvisor: null,
    resourceSource: "process",
    grafanaUrl: grafanaPublicUrl(cfg, ports.frontDoorHttps),
    prometheus: `127.0.0.1:${ports.prometheus}`,
    roots: { prometheus: etc("prometheus"), alertmanager: etc("alertmanager"), grafana: etc("grafana"), nginx: etc("nginx") },
    stateDir,
  };
}

/** The topology a stack deploys with. */
export function topologyFor(cfg: StackConfig): Topology {
  return cfg.platform === "kubernetes" ? kubernetesTopology(cfg) : dockerTopology(cfg);
}
