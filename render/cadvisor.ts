/**
 * cAdvisor's flags, the same in containers and on the local stack (which runs the upstream
 * library under local/cadvisor/main.go; the flags below keep upstream's names).
 */

/** Container labels exported as metric labels; render/prometheus.ts maps them to service/pod. */
export const CADVISOR_LABELS = ["service", "io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace"];

/**
 * `watch`: "runtime" on docker/kubernetes hosts (every container, Docker or containerd alike);
 * on the local stack, the cgroup path prefix of the stack's services (only those cgroups and
 * the machine's root are reported, not every cgroup of the machine).
 */
export function cadvisorArgs(o: { port: number; listenIp?: string; watch: "runtime" | { cgroupPrefix: string } }): string[] {
  return [
    ...(o.listenIp ? [`--listen_ip=${o.listenIp}`] : []),
    `--port=${o.port}`,
    ...(o.watch === "runtime" ? ["--docker_only=false"] : ["--docker_only=true", `--raw_cgroup_prefix_whitelist=${o.watch.cgroupPrefix}`]),
    "--housekeeping_interval=10s",
    "--store_container_labels=false",
    `--whitelisted_container_labels=${CADVISOR_LABELS.join(",")}`,
    // Only what the rules and dashboards use; the rest multiplies series for nothing.
    "--disable_metrics=advtcp,cpu_topology,cpuset,hugetlb,memory_numa,percpu,process,referenced_memory,resctrl,sched,tcp,udp,disk,diskIO",
  ];
}
