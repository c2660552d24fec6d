/**
 * `npm run bench`: instrumentation overhead of payment-processor (Node) and merchant-api (Python)
 * as 95% intervals judged on their upper bound, then capacity with metrics on and series per
 * instance. Prints the figures (services/README.md records runs) and writes them to
 * .local/bench/results.json; the previous results file is read first, and the overhead intervals
 * of the two runs are compared (do they overlap?), so "run it twice" is a check the command does.
 *
 *   npm run bench                          overhead + capacity (~25 minutes on 2 cores)
 *   npm run bench -- --only overhead       overhead only (~21 minutes)
 *   npm run bench -- --only overhead --service payment-processor   one service's overhead
 *   npm run bench -- --pairs 12 --blocks 4 --round-seconds 2
 *   npm run bench -- --only overhead --design concurrent   both modes loaded at once on one core:
 *                                          the cost on a core shared with a second busy process
 *   npm run bench -- --only overhead --aa  A/A calibration: both slots metrics off; the interval
 *                                          is the design's own bias and noise now (should hold 0)
 *   BENCH_QUICK=1 npm run bench            short runs while developing the benchmark
 *
 * Exit status: 0 when every overhead goal is met (upper bound within it), 3 when one is missed
 * (with --aa: 0 when every interval contains 0, 3 when one does not), 1 on an error. It is a
 * benchmark, not a test: CI does not run it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, VENV_PYTHON } from "../testing/exposition";
import { measureCapacity, type CapacityResult } from "./capacity";
import { measureOverhead, OVERHEAD_DESIGNS, type OverheadDesign, type OverheadResult } from "./overhead";
import { formatInterval, formatSpread, overlaps } from "./stats";

const NODE_MAIN = path.join(REPO_ROOT, "dist/services/node/main.js");
const RESULTS = path.join(REPO_ROOT, ".local/bench/results.json");
/** A/A runs are kept apart: they are not overhead figures and must not be the next run's "previous". */
const RESULTS_AA = path.join(REPO_ROOT, ".local/bench/results-aa.json");
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Goals of docs and issue 15: Node ≤ 3% and ≤ 5 µs/request, Python ≤ 5%, on the upper bound. */
export const GOALS = {
  "payment-processor": { maxPercent: 3, maxUsPerRequest: 5 },
  "merchant-api": { maxPercent: 5 },
} as const;
type ServiceName = keyof typeof GOALS;

/**
 * Fresh process pairs per service and design. A pair's own figure moves by several percent (JIT and memory
 * layout of two fresh processes; services/README.md), so the interval's width is set by the
 * number of pairs. payment-processor's effect (~1-2% of ~60 us) is small against that spread and
 * gets more pairs than merchant-api's (~3.5% of ~400 us): with 24 pairs each, two runs gave Node
 * [-1.05, 3.27] and [-0.03, 5.52], Python [2.29, 4.34] and [2.79, 4.24]; Node with 40 pairs
 * [-3.25, 2.24] and [-2.23, 3.25], with 80 (~22 minutes) [0.27, 3.94]. The width follows
 * 1/sqrt(pairs). Those are the concurrent design's figures; there Node's upper bound against its
 * 3% goal was set by its ~2-4% cost. Alone on the core (abba, one block a pair), 40 Node pairs
 * (13 minutes) gave an A/A interval of [-1.33, +0.49] and the overhead [+2.14, +4.25]: about twice
 * the precision of 80 concurrent pairs in less time.
 */
export const DEFAULT_PAIRS: Record<OverheadDesign, Record<ServiceName, number>> = {
  abba: { "payment-processor": 40, "merchant-api": 24 },
  concurrent: { "payment-processor": 80, "merchant-api": 24 },
};

/**
 * Seconds both fresh processes of a pair are loaded before the first measured round. Node's
 * overhead seemed to fall over the four rounds after a 5 s warm-up in both 80-pair runs that
 * logged their rounds (round means +4.62, +4.74, +3.70, +3.25% and +2.89, +3.52, +2.32, +1.85%),
 * which would mean the rounds caught the JIT's start-up. A run with 15 s (2026-12-02) had no such
 * trend (+1.81, +2.62, +3.15, +1.82%) and the same level: +2.14% [+1.14, +3.25] against +2.35%
 * [+1.45, +3.45] with 5 s the same morning. So 5 s stays (a 15 s run takes 32 minutes, not 24);
 * `--warmup-seconds` is there to check again.
 */
