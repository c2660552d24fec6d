/**
 * A Prometheus as it is on day N: the data set the steady-state benchmarks (rules, dashboards,
 * footprint) run on, built once per (fleet, days) under .local/bench-history/.
 *
 * 30 days of every series of a 120-service fleet at a 15-second scrape is ~1.3 billion samples
 * (~260 GB of OpenMetrics text): more than this machine can write in a working day. The cost
 * the benchmark is after does not need all of it, so the history is built in two parts from the
 * one synthetic model (dashboards/testing/synthetic.ts), each part exactly what is read:
 *
 * - OLD (day 0 .. end - recentHours): only the series a window longer than `recentHours` reads.
 *   Those are the SLO inputs (http_requests_total of SLO services, the latency SLO's _count and
 *   threshold bucket) and the business counters, scraped every `oldStepS` (120 s: a 5m rate
 *   still sees two or three samples), plus the SLO rules' 5-minute recordings
 *   (slo:sli_errors:rate5m, slo:sli_requests:rate5m) backfilled by
 *   `promtool tsdb create-blocks-from rules` at the real 15 s evaluation interval. Those two are
 *   what the 1d/3d/30d windows sum over every cycle, so the long-window rules read on day N
 *   exactly the sample count they would read in production. In a 10x fleet the copies' SLOs
 *   (scaledConfig) are backfilled from their original service's raw inputs (the same model with
 *   other noise), so the old part's raw data does not grow with the copies.
 * - RECENT (the last `recentHours`, default 8: the longest raw window is 6h): every series of
 *   the fleet at 15 s and every recording rule whose windows fit in that span (layered backfill,
 *   dashboards/testing/backfill.ts).
 *
 * Then a Prometheus with the stack's retention flags runs on it until its compactor has merged
 * the hundreds of 2-hour backfill blocks into the few large ones a long-lived server holds.
 *
 * What this is not: the old days' disk footprint (only part of the fleet is there). Bytes per
 * sample and disk per day are measured on the recent part's compacted blocks and the live
 * ingestion rate (rules/bench/footprint.ts).
 */
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { METRICS } from "../../config/conventions";
import type { StackConfig } from "../../config/schema";
import { durationSeconds } from "../../config/validate";
import { localTopology, type Topology } from "../../render/topology";
import { toYaml } from "../../render/yaml";
import { renderRuleFiles, ruleGroups } from "..";
import { buildTsdb, moveBlocks } from "../../dashboards/testing/backfill";
import { businessFamilies } from "../../dashboards/testing/families-other";
import { leMatcher, isAlert, type RecordingRule, type RuleGroup } from "../model";
import { RECORDED, RUNNING_SUMS } from "../names";
import { LONG_WINDOWS } from "../slo-math";
import { synthServices } from "../../dashboards/testing/profiles";
import { PROMTOOL_BIN, withPrometheus, startPrometheus } from "../../dashboards/testing/prometheus";
import { writeOpenMetricsChunks } from "../../dashboards/testing/synthetic";

const run = promisify(execFile);

/** More blocks than this after compaction: not compacted yet (30 days compact into 16-20). */
const MAX_COMPACTED_BLOCKS = 64;

/** Bump when the data changes shape, so cached sets are rebuilt. */
const HISTORY_VERSION = 5;

/** What to build. */
export interface HistoryOptions {
  cfg: StackConfig;
  days: number;
  recentHours: number;
  oldStepS: number;
  cacheRoot: string;
  log: (m: string) => void;
  /** Rebuild even when a cached set exists. */
  rebuild?: boolean;
}

/** A ready data set. */
export interface History {
  cfg: StackConfig;
  topo: Topology;
  dataDir: string;
  startS: number;
  endS: number;
  /** Where the full fleet's 15 s data starts. */
  recentFromS: number;
  /** Seconds spent building it now (0 when cached). */
  builtInS: number;
  blocks: number;
}

