/**
 * Runs dashboard queries against a Prometheus the way Grafana does (same step, range alignment
 * and $__ variables, see grafana-interval.ts; POST, as the provisioned datasource is set to)
 * and reports the panels that would show "No data".
 *
 * "Data" means at least one sample that is a number: a query that returns only NaN (0/0, a
 * ratio over no traffic) draws nothing either, so it counts as no data.
 */
import { prepareQuery, type TimeContext } from "./grafana-interval";
import { queryName, type PanelQuery } from "./queries";

/** Options of a check; every field has a default. */
export interface CheckOptions {
  /** End of the dashboard's time range, epoch ms (default: now). */
  endMs?: number;
  /** Length of the time range in seconds (default 3600: the last hour). */
  rangeSeconds?: number;
  /** Grafana's maxDataPoints (default 1000). */
  maxDataPoints?: number;
  /** The datasource's scrape interval (default "15s", render/grafana.ts timeInterval). */
  scrapeInterval?: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
}

/** One series of a result: its labels and its last numeric value. */
export interface SeriesResult {
  labels: Record<string, string>;
  samples: number;
  /** Last sample that is a number; undefined if every sample was NaN. */
  last?: number;
}

/** The outcome of one query. */
export interface QueryOutcome {
  query: PanelQuery;
  /** The PromQL sent (Grafana's variables filled in). */
  promql: string;
  stepS: number;
  series: SeriesResult[];
  /** Milliseconds from request to parsed response. */
  tookMs: number;
  error?: string;
}

/** The report of checkQueriesReturnData. */
export interface CheckReport {
  ok: boolean;
  checked: number;
  /** Queries that returned no numeric sample. */
  noData: QueryOutcome[];
  /** Queries Prometheus rejected or that failed in transit. */
  errors: QueryOutcome[];
  outcomes: QueryOutcome[];
  /** One line per problem, for test failure messages. */
  problems: string[];
}

function timeContext(o: CheckOptions): TimeContext {
  const toMs = o.endMs ?? Date.now();
  return { fromMs: toMs - (o.rangeSeconds ?? 3600) * 1000, toMs, maxDataPoints: o.maxDataPoints ?? 1000, scrapeInterval: o.scrapeInterval ?? "15s" };
}

/** POSTs a form to the Prometheus API and returns `data`, or throws with Prometheus' error. */
export async function promApi(baseUrl: string, path: string, params: Record<string, string>, timeoutMs = 10_000): Promise<any> {
  const res = await fetch(`${baseUrl.replace(/\/$/, "")}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as { status?: string; data?: unknown; error?: string };
  if (body.status !== "success") throw new Error(`${path}: HTTP ${res.status}: ${body.error ?? "no JSON body"}`);
  return body.data;
}

/** The series of a query result (`data` of a query or query_range response). */
export function seriesOf(data: { resultType: string; result: any[] }): SeriesResult[] {
  const num = (v: string) => Number(v);
  if (data.resultType === "matrix") {
    return data.result.map((s: { metric: Record<string, string>; values: Array<[number, string]> }) => {
      const numbers = s.values.map(([, v]) => num(v)).filter((v) => !Number.isNaN(v));
      return { labels: s.metric, samples: s.values.length, last: numbers.length ? numbers[numbers.length - 1] : undefined };
    });
  }
  if (data.resultType === "vector") {
    return data.result.map((s: { metric: Record<string, string>; value: [number, string] }) => {
      const v = num(s.value[1]);
      return { labels: s.metric, samples: 1, last: Number.isNaN(v) ? undefined : v };
    });
  }
  const v = num(data.result[1]);
  return [{ labels: {}, samples: 1, last: Number.isNaN(v) ? undefined : v }];
}

/** The API path and form Grafana would send for a query. */
export function requestOf(q: PanelQuery, o: CheckOptions = {}): { path: string; params: Record<string, string>; promql: string; stepS: number } {
  const p = prepareQuery(q.expr, q.instant, timeContext(o), q.minInterval, q.maxDataPoints);
  return q.instant
    ? { path: "/api/v1/query", params: { query: p.expr, time: String(p.endS) }, promql: p.expr, stepS: p.stepS }
    : { path: "/api/v1/query_range", params: { query: p.expr, start: String(p.startS), end: String(p.endS), step: String(p.stepS) }, promql: p.expr, stepS: p.stepS };
}

/** Runs one query as Grafana would. Never throws: failures are in `error`. */
export async function runQuery(baseUrl: string, q: PanelQuery, o: CheckOptions = {}): Promise<QueryOutcome> {
  const p = requestOf(q, o);
  const started = performance.now();
  try {
    const data = await promApi(baseUrl, p.path, p.params, o.timeoutMs);
    return { query: q, promql: p.promql, stepS: p.stepS, series: seriesOf(data), tookMs: performance.now() - started };
  } catch (err) {
    return { query: q, promql: p.promql, stepS: p.stepS, series: [], tookMs: performance.now() - started, error: (err as Error).message };
  }
}

/** Runs queries with at most `concurrency` in flight; results in input order. */
export async function evaluateQueries(baseUrl: string, queries: PanelQuery[], o: CheckOptions = {}): Promise<QueryOutcome[]> {
  const results: QueryOutcome[] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const i = next++;
      results[i] = await runQuery(baseUrl, queries[i], o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, queries.length) }, worker));
  return results;
}

/** True when the outcome has at least one numeric sample. */
export function hasData(o: QueryOutcome): boolean {
  return !o.error && o.series.some((s) => s.last !== undefined);
}

/** Runs every query and reports which panels would show "No data" (or an error). */
export async function checkQueriesReturnData(baseUrl: string, queries: PanelQuery[], o: CheckOptions = {}): Promise<CheckReport> {
  const outcomes = await evaluateQueries(baseUrl, queries, o);
  const errors = outcomes.filter((r) => r.error);
  const noData = outcomes.filter((r) => !r.error && !hasData(r));
  const problems = [
    ...errors.map((r) => `${queryName(r.query)}: error ${r.error} for ${r.promql}`),
    ...noData.map((r) => `${queryName(r.query)}: no data for ${r.promql}`),
  ];
  return { ok: problems.length === 0, checked: outcomes.length, noData, errors, outcomes, problems };
}

/**
 * Values of a `label_values(metric, label)` variable over the time range, the way Grafana's
 * Prometheus datasource resolves it (the label values API with a series matcher).
 */
export async function variableValues(baseUrl: string, query: string, o: CheckOptions = {}): Promise<string[]> {
  const m = /^label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)$/.exec(query.trim());
  if (!m) throw new Error(`only label_values(metric, label) variables are supported, got "${query}"`);
  const t = timeContext(o);
  const url = new URL(`${baseUrl.replace(/\/$/, "")}/api/v1/label/${m[2]}/values`);
  url.searchParams.set("match[]", m[1]);
  url.searchParams.set("start", String(t.fromMs / 1000));
  url.searchParams.set("end", String(t.toMs / 1000));
  const res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
  const body = (await res.json()) as { status: string; data: string[]; error?: string };
  if (body.status !== "success") throw new Error(`label values of ${m[2]}: ${body.error}`);
  return body.data;
}