export const DEFAULT_WARMUP_SECONDS: Record<ServiceName, number> = { "payment-processor": 5, "merchant-api": 5 };

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      blocks: { type: "string" },
      design: { type: "string" },
      pairs: { type: "string" },
      service: { type: "string" },
      "round-seconds": { type: "string" },
      "warmup-seconds": { type: "string" },
      aa: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    log("usage: npm run bench [-- --only overhead|capacity] [--design abba|concurrent (default abba)]\n" +
      "                       [--service payment-processor|merchant-api (overhead of one service; default both)]\n" +
      `                       [--pairs N (fresh process pairs; default abba ${DEFAULT_PAIRS.abba["payment-processor"]} / concurrent ${DEFAULT_PAIRS.concurrent["payment-processor"]} for payment-processor, ${DEFAULT_PAIRS.abba["merchant-api"]} / ${DEFAULT_PAIRS.concurrent["merchant-api"]} for merchant-api)]\n` +
      "                       [--blocks N (paired units per pair: ABBA blocks, default 1; concurrent rounds, default 4)] [--round-seconds S (default 2)]\n" +
      `                       [--warmup-seconds S (load before the first round; default ${DEFAULT_WARMUP_SECONDS["payment-processor"]} for payment-processor, ${DEFAULT_WARMUP_SECONDS["merchant-api"]} for merchant-api)]\n` +
      "                       [--aa (A/A calibration: both slots metrics off; the interval should contain 0; results in .local/bench/results-aa.json)]");
    process.exit(0);
  }
  const quick = process.env.BENCH_QUICK === "1";
  const int = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return v;
  };
  if (values.only !== undefined && !["overhead", "capacity"].includes(values.only)) {
    throw new Error(`--only must be "overhead" or "capacity", got ${JSON.stringify(values.only)}`);
  }
  const design = (values.design ?? "abba") as OverheadDesign;
  if (!OVERHEAD_DESIGNS.includes(design)) throw new Error(`--design must be one of ${OVERHEAD_DESIGNS.join(", ")}, got ${JSON.stringify(values.design)}`);
  const services = Object.keys(GOALS) as ServiceName[];
  if (values.service !== undefined && !services.includes(values.service as ServiceName)) {
    throw new Error(`--service must be one of ${services.join(", ")}, got ${JSON.stringify(values.service)}`);
  }
  if (values.service !== undefined && values.only === "capacity") throw new Error("--service selects an overhead measurement; drop it or --only capacity");
  if (values.aa && values.only === "capacity") throw new Error("--aa calibrates the overhead measurement; drop it or --only capacity");
  const pairs = values.pairs === undefined ? undefined : int("pairs", values.pairs, 0, 3);
  const warmup = values["warmup-seconds"] === undefined ? undefined : int("warmup-seconds", values["warmup-seconds"], 0, 1);
  return {
    aa: values.aa === true,
    // A calibration measures overhead only (capacity has no A/A meaning).
    only: (values.aa ? "overhead" : values.only) as "overhead" | "capacity" | undefined,
    services: values.service === undefined ? services : [values.service as ServiceName],
    design,
    pairsFor: (service: ServiceName) => pairs ?? (quick ? 4 : DEFAULT_PAIRS[design][service]),
    warmupFor: (service: ServiceName) => warmup ?? (quick ? 2 : DEFAULT_WARMUP_SECONDS[service]),
    blocks: int("blocks", values.blocks, design === "abba" ? 1 : quick ? 2 : 4, 1),
    roundSeconds: int("round-seconds", values["round-seconds"], quick ? 1 : 2, 1),
    quick,
  };
}

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
  // The load generator (this process, wrk) stays on CPU 1; the services under test get CPU 0.
  execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
}

interface SavedRun {
  at: string;
  loadAverage?: { start: number[]; end: number[] };
  overhead?: OverheadResult[];
}

function previousRun(file: string): SavedRun | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SavedRun;
  } catch {
    return undefined;
  }
}

const load = () => loadavg().map((v) => Number(v.toFixed(2)));
const sign = (v: number, digits: number) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;

