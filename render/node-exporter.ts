/**
 * node-exporter's flags, the same in containers and on the local stack.
 */

/** `rootfs`: where the host's / is mounted (containers), or null to read this machine's own. */
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
