/**
 * Instrumentation overhead, measured so that a rerun lands in the same interval.
 *
 * The same service runs twice, METRICS_ENABLED=true ("on") and false ("off"), both pinned to
 * CPU 0 with simulated latency off (CPU-bound: the worst case for relative overhead). wrk, pinned
 * to CPU 1 with this process, saturates them for short rounds.
 *
 * - Figure: the server's OWN CPU time per request (schedstat run time of all its threads, ns, see
 *   cpu.ts) — not wall-clock throughput, which other work on a shared machine moves by ±15% from
 *   round to round while the CPU a request costs moves far less.
 * - Design "abba" (the default since 2026-12-04): the method. One service is loaded at a
 *   time, alone on CPU 0 (the other one idles), in rounds seconds apart ordered ABBA or BAAB, so a
 *   drift of the host that is linear over the block cancels in its paired figure
 *   (on/off - 1 over the block's rounds, request-weighted), on many fresh process pairs
 *   (below). Which mode starts first and which block order a pair gets run through all four
 *   combinations every four pairs (pairOrder), and each pair warms its processes in start order:
 *   a first version that tied start order, warm-up order and block order to the slot read −5.7%
 *   [−8.5, −1.5] in its A/A run (metrics off in both slots); balanced, the A/A read −0.12%
 *   [−1.33, +0.49] (services/README.md, "Alone on the core").
 * - Design "concurrent" (`--design concurrent`, the default until 2026-12-04): BOTH services
 *   loaded at once, each by its own wrk, sharing CPU 0; the paired figure is on/off - 1 from the
 *   same two seconds, so a drift hits both alike. But each service then waits for the CPU about
 *   half of the round while the other one runs on its core and evicts its caches, which is not the
 *   layout the goal is about: its rounds are 3-4 times as noisy (the same hour: payment-processor
 *   +4.13% [+1.29, +6.54] from 80 concurrent pairs, +3.37% [+2.14, +4.25] from 40 pairs alone:
 *   the same cost, a narrower interval in less time). Kept, for the cost on a core shared with a
 *   second busy process.
 * - Process pairs: both designs start a FRESH pair of services `pairs` times and measure
 *   `blocks` paired units (ABBA blocks, or concurrent rounds) on each. A process keeps the
 *   speed its JIT and memory layout gave it for its lifetime: two runs of 32 rounds on one pair
 *   each gave Node +3.8% [2.8, 6.3] and
 *   +0.0% [-1.3, 0.6] — tight intervals that did not overlap. The interval is therefore a
 *   two-level bootstrap (pairs, then rounds within a pair: stats.ts), which widens by what
 *   differs between process pairs instead of pretending the rounds are independent.
 * - Interval: 95% percentile-bootstrap interval of the MEDIAN paired figure (stats.ts), judged on its
 *   upper bound, so a run that cannot tell 2% from 4% does not pass a 3% goal. The median,
 *   because on a shared machine a round now and then catches another process's burst (CPU per
 *   request x3 for a round) and a mean with its t-interval follows that outlier; the t-interval
 *   of the mean is printed beside it.
 * - Contention is printed (share of the round the service waited runnable for a CPU): a run
 *   taken while the machine was busy says so next to its figures.
 */
import { startServiceProcess, type ServiceProcess } from "../testing/processes";
import { cpuDelta, readCpu, statCpuSeconds } from "./cpu";
import { bootstrapMedianInterval, nestedBootstrapMedianInterval, spread, tInterval, type Interval, type Spread } from "./stats";
import { runWrk } from "./wrk";

type Mode = "on" | "off";

/** How rounds pair the two modes (see the file comment). */
export type OverheadDesign = "concurrent" | "abba";
export const OVERHEAD_DESIGNS: readonly OverheadDesign[] = ["concurrent", "abba"];

/** One round: one service loaded by wrk for `seconds`. */
export interface OverheadRound {
  block: number;
  mode: Mode;
  requests: number;
  rps: number;
  cpuUsPerRequest: number;
  /** Share of the round's wall time the service spent runnable but waiting for a CPU. */
  waitShare: number;
  p99Us: number;
}

