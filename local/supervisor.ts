/**
 * Starts, watches and stops the local stack's processes. Each runs in its own process
 * group (so a service's children go with it), logs to <state>/log/<name>.log, and is
 * recorded in <state>/run/pids.json so `npm stop` can stop a stack started elsewhere.
 *
 * A process with a cgroup (local/cgroups.ts) starts inside it. Once a process has been
 * healthy, the supervisor restarts it when it fails — exits with a non-zero code, or is
 * OOM-killed by the kernel (SIGKILL while its cgroup's oom_kill counter went up) — with
 * Kubernetes' back-off (immediately, then doubling from 10 s to 5 minutes; reset after 10
 * minutes up). An exit on a signal someone sent (SIGTERM, SIGINT, a SIGKILL that is not the
 * OOM killer's) is a deliberate stop, and an exit with code 0 (the traffic generator's bounded
 * run) is a finished job: neither is restarted. Restarts and the last exit's reason are in
 * pids.json (the drills read them) and in the process's log.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import type { CgroupLimits, ServiceCgroup } from "./cgroups";

/** One process of the local stack. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Loopback ports it binds (checked free before anything starts). */
  ports: number[];
  /** GET this until it answers 2xx; null = healthy once started. */
  healthUrl: string | null;
  /** The memory limit and CPU quota it should run under (its container's on dev). */
  resources?: CgroupLimits;
  /** Run inside this cgroup (created with `resources`; the kernel enforces them). */
  cgroup?: ServiceCgroup;
}

/** Why a process ended, as Kubernetes names it (OOMKilled, Error, Completed) or the signal. */
export interface ExitRecord {
  at: string;
  reason: "OOMKilled" | "Error" | "Completed" | "Signaled";
  code: number | null;
  signal: string | null;
}

export interface PidRecord {
  name: string;
  pid: number;
  startedAt: string;
  /** Times the supervisor restarted it after a failure. */
  restarts?: number;
  lastExit?: ExitRecord;
  /** Its cgroup path (what cAdvisor reports as `id`). */
  cgroup?: string;
}

/** What the supervisor tells its owner while the stack runs. */
export type SupervisorEvent =
  | { kind: "exited"; name: string; exit: ExitRecord; restartInMs: number | null }
  | { kind: "restarted"; name: string; pid: number; restarts: number };

/** Restart back-off: immediately, then 10 s doubling to 5 minutes (the kubelet's CrashLoopBackOff). */
export function restartDelayMs(restartsSoFar: number): number {
  return restartsSoFar === 0 ? 0 : Math.min(10_000 * 2 ** (restartsSoFar - 1), 300_000);
}
/** A process up this long has its back-off reset. */
export const BACKOFF_RESET_MS = 10 * 60_000;

/** Classifies an exit; `oomKilled` = its cgroup's oom_kill counter rose while it ran. */
export function classifyExit(code: number | null, signal: NodeJS.Signals | null, oomKilled: boolean): { exit: Omit<ExitRecord, "at">; restart: boolean } {
  if (oomKilled && signal === "SIGKILL") return { exit: { reason: "OOMKilled", code, signal }, restart: true };
  if (signal) return { exit: { reason: "Signaled", code, signal }, restart: false };
  if (code === 0) return { exit: { reason: "Completed", code, signal }, restart: false };
  return { exit: { reason: "Error", code, signal }, restart: true };
}

export const pidFile = (stateDir: string) => path.join(stateDir, "run", "pids.json");
/** Present while `npm stop` stops the stack from another process: its exits are not failures. */
export const stoppingFile = (stateDir: string) => path.join(stateDir, "run", "stopping");
export const logFile = (stateDir: string, name: string) => path.join(stateDir, "log", `${name}.log`);

/** True if a process with this pid exists (and is not a zombie we already reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Pids of every process in a process group (from /proc), for orphan checks. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") out.push(Number(d));
    } catch {
      /* the process exited while we looked */
    }
  }
  return out;
}

/** Fails with every taken port named (and what to do), before anything is started. */
export async function assertPortsFree(specs: ProcessSpec[]): Promise<void> {
  const taken: string[] = [];
  for (const s of specs) {
    for (const port of s.ports) {
      const free = await new Promise<boolean>((resolve) => {
        const srv = net.createServer();
        srv.once("error", () => resolve(false));
        srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
      });
      if (!free) taken.push(`127.0.0.1:${port} (needed by ${s.name})`);
    }
  }
  if (taken.length) {
    throw new Error(`port(s) already in use: ${taken.join(", ")}. Stop whatever holds them (\`ss -ltnp\` shows it; \`npm stop\` stops a previous local stack) or set LOCAL_PORT_OFFSET to move every port.`);
  }
}

/** Fails naming every missing executable and how to get it. */
export function assertBinaries(specs: ProcessSpec[]): void {
  const missing = [...new Set(specs.map((s) => s.command))].filter((c) => c.includes("/") && !fs.existsSync(c));
  if (missing.length) throw new Error(`missing executable(s): ${missing.join(", ")}. Run \`npm run setup\` (installs the Debian packages, npm and Python dependencies).`);
}

