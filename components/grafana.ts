/**
 * Grafana: provisioned Prometheus datasource (fixed uid) and file-provisioned dashboards;
 * admin password from a generated secret file; anonymous access off. Reachable only
 * through the front door (a NetworkPolicy admits nginx, and Prometheus for /metrics).
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS } from "../config/conventions";
import { GRAFANA_INI } from "../render/grafana";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Grafana workload description (exported for tests). */
export function grafanaWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "grafana",
    kind: "stateless",
    replicas: 1,
    image: cfg.images.grafana,
    args: [],
    env: {
      GF_PATHS_CONFIG: `${CONTAINER_PATHS.grafanaConfigDir}/${GRAFANA_INI}`,
      GF_PATHS_DATA: CONTAINER_PATHS.grafanaDataDir,
    },
    ports: [{ name: "http", port: PORTS.grafana }],
    fileRoot: CONTAINER_PATHS.grafanaConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    // SQLite database, sessions and plugins; dashboards themselves come from files.
    volume: { mountPath: CONTAINER_PATHS.grafanaDataDir, sizeGiB: cfg.storage.grafanaGiB },
    health: { path: "/api/health", port: PORTS.grafana, initialDelaySeconds: 15 },
    resources: cfg.resources.grafana,
    runAsUser: 472,
    allowFrom: ["nginx", "prometheus"],
  };
}

export class Grafana extends pulumi.ComponentResource {
  readonly address: string;

  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("Grafana"), name, {}, opts);
    this.address = args.platform.deploy(grafanaWorkload(args), this).address;
    this.registerOutputs({ address: this.address });
  }
}
