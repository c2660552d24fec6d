/**
 * No "No data": every panel query of every dashboard, run as Grafana would against Debian's
 * real Prometheus over three hours of backfilled scrapes and the project's recorded series,
 * returns data — the deep-dive for each of the 12 services. Then the incident timeline: the
 * ops overview's own queries color payment-processor (all 5xx), ledger (down) and settlement
 * (95% of its memory) red during the incident, every other service green, and everything green
 * before and after.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GRAFANA_UIDS } from "../config/conventions";
import { checkQueriesReturnData, panelQueries, renderDashboards, DASHBOARD_FILES, overviewHealth, variableValues } from "./index";
import { SERVICE_VALUES_QUERY, HOST_NETWORK_LEGEND } from "./service-deep-dive";
import { evaluateQueries, type CheckOptions } from "./check";
import { buildFixture, type Fixture } from "./testing/fixture";
import { startPrometheus, type RunningPrometheus } from "./testing/prometheus";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-data-"));
let fixture: Fixture;
let prometheus: RunningPrometheus;
let files: Record<string, string>;
const services = () => fixture.cfg.services.map((s) => s.name);
/** The last hour up to the end of the data, as a dashboard opened then would show it. */
const lastHour = (): CheckOptions => ({ endMs: fixture.endS * 1000, rangeSeconds: 3600 });

beforeAll(async () => {
  fixture = await buildFixture(work);
  prometheus = await startPrometheus(fixture.dataDir);
  files = renderDashboards(fixture.cfg);
}, 300_000);

afterAll(async () => {
  await prometheus?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}, 30_000);

describe("every panel returns data", () => {
  test("the deep-dive's service variable lists all 12 services", async () => {
    expect((await variableValues(prometheus.url, SERVICE_VALUES_QUERY, lastHour())).sort()).toEqual([...services()].sort());
  });

  test("ops overview: every query, over the last hour and over its default 6 hours", async () => {
    const queries = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.opsOverview]]);
    for (const rangeSeconds of [3600, 6 * 3600]) {
      const report = await checkQueriesReturnData(prometheus.url, queries, { ...lastHour(), rangeSeconds });
      expect(report.problems).toEqual([]);
      expect(report.checked).toBe(9);
    }
  });

  test("ops overview: every query has a series for each of the 12 services", async () => {
    const outcomes = await evaluateQueries(prometheus.url, panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.opsOverview]]), lastHour());
    for (const o of outcomes) expect({ panel: o.query.panelTitle, services: o.series.map((s) => s.labels.service).sort() }).toEqual({ panel: o.query.panelTitle, services: [...services()].sort() });
  });

  test.each([
    "api-gateway", "auth-service", "payment-processor", "merchant-api", "ledger", "fraud-detection",
    "risk-scoring", "settlement", "payouts", "notifications", "webhooks", "reporting",
  ])("service deep-dive for %s: every query", async (service) => {
    expect(services()).toContain(service);
    const report = await checkQueriesReturnData(prometheus.url, panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.serviceDeepDive]], { service }), lastHour());
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(17);
  });

  test("business metrics: every query, over the last hour and over its default 7 days", async () => {
    const queries = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.business]]);
    for (const rangeSeconds of [3600, 7 * 86400]) {
      expect((await checkQueriesReturnData(prometheus.url, queries, { ...lastHour(), rangeSeconds })).problems).toEqual([]);
    }
  });

  test("the network panel shows the pods' traffic where cAdvisor reports it and the host's elsewhere", async () => {
    const network = (service: string) =>
      panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.serviceDeepDive]], { service }).filter((q) => q.panelTitle === "Network");
    // The synthetic fleet gives every other service container counters (dashboards/testing/profiles.ts).
    const [withPods, without] = await Promise.all(["auth-service", "api-gateway"].map((s) => evaluateQueries(prometheus.url, network(s), lastHour())));
    expect(withPods.flatMap((o) => o.series.map((s) => s.labels.pod))).toEqual(["auth-service", "auth-service"]);
    expect(without.flatMap((o) => o.series.map((s) => s.labels.pod))).toEqual([HOST_NETWORK_LEGEND, HOST_NETWORK_LEGEND]);
  });
});

describe("the checker itself", () => {
  test("names the panels of a service Prometheus has never seen as showing no data", async () => {
    const report = await checkQueriesReturnData(prometheus.url, panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.serviceDeepDive]], { service: "no-such-service" }), lastHour());
    expect(report.ok).toBe(false);
    // Only the network panel's host fallback still draws something.
    expect(report.noData.map((o) => o.query.panelTitle)).not.toContain("Network");
    expect(report.noData.map((o) => o.query.panelTitle)).toContain("Request rate by endpoint");
  });

  test("reports a query Prometheus rejects as an error, with Prometheus' message", async () => {
    const [bad] = panelQueries(files[DASHBOARD_FILES[GRAFANA_UIDS.opsOverview]]).map((q) => ({ ...q, expr: "sum(" }));
    const report = await checkQueriesReturnData(prometheus.url, [bad], lastHour());
    expect(report.errors).toHaveLength(1);
    expect(report.problems[0]).toMatch(/Status \[A\]: error .*HTTP 400.*parse error/);
  });
});

describe("the incident on the ops overview", () => {
  const colors = async (atMs: number) =>
    Object.fromEntries(Object.entries(await overviewHealth(fixture.cfg, prometheus.url, { endMs: atMs, rangeSeconds: 6 * 3600 })).map(([s, v]) => [s, v.health]));
  const allGreen = () => Object.fromEntries(services().map((s) => [s, "green"]));

  test("before it, every service is green", async () => {
    expect(await colors(fixture.at.before)).toEqual(allGreen());
  });

  test("during it, payment-processor (all 5xx), ledger (down) and settlement (memory) are red and every other service is green", async () => {
    expect(await colors(fixture.at.during)).toEqual({ ...allGreen(), "payment-processor": "red", ledger: "red", settlement: "red" });
  });

  test("during it, payment-processor is red for its error rate, ledger for its status and settlement for its memory", async () => {
    const h = await overviewHealth(fixture.cfg, prometheus.url, { endMs: fixture.at.during });
    // Not exactly 1: promtool backfills each rule layer on its own time grid, so the ratio's
    // recorded denominator may be a sample up to 15 s older than its numerator (a live
    // Prometheus evaluates the group at one timestamp).
    expect(h["payment-processor"].signals.errorRatio).toBeGreaterThan(0.99);
    expect(h.ledger.signals.up).toBe(0);
    expect(h.settlement.signals.memoryRatio).toBeCloseTo(0.95, 3);
  });

  test("after it, every service is green again", async () => {
    expect(await colors(fixture.at.after)).toEqual(allGreen());
  });
});
