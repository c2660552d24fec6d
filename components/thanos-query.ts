/**
 * Thanos Query: Grafana's default datasource on prod. It fans out to every Prometheus pod's
 * sidecar (and the Store Gateway with long-term storage), drops the `replica` label and keeps
 * one copy of each series, so dashboards read one view that survives the loss of a replica.
 * Two replicas behind one Service with a PodDisruptionBudget; only Grafana (its datasource) and
 * Prometheus (its /metrics) may connect.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS, THANOS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { THANOS_POD_LISTEN, thanosQueryArgs } from "../render/thanos";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Thanos Query workload description (exported for tests). */
export function thanosQueryWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  if (!a.topology.thanos) throw new Error("Thanos Query needs a topology with a global view (platform kubernetes)");
  return {
    name: THANOS.query,
    kind: "stateless",
    replicas: cfg.thanos.queryReplicas,
    image: cfg.images.thanos,
    args: thanosQueryArgs(cfg, { endpoints: a.topology.thanos.endpoints, listen: THANOS_POD_LISTEN }),
    ports: [
      { name: "http", port: PORTS.thanosHttp },
      { name: "grpc", port: PORTS.thanosGrpc },
    ],
    files: [],
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.thanosHttp },
    resources: cfg.resources.thanosQuery,
    runAsUser: 65534,
    // Grafana reads it; Prometheus scrapes its /metrics. Nothing else needs it (nginx proxies to Grafana only).
    allowFrom: ["grafana", "prometheus"],
  };
}

export class ThanosQuery extends pulumi.ComponentResource {
  /** host:port of the HTTP API. */
  readonly address: string;

  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("ThanosQuery"), name, {}, opts);
    this.address = args.platform.deploy(thanosQueryWorkload(args), this).address;
    this.registerOutputs({ address: this.address });
  }
}
