/**
 * Starts, watches and stops the local stack's processes. Each runs in its own process
 * group (so a service's children go with it), logs to <state>/log/<name>.log, and is
 * recorded in <state>/run/pids.json so `npm stop` can stop a stack started elsewhere.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";

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
}

interface PidRecord {
  name: string;
  pid: number;
  startedAt: string;
}

export const pidFile = (stateDir: string) => path.join(stateDir, "run", "pids.json");
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

  constructor(private readonly stateDir: string) {
    fs.mkdirSync(path.join(stateDir, "run"), { recursive: true });
    fs.mkdirSync(path.join(stateDir, "log"), { recursive: true });
  }

  /** Starts a process in its own group, appending its output to its log file. */
  start(spec: ProcessSpec): ChildProcess {
    const log = fs.openSync(logFile(this.stateDir, spec.name), "a");
    fs.writeSync(log, `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(" ")}\n`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ["ignore", log, log],
    });
    fs.closeSync(log);
    if (!child.pid) throw new Error(`${spec.name}: could not start ${spec.command}`);
    this.children.set(spec.name, child);
    this.records.push({ name: spec.name, pid: child.pid, startedAt: new Date().toISOString() });
    fs.writeFileSync(pidFile(this.stateDir), JSON.stringify(this.records, null, 2));
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
      if (code >= 200 && code < 300) return Date.now() - t0;
      await sleep(250);
    }
    throw new Error(`${spec.name} not healthy after ${timeoutMs / 1000}s (${spec.healthUrl}); see ${logFile(this.stateDir, spec.name)}:\n${tail(logFile(this.stateDir, spec.name), 15)}`);
  }

  /** Stops everything this supervisor started, newest first. */
  async stopAll(timeoutMs = 15000): Promise<void> {
    await stopRecords(this.records.slice().reverse(), timeoutMs);
    fs.rmSync(pidFile(this.stateDir), { force: true });
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
  await stopRecords(running.reverse(), 15000);
  fs.rmSync(file, { force: true });
  return running.map((r) => r.name);
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
