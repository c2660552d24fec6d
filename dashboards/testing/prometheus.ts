/**
 * Debian's real Prometheus (/usr/bin/prometheus, 2.42, what the local stack runs) on a free
 * loopback port over a given TSDB directory, for the data checks and the benchmark. It scrapes
 * and evaluates nothing: the data is what was backfilled. stop() always waits for the exit.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { pathOf } from "../../scripts/tools/find";
import { freePort } from "../../tests/helpers/ports";

/** Binary under test; PROMETHEUS overrides it (e.g. the image's 3.5 built by scripts/setup.sh). */
export const PROMETHEUS_BIN = pathOf("prometheusDebian");
export const PROMTOOL_BIN = pathOf("promtoolDebian");

/** A running Prometheus. */
export interface RunningPrometheus {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts Prometheus on `dataDir` and waits until /-/ready answers 200 (or throws with its log). */
export async function startPrometheus(dataDir: string, timeoutMs = 60_000, extraArgs: string[] = []): Promise<RunningPrometheus> {
  const config = path.join(dataDir, "..", "prometheus.yml");
  fs.writeFileSync(config, "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n");
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Backfilled blocks may be older than the default 15 days on a long-lived bench cache.
      ...(extraArgs.some((a) => a.startsWith("--storage.tsdb.retention.time")) ? [] : ["--storage.tsdb.retention.time=90d"]),
      "--log.level=warn",
      ...extraArgs,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr!.on("data", (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (gone) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`prometheus exited during start-up: ${log}`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ready) return { url, pid: child.pid!, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`prometheus not ready on ${url} within ${timeoutMs} ms: ${log}`);
}

/** Runs `fn` with a Prometheus on `dataDir`, stopping it however `fn` ends. */
export async function withPrometheus<T>(dataDir: string, fn: (p: RunningPrometheus) => Promise<T>): Promise<T> {
  const p = await startPrometheus(dataDir);
  try {
    return await fn(p);
  } finally {
    await p.stop();
  }
}
