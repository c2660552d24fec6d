/**
 * Prometheus: scrapes the 12 services every 15 s plus the stack itself, keeps 30 days
 * AND at most 10 GB, evaluates the rules from rules/, and alerts via Alertmanager.
 * prod runs an HA pair (each replica with its own `replica` external label).
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS } from "../config/conventions";
import { prometheusArgs } from "../render/prometheus";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Prometheus workload description (exported for tests). */
export function prometheusWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "prometheus",
    kind: "stateful",
    replicas: cfg.replicas.prometheus,
    image: cfg.images.prometheus,
    args: prometheusArgs(cfg, a.topology, CONTAINER_PATHS.prometheusDataDir),
    // ${POD_NAME} in external_labels gives each HA replica a distinct `replica` label.
    identityEnv: { POD_NAME: "metadata.name" },
    ports: [{ name: "web", port: PORTS.prometheus }],
    fileRoot: CONTAINER_PATHS.prometheusConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    volume: { mountPath: CONTAINER_PATHS.prometheusDataDir, sizeGiB: cfg.storage.prometheusGiB },
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.prometheus, initialDelaySeconds: 10 },
    resources: cfg.resources.prometheus,
    runAsUser: 65534,
    // Kubernetes service discovery of the services' endpoints and the node agents' pods.
    clusterRead: [
      { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
    ],
    // Time to flush the head block and WAL on shutdown.
    terminationGracePeriodSeconds: 300,
  };
}

/** Prometheus on the stack's platform. */
export class Prometheus extends pulumi.ComponentResource {
  /** host:port other components use. */
  readonly address: string;

  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("Prometheus"), name, {}, opts);
    this.address = args.platform.deploy(prometheusWorkload(args), this).address;
    this.registerOutputs({ address: this.address });
  }
}
