/**
 * The burn-multiple timelines and the detection table built from them.
 *
 * For every SLO of the dev stack and every burn multiple of the table (0.5x, 1x, 3x, 6x, 14.4x,
 * 20x, 50x, 100x), a promtool unit-test group feeds a sustained burn and asserts when the first
 * page (critical tier) or ticket (warning tier) fires: silent over the whole timeline one
 * evaluation before, firing at the time the table states, and for tickets and silence, never a
 * page over the whole timeline. The table in rules/README.md and README.md is printed from the
 * same cases, so every figure in it is a promtool assertion (`npm run rules:timelines` writes
 * both; rules/timelines.test.ts fails when either is stale, promtool.test.ts runs the files).
 *
 * Two Prometheus ages:
 * - old: 90 days of TSDB history, and the SLO clean for longer than the tier's windows before the
 *   burn (1h before the page-in-minutes cases; 3 days, every window full, before the others);
 * - young: the Prometheus starts with the burn, so the history guard holds each tier until the
 *   data covers its long window (rules/history.ts).
 *
 * Two resolutions, one file each (promtool has one evaluation interval per file): 14.4x and up
 * at the stack's 15 s, on 15 s scrapes; 6x and below over days at 15-minute evaluations of
 * 30-second scrapes (the raw windows need two samples per minute; 6 days at 15 s would take
 * promtool far too long). A time at 15-minute resolution is a bound: the tier fired within the
 * last 15 minutes before it.
 */
import type { SloConfig, StackConfig } from "../config/schema";
import { durationSeconds } from "../config/validate";
import * as yaml from "js-yaml";
import { METRICS } from "../config/conventions";
import { errorBudget, firstDetection, type BurnTier } from "./slo-math";
import { burnAlertName } from "./application";

/** The multiples of the table. */
export const MULTIPLES = [0.5, 1, 3, 6, 14.4, 20, 50, 100] as const;
/** Multiples judged at the stack's evaluation interval; the rest over days. */
export const FAST_MULTIPLES = [14.4, 20, 50, 100] as const;

/** Requests per second per service in the timelines (the brief's traffic). */
export const TRAFFIC: Record<string, number> = { "payment-processor": 200, "merchant-api": 80 };

export type Age = "old" | "young";

/** A resolution: one promtool file. */
export interface Resolution {
  file: string;
  /** Evaluation step and scrape interval, seconds. */
  evalStep: number;
  scrape: number;
  /** Clean traffic before the burn on an old Prometheus. */
  oldClean: number;
}

export const RESOLUTIONS = {
  minutes: { file: "burn-minutes.dev.test.yml", evalStep: 15, scrape: 15, oldClean: 3600 },
  days: { file: "burn-days.dev.test.yml", evalStep: 900, scrape: 30, oldClean: 3 * 86400 },
} satisfies Record<string, Resolution>;

/** What one SLO does at one multiple on one Prometheus: the first page or ticket, or silence. */
export interface Outcome {
  slo: string;
  multiple: number;
  age: Age;
  /** Seconds from the start of the burn; null = never within `horizon`. */
  pageSeconds: number | null;
  pageTier: BurnTier["id"] | null;
  ticketSeconds: number | null;
  ticketTier: BurnTier["id"] | null;
  /** How long the timeline runs after the burn starts (never = not within this). */
  horizon: number;
  resolution: Resolution;
}

const ceilTo = (x: number, step: number) => Math.ceil(x / step - 1e-9) * step;

/**
 * The expected outcome, from the burn arithmetic (slo-math) on the timeline's evaluation grid.
 * promtool checks it; a wrong expectation fails the test, it cannot hide.
 */
