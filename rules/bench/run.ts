/**
 * Rule evaluation measured on live Prometheus servers: each loads the stack's rendered rule
 * files, scrapes the synthetic fleet live (dashboards/testing/live.ts) and itself (the history
 * guard reads its own TSDB age), and is sampled through /api/v1/rules. Several servers run
 * side by side in the same minutes (day-30 TSDB and a fresh one), so load on the machine hits
 * them alike and the comparison is a ratio in one run.
 *
 * Per group: every cycle's evaluationTime (deduplicated on lastEvaluation), median and worst;
 * samples touched per cycle (each rule's expression run once with stats=all: the
 * totalQueryableSamples the engine loads for it); rules not healthy and evaluation failures.
 */
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../../config/schema";
import { durationSeconds } from "../../config/validate";
import type { Topology } from "../../render/topology";
import { toYaml } from "../../render/yaml";
import { renderRuleFiles } from "..";
import { PROMETHEUS_BIN } from "../../dashboards/testing/prometheus";
import { freePort } from "../../tests/helpers/ports";
import { spawn } from "child_process";
import { median, spread, type Spread } from "../../services/bench/stats";
import { retentionArgs } from "./history";

/** A Prometheus under measurement. */
export interface Server {
  label: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts Prometheus (`bin`) with the stack's rules on `dataDir`, scraping `fleetTarget` and itself. */
export async function startRuleServer(label: string, cfg: StackConfig, topo: Topology, dataDir: string, fleetTarget: string, bin: string = PROMETHEUS_BIN): Promise<Server> {
  const root = path.join(dataDir, "..", `etc-${label.replace(/\W+/g, "-")}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "rules"), { recursive: true });
  for (const [file, text] of Object.entries(renderRuleFiles(cfg, topo))) fs.writeFileSync(path.join(root, "rules", file), text);
  const port = await freePort();
  const interval = cfg.scrape.evaluationInterval;
  fs.writeFileSync(path.join(root, "prometheus.yml"), toYaml({
    global: { scrape_interval: cfg.scrape.interval, evaluation_interval: interval },
    rule_files: [path.join(root, "rules", "*.yml")],
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
      // The fleet's lines carry the job/instance/service labels the stack's scrape config adds.
      { job_name: "synthetic-fleet", honor_labels: true, static_configs: [{ targets: [fleetTarget] }] },
    ],
  }, "rules/bench/run.ts"));
  const child = spawn(bin, [
    `--config.file=${path.join(root, "prometheus.yml")}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
    ...retentionArgs(cfg), "--log.level=warn",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (gone) return;
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(t);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10 * 60_000; // a day-30 TSDB replays its WAL and loads blocks
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${label}: prometheus exited during start-up: ${log}`);
    if (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return { label, url, pid: child.pid!, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`${label}: prometheus not ready within 10 minutes: ${log}`);
}

interface ApiRule { name: string; query: string; health: string; lastError?: string; type: string }
interface ApiGroup { name: string; interval: number; evaluationTime: number; lastEvaluation: string; rules: ApiRule[] }

async function groupsOf(url: string): Promise<ApiGroup[]> {
  const d = (await (await fetch(`${url}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) })).json()) as { data: { groups: ApiGroup[] } };
  return d.data.groups;
}

/** Instant query value (first series) or NaN. */
export async function scalar(url: string, query: string): Promise<number> {
  const d = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(60_000) })).json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(d.data.result[0]?.value[1] ?? NaN);
}

/** Samples the engine loads for one expression now. */
async function samplesOf(url: string, expr: string): Promise<number> {
  const body = new URLSearchParams({ query: expr, stats: "all" });
  const d = (await (await fetch(`${url}/api/v1/query`, { method: "POST", body, signal: AbortSignal.timeout(120_000) })).json()) as { status: string; data?: { stats?: { samples?: { totalQueryableSamples: number } } } };
  return d.data?.stats?.samples?.totalQueryableSamples ?? 0;
}

/**
 * Sum of `f` over `items`, `width` calls at a time. (Not `total += await f(x)` in each worker:
 * that reads `total` before the await and writes it after, so workers overwrite each other's
 * additions. The rule benchmark's samples column once undercounted by up to 20x that way.)
 */
