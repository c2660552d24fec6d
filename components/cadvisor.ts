/**
 * cAdvisor: per-container CPU, memory (working set vs limit) and network, one per node.
 * The memory ratio behind HighMemoryUsage comes from here on docker and kubernetes.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { cadvisorArgs } from "../render/cadvisor";
import { componentType, type WorkloadComponentArgs } from "./common";

export { CADVISOR_LABELS } from "../render/cadvisor";

/** The cAdvisor workload description (exported for tests). */
export function cadvisorWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "cadvisor",
    kind: "daemon",
    replicas: 1,
    image: cfg.images.cadvisor,
    // Docker hosts and containerd nodes alike: every container, not only Docker's.
    args: cadvisorArgs({ port: PORTS.cadvisor, watch: "runtime" }),
    ports: [{ name: "metrics", port: PORTS.cadvisor }],
    files: [],
    health: { path: "/healthz", port: PORTS.cadvisor },
    resources: cfg.resources.cadvisor,
    // Per-container usage of the whole node is nobody else's business.
    allowFrom: ["prometheus"],
    host: {
      privileged: true,
      mounts: [
        { name: "rootfs", hostPath: "/", mountPath: "/rootfs", readOnly: true },
        { name: "var-run", hostPath: "/var/run", mountPath: "/var/run", readOnly: true },
        { name: "sys", hostPath: "/sys", mountPath: "/sys", readOnly: true },
        { name: "docker", hostPath: "/var/lib/docker", mountPath: "/var/lib/docker", readOnly: true },
        { name: "disk", hostPath: "/dev/disk", mountPath: "/dev/disk", readOnly: true },
      ],
      devices: ["/dev/kmsg"],
    },
  };
}

export class CAdvisor extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("CAdvisor"), name, {}, opts);
    args.platform.deploy(cadvisorWorkload(args), this);
    this.registerOutputs({});
  }
}
