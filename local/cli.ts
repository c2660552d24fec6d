/**
 * `npm start` / `npm stop` / `npm run local:status`: thin wrapper over local/stack.ts.
 * start runs in the foreground; Ctrl-C (or `npm stop` elsewhere) stops every process.
 */
import { removeStackCgroups } from "./cgroups";
import { defaultOptions } from "./config";
import { credentialsFile } from "./secrets";
import { startLocalStack, type Progress } from "./stack";
import { collectStatus, formatStatus } from "./status";
import { logFile, stopFromPidFile } from "./supervisor";
import { FLEET } from "../services/fleet";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const green = (s: string) => (process.stdout.isTTY ? `\x1b[32m${s}\x1b[0m` : s);

/** Lists names compactly: "a, b, 12 services, c". */
function names(list: string[]): string {
  const fleet = new Set(FLEET.map((f) => f.name));
  const services = list.filter((n) => fleet.has(n));
  const rest = list.filter((n) => !fleet.has(n));
  return [...rest.slice(0, 2), ...(services.length ? [`${services.length} services`] : []), ...rest.slice(2)].join(", ");
}

function show(p: Progress): void {
  const t = new Date().toISOString().slice(11, 19);
  if (p.kind === "step") console.log(`${t} ${bold("==>")} ${p.message}`);
  else if (p.kind === "note") console.log(`${t} note: ${p.message}`);
  else if (p.kind === "wave-start") console.log(`${t} ${bold("==>")} [${p.wave}/${p.waves}] starting ${names(p.names)}`);
  else console.log(`${t}     ${green("healthy")}: ${p.count} process${p.count === 1 ? "" : "es"} in ${(p.ms / 1000).toFixed(1)}s (slowest ${p.slowest.name})`);
}

async function start(): Promise<void> {
  // `npm start -- --ha`: two Prometheus with Thanos Query and three clustered Alertmanagers (local/ha.ts).
  const o = { ...defaultOptions(), ...(process.argv.includes("--ha") ? { ha: true } : {}) };
  const t0 = Date.now();
  const stack = await startLocalStack(o, show);
  console.log(`\n${bold(`Local monitoring stack is up in ${((Date.now() - t0) / 1000).toFixed(1)}s`)} (state: ${o.stateDir}; data survives restarts)\n`);
  const w = Math.max(...stack.urls.map((u) => u.what.length));
  for (const u of stack.urls) console.log(`  ${u.what.padEnd(w)}  ${u.url}`);
  console.log(`\n  Passwords (front door, Grafana admin): ${credentialsFile(o.stateDir)} (mode 0600)`);
  console.log(`  Status: npm run local:status    Stop: Ctrl-C or npm stop\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ${stack.processes.length} processes...`);
    await stack.stop();
    console.log("stopped; nothing left running.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // `npm stop` from another terminal stops the processes, not this one: when the last of them
  // is gone, the foreground start has nothing left to supervise and exits too.
  stack.supervisor.onExit((name, code, signal) => {
    if (stopping) return;
    const left = stack.supervisor.running();
    if (left.length === 0) {
      console.log(`\nevery process of the stack has stopped (npm stop?); exiting.`);
      process.exit(0);
    }
    console.log(`${new Date().toISOString().slice(11, 19)} ${name} exited (${signal ?? `code ${code}`}); its log: ${logFile(o.stateDir, name)}`);
  });
  setInterval(() => {}, 1 << 30);
}

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? "start";
  const o = defaultOptions();
  if (cmd === "start") return start();
  if (cmd === "stop") {
    const stopped = await stopFromPidFile(o.stateDir);
    await removeStackCgroups(o.stateDir);
    console.log(stopped.length ? `stopped: ${stopped.join(", ")}` : "no local stack is running");
    return;
  }
  if (cmd === "status") {
    console.log(formatStatus(await collectStatus(o)));
    return;
  }
  throw new Error(`unknown command "${cmd}"; use start, stop or status`);
}

main().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
