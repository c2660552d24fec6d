/**
 * Cgroups for the local stack's services: each service runs in a cgroup of its own with the
 * memory limit and CPU quota its stack config gives it, so the kernel enforces them (an OOM
 * kill at 100%, CFS throttling above the quota) and cAdvisor reports them exactly as it does
 * for containers on dev and prod.
 *
 * Layout (the same path in every controller, as cAdvisor's raw handler expects):
 *
 *   <parent>/<instance>/<service>      parent   = $LOCAL_CGROUP_PARENT or /monitoring-stack
 *                                      instance = "local-" + a hash of the state directory
 *
 * The parent sits at the root of each hierarchy, as Docker's cgroupfs driver puts /docker and
 * the kubelet /kubepods: the cgroup the supervisor itself runs in belongs to whoever started it
 * (a login session, a CI runner), and on cgroup v2 a cgroup that holds processes cannot hand
 * controllers to children. One instance per state directory keeps two stacks on one machine
 * apart (two worktrees, `npm start` beside the e2e suite).
 *
 * cgroup v1 (memory + cpu + cpuacct) and v2 (memory + cpu) are both handled. Limits mirror what
 * a container runtime sets: memory.limit_in_bytes / memory.max, swap off for the cgroup
 * (memsw = limit and swappiness 0 on v1, memory.swap.max 0 on v2, like the kubelet), and a CFS
 * quota over a 100 ms period (cpu.cfs_quota_us / cpu.max).
 *
 * CPU weight: a cgroup competes with everything beside it as ONE scheduling entity, so twelve
 * services in one stack cgroup would get the CPU share of a single process when the machine is
 * busy (measured here at a load average of ~20: the 11 Node services took 42 s to start instead
 * of 8 s, and latency SLOs burned). The stack's cgroup and its parents are therefore weighted by
 * the number of services (cpu.shares 1024 x n on v1, cpu.weight 100 x n on v2): each service
 * weighs what one process weighs without cgroups — as the kubelet sizes /kubepods by the node's
 * CPUs rather than leaving it at one share.
 *
 * A process joins its cgroup before it runs (`wrap`: a shell writes its own pid into each
 * controller's cgroup.procs and then execs the command), so everything it allocates, and every
 * child it forks, is charged to the service from the first page.
 *
 * When cgroups cannot be created (not root, a read-only /sys/fs/cgroup in an unprivileged
 * container, no memory controller) `openCgroups` says why; the local stack then falls back to
 * the services' own process metrics (rules/recording.ts `processRules`) and says so at start-up.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Memory limit and CPU quota of one cgroup. */
export interface CgroupLimits {
  memoryBytes: number;
  cpuCores: number;
}

/** Where the hierarchies are mounted. */
export type CgroupDriver =
  | { version: 1; memory: string; cpu: string; cpuacct: string }
  | { version: 2; root: string };

/** CFS period the quota is expressed over (what Docker and the kubelet use). */
export const CFS_PERIOD_US = 100_000;
/** Default parent of every local stack's cgroups. */
export const DEFAULT_CGROUP_PARENT = "/monitoring-stack";
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * Reads /proc/self/mountinfo: cgroup v2 when a cgroup2 mount offers the memory and cpu
 * controllers, else v1 when memory, cpu and cpuacct hierarchies are mounted; otherwise why not.
 */
export function parseMountinfo(text: string, controllersOf: (mountpoint: string) => string = readControllers): CgroupDriver | { unavailable: string } {
  const v1: Record<string, string> = {};
  const v2: string[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const mountpoint = left.split(" ")[4];
    const [fstype, , superOptions = ""] = right.split(" ");
    if (fstype === "cgroup2") v2.push(mountpoint);
    if (fstype === "cgroup") for (const opt of superOptions.split(",")) if (["memory", "cpu", "cpuacct"].includes(opt)) v1[opt] = mountpoint;
  }
  for (const root of v2) {
    const controllers = controllersOf(root).split(/\s+/);
    if (controllers.includes("memory") && controllers.includes("cpu")) return { version: 2, root };
  }
  if (v1.memory && v1.cpu && v1.cpuacct) return { version: 1, memory: v1.memory, cpu: v1.cpu, cpuacct: v1.cpuacct };
  const v1Missing = ["memory", "cpu", "cpuacct"].filter((c) => !v1[c]);
  if (v2.length || Object.keys(v1).length) {
    return { unavailable: `no usable cgroup hierarchy: ${v2.length ? `cgroup2 at ${v2.join(", ")} does not offer both memory and cpu; ` : ""}cgroup v1 lacks ${v1Missing.join(", ")}` };
  }
  return { unavailable: "no cgroup filesystem is mounted (see /proc/self/mountinfo)" };
}