async function main(): Promise<number> {
  const opts = options();
  preflight();
  const resultsFile = opts.aa ? RESULTS_AA : RESULTS;
  const previous = previousRun(resultsFile);
  const loadStart = load();
  log(`load average at start: ${loadStart.join(" ")} (2 cores; figures taken above ~1.5 are contended, see "waited for CPU")`);

  const overhead: OverheadResult[] = [];
  if (opts.only !== "capacity") {
    const pairsLine = opts.services.map((x) => `${x} ${opts.pairsFor(x)}`).join(", ");
    log(opts.design === "abba"
      ? `== instrumentation overhead: CPU time per request, fresh process pairs (${pairsLine}) x ${opts.blocks} ABBA block(s) of 4 x ${opts.roundSeconds} s rounds after a warm-up of ${opts.services.map((x) => `${opts.warmupFor(x)} s`).join(" / ")} each, ` +
        "one mode at a time alone on CPU 0 ==\n== (--design concurrent: both modes loaded at once on CPU 0, the cost on a shared core) =="
      : `== instrumentation overhead: CPU time per request, fresh process pairs (${opts.services.map((x) => `${x} ${opts.pairsFor(x)}`).join(", ")}) x ${opts.blocks} rounds of ${opts.roundSeconds} s after a warm-up of ${opts.services.map((x) => `${opts.warmupFor(x)} s`).join(" / ")}, metrics on and off loaded at once on CPU 0 ` +
        `(each waits for the CPU ~50% of a round: that is the other mode) ==`);
    if (opts.aa) log("== A/A calibration: both slots of every pair run with metrics OFF (A in the 'on' slot, B in the 'off' slot); the interval is the design's own bias and noise ==");
    const common = { aa: opts.aa, design: opts.design, blocks: opts.blocks, roundSeconds: opts.roundSeconds, connections: 32 };
    if (opts.services.includes("payment-processor")) overhead.push(await measureOverhead({
      ...common, pairs: opts.pairsFor("payment-processor"), warmupSeconds: opts.warmupFor("payment-processor"), service: "payment-processor", language: "node", env: { SERVICE_NAME: "payment-processor", PAYMENT_TIMEOUT_RATIO: "0" },
      script: "payments", path: "/payments", nodeMain: NODE_MAIN, goal: GOALS["payment-processor"],
    }, log));
    if (opts.services.includes("merchant-api")) overhead.push(await measureOverhead({
      ...common, pairs: opts.pairsFor("merchant-api"), warmupSeconds: opts.warmupFor("merchant-api"), service: "merchant-api", language: "python", env: { MERCHANT_ERROR_RATIO: "0" },
      script: "merchants", path: "/merchants/globex", goal: GOALS["merchant-api"],
    }, log));
  }

  const capacity: CapacityResult[] = [];
  if (opts.only !== "overhead") {
    log("== capacity, metrics on, realistic latency and outcomes, open-loop, one process ==");
    const capSeconds = opts.quick ? 6 : 15;
    capacity.push(await measureCapacity({ service: "payment-processor", language: "node", env: { SERVICE_NAME: "payment-processor" }, rates: [2000, 3000, 4000, 5000], seconds: capSeconds, nodeMain: NODE_MAIN }, log));
    capacity.push(await measureCapacity({ service: "merchant-api", language: "python", env: {}, rates: [800, 1200, 1600, 2000], seconds: capSeconds }, log));
    capacity.push(await measureCapacity({ service: "api-gateway", language: "node", env: { SERVICE_NAME: "api-gateway" }, rates: [200], seconds: capSeconds, nodeMain: NODE_MAIN }, log));
  }
  const loadEnd = load();

  log("\n== summary ==");
  log(`load average: start ${loadStart.join(" ")}, end ${loadEnd.join(" ")}`);
  for (const o of overhead) {
    const goal = o.aa ? "A/A: the interval should contain 0" : `goal: upper bound <= ${o.goal.maxPercent}%${o.goal.maxUsPerRequest !== undefined ? ` and <= ${o.goal.maxUsPerRequest} us` : ""}`;
    const verdict = o.aa ? (o.goalMet ? "CONTAINS 0 (no bias seen)" : "EXCLUDES 0 (the design is biased now: do not judge overhead runs taken like this)") : o.goalMet ? "GOAL MET" : "GOAL MISSED";
    log(`${o.service.padEnd(18)} ${o.aa ? "A/A, A vs B" : "overhead"} ${sign(o.percent.mean, 2)}% [${o.percent.low.toFixed(2)}, ${o.percent.high.toFixed(2)}] ` +
      `= ${sign(o.usPerRequest.mean, 2)} us/request [${o.usPerRequest.low.toFixed(2)}, ${o.usPerRequest.high.toFixed(2)}] (median of ${o.pairs} pairs x ${o.blocks} ${o.design === "abba" ? "ABBA block(s), alone on the core" : "concurrent rounds, sharing the core"}, 95% two-level bootstrap interval) ` +
      `-> ${verdict} (${goal})`);
    log(`${"".padEnd(18)} mean of paired figures ${sign(o.percentMean.mean, 2)}% [${o.percentMean.low.toFixed(2)}, ${o.percentMean.high.toFixed(2)}] = ${sign(o.usPerRequestMean.mean, 2)} us [${o.usPerRequestMean.low.toFixed(2)}, ${o.usPerRequestMean.high.toFixed(2)}] (95% t-interval, outlier-sensitive)`);
    const [on, off] = o.aa ? ["A", "B"] : ["on", "off"];
    log(`${"".padEnd(18)} CPU us/request ${on} ${formatSpread(o.cpuOn)}; ${off} ${formatSpread(o.cpuOff)}`);
    log(`${"".padEnd(18)} wall-clock req/s (noisy, not the figure) ${on} ${formatSpread(o.rpsOn, 0)}; ${off} ${formatSpread(o.rpsOff, 0)}; ` +
      `waited for CPU ${formatSpread({ ...o.waitShare, min: 100 * o.waitShare.min, median: 100 * o.waitShare.median, max: 100 * o.waitShare.max }, 0, "%")}; ` +
      `ticks/schedstat ${o.statCrossCheck.toFixed(3)}`);
    const before = previous?.overhead?.find((p) => p.service === o.service);
    if (before?.percent && (before.design ?? "concurrent") !== o.design) {
      log(`${"".padEnd(18)} previous run (${previous!.at}) used the ${before.design ?? "concurrent"} design: not compared (a rerun is compared with a run of the same design)`);
    } else if (before?.percent && [before.percent.low, before.percent.high, before.usPerRequest.low, before.usPerRequest.high].every((v) => typeof v === "number" && Number.isFinite(v))) {
      const same = overlaps(before.percent, o.percent) && overlaps(before.usPerRequest, o.usPerRequest);
      log(`${"".padEnd(18)} previous run (${before.pairs ?? 1} pairs x ${before.blocks} ${before.design === "concurrent" ? "concurrent rounds" : "ABBA blocks"}, warm-up ${before.warmupSeconds ?? 5} s, ${previous!.at}, load ${previous!.loadAverage?.start.join(" ") ?? "?"}): ` +
        `${formatInterval(before.percent, 2, "%")} / ${formatInterval(before.usPerRequest, 2, " us")} -> intervals ${same ? "OVERLAP" : "DO NOT OVERLAP"}`);
    }
  }
  for (const c of capacity) {
    const best = c.steps.filter((s) => s.achievedRps >= 0.97 * s.targetRps && s.dropped === 0 && s.p99Ms <= 1000).pop();
    log(`${c.service.padEnd(18)} capacity: ${best ? `${best.targetRps} r/s held (achieved ${best.achievedRps.toFixed(0)}, p50 ${best.p50Ms} ms, p99 ${best.p99Ms} ms)` : "first step not held"}; ` +
      `series at steady state: ${c.seriesAfter}`);
  }
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  const saved: SavedRun & { capacity: CapacityResult[] } = {
    at: new Date().toISOString(), loadAverage: { start: loadStart, end: loadEnd },
    // A service not measured this time keeps its previous figures (the next run compares with them).
    overhead: [...overhead, ...(previous?.overhead ?? []).filter((p) => !overhead.some((o) => o.service === p.service))], capacity,
  };
  writeFileSync(resultsFile, `${JSON.stringify(saved, null, 2)}\n`);
  log(`\nraw figures: ${path.relative(REPO_ROOT, resultsFile)}`);
  return overhead.every((o) => o.goalMet) ? 0 : 3;
}

main().then((code) => process.exit(code)).catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
