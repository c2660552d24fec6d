/**
 * The three dashboards against the live local stack: the dashboards the stack provisions
 * (rendered from its own config), every panel query run as Grafana would run it over the
 * last 15 minutes, must return data — the deep-dive for every one of the 12 services — and
 * the ops overview must color every service green while nothing is wrong.
 *
 * Grafana itself is not packaged by Debian; what Grafana would send to Prometheus is
 * reproduced by dashboards/check.ts (its interval, step and $__rate_interval arithmetic).
 */
import { GRAFANA_UIDS } from "../../config/conventions";
import { localStackConfig } from "../../local/config";
import { checkQueriesReturnData, DASHBOARD_FILES, evaluateQueries, overviewHealth, panelQueries, renderDashboards, variableValues } from "../../dashboards";
import { serviceThresholds } from "../../dashboards/health";
import { SERVICE_VALUES_QUERY } from "../../dashboards/service-deep-dive";
import { waitFor } from "./api";
import { stackInfo } from "./stack-env";

const { options: o, startedAt } = stackInfo();
const prom = `http://127.0.0.1:${o.ports.prometheus}`;
const { cfg } = localStackConfig(o);
const files = renderDashboards(cfg);
const SERVICES = cfg.services.map((s) => s.name).sort();
/** The range a dashboard opened now would show; short enough to lie within the stack's life. */
const RANGE = { rangeSeconds: 15 * 60 };

beforeAll(async () => {
  // The 5m recorded rates need a few rule evaluations over a few scrapes of traffic.
  await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 150_000 - Date.now())));
}, 200_000);

test("the stack config names the 12 services of the demo fleet", () => {
  expect(SERVICES).toHaveLength(12);
});

test("the deep-dive's service variable lists all 12 services", async () => {
  const values = await waitFor("12 service values", 60_000, async () => {
    const v = (await variableValues(prom, SERVICE_VALUES_QUERY, RANGE)).sort();
    return SERVICES.every((s) => v.includes(s)) ? v : undefined;
  });
  expect(SERVICES.filter((s) => values.includes(s))).toEqual(SERVICES);
});

test("ops overview: every query returns data, with a series for each of the 12 services", async () => {
  const queries = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.opsOverview]]);
  const report = await waitFor("every overview query to return data", 120_000, async () => {
    const r = await checkQueriesReturnData(prom, queries, RANGE);
    return r.ok ? r : undefined;
  });
  expect(report.checked).toBe(queries.length);
  const outcomes = await evaluateQueries(prom, queries, RANGE);
  for (const q of outcomes) {
    const seen = new Set(q.series.filter((s) => s.last !== undefined).map((s) => s.labels.service));
    expect({ panel: q.query.panelTitle, missing: SERVICES.filter((s) => !seen.has(s)) }).toEqual({ panel: q.query.panelTitle, missing: [] });
  }
});

test.each(["api-gateway", "auth-service", "payment-processor", "merchant-api", "ledger", "fraud-detection", "risk-scoring", "settlement", "payouts", "notifications", "webhooks", "reporting"])(
  "service deep-dive for %s: every panel query returns data",
  async (service) => {
    expect(SERVICES).toContain(service);
    const queries = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.serviceDeepDive]], { service });
    const report = await checkQueriesReturnData(prom, queries, RANGE);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBe(queries.length);
  },
);

test("business metrics: every panel query returns data", async () => {
  const queries = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.business]]);
  const report = await checkQueriesReturnData(prom, queries, RANGE);
  expect(report.problems).toEqual([]);
});

test("the ops overview shows every service green while nothing is wrong", async () => {
  const health = await overviewHealth(cfg, prom, RANGE);
  // The margins, in every run's log: each SLO service's error ratio and p99 as a share of its yellow line.
  const margins = cfg.slos.map((s) => s.service).filter((s, i, all) => all.indexOf(s) === i).map((service) => {
    const t = serviceThresholds(cfg, service);
    const yellow = (steps: typeof t.errorRatio) => steps.find((x) => x.color === "yellow")?.value ?? NaN;
    const sig = health[service]?.signals ?? {};
    return `${service} errors ${(((sig.errorRatio ?? NaN) / yellow(t.errorRatio)) * 100).toFixed(0)}%, p99 ${(((sig.p99Seconds ?? NaN) / yellow(t.p99Seconds)) * 100).toFixed(0)}%`;
  });
  process.stdout.write(`ops overview, share of the yellow line: ${margins.join("; ")}\n`);
  const notGreen = Object.entries(health).filter(([, h]) => h.health !== "green").map(([s, h]) => `${s}: ${h.health} ${JSON.stringify(h.signals)}`);
  expect(notGreen).toEqual([]);
  expect(Object.keys(health).sort()).toEqual(SERVICES);
  // Memory is on the overview for every service (the incident this stack was built after).
  expect(Object.values(health).every((h) => typeof h.signals.memoryRatio === "number")).toBe(true);
});