/** One GET; resolves to the status code, or 0 if nothing answered. */
export function probe(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const lib = url.startsWith("https:") ? https : http;
    // The local front door has a self-signed certificate.
    const req = lib.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly records: PidRecord[] = [];
  private readonly specs = new Map<string, ProcessSpec>();
  private readonly healthy = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  private readonly exitListeners: Array<(name: string, code: number | null, signal: NodeJS.Signals | null) => void> = [];

  /** Called whenever a started process exits (for whatever reason). */
  onExit(listener: (name: string, code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }

  /** Names of the started processes that have not exited. */
  running(): string[] {
    return [...this.children.entries()].filter(([, c]) => c.exitCode === null && c.signalCode === null).map(([n]) => n);
  }

  constructor(
    private readonly stateDir: string,
    private readonly onEvent: (e: SupervisorEvent) => void = () => {},
  ) {
    fs.mkdirSync(path.join(stateDir, "run"), { recursive: true });
    fs.mkdirSync(path.join(stateDir, "log"), { recursive: true });
  }

  /** Starts a process in its own group (and its cgroup), appending its output to its log file. */
  start(spec: ProcessSpec): ChildProcess {
    const { command, args } = spec.cgroup ? spec.cgroup.wrap(spec.command, spec.args) : spec;
    const log = fs.openSync(logFile(this.stateDir, spec.name), "a");
    fs.writeSync(log, `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(" ")}${spec.cgroup ? ` in cgroup ${spec.cgroup.path}` : ""}\n`);
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ["ignore", log, log],
    });
    fs.closeSync(log);
    if (!child.pid) throw new Error(`${spec.name}: could not start ${spec.command}`);
    this.children.set(spec.name, child);
    this.specs.set(spec.name, spec);
    const record = this.records.find((r) => r.name === spec.name);
    const fresh: PidRecord = { name: spec.name, pid: child.pid, startedAt: new Date().toISOString(), ...(spec.cgroup ? { cgroup: spec.cgroup.path } : {}) };
    if (record) Object.assign(record, fresh);
    else this.records.push(fresh);
    this.savePids();
    const oomBefore = spec.cgroup?.oomKills() ?? 0;
    const startedAt = Date.now();
    child.once("exit", (code, signal) => this.exited(spec, child, code, signal, oomBefore, startedAt));
    child.on("exit", (code, signal) => this.exitListeners.forEach((l) => l(spec.name, code, signal)));
    return child;
  }

  /** Waits until the health URL answers 2xx; fails early if the process exits. */
  async waitHealthy(spec: ProcessSpec, timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    const child = this.children.get(spec.name);
    while (Date.now() - t0 < timeoutMs) {
      if (child && child.exitCode !== null) {
        throw new Error(`${spec.name} exited with code ${child.exitCode}; see ${logFile(this.stateDir, spec.name)}:\n${tail(logFile(this.stateDir, spec.name), 15)}`);
      }
      const code = spec.healthUrl ? await probe(spec.healthUrl) : 200;
      if (code >= 200 && code < 300) {
        this.healthy.add(spec.name);
        return Date.now() - t0;
      }
      await sleep(250);
    }
    throw new Error(`${spec.name} not healthy after ${timeoutMs / 1000}s (${spec.healthUrl}); see ${logFile(this.stateDir, spec.name)}:\n${tail(logFile(this.stateDir, spec.name), 15)}`);
  }

  /** The pid records (current pid, restarts, last exit) of every process. */
  get processes(): readonly PidRecord[] {
    return this.records;
  }

  /** Stops everything this supervisor started, newest first. */
  async stopAll(timeoutMs = 15000): Promise<void> {
    this.stopping = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await stopRecords(this.records.slice().reverse(), timeoutMs);
    fs.rmSync(pidFile(this.stateDir), { force: true });
  }

  private savePids(): void {
    fs.writeFileSync(pidFile(this.stateDir), JSON.stringify(this.records, null, 2));
  }

  private exited(spec: ProcessSpec, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, oomBefore: number, startedAt: number): void {
    // Only the current child of a name counts (a restart replaced it), and nothing while stopping.
    if (this.stopping || this.children.get(spec.name) !== child) return;
    const record = this.records.find((r) => r.name === spec.name)!;
    const oomKilled = (spec.cgroup?.oomKills() ?? 0) > oomBefore;
    const { exit, restart } = classifyExit(code, signal, oomKilled);
    const exitRecord: ExitRecord = { at: new Date().toISOString(), ...exit };
    record.lastExit = exitRecord;
    if (Date.now() - startedAt >= BACKOFF_RESET_MS) record.restarts = 0;
    const willRestart = restart && this.healthy.has(spec.name);
    const delay = willRestart ? restartDelayMs(record.restarts ?? 0) : null;
    const limit = spec.cgroup ? ` (cgroup ${spec.cgroup.path}, memory limit ${spec.cgroup.limits.memoryBytes} bytes, oom_kill ${spec.cgroup.oomKills()})` : "";
    // `npm stop` from another terminal: the stack is being stopped, not failing.
    if (fs.existsSync(stoppingFile(this.stateDir)) || !fs.existsSync(pidFile(this.stateDir))) return;
    fs.appendFileSync(logFile(this.stateDir, spec.name), `\n--- ${exitRecord.at} exited: ${exit.reason} (code ${code}, signal ${signal})${limit}; ${delay === null ? "not restarted" : `restarting in ${delay / 1000}s`}\n`);
    this.savePids();
    this.onEvent({ kind: "exited", name: spec.name, exit: exitRecord, restartInMs: delay });
    if (delay === null) return;
    this.timers.set(
      spec.name,
      setTimeout(() => {
        this.timers.delete(spec.name);
        if (this.stopping) return;
        record.restarts = (record.restarts ?? 0) + 1;
        const restarts = record.restarts;
        const lastExit = record.lastExit;
        const next = this.start(spec);
        Object.assign(record, { restarts, lastExit });
        this.savePids();
        this.onEvent({ kind: "restarted", name: spec.name, pid: next.pid!, restarts });
      }, delay),
    );
  }
}