export function expectedOutcome(cfg: StackConfig, slo: SloConfig, multiple: number, age: Age): Outcome {
  const res = FAST_MULTIPLES.includes(multiple as never) ? RESOLUTIONS.minutes : RESOLUTIONS.days;
  const e = multiple * errorBudget(slo);
  const opts = age === "old" ? { step: res.evalStep, history: res.oldClean, age: Infinity } : { step: res.evalStep, history: 0 };
  const page = firstDetection(cfg, slo, e, "critical", opts);
  const ticket = firstDetection(cfg, slo, e, "warning", opts);
  const longest = Math.max(...cfg.alerts.burnRate.tiers.map((t) => durationSeconds(t.long)));
  // Run until the first alert plus a step, or (silence, tickets) past every window.
  const horizon = page ? page.seconds + res.evalStep : ceilTo(Math.max(ticket?.seconds ?? 0, longest) + 3 * res.evalStep, res.evalStep);
  return {
    slo: slo.name,
    multiple,
    age,
    pageSeconds: page?.seconds ?? null,
    pageTier: page?.tier.id ?? null,
    ticketSeconds: page ? null : (ticket?.seconds ?? null),
    ticketTier: page ? null : (ticket?.tier.id ?? null),
    horizon,
    resolution: res,
  };
}