/** The Prometheus flags of the stack that shape the TSDB (retention time and size). */
export function retentionArgs(cfg: StackConfig): string[] {
  return [`--storage.tsdb.retention.time=${cfg.retention.time}`, `--storage.tsdb.retention.size=${cfg.retention.sizeGB}GB`];
}

/** Longest range selector `[...]` in an expression, in seconds (0 without one). */
export function longestWindowS(expr: string): number {
  return Math.max(0, ...[...expr.matchAll(/\[(\d+[smhdwy])\]/g)].map((m) => durationSeconds(m[1])));
}

/**
 * Sample lines the SLO rules read from raw series: every http_requests_total line of an SLO
 * service (availability: 5xx over all), and for latency SLOs the _count and the threshold
 * bucket (both le spellings, as the rules match them).
 */
export function sloInputFilter(cfg: StackConfig): (line: string) => boolean {
  const avail = new Set<string>();
  const latency = new Map<string, RegExp>();
  for (const slo of cfg.slos) {
    if (slo.indicator.type === "availability") avail.add(slo.service);
    else {
      const m = /le=~"([^"]+)"/.exec(leMatcher(slo.indicator.thresholdSeconds)) ?? /le="([^"]+)"/.exec(leMatcher(slo.indicator.thresholdSeconds));
      const alternatives = m![1].replace(/\\\\/g, "\\");
      latency.set(slo.service, new RegExp(`le="(${alternatives})"`));
    }
  }
  const serviceOf = (line: string) => /[{,]service="([^"]+)"/.exec(line)?.[1] ?? "";
  return (line) => {
    const service = serviceOf(line);
    if (line.startsWith(`${METRICS.httpRequests}{`)) return avail.has(service) || latency.has(service);
    if (line.startsWith(`${METRICS.httpDuration}_count{`)) return latency.has(service);
    if (line.startsWith(`${METRICS.httpDuration}_bucket{`)) return latency.get(service)?.test(line) ?? false;
    return false;
  };
}

/**
 * The SLO rules' 5-minute recordings (what the long windows sum over), for the backfill: one
 * rule per recorded name whose expression is every SLO's expression side by side (`or`), each
 * labelled as its own rule labels it. promtool issues one range query per rule and 2-hour
 * window, so 40 SLOs x 2 rules x 360 windows would be 28,800 queries; this is 720, with the
 * same series and values (each branch is the SLO's own expression).
 */
function fiveMinuteSloRules(groups: RuleGroup[], interval: string): RuleGroup[] {
  const names = [RECORDED.sloErrors5m, RECORDED.sloRequests["5m"]];
  const rules = groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlert(r) && names.includes(r.record)));
  // A copy's SLO (scaledConfig: "<service>-copyN") reads its original's raw inputs: the copies are
  // the same model with other noise, and the old part then holds raw inputs for the originals only.
  const original = (expr: string) => expr.replace(/service="([^"]+)-copy\d+"/g, 'service="$1"');
  const labelled = (r: RecordingRule) =>
    Object.entries(r.labels ?? {}).reduce((e, [k, v]) => `label_replace(${e}, "${k}", "${v}", "", "")`, `(${original(r.expr)})`);
  return [{
    name: "slo-5m-backfill", interval,
    rules: names.map((record) => ({ record, expr: rules.filter((r) => r.record === record).map(labelled).join(" or ") })),
  }];
}

const blockDirs = (dir: string) => fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "meta.json")));

/** Runs Prometheus (stack retention) on `dataDir` until the block count stops falling. */
export async function compact(cfg: StackConfig, dataDir: string, log: (m: string) => void, timeoutMs = 30 * 60_000): Promise<number> {
  const before = blockDirs(dataDir).length;
  const p = await startPrometheus(dataDir, 120_000, retentionArgs(cfg));
  try {
    const deadline = Date.now() + timeoutMs;
    let last = before;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      const n = blockDirs(dataDir).length;
      if (n !== last) [last, stableSince] = [n, Date.now()];
      // A merge can run for minutes without the count changing (a build once stopped at 3,505
      // of 4,606 blocks after 30 s of quiet, and the benchmark then measured a server
      // compacting thousands of blocks): done when no block is being written (Prometheus
      // writes each into <ulid>.tmp-for-creation) and two of the compactor's once-a-minute
      // passes in a row changed nothing.
      const writing = fs.readdirSync(dataDir).some((d) => d.endsWith(".tmp-for-creation"));
      if (writing) stableSince = Date.now();
      if (n < before && !writing && Date.now() - stableSince > 150_000) break;
    }
  } finally {
    await p.stop();
  }
  const after = blockDirs(dataDir).length;
  log(`compacted ${before} blocks into ${after}`);
  return after;
}

