/**
 * Instrumentation overhead, side by side in one run: the same service twice, METRICS_ENABLED
 * true and false, both pinned to CPU 0 and loaded one at a time by wrk on CPU 1, in ABBA order
 * so drift (thermal, page cache, JIT) cancels. Simulated latency is off (LATENCY_SCALE=0): the
 * server is CPU-bound, which is the worst case for relative overhead.
 *
 * Two figures per mode: wall-clock throughput (what wrk achieved) and the server's own CPU time
 * per request (utime+stime from /proc/<pid>/stat divided by requests served). The machine may be
 * shared with other work, which moves throughput around by several percent between runs; CPU
 * time per request is what instrumentation actually adds and is far less sensitive to that, so
 * the overhead is reported from it: added us/request = cpu(on) - cpu(off), and the throughput a
 * saturated core loses = 1 - cpu(off)/cpu(on).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { startServiceProcess, type ServiceProcess } from "../testing/processes";
import { median, runWrk, type WrkResult } from "./wrk";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // #14 utime, #15 stime
}

/** Overhead figures of one service. */
export interface OverheadResult {
  service: string;
  rounds: number;
  /** Median wall-clock throughput (noisy on a shared machine). */
  rpsOn: number;
  rpsOff: number;
  /** Median server CPU microseconds per request. */
  cpuUsOn: number;
  cpuUsOff: number;
  /** cpu(off) / cpu(on): the throughput ratio of a saturated core. */
  throughputRatio: number;
  /** rps(on) / rps(off) as measured by wrk. */
  wallThroughputRatio: number;
  addedUsPerRequest: number;
  p99UsOn: number;
  p99UsOff: number;
  runs: Array<{ mode: "on" | "off"; result: WrkResult; cpuUsPerRequest: number }>;
}

/** What to measure. */
export interface OverheadPlan {
  service: string;
  language: "node" | "python";
  env: Record<string, string>;
  script: "payments" | "merchants";
  path: string;
  nodeMain?: string;
  rounds: number;
  seconds: number;
  connections: number;
}

export async function measureOverhead(plan: OverheadPlan, log: (line: string) => void): Promise<OverheadResult> {
  const started: ServiceProcess[] = [];
  try {
    const start = async (metrics: boolean) => {
      const p = await startServiceProcess(plan.language, { ...plan.env, METRICS_ENABLED: String(metrics), LATENCY_SCALE: "0" }, { prefix: ["taskset", "-c", "0"], nodeMain: plan.nodeMain });
      started.push(p);
      return p;
    };
    const on = await start(true);
    const off = await start(false);
    const url = (p: ServiceProcess) => `${p.url}${plan.path}`;
    // Warm-up: JIT, connection pools, first-request allocations.
    for (const p of [on, off]) await runWrk({ url: url(p), script: plan.script, seconds: 3, connections: plan.connections, cpu: "1" });

    const runs: OverheadResult["runs"] = [];
    for (let round = 0; round < plan.rounds; round++) {
      const order: Array<"on" | "off"> = round % 2 === 0 ? ["on", "off"] : ["off", "on"];
      for (const mode of order) {
        const target = mode === "on" ? on : off;
        const cpuBefore = cpuSecondsOf(target.pid);
        const result = await runWrk({ url: url(target), script: plan.script, seconds: plan.seconds, connections: plan.connections, cpu: "1" });
        const cpuUsPerRequest = ((cpuSecondsOf(target.pid) - cpuBefore) * 1e6) / result.requests;
        if (result.socketErrors > 0) throw new Error(`${plan.service} (${mode}): ${result.socketErrors} socket errors`);
        runs.push({ mode, result, cpuUsPerRequest });
        log(`  ${plan.service} metrics ${mode.padEnd(3)} round ${round + 1}: ${result.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(1)} us CPU/req, p99 ${(result.p99Us / 1000).toFixed(2)} ms`);
      }
    }
    const pick = (mode: "on" | "off") => runs.filter((r) => r.mode === mode).map((r) => r.result);
    const cpu = (mode: "on" | "off") => median(runs.filter((r) => r.mode === mode).map((r) => r.cpuUsPerRequest));
    const rpsOn = median(pick("on").map((r) => r.rps));
    const rpsOff = median(pick("off").map((r) => r.rps));
    return {
      service: plan.service, rounds: plan.rounds, rpsOn, rpsOff,
      cpuUsOn: cpu("on"), cpuUsOff: cpu("off"),
      throughputRatio: cpu("off") / cpu("on"),
      wallThroughputRatio: rpsOn / rpsOff,
      addedUsPerRequest: cpu("on") - cpu("off"),
      p99UsOn: median(pick("on").map((r) => r.p99Us)),
      p99UsOff: median(pick("off").map((r) => r.p99Us)),
      runs,
    };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
}
