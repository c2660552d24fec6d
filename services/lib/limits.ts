/**
 * Resource limits a service knows about itself, exported as service_memory_limit_bytes and
 * service_cpu_limit_cores, so that usage can be expressed as a ratio of the limit where no
 * cAdvisor measures the service (the local stack's fallback without cgroups:
 * process_resident_memory_bytes / service_memory_limit_bytes). In a cgroup, the memory chaos
 * control reads the cgroup's working set here too (memoryCgroup, cgroupWorkingSetBytes): the
 * number cAdvisor reports and the kernel enforces the limit on.
 *
 * Order of precedence, per resource: explicit override (MEMORY_LIMIT_BYTES / CPU_LIMIT_CORES),
 * cgroup v2 (memory.max, cpu.max), cgroup v1 (memory.limit_in_bytes, cpu.cfs_quota_us /
 * cpu.cfs_period_us), then the documented fallback.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Memory fallback when nothing limits the process: a fixed 512 MiB, not the host's RAM. The
 * memory chaos control grows RSS towards a fraction of this number, and 92% of a developer's
 * whole machine is not a drill anyone wants.
 */
export const FALLBACK_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

/** Where a limit came from, logged at start-up and reported by GET /chaos/memory. */
export type LimitSource = "env" | "cgroup-v2" | "cgroup-v1" | "fallback";

/** The limits in force for this process. */
export interface ResourceLimits {
  memoryBytes: number;
  memorySource: LimitSource;
  cpuCores: number;
  cpuSource: LimitSource;
}

/** Inputs of detectLimits; the paths are parameters so tests can point them at fixtures. */
export interface LimitInputs {
  memoryOverrideBytes?: number;
  cpuOverrideCores?: number;
  cgroupRoot?: string;
  procSelfCgroup?: string;
}

// cgroup v1 reports "unlimited" as a page-rounded 2^63-1; anything this large means no limit.
const V1_UNLIMITED = 2 ** 60;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Parses /proc/self/cgroup into controller -> cgroup path ("" for the v2 unified hierarchy). */
export function parseProcCgroup(text: string): Map<string, string> {
  const byController = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [, controllers, cgroupPath] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (cgroupPath === undefined) continue;
    for (const c of controllers.split(",")) byController.set(c, cgroupPath);
  }
  return byController;
}

/** The first readable file among the process's own cgroup and the mount root (namespaced containers). */
function readCgroupFile(dirs: string[], file: string): string | undefined {
  for (const dir of dirs) {
    const value = read(path.join(dir, file));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Detects the memory and CPU limits of the current process. */
export function detectLimits(inputs: LimitInputs = {}): ResourceLimits {
  const root = inputs.cgroupRoot ?? "/sys/fs/cgroup";
  const cgroups = parseProcCgroup(read(inputs.procSelfCgroup ?? "/proc/self/cgroup") ?? "");
  const v2Dirs = [path.join(root, cgroups.get("") ?? "/"), root];
  const v1Dirs = (controller: string, mount: string[]) =>
    mount.flatMap((m) => [path.join(root, m, cgroups.get(controller) ?? "/"), path.join(root, m)]);

  let memoryBytes: number | undefined;
  let memorySource: LimitSource = "fallback";
  if (inputs.memoryOverrideBytes !== undefined) {
    [memoryBytes, memorySource] = [inputs.memoryOverrideBytes, "env"];
  } else {
    const v2 = readCgroupFile(v2Dirs, "memory.max");
    const v1 = v2 === undefined ? readCgroupFile(v1Dirs("memory", ["memory"]), "memory.limit_in_bytes") : undefined;
    const value = Number(v2 ?? v1);
    if (Number.isFinite(value) && value > 0 && value < V1_UNLIMITED) {
      [memoryBytes, memorySource] = [value, v2 !== undefined ? "cgroup-v2" : "cgroup-v1"];
    }
  }

  let cpuCores: number | undefined;
  let cpuSource: LimitSource = "fallback";
  if (inputs.cpuOverrideCores !== undefined) {
    [cpuCores, cpuSource] = [inputs.cpuOverrideCores, "env"];
  } else {
    const v2 = readCgroupFile(v2Dirs, "cpu.max"); // "<quota> <period>" or "max <period>"
    if (v2 !== undefined) {
      const [quota, period] = v2.split(/\s+/).map(Number);
      if (quota > 0 && period > 0) [cpuCores, cpuSource] = [quota / period, "cgroup-v2"];
    } else {
      const dirs = v1Dirs("cpu", ["cpu,cpuacct", "cpu"]);
      const quota = Number(readCgroupFile(dirs, "cpu.cfs_quota_us"));
      const period = Number(readCgroupFile(dirs, "cpu.cfs_period_us"));
      if (quota > 0 && period > 0) [cpuCores, cpuSource] = [quota / period, "cgroup-v1"];
    }
  }

  return {
    memoryBytes: memoryBytes ?? FALLBACK_MEMORY_LIMIT_BYTES,
    memorySource,
    // Without a quota the process may use every core the host gives it.
    cpuCores: cpuCores ?? os.availableParallelism(),
    cpuSource,
  };
}

/** The memory cgroup whose limit applies to this process, for reading its usage. */
export interface MemoryCgroup {
  dir: string;
  version: 1 | 2;
}

/**
 * Where this process's memory limit lives (the directory detectLimits read it from), or
 * undefined when no cgroup limits it. Same search: own cgroup, then the mount root.
 */
export function memoryCgroup(inputs: Pick<LimitInputs, "cgroupRoot" | "procSelfCgroup"> = {}): MemoryCgroup | undefined {
  const root = inputs.cgroupRoot ?? "/sys/fs/cgroup";
  const cgroups = parseProcCgroup(read(inputs.procSelfCgroup ?? "/proc/self/cgroup") ?? "");
  const limited = (dir: string, file: string) => {
    const v = Number(read(path.join(dir, file)));
    return Number.isFinite(v) && v > 0 && v < V1_UNLIMITED;
  };
  for (const dir of [path.join(root, cgroups.get("") ?? "/"), root]) if (limited(dir, "memory.max")) return { dir, version: 2 };
  for (const dir of [path.join(root, "memory", cgroups.get("memory") ?? "/"), path.join(root, "memory")]) {
    if (limited(dir, "memory.limit_in_bytes")) return { dir, version: 1 };
  }
  return undefined;
}

/**
 * The cgroup's working set: usage minus inactive file pages — what cAdvisor reports as
 * container_memory_working_set_bytes, what the kubelet evicts on, and what the kernel's limit
 * is enforced against (less the page cache it can still drop).
 */
export function cgroupWorkingSetBytes(cg: MemoryCgroup): number | undefined {
  const usage = Number(read(path.join(cg.dir, cg.version === 2 ? "memory.current" : "memory.usage_in_bytes")));
  if (!Number.isFinite(usage)) return undefined;
  const key = cg.version === 2 ? "inactive_file" : "total_inactive_file";
  const line = (read(path.join(cg.dir, "memory.stat")) ?? "").split("\n").find((l) => l.startsWith(`${key} `));
  const inactive = line ? Number(line.split(" ")[1]) : 0;
  return Math.max(0, usage - inactive);
}