/** Builds (or reuses) the data set. */
export async function buildHistory(o: HistoryOptions): Promise<History> {
  const cfg = o.cfg;
  const topo = localTopology(cfg, path.join(o.cacheRoot, "topology"));
  const key = createHash("sha256")
    .update(JSON.stringify({ HISTORY_VERSION, days: o.days, recentHours: o.recentHours, oldStepS: o.oldStepS, services: cfg.services.map((s) => s.name), rules: renderRuleFiles(cfg, topo) }))
    .digest("hex").slice(0, 12);
  const dir = path.join(o.cacheRoot, `services-${cfg.services.length}-days-${o.days}-${key}`);
  const marker = path.join(dir, "ready.json");
  if (!o.rebuild && fs.existsSync(marker)) {
    const m = JSON.parse(fs.readFileSync(marker, "utf8")) as Omit<History, "cfg" | "topo" | "dataDir" | "builtInS">;
    o.log(`${cfg.services.length} services: cached ${o.days}-day data set ${dir} (ends ${new Date(m.endS * 1000).toISOString()})`);
    const cachedData = path.join(dir, "data");
    // A day-30 server holds a few dozen blocks; hundreds mean an unfinished compaction, which
    // the live server would then do while it is measured.
    if (blockDirs(cachedData).length > MAX_COMPACTED_BLOCKS) await compact(cfg, cachedData, o.log);
    return { ...m, cfg, topo, dataDir: cachedData, builtInS: 0, blocks: blockDirs(cachedData).length };
  }
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  const data = path.join(dir, "data");
  fs.mkdirSync(data, { recursive: true });
  const endS = Math.floor(Date.now() / 1000 / 15) * 15;
  const startS = Math.floor((endS - o.days * 86400) / o.oldStepS) * o.oldStepS;
  const recentFromS = endS - o.recentHours * 3600;
  const services = synthServices(cfg);
  const log = (m: string) => o.log(`  [${((Date.now() - started) / 1000).toFixed(0)} s] ${m}`);
  o.log(`${cfg.services.length} services, ${cfg.slos.length} SLOs: building ${o.days} days in ${dir}`);

  // OLD: SLO inputs and business counters every oldStepS, computed for those services only.
  const oldServices = new Set([...cfg.slos.map((slo) => slo.service.replace(/-copy\d+$/, "")), "payment-processor", "merchant-api"]);
  const sloLine = sloInputFilter(cfg);
  const synth = {
    services: services.filter((s) => oldServices.has(s.name)), startS, endS: recentFromS - o.oldStepS, stepS: o.oldStepS, incidents: [], integerCounts: true,
    // Only the threshold buckets are ever read: skip formatting the others (the line filter decides).
    bucketFilter: (service: string, le: string) => sloLine(`${METRICS.httpDuration}_bucket{service="${service}",le="${le}"}`),
  };
  const business = new Set(businessFamilies(synth).map((f) => f.name));
  const httpFamilies = new Set([METRICS.httpRequests.replace(/_total$/, ""), METRICS.httpDuration]);
  const written = await writeOpenMetricsChunks(dir, synth, {
    family: (name) => business.has(name) || httpFamilies.has(name),
    line: (line) => !line.startsWith("http_") || sloLine(line),
  }, 7200, async (file) => void (await run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "-q", file, data], { maxBuffer: 1 << 26, timeout: 30 * 60_000 })));
  log(`old part: ${written.samples} samples (${(written.bytes / 2 ** 30).toFixed(2)} GiB of OpenMetrics in ${written.chunks} files), every ${o.oldStepS} s`);
  log(`old part: ${blockDirs(data).length} blocks`);

  // OLD: the SLO 5m recordings at the evaluation interval.
  const sloRules = fiveMinuteSloRules(Object.values(ruleGroups(cfg, topo)).flat(), cfg.scrape.evaluationInterval);
  const rulesFile = path.join(dir, "slo-5m.rules.yml");
  fs.writeFileSync(rulesFile, toYaml({ groups: sloRules }, "rules/bench/history.ts"));
  const out = path.join(dir, "slo-5m-blocks");
  await withPrometheus(data, (p) =>
    run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "rules", "-q", `--url=${p.url}`, `--start=${startS + 300}`, `--end=${recentFromS - 1}`,
      `--output-dir=${out}`, `--eval-interval=${cfg.scrape.evaluationInterval}`, rulesFile], { maxBuffer: 1 << 26, timeout: 120 * 60_000 }),
  );
  log(`old part: ${sloRules.reduce((a, g) => a + g.rules.length, 0)} SLO 5m rules backfilled, ${moveBlocks(out, data)} blocks`);
  fs.rmSync(out, { recursive: true, force: true });

  // RECENT: the whole fleet, every rule whose windows fit (the period's running sums excepted:
  // they read their own previous value, which a backfill does not have).
  await buildTsdb({
    workDir: dir, cfg, topo, services, startS: recentFromS, endS, incidents: [], append: true, log, integerCounts: true,
    rules: (r) => longestWindowS(r.expr) <= o.recentHours * 3600 && !RUNNING_SUMS.includes(r.record),
  });

  // The hourly sums the period reads (rules/slo-recording.ts, periodRules), for the whole range:
  // at each hour mark, the sum of the 5m series over the hour just ended.
  const hourlyFile = path.join(dir, "slo-hourly.rules.yml");
  fs.writeFileSync(hourlyFile, toYaml({
    groups: [{
      name: "slo-hourly-backfill", interval: "1h",
      rules: [
        { record: RECORDED.sloErrorsHourly, expr: `sum_over_time(${RECORDED.sloErrors5m}[3599s])` },
        { record: RECORDED.sloRequestsHourly, expr: `sum_over_time(${RECORDED.sloRequests["5m"]}[3599s])` },
        { record: RECORDED.sloSamplesHourly, expr: `count_over_time(${RECORDED.sloRequests["5m"]}[3599s])` },
      ],
    }],
  }, "rules/bench/history.ts"));
  const hourlyOut = path.join(dir, "slo-hourly-blocks");
  await withPrometheus(data, (p) =>
    run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "rules", "-q", `--url=${p.url}`, `--start=${Math.ceil(startS / 3600) * 3600 + 3600}`, `--end=${endS}`,
      `--output-dir=${hourlyOut}`, hourlyFile], { maxBuffer: 1 << 26, timeout: 60 * 60_000 }),
  );
  log(`hourly period sums: ${moveBlocks(hourlyOut, data)} blocks`);
  fs.rmSync(hourlyOut, { recursive: true, force: true });

  // The running sums since the hour, every evaluation, as far back as a long window's
  // `offset` reads (3d) plus the recent part's span (a cached set a few hours old still has them).
  const runningFromS = Math.max(Math.ceil(startS / 3600) * 3600, Math.floor((endS - longestLongWindowS() - o.recentHours * 3600) / 3600) * 3600);
  const runningFile = path.join(dir, "slo-running.om");
  const runningSamples = await withPrometheus(data, (p) => writeRunningSums(p.url, runningFile, runningFromS, endS, durationSeconds(cfg.scrape.evaluationInterval)));
  await run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "-q", runningFile, data], { maxBuffer: 1 << 26, timeout: 30 * 60_000 });
  fs.rmSync(runningFile);
  log(`running sums since the hour: ${runningSamples} samples from ${new Date(runningFromS * 1000).toISOString()}`);
  let blocks = await compact(cfg, data, log);
  for (let pass = 2; blocks > MAX_COMPACTED_BLOCKS && pass <= 3; pass++) blocks = await compact(cfg, data, log);
  if (blocks > MAX_COMPACTED_BLOCKS) throw new Error(`${dir}: compaction left ${blocks} blocks after 3 passes (a day-30 server holds up to ${MAX_COMPACTED_BLOCKS}); its figures would measure the compaction`);
  const meta = { startS, endS, recentFromS, blocks, days: o.days, services: cfg.services.length, slos: cfg.slos.length };
  fs.writeFileSync(marker, JSON.stringify(meta));
  return { ...meta, cfg, topo, dataDir: data, builtInS: (Date.now() - started) / 1000 };
}

