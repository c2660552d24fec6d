/**
 * Capacity with metrics ON and the realistic behaviour (simulated latency, declines, timeouts):
 * one service process pinned to CPU 0, driven OPEN-LOOP by the traffic generator (this process,
 * pinned to CPU 1) with the fleet's request mix at stepped rates, so the reported p99 includes
 * queueing (no coordinated omission). After the run, /metrics is parsed and its series counted.
 */
import { fleetService } from "../fleet";
import { parseExposition, seriesCount } from "../testing/exposition";
import { startServiceProcess } from "../testing/processes";
import { TrafficGenerator } from "../traffic/generator";
import type { TargetReport } from "../traffic/stats";

/** One step of a capacity run. */
export interface CapacityStep {
  targetRps: number;
  achievedRps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  serverErrorShare: number;
  errors: number;
  dropped: number;
}

/** Capacity figures of one service. */
export interface CapacityResult {
  service: string;
  steps: CapacityStep[];
  /** Series in /metrics after the run (steady state: every route/status seen). */
  seriesAfter: number;
}

/** What to measure. */
export interface CapacityPlan {
  service: string;
  language: "node" | "python";
  env: Record<string, string>;
  rates: number[];
  seconds: number;
  nodeMain?: string;
}

function step(targetRps: number, t: TargetReport): CapacityStep {
  const serverErrors = Object.entries(t.byStatus).filter(([s]) => s.startsWith("5")).reduce((n, [, c]) => n + c, 0);
  return {
    targetRps, achievedRps: t.achievedRps, p50Ms: t.latencyMs.p50, p90Ms: t.latencyMs.p90, p99Ms: t.latencyMs.p99,
    serverErrorShare: t.completed ? serverErrors / t.completed : 0, errors: t.errors, dropped: t.dropped,
  };
}

export async function measureCapacity(plan: CapacityPlan, log: (line: string) => void): Promise<CapacityResult> {
  const service = await startServiceProcess(plan.language, { ...plan.env, METRICS_ENABLED: "true" }, { prefix: ["taskset", "-c", "0"], nodeMain: plan.nodeMain });
  try {
    fleetService(plan.service);
    // Warm-up at a light rate so the first step is not measuring JIT and connection set-up.
    await new TrafficGenerator({ targets: [{ service: plan.service, baseUrl: service.url, rps: 200 }], durationSeconds: 3, seed: 1 }).start().done;
    const steps: CapacityStep[] = [];
    for (const rps of plan.rates) {
      const report = await new TrafficGenerator({ targets: [{ service: plan.service, baseUrl: service.url, rps }], durationSeconds: plan.seconds, seed: rps, maxInFlight: 2048 }).start().done;
      const s = step(rps, report.targets[0]);
      steps.push(s);
      log(`  ${plan.service} @ ${rps} r/s: achieved ${s.achievedRps.toFixed(0)} r/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, 5xx ${(100 * s.serverErrorShare).toFixed(2)}%, errors ${s.errors}, dropped ${s.dropped}`);
      if (s.achievedRps < 0.97 * rps || s.dropped > 0 || s.p99Ms > 1000) break; // past capacity: stop stepping
    }
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return { service: plan.service, steps, seriesAfter: seriesCount(await parseExposition(text)) };
  } finally {
    await service.stop();
  }
}
