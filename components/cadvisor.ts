/**
 * cAdvisor: per-container CPU, memory (working set vs limit) and network, one per node.
 * The memory ratio behind HighMemoryUsage comes from here on docker and kubernetes.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** Container labels exported as metric labels; render/prometheus.ts maps them to service/pod. */
export const CADVISOR_LABELS = ["service", "io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace"];

/** The cAdvisor workload description (exported for tests). */
export function cadvisorWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "cadvisor",
    kind: "daemon",
    replicas: 1,
    image: cfg.images.cadvisor,
    args: [
      `--port=${PORTS.cadvisor}`,
      // Docker hosts and containerd nodes alike: do not restrict to Docker.
      "--docker_only=false",
      "--housekeeping_interval=10s",
      "--store_container_labels=false",
      `--whitelisted_container_labels=${CADVISOR_LABELS.join(",")}`,
      // Only what the rules and dashboards use; the rest multiplies series for nothing.
      "--disable_metrics=advtcp,cpu_topology,cpuset,hugetlb,memory_numa,percpu,process,referenced_memory,resctrl,sched,tcp,udp,disk,diskIO",
    ],
    ports: [{ name: "metrics", port: PORTS.cadvisor }],
    files: [],
    health: { path: "/healthz", port: PORTS.cadvisor },
    resources: cfg.resources.cadvisor,
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
