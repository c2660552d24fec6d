/**
 * The backtest as a library: a synthetic week (week.ts) written as OpenMetrics and turned into
 * TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, every rule file of a stack
 * evaluated over it by Prometheus' own rule engine (replay/main.go, built from the module the
 * images run), and the alert episodes turned into pages and warnings through the stack's
 * alertmanager.yml (notifications.ts). Then the same week with incidents on top.
 *
 * Timeline of one run:
 *
 *   warm-up (SLO inputs only)   lead-in (everything)   judged days
 *   |--------------------------|----------------------|---------------------------|
 *   warmupFromS                fullFromS              weekStartS                  endS
 *
 * The warm-up gives the 1d and 3d windows (and the 30-day budget) their history: only the SLO
 * services' counters are written for it and only the SLO 5m recordings the long windows read
 * are evaluated (phase 1). The lead-in lets every window of up to 6 hours fill before anything
 * is judged (phase 2 runs every rule of the stack from there). Alerts count from weekStartS.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import type { StackConfig } from "../../config/schema";
import { toYaml } from "../../render/yaml";
import { renderAlertmanagerConfig } from "../../render/alertmanager";
import type { Topology } from "../../render/topology";
import { requireTool } from "../../scripts/tools/find";
import { RULE_FILES } from "../../config/conventions";
import { ruleGroups } from "..";
import { isAlert, type RecordingRule, type Rule, type RuleGroup } from "../model";
import { RECORDED, RUNNING_SUMS } from "../names";
import type { ExpectedIncident, WeekIncident } from "./incidents";
import { AlertmanagerModel, notifications, type Episode, type Notification } from "./notifications";
import { writeFamilies } from "./openmetrics";
import { weekFamilies } from "./week";

const run = promisify(execFile);

/** Where and what to simulate. */
export interface RunOptions {
  cfg: StackConfig;
  topo: Topology;
  /** First judged second and how many days are judged (epoch seconds, a multiple of 15). */
  weekStartS: number;
  days: number;
  /** SLO-only history before the lead-in (3 days gives the 3d tier a full window). */
  warmupDays: number;
  /** Everything-scraped hours before weekStartS (6 fills the longest raw window). */
  leadInHours: number;
  seed: number;
  workDir: string;
  log: (message: string) => void;
}

/** What the rule engine did over one run. */
export interface RunResult {
  episodes: Episode[];
  /** Pending that never fired is dropped; firing episodes from weekStartS on. */
  samples: number;
  bytes: number;
  ruleEvaluations: number;
  ruleErrors: number;
  firstErrors: Array<{ t: number; group: string; rule: string; error: string }>;
  seconds: { generate: number; import: number; evaluate: number };
}

const since = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

/**
 * The warm-up's rule file: the 5m rates the SLO's long windows are made of and the running sums
 * over them (hourly and since the hour, rules/slo-recording.ts), in each SLO's group and order,
 * so the judged week starts with days of 1d/3d window and period behind it.
 */
export function warmupGroups(cfg: StackConfig, topo: Topology) {
  const keep = new Set<string>([RECORDED.sloErrors5m, RECORDED.sloRequests["5m"], ...RUNNING_SUMS]);
  return ruleGroups(cfg, topo)[RULE_FILES.slo]
    .filter((g) => g.rules.some((r) => !isAlert(r) && keep.has(r.record)))
    .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlert(r) && keep.has(r.record)) }));
}

/** Generates, imports and evaluates one week; returns the firing episodes. */
export async function runWeek(o: RunOptions, incidents: WeekIncident[], name: string): Promise<RunResult> {
  const dir = path.join(o.workDir, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
  const fullFromS = o.weekStartS - o.leadInHours * 3600;
  const warmupFromS = fullFromS - o.warmupDays * 86400;
  const endS = o.weekStartS + o.days * 86400;

  let t0 = Date.now();
  const om = path.join(dir, "scrapes.om");
  const written = await writeFamilies(om, weekFamilies({ cfg: o.cfg, warmupFromS, fullFromS, endS, stepS: 15, seed: o.seed, incidents }), warmupFromS, endS, 15);
  const generate = since(t0);
  o.log(`${name}: ${(written.samples / 1e6).toFixed(1)}M samples, ${(written.bytes / 2 ** 20).toFixed(0)} MiB of OpenMetrics in ${generate}s`);

  t0 = Date.now();
  const promtool = requireTool("promtool").path;
  await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", om, path.join(dir, "data")], { maxBuffer: 1 << 26 });
  fs.rmSync(om);
  const imported = since(t0);
  o.log(`${name}: TSDB blocks by ${path.basename(path.dirname(promtool))} in ${imported}s`);

  t0 = Date.now();
  const files = Object.fromEntries(Object.entries(alertClosure(ruleGroups(o.cfg, o.topo))).map(([f, groups]) => [f, toYaml({ groups }, "rules/backtest/run.ts")]));
  for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, "rules", f), content);
  const warmup = path.join(dir, "warmup.rules.yml");
  fs.writeFileSync(warmup, toYaml({ groups: warmupGroups(o.cfg, o.topo) }, "rules/backtest/run.ts"));
  const ruleFiles = Object.keys(files).map((f) => path.join(dir, "rules", f));
  const replay = requireTool("ruleReplay").path;
  const { stdout } = await run(
    replay,
    [
      ...(process.env.BACKTEST_CPUPROFILE ? ["--cpuprofile", path.join(process.env.BACKTEST_CPUPROFILE, `${name}.pprof`)] : []),
      "--data", path.join(dir, "data"), "--work", path.join(dir, "work"), "--phase", `${warmupFromS},${fullFromS},${warmup}`, "--phase", `${fullFromS},${endS + 1},${ruleFiles.join(",")}`],
    { maxBuffer: 1 << 28 },
  );
  const evaluate = since(t0);
  fs.rmSync(path.join(dir, "data"), { recursive: true, force: true });
  fs.rmSync(path.join(dir, "work"), { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, "transitions.jsonl"), stdout);

  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
  const summary = lines.find((l) => l.summary)?.summary;
  if (!summary) throw new Error(`${name}: rule-replay printed no summary`);
  o.log(`${name}: ${summary.ruleEvaluations} rule evaluations, ${summary.ruleErrors} errors, in ${evaluate}s`);
  return {
    episodes: episodesFrom(lines.filter((l) => !l.summary), o.weekStartS),
    samples: written.samples,
    bytes: written.bytes,
    ruleEvaluations: summary.ruleEvaluations,
    ruleErrors: summary.ruleErrors,
    firstErrors: summary.firstErrors,
    seconds: { generate, import: imported, evaluate },
  };
}