function readControllers(mountpoint: string): string {
  try {
    return fs.readFileSync(path.join(mountpoint, "cgroup.controllers"), "utf8");
  } catch {
    return "";
  }
}

/** The cgroup path of one local stack (all its services' cgroups are children of it). */
export function instanceCgroup(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const parent = (env.LOCAL_CGROUP_PARENT ?? DEFAULT_CGROUP_PARENT).replace(/\/+$/, "");
  if (!/^(\/[a-z0-9][a-z0-9._-]*)+$/.test(parent)) {
    throw new Error(`LOCAL_CGROUP_PARENT: got "${env.LOCAL_CGROUP_PARENT}"; allowed: an absolute cgroup path of lowercase names such as /monitoring-stack`);
  }
  return `${parent}/local-${createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 10)}`;
}

/** The cgroup path of one service of a local stack (what cAdvisor reports as `id`). */
export const serviceCgroupPath = (stateDir: string, service: string, env: NodeJS.ProcessEnv = process.env) => `${instanceCgroup(stateDir, env)}/${service}`;

function write(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    throw new Error(`cannot write "${value}" to ${file}: ${(e as Error).message}`);
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** `key value` lines (memory.stat, memory.events, memory.oom_control) into a map. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

function readKeyValues(file: string): Map<string, number> {
  try {
    return parseKeyValues(fs.readFileSync(file, "utf8"));
  } catch {
    return new Map();
  }
}

/** The directories of one cgroup path, one per hierarchy that holds it. */
function dirsOf(driver: CgroupDriver, cgroupPath: string): { memory: string; cpu: string; all: string[] } {
  if (driver.version === 2) {
    const d = path.join(driver.root, cgroupPath);
    return { memory: d, cpu: d, all: [d] };
  }
  const memory = path.join(driver.memory, cgroupPath);
  const cpu = path.join(driver.cpu, cgroupPath);
  return { memory, cpu, all: [...new Set([memory, cpu, path.join(driver.cpuacct, cgroupPath)])] };
}

/** Memory of a cgroup as the kernel accounts it, and as cAdvisor reports it. */
export interface CgroupMemory {
  /** memory.usage_in_bytes (v1) / memory.current (v2): every page charged, page cache included. */
  usageBytes: number;
  /** usage minus inactive file pages: container_memory_working_set_bytes, what the kubelet evicts on. */
  workingSetBytes: number;
  limitBytes: number;
}

/** One service's cgroup. */
export class ServiceCgroup {
  readonly dirs: { memory: string; cpu: string; all: string[] };

  constructor(
    readonly driver: CgroupDriver,
    /** The cgroup path, e.g. /monitoring-stack/local-0123456789/payment-processor. */
    readonly path: string,
    readonly limits: CgroupLimits,
  ) {
    this.dirs = dirsOf(driver, path);
  }

  /**
   * The command that runs `command args` inside this cgroup: a shell joins every controller
   * (its pid into cgroup.procs), then execs the command, which keeps the pid.
   */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    const files = this.dirs.all.map((d) => `'${path.join(d, "cgroup.procs")}'`).join(" ");
    const script = `for f in ${files}; do echo $$ > "$f" || { echo "cannot join cgroup ($f)" >&2; exit 125; }; done; exec "$@"`;
    return { command: "/bin/sh", args: ["-c", script, "sh", command, ...args] };
  }

  /** Pids in the cgroup (memory controller). */
  procs(): number[] {
    try {
      return fs.readFileSync(path.join(this.dirs.memory, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Processes the kernel's OOM killer killed in this cgroup since it was created. */
  oomKills(): number {
    const file = this.driver.version === 2 ? "memory.events" : "memory.oom_control";
    return readKeyValues(path.join(this.dirs.memory, file)).get("oom_kill") ?? 0;
  }

  memory(): CgroupMemory {
    const v2 = this.driver.version === 2;
    const usageBytes = readNumber(path.join(this.dirs.memory, v2 ? "memory.current" : "memory.usage_in_bytes")) ?? 0;
    const stat = readKeyValues(path.join(this.dirs.memory, "memory.stat"));
    const inactive = (v2 ? stat.get("inactive_file") : stat.get("total_inactive_file")) ?? 0;
    return { usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive), limitBytes: this.limits.memoryBytes };
  }
}

/** Creates the cgroups of one local stack and removes them again. */
export class CgroupTree {
  private readonly created: ServiceCgroup[] = [];

  constructor(
    readonly driver: CgroupDriver,
    /** The stack's cgroup path (instanceCgroup). */
    readonly root: string,
  ) {}

  /** The ancestors of the stack's cgroup, outermost first ("/a", "/a/b"). */
  private chain(): string[] {
    const parts = this.root.split("/").filter(Boolean);
    return parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
  }

  /** Creates the stack's cgroup (and its parents); on v2 hands memory and cpu down to it. */
  init(): void {
    if (this.driver.version === 2) {
      const enable = (dir: string) => {
        const have = readControllers(dir).split(/\s+/);
        const want = ["memory", "cpu"].filter((c) => have.includes(c)).map((c) => `+${c}`).join(" ");
        if (want) write(path.join(dir, "cgroup.subtree_control"), want);
      };
      enable(this.driver.root);
      for (const p of this.chain()) {
        fs.mkdirSync(path.join(this.driver.root, p), { recursive: true });
        enable(path.join(this.driver.root, p));
      }
      return;
    }
    for (const dir of dirsOf(this.driver, this.root).all) fs.mkdirSync(dir, { recursive: true });
  }

  /** Creates (or resets) one service's cgroup with its limits. */
  create(name: string, limits: CgroupLimits): ServiceCgroup {
    if (!NAME_RE.test(name)) throw new Error(`cgroup name "${name}": allowed: lowercase letters, digits, '.', '_' and '-'`);
    if (!(limits.memoryBytes >= 4 * 2 ** 20)) throw new Error(`cgroup ${name}: memory limit ${limits.memoryBytes} bytes; allowed: at least 4 MiB`);
    if (!(limits.cpuCores >= 0.01)) throw new Error(`cgroup ${name}: CPU quota ${limits.cpuCores} cores; allowed: at least 0.01 (10m)`);
    const cg = new ServiceCgroup(this.driver, `${this.root}/${name}`, limits);
    const left = cg.procs();
    if (left.length) throw new Error(`cgroup ${cg.path} still holds process(es) ${left.join(", ")} from an earlier run; stop them (npm stop) first`);
    // A leftover from a run that was killed: start from a fresh cgroup (counters at zero).
    for (const d of cg.dirs.all) if (fs.existsSync(d)) fs.rmdirSync(d);
    for (const d of cg.dirs.all) fs.mkdirSync(d, { recursive: true });
    const quota = String(Math.round(limits.cpuCores * CFS_PERIOD_US));
    const mem = cg.dirs.memory;
    if (this.driver.version === 2) {
      write(path.join(mem, "memory.max"), String(limits.memoryBytes));
      if (fs.existsSync(path.join(mem, "memory.swap.max"))) write(path.join(mem, "memory.swap.max"), "0");
      write(path.join(cg.dirs.cpu, "cpu.max"), `${quota} ${CFS_PERIOD_US}`);
    } else {
      write(path.join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // No swapping inside the limit: the kernel must OOM-kill at 100%, as in a container.
      if (fs.existsSync(path.join(mem, "memory.memsw.limit_in_bytes"))) write(path.join(mem, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
      write(path.join(mem, "memory.swappiness"), "0");
      write(path.join(cg.dirs.cpu, "cpu.cfs_period_us"), String(CFS_PERIOD_US));
      write(path.join(cg.dirs.cpu, "cpu.cfs_quota_us"), quota);
    }
    this.created.push(cg);
    this.weighAncestors();
    return cg;
  }

  /** Weighs the stack's cgroup and its parents by the number of services (see the header). */
  private weighAncestors(): void {
    const v2 = this.driver.version === 2;
    const file = v2 ? "cpu.weight" : "cpu.shares";
    const want = Math.min(v2 ? 100 * this.created.length : 1024 * this.created.length, v2 ? 10_000 : 262_144);
    for (const p of this.chain()) {
      const f = path.join(dirsOf(this.driver, p).cpu, file);
      const have = readNumber(f);
      // A parent shared with another stack keeps the larger weight.
      if (have !== undefined && have < want) write(f, String(want));
    }
  }

  /**
   * Removes every cgroup this tree created, then the stack's cgroup and any parent left empty
   * (another stack's cgroups keep a shared parent alive). A process still inside one of OUR
   * cgroups was started by this stack: it is killed first.
   */
  async remove(): Promise<void> {
    for (const cg of this.created) {
      const deadline = Date.now() + 5000;
      for (let left = cg.procs(); left.length && Date.now() < deadline; left = cg.procs()) {
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const d of cg.dirs.all) rmdirIfPresent(d);
    }
    this.created.length = 0;
    for (const p of this.chain().reverse()) {
      for (const d of dirsOf(this.driver, p).all) {
        try {
          rmdirIfPresent(d);
        } catch (e) {
          if (!["EBUSY", "ENOTEMPTY"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
        }
      }
    }
  }

  /** Takes over the service cgroups already below the stack's cgroup (left by another process). */
  adoptExisting(): void {
    const base = dirsOf(this.driver, this.root).memory;
    if (!fs.existsSync(base)) return;
    for (const e of fs.readdirSync(base, { withFileTypes: true })) {
      if (e.isDirectory() && NAME_RE.test(e.name) && !this.created.some((c) => c.path.endsWith(`/${e.name}`))) {
        this.created.push(new ServiceCgroup(this.driver, `${this.root}/${e.name}`, { memoryBytes: 0, cpuCores: 0 }));
      }
    }
  }

  /** Cgroups created and not yet removed. */
  get services(): readonly ServiceCgroup[] {
    return this.created;
  }
}

function rmdirIfPresent(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** LOCAL_CGROUPS: auto (use them when possible), required (fail without), off (fallback). */
export type CgroupMode = "auto" | "required" | "off";

export function cgroupMode(env: NodeJS.ProcessEnv = process.env): CgroupMode {
  const v = env.LOCAL_CGROUPS ?? (env.CI === "true" ? "required" : "auto");
  if (v === "auto" || v === "required" || v === "off") return v;
  throw new Error(`LOCAL_CGROUPS: got "${v}"; allowed: auto (cgroups when possible, else process metrics), required (fail without cgroups; the default when CI=true), off`);
}

/**
 * Opens the stack's cgroup tree: detects the hierarchy and creates the stack's cgroup, or
 * returns why it cannot (mode auto) / throws (mode required).
 */
export function openCgroups(stateDir: string, env: NodeJS.ProcessEnv = process.env, mountinfo?: string): { tree: CgroupTree } | { unavailable: string } {
  const mode = cgroupMode(env);
  if (mode === "off") return { unavailable: "LOCAL_CGROUPS=off" };
  const fail = (why: string) => {
    if (mode === "required") throw new Error(`cgroups are required (LOCAL_CGROUPS=required${env.CI === "true" && !env.LOCAL_CGROUPS ? ", the default when CI=true" : ""}) but ${why}. Run as root on a host with a writable /sys/fs/cgroup, or set LOCAL_CGROUPS=auto to fall back to process metrics.`);
    return { unavailable: why };
  };
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = fs.readFileSync("/proc/self/mountinfo", "utf8");
    } catch (e) {
      return fail(`/proc/self/mountinfo cannot be read (${(e as Error).message})`);
    }
  }
  const driver = parseMountinfo(text);
  if ("unavailable" in driver) return fail(driver.unavailable);
  const tree = new CgroupTree(driver, instanceCgroup(stateDir, env));
  try {
    tree.init();
  } catch (e) {
    return fail(`the stack's cgroup ${tree.root} cannot be created (${(e as Error).message})`);
  }
  return { tree };
}

/**
 * Removes a stopped stack's cgroups (`npm stop` from another terminal; a stack that was
 * killed): its processes are gone, so this only deletes the empty directories. Quiet when the
 * stack had none.
 */
export async function removeStackCgroups(stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return;
  }
  const driver = parseMountinfo(text);
  if ("unavailable" in driver) return;
  const tree = new CgroupTree(driver, instanceCgroup(stateDir, env));
  tree.adoptExisting();
  if (tree.services.length === 0 && !fs.existsSync(dirsOf(driver, tree.root).memory)) return;
  await tree.remove();
}

/** True while any directory of the stack's cgroup exists (tests check that a stop removed it). */
export function stackCgroupExists(stateDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const driver = parseMountinfo(fs.readFileSync("/proc/self/mountinfo", "utf8"));
  return !("unavailable" in driver) && dirsOf(driver, instanceCgroup(stateDir, env)).all.some((d) => fs.existsSync(d));
}
