/**
 * `npm start` / `npm stop` / `npm run local:status`: thin wrapper over local/stack.ts.
 * start runs in the foreground; Ctrl-C (or `npm stop` elsewhere) stops every process.
 */
import { defaultOptions } from "./config";
import { credentialsFile } from "./secrets";
import { startLocalStack, type Progress } from "./stack";
import { collectStatus, formatStatus } from "./status";
import { stopFromPidFile } from "./supervisor";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const green = (s: string) => (process.stdout.isTTY ? `\x1b[32m${s}\x1b[0m` : s);

function show(p: Progress): void {
  const t = new Date().toISOString().slice(11, 19);
  if (p.kind === "step") console.log(`${t} ${bold("==>")} ${p.message}`);
  else if (p.kind === "note") console.log(`${t} note: ${p.message}`);
  else if (p.kind === "starting") console.log(`${t} [${String(p.index).padStart(2)}/${p.total}] starting ${p.name}`);
  else console.log(`${t} [${String(p.index).padStart(2)}/${p.total}] ${green("healthy")}  ${p.name} (${(p.ms / 1000).toFixed(1)}s)`);
}

async function start(): Promise<void> {
  const o = defaultOptions();
  const stack = await startLocalStack(o, show);
  console.log(`\n${bold("Local monitoring stack is up")} (state: ${o.stateDir}; data survives restarts)\n`);
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
  setInterval(() => {}, 1 << 30);
}

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? "start";
  const o = defaultOptions();
  if (cmd === "start") return start();
  if (cmd === "stop") {
    const stopped = await stopFromPidFile(o.stateDir);
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