/** Firing episodes from the engine's transitions (Watchdog and pending-only left out). */
export function episodesFrom(transitions: Array<{ t: number; alert: string; labels: Record<string, string>; state: string }>, fromS: number): Episode[] {
  const open = new Map<string, Episode>();
  const out: Episode[] = [];
  for (const tr of transitions) {
    if (tr.alert === "Watchdog") continue;
    const key = JSON.stringify(Object.entries(tr.labels).sort());
    const cur = open.get(key);
    if (tr.state === "firing" && !cur) {
      const e: Episode = { alert: tr.alert, labels: tr.labels, fromS: tr.t, toS: null };
      open.set(key, e);
      out.push(e);
    } else if (tr.state !== "firing" && cur) {
      cur.toS = tr.t;
      open.delete(key);
    }
  }
  return out.filter((e) => (e.toS ?? Infinity) > fromS);
}

/** The judged outcome of one run. */
export interface Judged {
  pages: Notification[];
  warnings: Notification[];
  episodes: Episode[];
}

/** Pages and warnings opened within [fromS, endS]. */
export function judge(cfg: StackConfig, topo: Topology, episodes: Episode[], fromS: number, endS: number): Judged {
  const model = new AlertmanagerModel(renderAlertmanagerConfig(cfg, topo));
  const all = notifications(model, episodes, endS).filter((n) => n.fromS >= fromS && n.fromS <= endS);
  return { pages: all.filter((n) => n.kind === "page"), warnings: all.filter((n) => n.kind === "warning"), episodes: episodes.filter((e) => e.fromS >= fromS) };
}

/** How one expected incident went. */
export interface IncidentVerdict {
  name: string;
  budgetS: number;
  pages: Notification[];
  firstPageS: number | null;
  ok: boolean;
  why: string;
}

/** A page belongs to an incident when an alert that opened it is one of the incident's, about its service (and host). */
export function incidentVerdicts(expected: ExpectedIncident[], pages: Notification[]): IncidentVerdict[] {
  return expected.map((x) => {
    const mine = pages.filter(
      (p) => p.fromS >= x.incident.fromS && p.fromS <= x.incident.toS + 3600 && p.openedBy.some((e) => x.alerts.includes(e.alert) && e.labels.service === x.service && (!x.instance || e.labels.instance === x.instance)),
    );
    const first = mine[0] ? mine[0].fromS - x.incident.fromS : null;
    const ok = mine.length === 1 && first !== null && first <= x.budgetS;
    return { name: x.name, budgetS: x.budgetS, pages: mine, firstPageS: first, ok, why: x.why };
  });
}

/**
 * The rules the stack's alerts depend on: every alerting rule, and the recording rules whose
 * names they read, transitively; groups and order kept. What is left out (the dashboards'
 * breakdowns and quantiles) is read by no alert, so leaving it out cannot change one; it only
 * saves the backtest evaluating it 40 000 times.
 */
export function alertClosure(groupsByFile: Record<string, RuleGroup[]>): Record<string, RuleGroup[]> {
  const all = Object.values(groupsByFile).flat().flatMap((g) => g.rules);
  const records = new Map<string, RecordingRule[]>();
  for (const r of all) if (!isAlert(r)) records.set(r.record, [...(records.get(r.record) ?? []), r]);
  const needed = new Set<Rule>();
  const visit = (r: Rule) => {
    if (needed.has(r)) return;
    needed.add(r);
    for (const name of r.expr.match(/[a-zA-Z_][a-zA-Z0-9_:]*/g) ?? []) for (const dep of records.get(name) ?? []) visit(dep);
  };
  all.filter(isAlert).forEach(visit);
  return Object.fromEntries(
    Object.entries(groupsByFile)
      .map(([f, gs]) => [f, gs.map((g) => ({ ...g, rules: g.rules.filter((r) => needed.has(r)) })).filter((g) => g.rules.length > 0)] as const)
      .filter(([, gs]) => gs.length > 0),
  );
}
