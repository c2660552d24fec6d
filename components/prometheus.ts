/**
 * Prometheus: scrapes the 12 services every 15 s plus the stack itself, keeps 30 days
 * AND at most 10 GB, evaluates the rules from rules/, and alerts via Alertmanager.
 * prod runs an HA pair (each replica with its own `replica` external label), each pod with a
 * Thanos sidecar that Thanos Query (components/thanos-query.ts) reads both replicas through.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS, THANOS } from "../config/conventions";
import { prometheusArgs } from "../render/prometheus";
import { longTermStorageOn, THANOS_POD_LISTEN, thanosSidecarArgs } from "../render/thanos";
import type { SidecarContainer, Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/**
 * The Thanos sidecar in each Prometheus pod (where there is a global view): it serves this
 * replica's TSDB to Thanos Query over gRPC, reading it from the shared data volume, and with
 * long-term storage uploads each finished block with the object storage config from the
 * Prometheus secrets.
 */
export function thanosSidecar(a: WorkloadComponentArgs): SidecarContainer {
  const cfg = a.config;
  return {
    name: THANOS.sidecar,
    image: cfg.images.thanos,
    args: thanosSidecarArgs(cfg, a.topology, { tsdbPath: CONTAINER_PATHS.prometheusDataDir, prometheusUrl: `http://localhost:${PORTS.prometheus}`, listen: THANOS_POD_LISTEN }),
    // Port names: `grpc` is what Thanos Query's SRV lookup (_grpc._tcp) asks for.
    ports: [
      { name: "grpc", port: PORTS.thanosGrpc },
      { name: "thanos-http", port: PORTS.thanosHttp },
    ],
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.thanosHttp },
    resources: cfg.resources.thanosSidecar,
    mounts: { files: longTermStorageOn(cfg), data: true },
  };
}

/** The Prometheus workload description (exported for tests). */
export function prometheusWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  const globalView = a.topology.thanos !== null;
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
    // Writes only its data volume.
    readOnlyRootFilesystem: true,
    // Queries come from Grafana; its own scrape is localhost. Nothing else may reach the API,
    // which includes POST /-/quit and /-/reload (--web.enable-lifecycle, kept for the local
    // stack's reloads). Components added beside Prometheus (e.g. a query layer) add themselves here.
    allowFrom: ["grafana"],
    // Kubernetes service discovery of the services' endpoints and the node agents' pods (where
    // targets are discovered; Docker's are static and it has no cluster API to grant).
    ...(a.topology.kind === "kubernetes"
      ? {
          clusterRead: [
            { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
          ],
        }
      : {}),
    // Time to flush the head block and WAL on shutdown.
    terminationGracePeriodSeconds: 300,
    ...(globalView
      ? {
          sidecars: [thanosSidecar(a)],
          // The sidecar's StoreAPI serves every series unauthenticated: only the querier may
          // connect to it; the peer replica scrapes Prometheus and the sidecar's metrics.
          // Grafana reads the querier, so nobody else reaches the API (POST /-/quit).
          allowFrom: [
            { from: THANOS.query, ports: ["grpc"] },
            { from: "prometheus", ports: ["web", "thanos-http"] },
          ],
        }
      : {}),
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
