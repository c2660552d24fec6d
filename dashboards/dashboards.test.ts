/**
 * The rendered dashboards as Grafana 12.1 will provision them: files and uids, read-only
 * settings, the overview's tiles and their colors, links between dashboards, the deep-dive's
 * variable. Colors are compared with dashboards/health.ts, the single source of thresholds.
 */
import { GRAFANA_UIDS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { RECORDED } from "../rules/names";
import { buildDashboards, renderDashboards, DASHBOARD_FILES } from "./index";
import { serviceThresholds } from "./health";
import { GRAFANA_SCHEMA_VERSION } from "./sdk";
import { SERVICE_VALUES_QUERY, SERVICE_VAR } from "./service-deep-dive";
import { localStack } from "./testing/fixture";
import { scaledConfig } from "./testing/profiles";

const { cfg } = localStack();
/* eslint-disable @typescript-eslint/no-explicit-any */
const json = (c: StackConfig = cfg): Record<string, any> =>
  Object.fromEntries(Object.entries(renderDashboards(c)).map(([file, text]) => [file, JSON.parse(text)]));
const byUid = (c: StackConfig = cfg) => Object.fromEntries(Object.values(json(c)).map((d) => [d.uid, d]));
const panels = (d: any): any[] => d.panels.filter((p: any) => p.type !== "row");
const panel = (d: any, title: string) => {
  const found = panels(d).find((p) => p.title === title);
  if (!found) throw new Error(`no panel "${title}" in ${d.uid}`);
  return found;
};

describe("the provisioned files", () => {
  test("renderDashboards returns one JSON file per dashboard, named after its fixed uid", () => {
    const files = json();
    expect(Object.keys(files).sort()).toEqual(Object.values(DASHBOARD_FILES).sort());
    expect(Object.values(files).map((d) => d.uid).sort()).toEqual([GRAFANA_UIDS.business, GRAFANA_UIDS.opsOverview, GRAFANA_UIDS.serviceDeepDive].sort());
  });

  test.each(Object.values(GRAFANA_UIDS).filter((u) => u !== GRAFANA_UIDS.datasource))("%s is read-only, refreshes itself and has a time picker", (uid) => {
    const d = byUid()[uid];
    expect({ editable: d.editable, hidden: d.timepicker.hidden, to: d.time.to }).toEqual({ editable: false, hidden: false, to: "now" });
    expect(d.refresh).toMatch(/^\d+[sm]$/);
    expect(d.time.from).toMatch(/^now-\d+[hd]$/);
  });

  test("every dashboard declares the schema version Grafana 12.1 knows, not the SDK's newer one", () => {
    for (const d of Object.values(json())) expect(d.schemaVersion).toBe(GRAFANA_SCHEMA_VERSION);
    expect(GRAFANA_SCHEMA_VERSION).toBe(41);
  });

  test("every dashboard keeps Grafana's built-in annotations and links to the two others", () => {
    for (const d of Object.values(json())) {
      expect(d.annotations.list.map((a: any) => a.builtIn)).toEqual([1]);
      const others = Object.values(DASHBOARD_FILES).length - 1;
      expect(d.links.filter((l: any) => l.keepTime && /^\/d\//.test(l.url))).toHaveLength(others);
    }
  });

  test("panel ids are unique and panels never overlap on the 24-column grid", () => {
    for (const d of Object.values(json())) {
      const ids = d.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`) ? `${d.uid}: ${p.title} overlaps at ${x},${y}` : "").toBe("");
            cells.add(`${x},${y}`);
          }
      }
    }
  });

  test("rendering twice gives the same bytes (golden files stay stable)", () => {
    expect(renderDashboards(cfg)).toEqual(renderDashboards(cfg));
  });
});

describe("the operations overview", () => {
  const d = byUid()[GRAFANA_UIDS.opsOverview];
  const tiles = ["Status", "Error rate (5xx)", "p99 latency", "Memory (of limit)", "Request rate"];

  test("shows status, error rate, p99, memory and request rate with one tile per service, named by service", () => {
    for (const title of tiles) {
      const p = panel(d, title);
      expect({ type: p.type, legend: p.targets[0].legendFormat, calcs: p.options.reduceOptions.calcs }).toEqual({ type: "stat", legend: "{{service}}", calcs: ["lastNotNull"] });
    }
    expect(panels(d).map((p) => p.targets[0].expr).filter((e, i, all) => all.indexOf(e) === i).sort()).toEqual(
      [RECORDED.up, RECORDED.errorRatio5m, RECORDED.latencyP99, `max by (service) (${RECORDED.memoryRatio})`, RECORDED.memoryRatio, RECORDED.requestsRate5m].sort(),
    );
  });

  test("each service's error and latency tiles carry the thresholds of health.ts, by override where they differ from the default", () => {
    const overrides = (title: string) =>
      Object.fromEntries(panel(d, title).fieldConfig.overrides.map((o: any) => [o.matcher.options, o.properties[0].value.steps]));
    const withSlo = ["merchant-api", "payment-processor"];
    expect(Object.keys(overrides("Error rate (5xx)")).sort()).toEqual(withSlo);
    expect(Object.keys(overrides("p99 latency")).sort()).toEqual(withSlo);
    for (const s of withSlo) {
      expect(overrides("Error rate (5xx)")[s]).toEqual(serviceThresholds(cfg, s).errorRatio);
      expect(overrides("p99 latency")[s]).toEqual(serviceThresholds(cfg, s).p99Seconds);
    }
    expect(panel(d, "Error rate (5xx)").fieldConfig.defaults.thresholds.steps).toEqual(serviceThresholds(cfg, "reporting").errorRatio);
    expect(panel(d, "Status").fieldConfig.defaults.thresholds.steps).toEqual(serviceThresholds(cfg, "reporting").up);
    // Memory has one threshold for all, the HighMemoryUsage alert's: no overrides.
    expect(panel(d, "Memory (of limit)").fieldConfig.defaults.thresholds.steps).toEqual([{ value: null, color: "green" }, { value: 0.675, color: "yellow" }, { value: 0.9, color: "red" }]);
    expect(panel(d, "Memory (of limit)").fieldConfig.overrides).toEqual([]);
  });

  test("an SLO added to the config recolors exactly that service's tiles", () => {
    const withLedgerSlo: StackConfig = { ...cfg, slos: [...cfg.slos, { name: "ledger-latency", service: "ledger", objective: 99, indicator: { type: "latency", thresholdSeconds: 0.25 }, window: "30d" }] };
    const p = panel(byUid(withLedgerSlo)[GRAFANA_UIDS.opsOverview], "p99 latency");
    const ledger = p.fieldConfig.overrides.find((o: any) => o.matcher.options === "ledger");
    expect(ledger.properties[0].value.steps).toEqual([{ value: null, color: "green" }, { value: 0.1875, color: "yellow" }, { value: 0.25, color: "red" }]);
    expect(p.fieldConfig.overrides).toHaveLength(3);
  });

  test("every tile and every line links to the deep-dive for its service, keeping the time range", () => {
    for (const p of panels(d)) {
      expect(p.fieldConfig.defaults.links).toEqual([
        expect.objectContaining({ url: `/d/${GRAFANA_UIDS.serviceDeepDive}/service-deep-dive?var-${SERVICE_VAR}=\${__field.labels.service}&\${__url_time_range}` }),
      ]);
    }
  });

  test("trends draw every service up to 20 services, and the top 10 beyond", () => {
    const trends = (c: StackConfig) => panels(byUid(c)[GRAFANA_UIDS.opsOverview]).filter((p) => p.type === "timeseries").map((p) => p.targets[0].expr);
    const exprs = [RECORDED.errorRatio5m, RECORDED.latencyP99, RECORDED.memoryRatio, RECORDED.requestsRate5m];
    expect(trends(cfg)).toEqual(exprs);
    expect(trends(scaledConfig(cfg, 120))).toEqual(exprs.map((e) => `topk(10, ${e})`));
  });

  test("tiles are instant queries (exact at the end of the range); trends ask for one point a minute over 6 hours", () => {
    for (const title of tiles) expect(panel(d, title).targets[0].instant).toBe(true);
    for (const p of panels(d).filter((x) => x.type === "timeseries")) expect({ instant: p.targets[0].instant, points: p.maxDataPoints }).toEqual({ instant: false, points: 300 });
  });

  test("status tiles read UP, DEGRADED or DOWN rather than a percentage", () => {
    const mappings = panel(d, "Status").fieldConfig.defaults.mappings;
    expect(mappings[0].options).toEqual({ "1": { text: "UP", index: 0 }, "0": { text: "DOWN", index: 1 } });
    expect(mappings[1].options.result.text).toBe("DEGRADED");
  });
});

describe("the service deep-dive", () => {
  const d = byUid()[GRAFANA_UIDS.serviceDeepDive];
  const variable = d.templating.list[0];

  test("has one variable, service, listing the services the recording rules know and refreshed with the time range", () => {
    expect(d.templating.list).toHaveLength(1);
    expect({ name: variable.name, type: variable.type, query: variable.query, refresh: variable.refresh, multi: variable.multi }).toEqual({
      name: SERVICE_VAR, type: "query", query: SERVICE_VALUES_QUERY, refresh: 2, multi: false,
    });
    expect(variable.current.value).toBe(cfg.services[0].name);
  });

  test("every query is about the selected service, except the host network fallback", () => {
    for (const p of panels(d)) for (const t of p.targets) expect(t.expr).toContain(`service="$${SERVICE_VAR}"`);
  });

  test("covers endpoints, latency percentiles, status codes, CPU, memory, network and connections", () => {
    expect(panels(d).map((p) => p.title)).toEqual(expect.arrayContaining([
      "Request rate by endpoint", "p99 latency by endpoint", "Latency percentiles", "Responses by status code", "Error rate (5xx)",
      "CPU usage", "CPU usage of limit", "Memory usage", "Memory usage of limit", "Network", "Active connections (requests in flight)",
    ]));
    expect(panel(d, "Latency percentiles").targets.map((t: any) => t.legendFormat)).toEqual(["p50", "p95", "p99"]);
  });

  test("the memory panel draws the HighMemoryUsage threshold from the stack config", () => {
    const steps = panel(d, "Memory usage of limit").fieldConfig.defaults.thresholds.steps;
    expect(steps[steps.length - 1].value).toBe(cfg.alerts.memory.threshold / 100);
  });
});

describe("the business dashboard", () => {
  const d = byUid()[GRAFANA_UIDS.business];

  test("shows success rates, volume, revenue, top merchants and error budgets over a week", () => {
    expect(d.time.from).toBe("now-7d");
    expect(panels(d).map((p) => p.title)).toEqual(expect.arrayContaining([
      "Payment success rate, last hour", "Payment success rate, last 24 hours", "Payment success rate, hourly and daily",
      "Transaction volume by outcome", "Revenue processed in the range", "Top 10 merchants by revenue", "Error budget remaining per SLO",
    ]));
  });

  test("the error budget panel reads the recorded budget of every SLO", () => {
    expect(panel(d, "Error budget remaining per SLO").targets[0].expr).toBe(`max by (slo) (${RECORDED.sloBudgetRemaining})`);
  });
});

test("buildDashboards and renderDashboards describe the same dashboards", () => {
  const built = buildDashboards(cfg);
  for (const [uid, d] of Object.entries(built)) expect(JSON.parse(renderDashboards(cfg)[DASHBOARD_FILES[uid]])).toEqual(JSON.parse(JSON.stringify(d)));
});