/** Goals, judged on the upper bound of the 95% interval. */
export interface OverheadGoal {
  maxPercent: number;
  maxUsPerRequest?: number;
}

/** Overhead figures of one service. */
export interface OverheadResult {
  service: string;
  /** An A/A calibration run: both slots metrics off; the figures are the design's null. */
  aa?: boolean;
  design: OverheadDesign;
  /** Fresh process pairs the rounds were measured on. */
  pairs: number;
  /** Paired units per process pair: concurrent rounds, or ABBA blocks. */
  blocks: number;
  roundSeconds: number;
  /** Load on both processes of a pair before its first measured round. */
  warmupSeconds: number;
  /** CPU µs/request per round, by mode. */
  cpuOn: Spread;
  cpuOff: Spread;
  /** Paired per-block overhead, median block with its bootstrap interval: (on/off - 1) in percent, on - off in µs/request. */
  percent: Interval;
  usPerRequest: Interval;
  /** The same as the mean with its Student-t interval (outlier-sensitive; for reference). */
  percentMean: Interval;
  usPerRequestMean: Interval;
  /** Wall-clock throughput per round (noisy; printed for reference). */
  rpsOn: Spread;
  rpsOff: Spread;
  /** Contention: share of wall time the services waited for a CPU, per round. */
  waitShare: Spread;
  /** utime+stime (ticks) over all measured rounds / schedstat run time: ~1 when no thread went missing. */
  statCrossCheck: number;
  goal: OverheadGoal;
  goalMet: boolean;
  rounds: OverheadRound[];
}

/** What to measure. */
export interface OverheadPlan {
  service: string;
  language: "node" | "python";
  env: Record<string, string>;
  script: "payments" | "merchants";
  path: string;
  nodeMain?: string;
  design: OverheadDesign;
  /** Fresh process pairs. */
  pairs: number;
  /** Paired units: concurrent rounds, or ABBA blocks of four rounds. */
  blocks: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
  goal: OverheadGoal;
  /** A/A calibration: both slots metrics off (see metricsEnabledFor). */
  aa?: boolean;
}

/**
 * Whether the process in slot `mode` runs with metrics. `aa` is the A/A calibration
 * (`npm run bench -- --aa`): both slots metrics off, so the interval measures the design's own
 * bias and noise on this machine at this moment and should contain 0. Nothing else differs
 * between the slots of a pair (start order, wrk order and ports alternate the same way).
 */
export function metricsEnabledFor(mode: Mode, aa = false): boolean {
  return aa ? false : mode === "on";
}

/** The order of rounds in block `b`: ABBA, then BAAB, alternating. */
export function blockOrder(b: number): Mode[] {
  return b % 2 === 0 ? ["on", "off", "off", "on"] : ["off", "on", "on", "off"];
}

/**
 * Which mode process pair `pair` starts (and warms) first, and the index its ABBA blocks count
 * from: start order alternates every pair, block order every two, so four consecutive pairs hold
 * every combination once (a process's start order and a round's position both move its cost).
 */
export function pairOrder(pair: number): { first: Mode; firstBlock: number } {
  return { first: pair % 2 === 0 ? "on" : "off", firstBlock: Math.floor(pair / 2) % 2 };
}

/**
 * The rounds of paired unit `b`: for "abba" its four rounds one mode at a time; for "concurrent"
 * one round of both modes at once, whose wrk starts first alternating.
 */
export function roundsOfBlock(design: OverheadDesign, b: number): Mode[][] {
  if (design === "abba") return blockOrder(b).map((m) => [m]);
  return [b % 2 === 0 ? ["on", "off"] : ["off", "on"]];
}

/** Paired figures of one block: CPU per request of each mode over its two rounds. */
export function pairBlock(rounds: readonly Pick<OverheadRound, "mode" | "requests" | "cpuUsPerRequest">[]): { percent: number; us: number } {
  const perMode = (mode: Mode) => {
    const rs = rounds.filter((r) => r.mode === mode);
    const requests = rs.reduce((n, r) => n + r.requests, 0);
    if (requests === 0) throw new Error(`no ${mode} requests in a block`);
    return rs.reduce((n, r) => n + r.cpuUsPerRequest * r.requests, 0) / requests; // CPU-weighted, not a mean of ratios
  };
  const on = perMode("on");
  const off = perMode("off");
  return { percent: (on / off - 1) * 100, us: on - off };
}

