/**
 * Starts fleet services as real child processes on 127.0.0.1 with ephemeral ports, for tests and
 * the benchmark. A service prints one JSON "listening" line with its actual URLs; stop() sends
 * SIGTERM, escalates to SIGKILL, and always waits for the exit, so nothing outlives its test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT, VENV_PYTHON } from "./exposition";

/** A running child service. */
export interface ServiceProcess {
  url: string;
  adminUrl: string | null;
  pid: number;
  /** The "listening" line the service printed. */
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Node entry point of the fleet image, run through tsx so tests need no build step. */
export const NODE_MAIN = path.join(REPO_ROOT, "services/node/main.ts");

/**
 * Command that runs a service: Node (payment-processor, demo) or Python (merchant-api).
 * `nodeMain` runs a compiled entry point (dist/services/node/main.js) instead of the TypeScript.
 */
export function serviceCommand(language: "node" | "python", nodeMain?: string): { command: string; args: string[]; cwd: string } {
  return language === "node"
    ? { command: process.execPath, args: nodeMain ? [nodeMain] : ["--import", "tsx", NODE_MAIN], cwd: REPO_ROOT }
    : { command: VENV_PYTHON, args: ["-m", "merchant_api"], cwd: path.join(REPO_ROOT, "services/merchant-api") };
}

/**
 * Spawns a service with `env` (merged over a minimal environment, PORT/ADMIN_PORT default 0) and
 * resolves once it is listening. `prefix` prepends a command such as ["taskset", "-c", "0"].
 */
export function startServiceProcess(
  language: "node" | "python",
  env: Record<string, string>,
  options: { prefix?: string[]; startTimeoutMs?: number; nodeMain?: string } = {},
): Promise<ServiceProcess> {
  const { command, args, cwd } = serviceCommand(language, options.nodeMain);
  const [cmd, ...cmdArgs] = options.prefix ? [...options.prefix, command, ...args] : [command, ...args];
  const child = spawn(cmd, cmdArgs, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0", ADMIN_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return new Promise<ServiceProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child, exited);
      reject(new Error(`${env.SERVICE_NAME ?? cmd} did not start within ${options.startTimeoutMs ?? 15000} ms; stderr: ${stderr}`));
    }, options.startTimeoutMs ?? 15000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${env.SERVICE_NAME ?? cmd} exited with ${code} before listening; stderr: ${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      let info: Record<string, unknown>;
      try {
        info = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not one of our JSON lines
      }
      if (info.event !== "listening") return;
      clearTimeout(timer);
      resolve({
        url: info.url as string,
        adminUrl: (info.adminUrl as string | null) ?? null,
        pid: child.pid!,
        info,
        stop: () => stopChild(child, exited),
      });
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(killer);
}

/** Resident set size of a process in bytes, read from /proc (independent of what it reports). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(status.match(/^VmRSS:\s+(\d+)\s+kB$/m)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return kb * 1024;
}
