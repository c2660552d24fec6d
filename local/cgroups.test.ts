/**
 * Cgroups of the local stack: hierarchy detection (v1, v2, hybrid, none), and on this machine
 * (root, writable /sys/fs/cgroup) real cgroups — limits written where the kernel reads them, a
 * process inside from its first instruction, the kernel's OOM kill at the limit, the
 * supervisor's restart after it, a real fleet service whose chaos ballast measures its cgroup's
 * working set (what cAdvisor reports) and is OOM-killed past the limit, and nothing left behind.
 *
 * Without root or a writable cgroup filesystem the real-cgroup tests are reported as SKIPPED
 * with the reason; in CI (CI=true) cgroups are required, so they fail instead.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePorts } from "../tests/helpers/ports";
import { logFile, probe as httpStatus, Supervisor, type SupervisorEvent } from "./supervisor";
import { CFS_PERIOD_US, instanceCgroup, openCgroups, parseKeyValues, parseMountinfo, type CgroupTree } from "./cgroups";

const V1 = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const V1_COMOUNTED = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory`;
const V2 = `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe("cgroup hierarchy detection", () => {
  test("cgroup v1 with separate and co-mounted cpu/cpuacct; a hybrid unified mount without controllers is ignored", () => {
    expect(parseMountinfo(V1, () => "")).toEqual({ version: 1, memory: "/sys/fs/cgroup/memory", cpu: "/sys/fs/cgroup/cpu", cpuacct: "/sys/fs/cgroup/cpuacct" });
    expect(parseMountinfo(V1_COMOUNTED, () => "")).toEqual({ version: 1, memory: "/sys/fs/cgroup/memory", cpu: "/sys/fs/cgroup/cpu,cpuacct", cpuacct: "/sys/fs/cgroup/cpu,cpuacct" });
  });

  test("cgroup v2 when the unified hierarchy offers memory and cpu", () => {
    expect(parseMountinfo(V2, () => "cpuset cpu io memory hugetlb pids rdma misc")).toEqual({ version: 2, root: "/sys/fs/cgroup" });
    expect(parseMountinfo(V2, () => "cpuset io pids")).toEqual({ unavailable: expect.stringMatching(/cgroup2 at \/sys\/fs\/cgroup does not offer both memory and cpu/) });
  });

  test("no cgroup filesystem, or a v1 hierarchy missing a controller, says what is missing", () => {
    expect(parseMountinfo("22 1 0:21 / /proc rw - proc proc rw")).toEqual({ unavailable: expect.stringMatching(/no cgroup filesystem is mounted/) });
    expect(parseMountinfo(V1.split("\n").filter((l) => !l.includes("memory")).join("\n"), () => "")).toEqual({ unavailable: expect.stringMatching(/cgroup v1 lacks memory/) });
  });

  test("one cgroup per state directory, under a parent the user may change", () => {
    const a = instanceCgroup("/tmp/a", {});
    expect(a).toMatch(/^\/monitoring-stack\/local-[0-9a-f]{10}$/);
    expect(instanceCgroup("/tmp/a/", {})).toBe(a);
    expect(instanceCgroup("/tmp/b", {})).not.toBe(a);
    expect(instanceCgroup("/tmp/a", { LOCAL_CGROUP_PARENT: "/ci/stacks" })).toMatch(/^\/ci\/stacks\/local-/);
    expect(() => instanceCgroup("/tmp/a", { LOCAL_CGROUP_PARENT: "relative/Path" })).toThrow(/LOCAL_CGROUP_PARENT: got "relative\/Path"; allowed: an absolute cgroup path/);
  });

  test("LOCAL_CGROUPS: off falls back, required fails naming why, CI requires them by default", () => {
    expect(openCgroups("/tmp/x", { LOCAL_CGROUPS: "off" })).toEqual({ unavailable: "LOCAL_CGROUPS=off" });
    expect(openCgroups("/tmp/x", { LOCAL_CGROUPS: "auto" }, "")).toEqual({ unavailable: expect.stringMatching(/no cgroup filesystem/) });
    expect(() => openCgroups("/tmp/x", { CI: "true" }, "")).toThrow(/cgroups are required \(LOCAL_CGROUPS=required, the default when CI=true\) but no cgroup filesystem is mounted.*LOCAL_CGROUPS=auto/);
    expect(() => openCgroups("/tmp/x", { LOCAL_CGROUPS: "sometimes" })).toThrow(/LOCAL_CGROUPS: got "sometimes"; allowed: auto .*required .*off/);
  });

  test("memory.stat / oom_control parsing", () => {
    expect(parseKeyValues("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n").get("oom_kill")).toBe(2);
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Real cgroups under a test parent, or why not (CI=true: required, so this throws). */
function realTree(stateDir: string): CgroupTree | string {
  const opened = openCgroups(stateDir, { ...process.env, LOCAL_CGROUP_PARENT: "/monitoring-stack-test", LOCAL_CGROUPS: process.env.CI === "true" ? "required" : "auto" });
  return "tree" in opened ? opened.tree : opened.unavailable;
}

