/**
 * CPU time of a process from its own kernel counters, at nanosecond resolution.
 *
 * /proc/<pid>/stat's utime+stime is what `process_cpu_seconds_total` exports, but it comes in
 * clock ticks (10 ms here): over a 2-second round of ~1 s of CPU that alone is ±1%, the size of the
 * effect the overhead benchmark measures. /proc/<pid>/task/<tid>/schedstat carries the same
 * scheduler accounting (sum_exec_runtime) in nanoseconds per thread, plus the time each thread
 * waited runnable for a CPU (what other work on the machine costs us, reported as contention).
 * Summed over the threads alive now: the services' threads (Node's main thread, libuv pool and
 * V8 helpers; Python's one event-loop thread) live as long as the process, and the totals are
 * checked against /proc/<pid>/stat at the end of a run (ticks) so a thread that came and went
 * would show.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** Cumulative counters of one process, per thread (a thread that exits must not make a delta negative). */
export interface CpuCounters {
  /** tid -> [time on a CPU, time runnable but waiting for one], ns (schedstat). */
  threads: Map<string, [number, number]>;
  /** utime + stime from /proc/<pid>/stat, in seconds (clock-tick resolution). */
  statSeconds: number;
}

/** What a process used between two readings. */
export interface CpuUse {
  runNs: number;
  waitNs: number;
  statSeconds: number;
}

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15). */
export function statCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from field 3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Reads the counters of `pid` now. */
export function readCpu(pid: number): CpuCounters {
  const threads = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
      threads.set(tid, [run, wait]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  if ([...threads.values()].every(([run]) => run === 0)) {
    throw new Error(`/proc/${pid}/task/*/schedstat reads 0 ns: this kernel does not account per-task run time (CONFIG_SCHED_INFO)`);
  }
  return { threads, statSeconds: statCpuSeconds(pid) };
}

/**
 * Use between readings a and b, thread by thread: a thread new in b counts from 0, a thread gone
 * by b loses only its last slice (never a negative delta, as a sum over threads would give).
 */
export function cpuDelta(a: CpuCounters, b: CpuCounters): CpuUse {
  let runNs = 0;
  let waitNs = 0;
  for (const [tid, [run, wait]] of b.threads) {
    const [run0, wait0] = a.threads.get(tid) ?? [0, 0];
    runNs += run - run0;
    waitNs += wait - wait0;
  }
  return { runNs, waitNs, statSeconds: b.statSeconds - a.statSeconds };
}
