/**
 * Where the platform puts a workload on the network: the one place addresses are made. The
 * topology the rendered configs read (render/topology.ts) and each adapter's deploy() result are
 * both built here, so a config never points at a name the platform did not create, and an
 * address format changes in one place. Pure: no provider.
 *
 * - Docker: one bridge network, each container reachable by its workload name as alias; one
 *   replica per workload (config/validate.ts keeps `replicas` at 1 there).
 * - Kubernetes: a Service per workload (`<name>.<namespace>.svc.cluster.local`); the members of
 *   a stateful workload by their stable pod names under its governing headless Service
 *   (`<name>-<ordinal>.<governing>.<namespace>.svc.cluster.local`), and SRV records of its
 *   named ports, which resolve to every pod rather than one Service IP.
 */

/** The network a stack's workloads share. */
export type Network = { kind: "docker" } | { kind: "kubernetes"; namespace: string };

export const DOCKER_NETWORK: Network = { kind: "docker" };

/** The stack's Kubernetes network, in the namespace the workloads run in. */
export function kubernetesNetwork(namespace: string): Network {
  return { kind: "kubernetes", namespace };
}

/** The headless Service that governs a stateful workload without a peers Service. */
export function headlessServiceName(workload: string): string {
  return `${workload}-headless`;
}

/** Headless Service that gives Alertmanager pods stable names for clustering. */
export const ALERTMANAGER_PEERS_SERVICE = "alertmanager-peers";

/** DNS name of a workload's Service (Kubernetes) or network alias (Docker). */
export function serviceHost(net: Network, workload: string): string {
  return net.kind === "docker" ? workload : `${workload}.${net.namespace}.svc.cluster.local`;
}

/** host:port of a workload's Service / alias. */
export function serviceAddress(net: Network, workload: string, port: number): string {
  return `${serviceHost(net, workload)}:${port}`;
}

/**
 * host:port of member `ordinal` of a stateful workload, by its stable name under the governing
 * Service. Docker runs one member, which is the workload's alias.
 */
export function memberAddress(net: Network, workload: string, governingService: string, ordinal: number, port: number): string {
  if (net.kind === "docker") {
    if (ordinal !== 0) throw new Error(`platform docker runs one replica of "${workload}"; member ${ordinal} does not exist (replicas above 1 need platform kubernetes)`);
    return serviceAddress(net, workload, port);
  }
  return `${workload}-${ordinal}.${governingService}.${net.namespace}.svc.cluster.local:${port}`;
}

/** host:port of every member of a stateful workload with `replicas` members. */
export function memberAddresses(net: Network, workload: string, governingService: string, replicas: number, port: number): string[] {
  return Array.from({ length: replicas }, (_, i) => memberAddress(net, workload, governingService, i, port));
}

/**
 * The SRV name of a stateful workload's named TCP port on its headless Service, in the
 * `dnssrv+` form Thanos resolves to every pod. Kubernetes only: Docker has no SRV records.
 */
export function podsSrv(net: Network, workload: string, portName: string): string {
  if (net.kind !== "kubernetes") throw new Error(`SRV names of "${workload}" exist on platform kubernetes only`);
  return `dnssrv+_${portName}._tcp.${headlessServiceName(workload)}.${net.namespace}.svc.cluster.local`;
}