/** The longest window built from the running sums (3d), in seconds. */
function longestLongWindowS(): number {
  return Math.max(...LONG_WINDOWS.map((w) => durationSeconds(w)));
}

/**
 * The running sums since the hour (rules/slo-recording.ts, runningSumRules) as the rules would
 * have recorded them, in OpenMetrics: at each evaluation t, the sum of the 5m series' samples
 * in (hour start, t] (0 on the hour), for errors, requests and the sample count. A backfill's
 * range queries cannot evaluate them (they read their own previous value), so they are summed
 * here from the 5m series read back at the evaluation interval. Returns the sample count.
 */
export async function writeRunningSums(url: string, file: string, fromS: number, toS: number, stepS: number): Promise<number> {
  const inputs = [
    { query: RECORDED.sloErrors5m, out: RECORDED.sloErrorsSinceHour, value: (v: number) => v },
    { query: RECORDED.sloRequests["5m"], out: RECORDED.sloRequestsSinceHour, value: (v: number) => v },
    { query: RECORDED.sloRequests["5m"], out: RECORDED.sloSamplesSinceHour, value: () => 1 },
  ];
  const start = Math.ceil(fromS / stepS) * stepS;
  const fd = fs.openSync(file, "w");
  let samples = 0;
  try {
    for (const input of inputs) {
      const series = new Map<string, Map<number, number>>();
      // query_range answers at most 11,000 points per series: ask in spans of 10,000 steps.
      for (let a = start; a <= toS; a += 10_000 * stepS) {
        const b = Math.min(toS, a + 9_999 * stepS);
        const q = new URLSearchParams({ query: input.query, start: String(a), end: String(b), step: String(stepS) });
        const r = await fetch(`${url}/api/v1/query_range?${q}`, { signal: AbortSignal.timeout(300_000) });
        const body = (await r.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
        if (body.status !== "success") throw new Error(`query_range ${input.query}: ${body.error}`);
        for (const s of body.data.result) {
          const { __name__: _, ...labels } = s.metric;
          const key = Object.entries(labels).sort().map(([k, v]) => `${k}="${v}"`).join(",");
          const points = series.get(key) ?? new Map<number, number>();
          for (const [t, v] of s.values) points.set(t, input.value(Number(v)));
          series.set(key, points);
        }
      }
      fs.writeSync(fd, `# TYPE ${input.out} gauge\n`);
      for (const [key, points] of series) {
        const lines: string[] = [];
        let sum = 0;
        let hour = -1;
        for (const t of [...points.keys()].sort((x, y) => x - y)) {
          const h = Math.floor(t / 3600);
          if (t % 3600 === 0 || h !== hour) sum = 0; // back to 0 at the first evaluation of each hour
          if (t % 3600 !== 0) sum += points.get(t)!;
          hour = h;
          lines.push(`${input.out}{${key}} ${sum} ${t}`);
        }
        fs.writeSync(fd, lines.join("\n") + "\n");
        samples += lines.length;
      }
    }
    fs.writeSync(fd, "# EOF\n");
  } finally {
    fs.closeSync(fd);
  }
  return samples;
}
