/**
 * node-exporter: host CPU, memory, disk and network, one per node, reading the host's
 * root filesystem mounted read-only at /host.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { nodeExporterArgs } from "../render/node-exporter";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The node-exporter workload description (exported for tests). */
export function nodeExporterWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "node-exporter",
    kind: "daemon",
    replicas: 1,
    image: cfg.images.nodeExporter,
    args: nodeExporterArgs("/host", `:${PORTS.nodeExporter}`),
    ports: [{ name: "metrics", port: PORTS.nodeExporter }],
    files: [],
    health: { path: "/", port: PORTS.nodeExporter },
    resources: cfg.resources.nodeExporter,
    runAsUser: 65534,
    // Host network on Kubernetes so network metrics are the node's, not a pod's.
    host: { pid: true, network: true, mounts: [{ name: "rootfs", hostPath: "/", mountPath: "/host", readOnly: true, propagate: true }] },
  };
}

export class NodeExporter extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("NodeExporter"), name, {}, opts);
    args.platform.deploy(nodeExporterWorkload(args), this);
    this.registerOutputs({});
  }
}