const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroups-probe-"));
const probe = realTree(probeDir);
if (typeof probe !== "string") void probe.remove().finally(() => fs.rmSync(probeDir, { recursive: true, force: true }));
const describeReal = typeof probe === "string" ? describe.skip : describe;
const realTitle = typeof probe === "string" ? `real cgroups — SKIPPED: ${probe}` : "real cgroups";

/**
 * A Python allocator: touches `mib` MiB in 1 MiB steps, then sleeps. With `once`, it allocates
 * without end only while the file `once` does not exist (it creates it): the first run hogs, a
 * restart sleeps.
 */
const allocate = (mib: number, once?: string) => [
  "-c",
  `import os, time\nhog = ${once ? `not os.path.exists(${JSON.stringify(once)})` : "False"}\n${once ? `open(${JSON.stringify(once)}, "w").close()\n` : ""}b=[]\nwhile hog or len(b) < ${mib}:\n  x=bytearray(1<<20)\n  for i in range(0, len(x), 4096): x[i]=1\n  b.append(x)\n  time.sleep(0.005)\ntime.sleep(120)`,
];

describeReal(realTitle, () => {
  let dir: string;
  let tree: CgroupTree;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroups-"));
    tree = realTree(dir) as CgroupTree;
  });
  afterEach(async () => {
    await tree.remove();
    for (const d of new Set([tree.driver.version === 2 ? tree.driver.root : tree.driver.memory])) {
      expect(fs.existsSync(path.join(d, tree.root))).toBe(false);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a service's cgroup carries its limits, and its process runs inside it from the start", async () => {
    const cg = tree.create("svc", { memoryBytes: 48 * 2 ** 20, cpuCores: 0.25 });
    const v2 = tree.driver.version === 2;
    const read = (d: string, f: string) => fs.readFileSync(path.join(d, f), "utf8").trim();
    expect(read(cg.dirs.memory, v2 ? "memory.max" : "memory.limit_in_bytes")).toBe(String(48 * 2 ** 20));
    expect(v2 ? read(cg.dirs.cpu, "cpu.max") : `${read(cg.dirs.cpu, "cpu.cfs_quota_us")} ${read(cg.dirs.cpu, "cpu.cfs_period_us")}`).toBe(`${0.25 * CFS_PERIOD_US} ${CFS_PERIOD_US}`);
    // The stack's cgroup weighs as much as its services would as separate processes.
    tree.create("other", { memoryBytes: 48 * 2 ** 20, cpuCores: 0.25 });
    const stackCpuDir = path.dirname(cg.dirs.cpu);
    expect(read(stackCpuDir, v2 ? "cpu.weight" : "cpu.shares")).toBe(v2 ? "200" : "2048");

    const sup = new Supervisor(dir);
    const child = sup.start({ name: "svc", command: "/usr/bin/python3", args: allocate(16), ports: [], healthUrl: null, cgroup: cg });
    try {
      await waitFor(() => cg.memory().workingSetBytes > 16 * 2 ** 20, 10_000);
      const membership = fs.readFileSync(`/proc/${child.pid}/cgroup`, "utf8");
      expect(membership).toMatch(new RegExp(`:(memory)?:${cg.path}$`, "m"));
      expect(cg.procs()).toEqual([child.pid]);
      const m = cg.memory();
      expect(m.workingSetBytes).toBeGreaterThan(16 * 2 ** 20);
      expect(m.workingSetBytes).toBeLessThan(48 * 2 ** 20);
      expect(m.usageBytes).toBeGreaterThanOrEqual(m.workingSetBytes);
    } finally {
      await sup.stopAll(2000);
    }
    expect(cg.procs()).toEqual([]);
  });

  test("past its limit the kernel OOM-kills the process; the supervisor records OOMKilled and restarts it in the same cgroup", async () => {
    const cg = tree.create("hog", { memoryBytes: 32 * 2 ** 20, cpuCores: 0.5 });
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor(dir, (e) => events.push(e));
    const spec = { name: "hog", command: "/usr/bin/python3", args: allocate(4, path.join(dir, "hogged")), ports: [], healthUrl: null, cgroup: cg };
    const first = sup.start(spec).pid;
    try {
      await sup.waitHealthy(spec, 5000);
      await waitFor(() => events.some((e) => e.kind === "restarted"), 20_000);
      const exited = events.find((e) => e.kind === "exited");
      expect(exited).toMatchObject({ name: "hog", exit: { reason: "OOMKilled", signal: "SIGKILL" }, restartInMs: 0 });
      const record = sup.processes.find((r) => r.name === "hog")!;
      expect(record).toMatchObject({ restarts: 1, lastExit: { reason: "OOMKilled" }, cgroup: cg.path });
      expect(record.pid).not.toBe(first);
      await waitFor(() => cg.procs().includes(record.pid), 5000);
      expect(cg.oomKills()).toBe(1);
      expect(fs.readFileSync(logFile(dir, "hog"), "utf8")).toMatch(new RegExp(`exited: OOMKilled \\(code null, signal SIGKILL\\) \\(cgroup ${cg.path}, memory limit ${32 * 2 ** 20} bytes, oom_kill 1\\); restarting in 0s`));
    } finally {
      await sup.stopAll(2000);
    }
  });
});

