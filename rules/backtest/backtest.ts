/**
 * `npm run backtest`: how noisy the stack's rules are on an ordinary week, and whether they
 * page on the incidents that matter, before anyone deploys them.
 *
 * Two runs of the same synthetic week (same seed): as it is, and with the five incidents of
 * incidents.ts on top. Goals (rules/README.md): at most 2 pages and 10 warnings on the normal
 * week (scaled to 7 days), every incident paged exactly once within its budget, no rule
 * evaluation error. The report lists each alert's start and duration.
 */
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../../config/schema";
import type { Topology } from "../../render/topology";
import type { Episode, Notification } from "./notifications";
import { standardIncidents, type ExpectedIncident } from "./incidents";
import { incidentVerdicts, judge, runWeek, type IncidentVerdict, type Judged, type RunOptions, type RunResult } from "./run";

/** The goals of the issue, per 7 days. */
export const GOALS = { pagesPerWeek: 2, warningsPerWeek: 10 } as const;

/** Everything the backtest measured. */
export interface BacktestReport {
  days: number;
  seed: number;
  weekStartS: number;
  normal: Judged & { run: RunResult };
  incidents: Judged & { run: RunResult; verdicts: IncidentVerdict[] };
  pagesPerWeek: number;
  warningsPerWeek: number;
  goals: Array<{ name: string; ok: boolean; detail: string }>;
  ok: boolean;
}

/**
 * Where the incidents go: over a week, one a day from Tuesday on at different hours (night,
 * morning, peak); in a short run, 15 minutes apart from 20 minutes in.
 */
export function incidentTimes(weekStartS: number, days: number): (i: number) => number {
  if (days >= 6) return (i) => weekStartS + (i + 1) * 86400 + [3, 10, 15, 21, 13][i] * 3600 + 7 * 60;
  return (i) => weekStartS + 20 * 60 + i * 15 * 60;
}

/** Runs both weeks and judges them. */
export async function backtest(o: RunOptions): Promise<BacktestReport> {
  const expected: ExpectedIncident[] = standardIncidents(incidentTimes(o.weekStartS, o.days));
  const endS = o.weekStartS + o.days * 86400;
  const last = Math.max(...expected.map((x) => x.incident.toS));
  if (last + 3600 > endS) throw new Error(`backtest: ${o.days} day(s) cannot hold the incidents (the last ends ${((last - o.weekStartS) / 3600).toFixed(1)}h in, and an hour after it is judged)`);
  // Both weeks at once: two single-threaded engines use the two cores.
  const [normalRun, incidentRun] = await Promise.all([runWeek(o, [], "normal"), runWeek(o, expected.map((x) => x.incident), "incidents")]);
  const normal = judge(o.cfg, o.topo, normalRun.episodes, o.weekStartS, endS);
  const withIncidents = judge(o.cfg, o.topo, incidentRun.episodes, o.weekStartS, endS);
  const verdicts = incidentVerdicts(expected, withIncidents.pages);
  const perWeek = (n: number) => Math.round((n * 7 * 10) / o.days) / 10;
  const pagesPerWeek = perWeek(normal.pages.length);
  const warningsPerWeek = perWeek(normal.warnings.length);
  const errors = normalRun.ruleErrors + incidentRun.ruleErrors;
  const goals = [
    { name: `at most ${GOALS.pagesPerWeek} pages a week on the normal week`, ok: pagesPerWeek <= GOALS.pagesPerWeek, detail: `${normal.pages.length} in ${o.days} day(s) = ${pagesPerWeek}/week` },
    { name: `at most ${GOALS.warningsPerWeek} warnings a week on the normal week`, ok: warningsPerWeek <= GOALS.warningsPerWeek, detail: `${normal.warnings.length} in ${o.days} day(s) = ${warningsPerWeek}/week` },
    ...verdicts.map((v) => ({
      name: `${v.name}: paged once within ${human(v.budgetS)}`,
      ok: v.ok,
      detail: v.pages.length === 0 ? "no page" : `${v.pages.length} page(s), first after ${human(v.firstPageS!)} (${alertsOf(v.pages[0])})`,
    })),
    { name: "no rule evaluation error", ok: errors === 0, detail: `${errors} errors in ${normalRun.ruleEvaluations + incidentRun.ruleEvaluations} evaluations${errors ? `: ${JSON.stringify([...normalRun.firstErrors, ...incidentRun.firstErrors].slice(0, 2))}` : ""}` },
  ];
  return {
    days: o.days,
    seed: o.seed,
    weekStartS: o.weekStartS,
    normal: { ...normal, run: normalRun },
    incidents: { ...withIncidents, run: incidentRun, verdicts },
    pagesPerWeek,
    warningsPerWeek,
    goals,
    ok: goals.every((g) => g.ok),
  };
}

