/**
 * node-exporter: host CPU, memory, disk and network, one per node, reading the host's
 * root filesystem mounted read-only at /host.
 */
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** Flags; also used by the local stack (with the host's own paths). */
export function nodeExporterArgs(rootfs: string | null, listen: string): string[] {
  const paths = rootfs ? [`--path.rootfs=${rootfs}`, `--path.procfs=${rootfs}/proc`, `--path.sysfs=${rootfs}/sys`] : [];
  return [
    ...paths,
    `--web.listen-address=${listen}`,
    // Container and kubelet mounts would multiply filesystem series without telling anything new.
    "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+|var/lib/kubelet/.+|var/lib/containers/.+)($|/)",
    "--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|tmpfs)$",
  ];
}

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