/** An A/A run passes when its interval contains 0: the design shows no bias between its slots. */
export function containsZero(interval: Interval): boolean {
  return interval.low <= 0 && interval.high >= 0;
}

/** Whether the interval's upper bounds are within the goal. */
export function judge(goal: OverheadGoal, percent: Interval, us: Interval): boolean {
  return percent.high <= goal.maxPercent && (goal.maxUsPerRequest === undefined || us.high <= goal.maxUsPerRequest);
}

export async function measureOverhead(plan: OverheadPlan, log: (line: string) => void): Promise<OverheadResult> {
  const pairs = plan.pairs;
  if (pairs * plan.blocks < 3) throw new Error(`${plan.service}: ${pairs} pair(s) x ${plan.blocks} block(s) give fewer than 3 paired figures: no interval; raise --pairs or --blocks`);
  const rounds: OverheadRound[] = [];
  const percents: number[][] = [];
  const uses: number[][] = [];
  let runNsTotal = 0;
  let statSeconds = 0;
  for (let pair = 0; pair < pairs; pair++) {
    const measured = await measurePair(plan, pair, pairs, log);
    rounds.push(...measured.rounds);
    percents.push(measured.percents);
    uses.push(measured.uses);
    runNsTotal += measured.runNs;
    statSeconds += measured.statSeconds;
  }
  const of = (mode: Mode, f: (r: OverheadRound) => number) => spread(rounds.filter((r) => r.mode === mode).map(f));
  const interval = (groups: number[][]) => (groups.length === 1 ? bootstrapMedianInterval(groups[0]) : nestedBootstrapMedianInterval(groups));
  const percent = interval(percents);
  const usPerRequest = interval(uses);
  return {
    service: plan.service, aa: plan.aa === true || undefined, design: plan.design, pairs, blocks: plan.blocks, roundSeconds: plan.roundSeconds, warmupSeconds: plan.warmupSeconds,
    cpuOn: of("on", (r) => r.cpuUsPerRequest), cpuOff: of("off", (r) => r.cpuUsPerRequest),
    percent, usPerRequest, percentMean: tInterval(percents.flat()), usPerRequestMean: tInterval(uses.flat()),
    rpsOn: of("on", (r) => r.rps), rpsOff: of("off", (r) => r.rps),
    waitShare: spread(rounds.map((r) => r.waitShare)),
    // Warm-up is outside both figures; between rounds the services are idle.
    statCrossCheck: statSeconds / (runNsTotal / 1e9),
    goal: plan.goal, goalMet: plan.aa ? containsZero(percent) && containsZero(usPerRequest) : judge(plan.goal, percent, usPerRequest), rounds,
  };
}

