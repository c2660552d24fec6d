/**
 * Limit detection against fixture cgroup trees: override first, then cgroup v2, then v1, then
 * the documented fallback; "unlimited" values in either version fall through.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { detectLimits, FALLBACK_MEMORY_LIMIT_BYTES, parseProcCgroup } from "./limits";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "cgroup-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): { cgroupRoot: string; procSelfCgroup: string } {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return { cgroupRoot: path.join(root, "sys"), procSelfCgroup: path.join(root, "proc-self-cgroup") };
}

test("explicit overrides win over whatever the cgroup says", () => {
  const inputs = tree({ "sys/memory.max": "1000", "sys/cpu.max": "50000 100000", "proc-self-cgroup": "0::/\n" });
  expect(detectLimits({ ...inputs, memoryOverrideBytes: 123, cpuOverrideCores: 3 })).toEqual({ memoryBytes: 123, memorySource: "env", cpuCores: 3, cpuSource: "env" });
});

test("cgroup v2 limits are read from the process's own cgroup directory", () => {
  const inputs = tree({
    "proc-self-cgroup": "0::/kubepods/pod1\n",
    "sys/kubepods/pod1/memory.max": "268435456\n",
    "sys/kubepods/pod1/cpu.max": "150000 100000\n",
  });
  expect(detectLimits(inputs)).toEqual({ memoryBytes: 268435456, memorySource: "cgroup-v2", cpuCores: 1.5, cpuSource: "cgroup-v2" });
});

test("cgroup v2 'max' means unlimited and falls back to 512 MiB and the host's cores", () => {
  const inputs = tree({ "proc-self-cgroup": "0::/\n", "sys/memory.max": "max\n", "sys/cpu.max": "max 100000\n" });
  expect(detectLimits(inputs)).toEqual({ memoryBytes: FALLBACK_MEMORY_LIMIT_BYTES, memorySource: "fallback", cpuCores: os.availableParallelism(), cpuSource: "fallback" });
});

test("cgroup v1 limits are read per controller, and v1's huge 'unlimited' number is ignored", () => {
  const limited = tree({
    "proc-self-cgroup": "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n",
    "sys/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
    "sys/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n",
    "sys/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
  });
  expect(detectLimits(limited)).toEqual({ memoryBytes: 1073741824, memorySource: "cgroup-v1", cpuCores: 2, cpuSource: "cgroup-v1" });

  writeFileSync(path.join(root, "sys/memory/docker/abc/memory.limit_in_bytes"), "9223372036854771712\n");
  writeFileSync(path.join(root, "sys/cpu,cpuacct/docker/abc/cpu.cfs_quota_us"), "-1\n");
  expect(detectLimits(limited)).toMatchObject({ memorySource: "fallback", cpuSource: "fallback" });
});

test("/proc/self/cgroup lines map every controller to its path", () => {
  const parsed = parseProcCgroup("12:cpu,cpuacct:/a\n4:memory:/b\n0::/c\n");
  expect(Object.fromEntries(parsed)).toEqual({ cpu: "/a", cpuacct: "/a", memory: "/b", "": "/c" });
});