/** "3m36s", "1h05m": for the report. */
export function human(s: number): string {
  s = Math.round(s);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const alertsOf = (n: Notification) => [...new Set(n.openedBy.map((e) => e.alert))].join("+");
const labelsOf = (e: Episode) =>
  Object.entries(e.labels)
    .filter(([k]) => !["alertname", "team", "severity"].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

/** The report as text: goals, then every page and warning with its alerts' start and duration. */
export function formatReport(r: BacktestReport): string {
  const at = (s: number) => {
    const d = new Date(s * 1000);
    return `day ${Math.floor((s - r.weekStartS) / 86400) + 1} ${d.toISOString().slice(11, 16)} (${["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()]})`;
  };
  const dur = (e: Episode, endS: number) => (e.toS === null ? `still firing at the end (${human(endS - e.fromS)}+)` : human(e.toS - e.fromS));
  const endS = r.weekStartS + r.days * 86400;
  const list = (title: string, ns: Notification[]) => [
    `${title}: ${ns.length}`,
    ...ns.flatMap((n) => [
      `  ${n.kind === "page" ? "PAGE   " : "warning"} ${at(n.fromS)}  ${alertsOf(n)}  [${n.groupKey.split("|")[2]}]`,
      ...n.alerts.map((e) => `      ${e.alert} ${labelsOf(e)} (${e.labels.severity}): from ${at(e.fromS)}, ${dur(e, endS)}`),
    ]),
  ];
  const run = (name: string, x: RunResult) =>
    `  ${name}: ${(x.samples / 1e6).toFixed(1)}M samples; generate ${x.seconds.generate}s, promtool import ${x.seconds.import}s, rule engine ${x.seconds.evaluate}s for ${x.ruleEvaluations} rule evaluations (${x.ruleErrors} errors)`;
  return [
    `Backtest: ${r.days} day(s) from ${new Date(r.weekStartS * 1000).toISOString().slice(0, 10)}, seed ${r.seed}`,
    run("normal week", r.normal.run),
    run("with incidents", r.incidents.run),
    "",
    `Normal week: ${r.pagesPerWeek} pages/week, ${r.warningsPerWeek} warnings/week`,
    ...list("pages", r.normal.pages),
    ...list("warnings", r.normal.warnings),
    "",
    "With incidents:",
    ...r.incidents.verdicts.map((v) => `  ${v.ok ? "ok  " : "MISS"} ${v.name}: ${v.pages.length} page(s)${v.firstPageS !== null ? `, after ${human(v.firstPageS)} (budget ${human(v.budgetS)}: ${v.why})` : ""}`),
    ...list("pages", r.incidents.pages),
    ...list("warnings", r.incidents.warnings),
    "",
    "Goals:",
    ...r.goals.map((g) => `  ${g.ok ? "PASS" : "FAIL"}  ${g.name} — ${g.detail}`),
    "",
    r.ok ? "BACKTEST PASSED" : "BACKTEST FAILED",
  ].join("\n");
}

/** Writes report.txt and report.json (episodes included) into `dir`. */
export function writeReport(r: BacktestReport, dir: string): { txt: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const txt = path.join(dir, "report.txt");
  const json = path.join(dir, "report.json");
  fs.writeFileSync(txt, formatReport(r) + "\n");
  fs.writeFileSync(json, JSON.stringify(r, null, 1));
  return { txt, json };
}

/** Options of a run from the stack config, with defaults for the full and the short variant. */
export function runOptions(cfg: StackConfig, topo: Topology, o: { short: boolean; seed?: number; days?: number; workDir: string; log: (m: string) => void }): RunOptions {
  // A Monday at 00:00 UTC, so the judged days start with a working week; the short run starts
  // at 08:30, into the morning's deploys.
  const weekStartS = Date.UTC(2026, 0, 5) / 1000 + (o.short ? 8.5 * 3600 : 0);
  return {
    cfg,
    topo,
    weekStartS,
    days: o.days ?? (o.short ? 0.15 : 7),
    warmupDays: o.short ? 1 : 3,
    leadInHours: 1,
    seed: o.seed ?? 1,
    workDir: o.workDir,
    log: o.log,
  };
}