/** "5m", "6h", "3d", "3m36s", "2h30m": a duration as people write it. */
export function human(seconds: number): string {
  const parts: string[] = [];
  let s = Math.round(seconds);
  for (const [unit, n] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${unit}`);
      s %= n;
    }
  }
  return parts.join("") || "0s";
}

/** promtool's expanding notation for a counter: `start+incxN`, N increments. */
function counter(start: number, inc: number, n: number): string {
  return `${fmt(start)}+${fmt(inc)}x${n}`;
}
const fmt = (x: number) => String(Number(x.toPrecision(12)));

/** The SLOs of one service, by indicator. */
function services(cfg: StackConfig): Array<{ service: string; availability?: SloConfig; latency?: SloConfig }> {
  const out = new Map<string, { service: string; availability?: SloConfig; latency?: SloConfig }>();
  for (const slo of cfg.slos) {
    const entry = out.get(slo.service) ?? { service: slo.service };
    if (slo.indicator.type === "availability") entry.availability = slo;
    else entry.latency = slo;
    out.set(slo.service, entry);
  }
  return [...out.values()];
}

/**
 * The input series of one service: `clean` scrapes without bad events, then `burn` scrapes with
 * the availability SLO's errors at `availMultiple` and the latency SLO's slow requests at
 * `latMultiple` of their budgets.
 */
function serviceSeries(svc: ReturnType<typeof services>[number], res: Resolution, clean: number, burn: number, availMultiple: number, latMultiple: number): Array<{ series: string; values: string }> {
  const rate = TRAFFIC[svc.service];
  if (rate === undefined) throw new Error(`timelines: no traffic for ${svc.service}; add it to TRAFFIC`);
  const perScrape = rate * res.scrape;
  const labels = `job="${svc.service}",service="${svc.service}"`;
  const out: Array<{ series: string; values: string }> = [];
  const errShare = svc.availability ? availMultiple * errorBudget(svc.availability) : 0;
  const slowShare = svc.latency ? latMultiple * errorBudget(svc.latency) : 0;
  const seg = (share: number, good: boolean) => {
    const cleanInc = good ? perScrape : 0;
    const burnInc = good ? perScrape * (1 - share) : perScrape * share;
    const atT0 = cleanInc * clean;
    return clean > 0 ? `${counter(0, cleanInc, clean)} ${counter(atT0 + burnInc, burnInc, burn - 1)}` : counter(0, burnInc, burn);
  };
  out.push({ series: `${METRICS.httpRequests}{${labels},status="200"}`, values: seg(errShare, true) });
  out.push({ series: `${METRICS.httpRequests}{${labels},status="500"}`, values: seg(errShare, false) });
  if (svc.latency && svc.latency.indicator.type === "latency") {
    const le = String(svc.latency.indicator.thresholdSeconds);
    out.push({ series: `${METRICS.httpDuration}_count{${labels}}`, values: counter(0, perScrape, clean + burn) });
    out.push({ series: `${METRICS.httpDuration}_bucket{${labels},le="${le}"}`, values: seg(slowShare, true) });
  }
  return out;
}

const alertsOf = (slo: SloConfig, severity: string) =>
  `ALERTS{alertname="${burnAlertName(slo)}", alertstate="firing", slo="${slo.name}", severity="${severity}"}`;
const dur = (s: number) => human(s).replace(/^0s$/, "0s");

/** One test group: every SLO of the stack at its multiple, on one Prometheus age. */
function testGroup(cfg: StackConfig, res: Resolution, age: Age, multiples: Record<string, number>): { group: Record<string, unknown>; outcomes: Outcome[] } {
  const outcomes = cfg.slos.map((slo) => expectedOutcome(cfg, slo, multiples[slo.name], age));
  const clean = age === "old" ? res.oldClean : 0;
  const horizon = Math.max(...outcomes.map((o) => o.horizon));
  const burnScrapes = Math.ceil(horizon / res.scrape) + 1;
  const cleanScrapes = clean / res.scrape;
  const series = services(cfg).flatMap((svc) =>
    serviceSeries(svc, res, cleanScrapes, burnScrapes, svc.availability ? multiples[svc.availability.name] : 0, svc.latency ? multiples[svc.latency.name] : 0),
  );
  if (age === "young") {
    // The Prometheus' own TSDB starts with the data: its history is the evaluation time. (The
    // old-Prometheus fixture says 90 days; the guard takes the youngest, this one.)
    series.unshift({ series: 'prometheus_tsdb_lowest_timestamp_seconds{job="prometheus",instance="young:9090"}', values: `0x${cleanScrapes + burnScrapes}` });
  }
  const tests: Array<Record<string, unknown>> = [];
  for (const [o, slo] of outcomes.map((x, i) => [x, cfg.slos[i]] as const)) {
    const t0 = clean;
    const first = o.pageSeconds !== null ? { s: o.pageSeconds, sev: "critical" } : o.ticketSeconds !== null ? { s: o.ticketSeconds, sev: "warning" } : null;
    if (first) {
      // Two evaluations before: Prometheus 3's left-open windows hold one scrape less, and where
      // the counter of bad events was not zero before the burn (slow requests) rate()
      // extrapolates them a scrape earlier. The stated time is when both versions fire.
      const before = t0 + first.s - 2 * res.evalStep;
      // Silent over the whole timeline until one evaluation before...
      tests.push({ expr: `max_over_time(${alertsOf(slo, first.sev)}[${dur(before + res.evalStep)}])`, eval_time: dur(before), exp_samples: [] });
      // ...and firing at the stated time.
      tests.push({ expr: `max(${alertsOf(slo, first.sev)})`, eval_time: dur(t0 + first.s), exp_samples: [{ labels: "{}", value: 1 }] });
    }
    if (first?.sev !== "critical") {
      // Tickets and silence never page, over the whole timeline.
      tests.push({ expr: `max_over_time(${alertsOf(slo, "critical")}[${dur(t0 + o.horizon + res.evalStep)}])`, eval_time: dur(t0 + o.horizon), exp_samples: [] });
    }
    if (!first) tests.push({ expr: `max_over_time(${alertsOf(slo, "warning")}[${dur(t0 + o.horizon + res.evalStep)}])`, eval_time: dur(t0 + o.horizon), exp_samples: [] });
  }
  const name = `${age === "old" ? "old Prometheus (90 days), clean for " + human(clean) + " before" : "young Prometheus (starts with the burn)"}: ${cfg.slos.map((s) => `${s.name} ${multiples[s.name]}x`).join(", ")}`;
  return { group: { name, interval: `${res.scrape}s`, input_series: series, promql_expr_test: tests }, outcomes };
}

/** The groups of each resolution: one group per multiple (or pair of multiples) and age. */
export function timelineCases(cfg: StackConfig): Array<{ res: Resolution; age: Age; multiples: Record<string, number> }> {
  const all = (m: number) => Object.fromEntries(cfg.slos.map((s) => [s.name, m]));
  // 1x and 0.5x share a timeline: availability at one, latency at the other, then swapped.
  const split = (a: number, l: number) => Object.fromEntries(cfg.slos.map((s) => [s.name, s.indicator.type === "availability" ? a : l]));
  const cases: Array<{ res: Resolution; age: Age; multiples: Record<string, number> }> = [];
  for (const age of ["old", "young"] as const) {
    for (const m of FAST_MULTIPLES) cases.push({ res: RESOLUTIONS.minutes, age, multiples: all(m) });
    for (const m of [6, 3]) cases.push({ res: RESOLUTIONS.days, age, multiples: all(m) });
    cases.push({ res: RESOLUTIONS.days, age, multiples: split(1, 0.5) }, { res: RESOLUTIONS.days, age, multiples: split(0.5, 1) });
  }
  return cases;
}

/** The group order: recordings before the alerts that read them (as in the slo groups themselves). */
function groupOrder(cfg: StackConfig): string[] {
  return ["fixture-old-prometheus", "prometheus-history", ...cfg.slos.map((s) => `slo-${s.name}`)];
}

/** Every generated file (name -> object to dump as YAML) and every outcome. */
export function buildTimelines(cfg: StackConfig): { files: Record<string, Record<string, unknown>>; outcomes: Outcome[] } {
  const files: Record<string, Record<string, unknown>> = {};
  const outcomes: Outcome[] = [];
  for (const c of timelineCases(cfg)) {
    const { group, outcomes: o } = testGroup(cfg, c.res, c.age, c.multiples);
    outcomes.push(...o);
    files[c.res.file] ??= {
      // Only the SLO file: its groups hold the recordings and the burn alerts; the other files'
      // rules would evaluate on nothing and only cost time.
      rule_files: ["../rules-unannotated/slo.rules.yml", "fixtures/old-prometheus.yml"],
      evaluation_interval: `${c.res.evalStep}s`,
      group_eval_order: groupOrder(cfg),
      tests: [],
    };
    (files[c.res.file].tests as unknown[]).push(group);
  }
  return { files, outcomes };
}

/** The detection table (Markdown), one row per SLO and Prometheus age. */
export function detectionTable(cfg: StackConfig, outcomes: Outcome[]): string {
  const cell = (o: Outcome | undefined) => {
    if (!o) return "";
    if (o.pageSeconds !== null) return `**page ${human(o.pageSeconds)}** (${o.pageTier})`;
    if (o.ticketSeconds !== null) return `ticket ${human(o.ticketSeconds)} (${o.ticketTier})`;
    return "silent";
  };
  const head = `| SLO (budget) | Prometheus | ${MULTIPLES.map((m) => `${m}x`).join(" | ")} |`;
  const sep = `| --- | --- | ${MULTIPLES.map(() => "---").join(" | ")} |`;
  const rows = cfg.slos.flatMap((slo) =>
    (["old", "young"] as const).map((age) => {
      const budget = `${Number((errorBudget(slo) * 100).toPrecision(6))}%`;
      const label = age === "old" ? `${slo.name} (${budget})` : "";
      return `| ${label} | ${age} | ${MULTIPLES.map((m) => cell(outcomes.find((o) => o.slo === slo.name && o.multiple === m && o.age === age))).join(" | ")} |`;
    }),
  );
  return [head, sep, ...rows].join("\n");
}

/** Markers around the generated table in a Markdown file. */
export const TABLE_BEGIN = "<!-- detection-table:begin (generated by `npm run rules:timelines`; do not edit) -->";
export const TABLE_END = "<!-- detection-table:end -->";

/** `text` with the block between the markers replaced by `table`; throws if the markers are missing. */
export function spliceTable(text: string, table: string, file: string): string {
  const a = text.indexOf(TABLE_BEGIN);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`${file}: no ${TABLE_BEGIN} ... ${TABLE_END} block to put the detection table in`);
  return `${text.slice(0, a + TABLE_BEGIN.length)}\n${table}\n${text.slice(b)}`;
}

/** The file contents the generator owns: timeline files and the two READMEs with the table. */
export function generatedFiles(cfg: StackConfig, root: string, read: (f: string) => string): Record<string, string> {
  const { files, outcomes } = buildTimelines(cfg);
  const header = "# DO NOT EDIT: generated by rules/timelines.ts (`npm run rules:timelines`). Each group feeds every SLO a\n# sustained burn at the multiple in its name and asserts the first page or ticket of the detection table.\n";
  const out: Record<string, string> = {};
  for (const [f, doc] of Object.entries(files)) out[`rules/tests/${f}`] = header + yaml.dump(doc, { lineWidth: -1, noRefs: true, sortKeys: false, quotingType: '"' });
  const table = detectionTable(cfg, outcomes);
  for (const md of ["rules/README.md", "README.md"]) out[md] = spliceTable(read(`${root}/${md}`), table, md);
  return out;
}