describeReal(`${realTitle}: a fleet service`, () => {
  let dir: string;
  let tree: CgroupTree;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroups-svc-"));
    tree = realTree(dir) as CgroupTree;
  });
  afterAll(async () => {
    await tree.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("payment-processor in its cgroup reads the kernel's limit, drives its working set, and past the limit is OOM-killed and restarted", async () => {
    const limit = 128 * 2 ** 20;
    const cg = tree.create("payment-processor", { memoryBytes: limit, cpuCores: 1 });
    const [port, adminPort] = await freePorts(2);
    const admin = `http://127.0.0.1:${adminPort}/chaos/memory`;
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor(dir, (e) => events.push(e));
    const spec = {
      name: "payment-processor",
      command: process.execPath,
      args: ["--import", "tsx", path.join(__dirname, "..", "services", "node", "main.ts")],
      cwd: path.join(__dirname, ".."),
      // No MEMORY_LIMIT_BYTES: the service must find the limit in its cgroup.
      env: { SERVICE_NAME: "payment-processor", HOST: "127.0.0.1", PORT: String(port), ADMIN_HOST: "127.0.0.1", ADMIN_PORT: String(adminPort), CHAOS_ENABLED: "true" },
      ports: [port, adminPort],
      healthUrl: `http://127.0.0.1:${port}/healthz`,
      cgroup: cg,
    };
    const json = async (method: string, body?: unknown) => {
      const r = await fetch(admin, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    sup.start(spec);
    try {
      await sup.waitHealthy(spec, 90_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`# HELP service_memory_limit_bytes Memory limit of this process \\(cgroup-v[12]\\)\\.\\n# TYPE service_memory_limit_bytes gauge\\nservice_memory_limit_bytes ${limit}\\n`));

      const idle = (await json("GET")).body;
      expect(idle).toMatchObject({ state: "idle", measure: "cgroup-working-set", limitBytes: limit });
      // The service's number is the kernel's (within what it allocated between the two reads).
      expect(Math.abs(idle.usageBytes - cg.memory().workingSetBytes)).toBeLessThan(8 * 2 ** 20);
      expect(idle.rssBytes).toBeGreaterThan(idle.usageBytes); // RSS counts the shared node binary too

      expect((await json("POST", { targetRatio: 0.6, rampSeconds: 2 })).status).toBe(202);
      await waitFor(() => cg.memory().workingSetBytes / limit >= 0.58, 20_000);
      expect(cg.memory().workingSetBytes / limit).toBeLessThan(0.7);

      const kill = await json("POST", { targetRatio: 1.3, rampSeconds: 3, pastLimit: true });
      expect(kill).toMatchObject({ status: 202, body: { pastLimit: true, targetRatio: 1.3 } });
      await waitFor(() => events.some((e) => e.kind === "restarted"), 30_000);
      expect(events[0]).toMatchObject({ kind: "exited", name: "payment-processor", exit: { reason: "OOMKilled", signal: "SIGKILL" }, restartInMs: 0 });
      expect(cg.oomKills()).toBe(1);
      const deadline = Date.now() + 90_000;
      while ((await httpStatus(spec.healthUrl)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(await httpStatus(spec.healthUrl)).toBe(200);
      expect((await json("GET")).body).toMatchObject({ state: "idle", measure: "cgroup-working-set" });
    } finally {
      await sup.stopAll(5000);
    }
  }, 240_000);
});
