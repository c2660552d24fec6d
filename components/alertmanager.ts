/**
 * Alertmanager: critical -> PagerDuty, warning -> Slack, resolved notifications sent.
 * prod runs a 3-node gossip cluster over a headless Service; Prometheus sends every
 * alert to every node and the cluster deduplicates notifications.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS } from "../config/conventions";
import { alertmanagerArgs } from "../render/alertmanager";
import { ALERTMANAGER_PEERS_SERVICE } from "../platform/addresses";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Alertmanager workload description (exported for tests). */
export function alertmanagerWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "alertmanager",
    kind: "stateful",
    replicas: cfg.replicas.alertmanager,
    image: cfg.images.alertmanager,
    args: alertmanagerArgs(cfg, a.topology, {
      dataDir: CONTAINER_PATHS.alertmanagerDataDir,
      listen: `:${PORTS.alertmanager}`,
      peers: a.topology.alertmanagerPeers,
    }),
    identityEnv: { POD_IP: "status.podIP" },
    ports: [{ name: "web", port: PORTS.alertmanager }],
    fileRoot: CONTAINER_PATHS.alertmanagerConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    volume: { mountPath: CONTAINER_PATHS.alertmanagerDataDir, sizeGiB: cfg.storage.alertmanagerGiB },
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.alertmanager },
    resources: cfg.resources.alertmanager,
    runAsUser: 65534,
    readOnlyRootFilesystem: true,
    // Alerts and scrapes come from Prometheus; the peers' gossip port is admitted by `peers`.
    allowFrom: ["prometheus"],
    peers: { serviceName: ALERTMANAGER_PEERS_SERVICE, port: PORTS.alertmanagerCluster },
  };
}

export class Alertmanager extends pulumi.ComponentResource {
  readonly address: string;

  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("Alertmanager"), name, {}, opts);
    this.address = args.platform.deploy(alertmanagerWorkload(args), this).address;
    this.registerOutputs({ address: this.address });
  }
}
