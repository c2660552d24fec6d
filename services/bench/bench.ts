/**
 * `npm run bench`: instrumentation overhead (metrics on vs off, side by side) and capacity with
 * metrics on, for payment-processor (Node) and merchant-api (Python), plus series per instance.
 * Prints the figures (services/README.md records a run) and writes them to .local/bench/.
 * Not a test: it asserts nothing, it measures. Takes about seven minutes on 2 cores.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, VENV_PYTHON } from "../testing/exposition";
import { measureCapacity, type CapacityResult } from "./capacity";
import { measureOverhead, type OverheadResult } from "./overhead";

const NODE_MAIN = path.join(REPO_ROOT, "dist/services/node/main.js");
const quick = process.env.BENCH_QUICK === "1"; // shorter runs while developing the benchmark
const log = (line: string) => process.stdout.write(`${line}\n`);

function preflight(): void {
  for (const tool of ["wrk", "taskset"]) {
    try {
      execFileSync("which", [tool], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is required for the benchmark (apt-get install ${tool === "wrk" ? "wrk" : "util-linux"})`);
    }
  }
  if (!existsSync(NODE_MAIN)) throw new Error(`${NODE_MAIN} is missing: run npm run build:services first (npm run bench does)`);
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing: create .venv and install services/merchant-api/requirements-dev.txt`);
  // Keep the load generator (this process, wrk) on CPU 1; the services under test get CPU 0.
  execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
}

async function main(): Promise<void> {
  preflight();
  // Many short ABBA rounds: medians of 8 beat means of 2 long runs on a machine shared with other work.
  const seconds = quick ? 3 : 5;
  const rounds = quick ? 4 : 8;
  const payments = { SERVICE_NAME: "payment-processor", PAYMENT_TIMEOUT_RATIO: "0" };
  const merchants = { MERCHANT_ERROR_RATIO: "0" };

  log("== instrumentation overhead (CPU-bound, simulated latency off) ==");
  const overhead: OverheadResult[] = [
    await measureOverhead({ service: "payment-processor", language: "node", env: payments, script: "payments", path: "/payments", nodeMain: NODE_MAIN, rounds, seconds, connections: 32 }, log),
    await measureOverhead({ service: "merchant-api", language: "python", env: merchants, script: "merchants", path: "/merchants/globex", rounds, seconds, connections: 32 }, log),
  ];

  log("== capacity, metrics on, realistic latency and outcomes, open-loop, one process ==");
  const capSeconds = quick ? 6 : 15;
  const capacity: CapacityResult[] = [
    await measureCapacity({ service: "payment-processor", language: "node", env: { SERVICE_NAME: "payment-processor" }, rates: [2000, 3000, 4000, 5000], seconds: capSeconds, nodeMain: NODE_MAIN }, log),
    await measureCapacity({ service: "merchant-api", language: "python", env: {}, rates: [800, 1200, 1600, 2000], seconds: capSeconds }, log),
    await measureCapacity({ service: "api-gateway", language: "node", env: { SERVICE_NAME: "api-gateway" }, rates: [200], seconds: capSeconds, nodeMain: NODE_MAIN }, log),
  ];

  log("\n== summary ==");
  for (const o of overhead) {
    log(`${o.service.padEnd(18)} overhead: CPU ${o.cpuUsOn.toFixed(1)} vs ${o.cpuUsOff.toFixed(1)} us/request -> +${o.addedUsPerRequest.toFixed(1)} us/request, ` +
      `saturated throughput ratio ${o.throughputRatio.toFixed(3)} (${((1 - o.throughputRatio) * 100).toFixed(1)}% lower); ` +
      `wrk wall-clock ${o.rpsOn.toFixed(0)} vs ${o.rpsOff.toFixed(0)} req/s (ratio ${o.wallThroughputRatio.toFixed(3)}), ` +
      `p99 ${(o.p99UsOn / 1000).toFixed(2)} vs ${(o.p99UsOff / 1000).toFixed(2)} ms`);
  }
  for (const c of capacity) {
    const best = c.steps.filter((s) => s.achievedRps >= 0.97 * s.targetRps && s.dropped === 0 && s.p99Ms <= 1000).pop();
    log(`${c.service.padEnd(18)} capacity: ${best ? `${best.targetRps} r/s held (achieved ${best.achievedRps.toFixed(0)}, p50 ${best.p50Ms} ms, p99 ${best.p99Ms} ms)` : "first step not held"}; ` +
      `series at steady state: ${c.seriesAfter}`);
  }
  const out = path.join(REPO_ROOT, ".local/bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "results.json"), `${JSON.stringify({ at: new Date().toISOString(), overhead, capacity }, null, 2)}\n`);
  log(`\nraw figures: ${path.relative(REPO_ROOT, path.join(out, "results.json"))}`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
