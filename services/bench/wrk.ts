/**
 * Runs wrk (closed-loop, saturating) pinned to a CPU and reads its summary from the JSON line
 * the Lua scripts in bench/wrk print, so nothing here parses wrk's human-readable output.
 */
import { execFile } from "node:child_process";
import path from "node:path";

/** wrk's summary of one run. */
export interface WrkResult {
  requests: number;
  durationUs: number;
  socketErrors: number;
  non2xx: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** requests / duration */
  rps: number;
}

/** Options of one wrk run. */
export interface WrkOptions {
  url: string;
  script: "payments" | "merchants";
  seconds: number;
  connections: number;
  /** CPU list for taskset (the load generator stays off the server's core). */
  cpu: string;
}

export const WRK_DIR = path.join(__dirname, "wrk");

/** Runs wrk once and returns its parsed summary. */
export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ["-c", o.cpu, "wrk", "-t1", `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "5s", "-s", path.join(WRK_DIR, `${o.script}.lua`), o.url];
  return new Promise((resolve, reject) => {
    execFile("taskset", args, { env: { ...process.env, BENCH_WRK_DIR: WRK_DIR }, timeout: (o.seconds + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk against ${o.url} failed: ${stderr || err.message}`));
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (!line) return reject(new Error(`wrk printed no summary line:\n${stdout}`));
      const summary = JSON.parse(line) as Omit<WrkResult, "rps">;
      resolve({ ...summary, rps: summary.requests / (summary.durationUs / 1e6) });
    });
  });
}