/** `plan.blocks` paired units on one fresh pair of services (metrics on and off). */
async function measurePair(plan: OverheadPlan, pair: number, pairs: number, log: (line: string) => void):
  Promise<{ rounds: OverheadRound[]; percents: number[]; uses: number[]; runNs: number; statSeconds: number }> {
  const started: ServiceProcess[] = [];
  try {
    const start = async (mode: Mode) => {
      const p = await startServiceProcess(plan.language, { ...plan.env, METRICS_ENABLED: String(metricsEnabledFor(mode, plan.aa)), LATENCY_SCALE: "0" }, { prefix: ["taskset", "-c", "0"], nodeMain: plan.nodeMain });
      started.push(p);
      return p;
    };
    // Which one starts (and warms) first alternates with the pair (allocation order, ports).
    const order = pairOrder(pair);
    const second: Mode = order.first === "on" ? "off" : "on";
    const services = { [order.first]: await start(order.first), [second]: await start(second) } as Record<Mode, ServiceProcess>;
    const url = (mode: Mode) => `${services[mode].url}${plan.path}`;
    const load = (modes: readonly Mode[], seconds: number) =>
      Promise.all(modes.map((mode) => runWrk({ url: url(mode), script: plan.script, seconds, connections: plan.connections, cpu: "1" })));
    // Warm-up: JIT, connection pools, first-request allocations, every label child created;
    // in the concurrent design under the same sharing of CPU 0 as the rounds.
    if (plan.design === "concurrent") await load(["on", "off"], plan.warmupSeconds);
    else for (const mode of [order.first, second]) await load([mode], plan.warmupSeconds);

    const statStart = { on: statCpuSeconds(services.on.pid), off: statCpuSeconds(services.off.pid) };
    let runNs = 0;
    const rounds: OverheadRound[] = [];
    const percents: number[] = [];
    const uses: number[] = [];
    // A round in which the service got almost no CPU (another process held the core for the
    // whole round) measures nothing: its block is run again, at most `blocks` extra times.
    const MIN_REQUESTS = 200;
    const unit = plan.design === "abba" ? "block" : "round";
    const where = pairs > 1 ? ` pair ${pair + 1}/${pairs}` : "";
    let retries = 0;
    for (let block = 0; block < plan.blocks; block++) {
      const inBlock: OverheadRound[] = [];
      for (const modes of roundsOfBlock(plan.design, plan.design === "abba" ? order.firstBlock + block : block)) {
        const before = modes.map((mode) => readCpu(services[mode].pid));
        const t0 = process.hrtime.bigint();
        const results = await load(modes, plan.roundSeconds);
        const wallNs = Number(process.hrtime.bigint() - t0);
        modes.forEach((mode, i) => {
          const result = results[i];
          const d = cpuDelta(before[i], readCpu(services[mode].pid));
          if (result.socketErrors > 0) throw new Error(`${plan.service} (metrics ${mode}): ${result.socketErrors} socket errors in a round`);
          // payment-processor declines ~2% (402) by design; more than 5% means an error path is being measured.
          if (result.non2xx > 0.05 * result.requests) throw new Error(`${plan.service} (metrics ${mode}): ${result.non2xx} of ${result.requests} answers not 2xx: the benchmark would measure error paths`);
          runNs += d.runNs;
          inBlock.push({
            block, mode, requests: result.requests, rps: result.rps, p99Us: result.p99Us,
            cpuUsPerRequest: result.requests ? d.runNs / 1000 / result.requests : NaN, waitShare: d.waitNs / wallNs,
          });
        });
      }
      const starved = inBlock.find((r) => r.requests < MIN_REQUESTS);
      if (starved) {
        if (++retries > plan.blocks) throw new Error(`${plan.service}: ${retries} blocks had a round with under ${MIN_REQUESTS} requests: the machine is too busy to measure`);
        log(`  ${plan.service}${where} ${unit} ${block + 1}: a round served ${starved.requests} requests (the service hardly ran): ${unit} repeated`);
        block--;
        continue;
      }
      rounds.push(...inBlock);
      const paired = pairBlock(inBlock);
      percents.push(paired.percent);
      uses.push(paired.us);
      const cpu = (m: Mode) => inBlock.filter((r) => r.mode === m).map((r) => r.cpuUsPerRequest.toFixed(1)).join("/");
      log(`  ${plan.service}${where} ${unit} ${String(block + 1).padStart(2)}/${plan.blocks}: CPU us/req ${plan.aa ? "A" : "on"} ${cpu("on")} ${plan.aa ? "B" : "off"} ${cpu("off")} -> ${paired.percent >= 0 ? "+" : ""}${paired.percent.toFixed(2)}% ` +
        `(${paired.us >= 0 ? "+" : ""}${paired.us.toFixed(2)} us), waited for CPU ${(100 * Math.max(...inBlock.map((r) => r.waitShare))).toFixed(0)}% at most`);
    }
    const statSeconds = statCpuSeconds(services.on.pid) - statStart.on + statCpuSeconds(services.off.pid) - statStart.off;
    return { rounds, percents, uses, runNs, statSeconds };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
}