export async function sumConcurrently<T>(items: readonly T[], width: number, f: (item: T) => Promise<number>): Promise<number> {
  const queue = [...items];
  const parts = await Promise.all(Array.from({ length: width }, async () => {
    let part = 0;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) part += await f(item); // `part` is this worker's own
    return part;
  }));
  return parts.reduce((a, b) => a + b, 0);
}

/** Figures of one group on one server. */
export interface GroupResult {
  group: string;
  rules: number;
  cyclesMs: number[];
  ms: Spread;
  samples: number;
  unhealthy: number;
  lastError?: string;
}

/** Figures of one server. */
export interface ServerResult {
  label: string;
  groups: GroupResult[];
  /** Per cycle (bucketed by evaluation interval), the sum over all groups, ms. */
  cycleSumMs: Spread;
  /** Sum over groups of each group's worst cycle (the conservative total). */
  sumOfWorstMs: number;
  failures: number;
  rss: Spread;
}

/** Samples every server's rule groups for `minutes` after `warmupMinutes`, then their costs. */
export async function measureRules(servers: Server[], cfg: StackConfig, o: { minutes: number; warmupMinutes: number }, log: (m: string) => void): Promise<ServerResult[]> {
  const intervalMs = durationSeconds(cfg.scrape.evaluationInterval) * 1000;
  const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  log(`warm-up ${o.warmupMinutes} min (first cycles load chunks into the page cache), then ${o.minutes} min of cycles`);
  await new Promise((r) => setTimeout(r, o.warmupMinutes * 60_000));
  const failuresBefore = await Promise.all(servers.map((s) => scalar(s.url, "sum(prometheus_rule_evaluation_failures_total)")));
  const seen = servers.map(() => new Map<string, Map<string, number>>()); // group -> lastEvaluation -> ms
  const rss = servers.map(() => [] as number[]);
  const end = Date.now() + o.minutes * 60_000;
  while (Date.now() < end) {
    for (const [i, s] of servers.entries()) {
      for (const g of await groupsOf(s.url)) {
        const m = seen[i].get(g.name) ?? new Map<string, number>();
        if (!g.lastEvaluation.startsWith("0001")) m.set(g.lastEvaluation, g.evaluationTime * 1000);
        seen[i].set(g.name, m);
      }
      rss[i].push(rssOf(s.pid));
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
  const results: ServerResult[] = [];
  for (const [i, s] of servers.entries()) {
    const api = await groupsOf(s.url);
    const groups: GroupResult[] = [];
    const perCycle = new Map<number, number>();
    for (const g of api) {
      const cycles = seen[i].get(g.name) ?? new Map<string, number>();
      for (const [at, ms] of cycles) {
        const c = Math.floor(Date.parse(at) / intervalMs);
        perCycle.set(c, (perCycle.get(c) ?? 0) + ms);
      }
      // Eight at a time: a 40-SLO fleet has over a thousand rules.
      const samples = await sumConcurrently(g.rules, 8, (r) => samplesOf(s.url, r.query));
      const bad = g.rules.filter((r) => r.health !== "ok");
      const ms = [...cycles.values()];
      groups.push({ group: g.name, rules: g.rules.length, cyclesMs: ms, ms: ms.length ? spread(ms) : { n: 0, min: NaN, median: NaN, max: NaN }, samples, unhealthy: bad.length, lastError: bad[0]?.lastError });
    }
    const failures = (await scalar(s.url, "sum(prometheus_rule_evaluation_failures_total)")) - (Number.isNaN(failuresBefore[i]) ? 0 : failuresBefore[i]);
    // Cycles at the edges of the window miss groups: keep those with the usual number of groups.
    const full = [...perCycle.values()];
    results.push({
      label: s.label, groups, failures,
      cycleSumMs: full.length ? spread(full) : { n: 0, min: NaN, median: NaN, max: NaN },
      sumOfWorstMs: groups.reduce((a, g) => a + (Number.isNaN(g.ms.max) ? 0 : g.ms.max), 0),
      rss: spread(rss[i]),
    });
    log(`${s.label}: ${groups.length} groups, ${median(groups.map((g) => g.ms.n))} cycles each`);
  }
  return results;
}
