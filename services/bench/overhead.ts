/**
 * Instrumentation overhead, side by side in one run: the same service twice, METRICS_ENABLED
 * true and false, both pinned to CPU 0 and loaded one at a time by wrk on CPU 1, in ABBA order
 * so drift (thermal, page cache, JIT) cancels. Simulated latency is off (LATENCY_SCALE=0): the
 * server is CPU-bound, which is the worst case for relative overhead.
 *
 * Added cost per request = 1/rps(on) - 1/rps(off): CPU microseconds the metrics add to each
 * request on one saturated core.
 */
import { startServiceProcess, type ServiceProcess } from "../testing/processes";
import { median, runWrk, type WrkResult } from "./wrk";

/** Overhead figures of one service. */
export interface OverheadResult {
  service: string;
  rounds: number;
  rpsOn: number;
  rpsOff: number;
  /** rps(on) / rps(off) */
  throughputRatio: number;
  addedUsPerRequest: number;
  p99UsOn: number;
  p99UsOff: number;
  runs: Array<{ mode: "on" | "off"; result: WrkResult }>;
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
        const result = await runWrk({ url: url(mode === "on" ? on : off), script: plan.script, seconds: plan.seconds, connections: plan.connections, cpu: "1" });
        if (result.socketErrors > 0) throw new Error(`${plan.service} (${mode}): ${result.socketErrors} socket errors`);
        runs.push({ mode, result });
        log(`  ${plan.service} metrics ${mode.padEnd(3)} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${(result.p99Us / 1000).toFixed(2)} ms`);
      }
    }
    const pick = (mode: "on" | "off") => runs.filter((r) => r.mode === mode).map((r) => r.result);
    const rpsOn = median(pick("on").map((r) => r.rps));
    const rpsOff = median(pick("off").map((r) => r.rps));
    return {
      service: plan.service, rounds: plan.rounds, rpsOn, rpsOff,
      throughputRatio: rpsOn / rpsOff,
      addedUsPerRequest: (1 / rpsOn - 1 / rpsOff) * 1e6,
      p99UsOn: median(pick("on").map((r) => r.p99Us)),
      p99UsOff: median(pick("off").map((r) => r.p99Us)),
      runs,
    };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
}