/** SIGTERM each group, wait, then SIGKILL what is left. */
export async function stopRecords(records: PidRecord[], timeoutMs: number): Promise<void> {
  for (const r of records) signalGroup(r.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && records.some((r) => groupMembers(r.pid).length > 0)) await sleep(100);
  for (const r of records) {
    if (groupMembers(r.pid).length > 0) signalGroup(r.pid, "SIGKILL");
  }
  while (records.some((r) => groupMembers(r.pid).length > 0) && Date.now() < deadline + 5000) await sleep(100);
}

/** Stops a stack from its pid file (another terminal's `npm start`); returns what it stopped. */
export async function stopFromPidFile(stateDir: string): Promise<string[]> {
  const file = pidFile(stateDir);
  if (!fs.existsSync(file)) return [];
  const records = JSON.parse(fs.readFileSync(file, "utf8")) as PidRecord[];
  const running = records.filter((r) => groupMembers(r.pid).length > 0);
  fs.writeFileSync(stoppingFile(stateDir), String(process.pid));
  try {
    await stopRecords(running.reverse(), 15000);
    fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(stoppingFile(stateDir), { force: true });
  }
  return running.map((r) => r.name);
}

/** How a recorded process was started: what `stopRecorded` returns and `startRecorded` takes. */
export interface StartedAs {
  name: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * Stops one process of a running stack (its whole group, SIGTERM then SIGKILL) and returns how
 * it was started, read from /proc before it goes: for drills and tests that kill a component
 * and bring it back (tests/e2e: Prometheus dies, the dead man's switch pages).
 */
export async function stopRecorded(stateDir: string, name: string, timeoutMs = 15000): Promise<StartedAs> {
  const records = JSON.parse(fs.readFileSync(pidFile(stateDir), "utf8")) as PidRecord[];
  const rec = records.find((r) => r.name === name && groupMembers(r.pid).length > 0);
  if (!rec) throw new Error(`${name} is not running in the stack at ${stateDir}`);
  const nul = (f: string) => fs.readFileSync(`/proc/${rec.pid}/${f}`, "utf8").split("\0").filter((x) => x !== "");
  const started: StartedAs = {
    name,
    argv: nul("cmdline"),
    cwd: fs.readlinkSync(`/proc/${rec.pid}/cwd`),
    env: Object.fromEntries(nul("environ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])),
  };
  await stopRecords([rec], timeoutMs);
  return started;
}

/** Starts a process as it was started before, in its own group, and records its new pid. */
export function startRecorded(stateDir: string, how: StartedAs): number {
  const log = fs.openSync(logFile(stateDir, how.name), "a");
  fs.writeSync(log, `\n--- ${new Date().toISOString()} restarting ${how.argv.join(" ")}\n`);
  const child = spawn(how.argv[0], how.argv.slice(1), { cwd: how.cwd, env: how.env, detached: true, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  if (!child.pid) throw new Error(`${how.name}: could not start ${how.argv[0]}`);
  child.unref();
  const records = JSON.parse(fs.readFileSync(pidFile(stateDir), "utf8")) as PidRecord[];
  const updated = records.map((r) => (r.name === how.name ? { name: r.name, pid: child.pid!, startedAt: new Date().toISOString() } : r));
  fs.writeFileSync(pidFile(stateDir), JSON.stringify(updated, null, 2));
  return child.pid;
}

/** Names of recorded processes that still run. */
export function runningFromPidFile(stateDir: string): Array<{ name: string; pid: number }> {
  const file = pidFile(stateDir);
  if (!fs.existsSync(file)) return [];
  return (JSON.parse(fs.readFileSync(file, "utf8")) as PidRecord[]).filter((r) => groupMembers(r.pid).length > 0);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
