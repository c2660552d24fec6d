/**
 * Grafana's dashboard-linter rules (dashboards/lint.ts) as tests over the rendered dashboards,
 * each rule also shown to flag a dashboard broken on purpose, and every expression parsed by
 * the real PromQL parser (promtool check rules, Debian's 2.42 and the image's 3.5 when built).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GRAFANA_UIDS } from "../config/conventions";
import { toYaml } from "../render/yaml";
import { promtools, runTool, type Tool } from "../tests/helpers/tools";
import { prepareQuery } from "./grafana-interval";
import { renderDashboards } from "./index";
import * as lint from "./lint";
import { localStack } from "./testing/fixture";

/* eslint-disable @typescript-eslint/no-explicit-any */
const { cfg } = localStack();
const dashboards: any[] = Object.values(renderDashboards(cfg)).map((text) => JSON.parse(text));
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid);
const clone = (d: any) => JSON.parse(JSON.stringify(d));

/** Fixed windows allowed, and why: the window is the panel's definition, not a resolution. */
const EXCEPTIONS: lint.WindowException[] = [
  ...["Payment success rate, last hour", "Payment success rate, hourly and daily"].map((panelTitle) => ({
    dashboardUid: GRAFANA_UIDS.business, panelTitle, window: "1h", why: "the hourly success rate is defined over one hour",
  })),
  ...["Payment success rate, last 24 hours", "Payment success rate, hourly and daily"].map((panelTitle) => ({
    dashboardUid: GRAFANA_UIDS.business, panelTitle, window: "1d", why: "the daily success rate is defined over one day",
  })),
];

describe.each(dashboards.map((d) => [d.uid, d]))("dashboard %s", (_uid, d) => {
  test("uses the provisioned datasource by its fixed uid everywhere", () => expect(lint.datasourceRule(d)).toEqual([]));
  test("gives every panel a title and a description", () => expect(lint.titleDescriptionRule(d)).toEqual([]));
  test("gives every numeric panel a unit", () => expect(lint.unitsRule(d)).toEqual([]));
  test("gives every panel a query", () => expect(lint.targetsRule(d)).toEqual([]));
  test("refreshes query variables when the time range changes", () => expect(lint.variableRule(d)).toEqual([]));
  test("uses $__rate_interval in every rate, irate and increase (or $__range in instant totals, or a listed fixed window)", () =>
    expect(lint.rateIntervalRule(d, EXCEPTIONS)).toEqual([]));
  test("reads counters only through rate, irate or increase, and applies those only to counters", () => expect(lint.counterRule(d)).toEqual([]));
  test("names only recorded series that the rules produce", () => expect(lint.recordedNamesRule(d)).toEqual([]));
});

test("the ops overview reads recorded series only: no rate(), increase() or histogram_quantile() of its own", () => {
  expect(lint.recordedOnlyRule(byUid(GRAFANA_UIDS.opsOverview))).toEqual([]);
});

test("every fixed-window exception still matches a panel (no stale exceptions)", () => {
  const unused = EXCEPTIONS.filter((e) => lint.rateIntervalRule(byUid(e.dashboardUid), EXCEPTIONS.filter((x) => x !== e)).length === 0);
  expect(unused).toEqual([]);
});

describe("each rule flags a dashboard that breaks it", () => {
  const overview = () => clone(byUid(GRAFANA_UIDS.opsOverview));
  const firstPanel = (d: any) => d.panels.find((p: any) => p.type !== "row");

  test("a panel on another datasource", () => {
    const d = overview();
    firstPanel(d).datasource = { type: "prometheus", uid: "some-other-prometheus" };
    expect(lint.datasourceRule(d)).toEqual([expect.stringContaining("Status: panel datasource")]);
  });

  test("a panel without description, and one without unit", () => {
    const d = overview();
    delete firstPanel(d).description;
    delete firstPanel(d).fieldConfig.defaults.unit;
    expect([...lint.titleDescriptionRule(d), ...lint.unitsRule(d)]).toEqual(["Status: no description", "Status: no unit"]);
  });

  test("a rate over a fixed window, a bare counter and a rate over a gauge", () => {
    const d = overview();
    firstPanel(d).targets = [
      { refId: "A", expr: 'sum(rate(http_requests_total{job="x"}[5m]))' },
      { refId: "B", expr: "sum(http_requests_total)" },
      { refId: "C", expr: "rate(http_requests_in_flight[$__rate_interval])" },
    ];
    expect(lint.rateIntervalRule(d)).toEqual(["Status [A]: rate(http_requests_total[5m]) should use [$__rate_interval]"]);
    expect(lint.counterRule(d)).toEqual([
      "Status [B]: counter http_requests_total outside rate/irate/increase",
      "Status [C]: rate over http_requests_in_flight, which is not a counter",
    ]);
  });

  test("a misspelled recorded series, and raw work on the overview", () => {
    const d = overview();
    firstPanel(d).targets = [
      { refId: "A", expr: "service:http_request:rate5m" },
      { refId: "B", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))" },
    ];
    expect(lint.recordedNamesRule(d)).toEqual(["Status [A]: service:http_request:rate5m is not a recorded series (rules/names.ts)"]);
    expect(lint.recordedOnlyRule(d)).toEqual([
      "Status [A]: reads service:http_request:rate5m, not a recorded series",
      "Status [B]: calls histogram_quantile() instead of reading a recorded series",
      "Status [B]: calls rate() instead of reading a recorded series",
      "Status [B]: reads http_request_duration_seconds_bucket, not a recorded series",
    ]);
  });

  test("a variable that is never refreshed", () => {
    const d = clone(byUid(GRAFANA_UIDS.serviceDeepDive));
    d.templating.list[0].refresh = 0;
    expect(lint.variableRule(d)).toEqual(["variable service: refresh is 0, not 2 (on time range change)"]);
  });
});

describe("every expression is valid PromQL", () => {
  const tools = promtools();
  const available = [tools.debian, tools.image].filter((t): t is Tool => t !== null);
  const time = { fromMs: 0, toMs: 6 * 3600_000, maxDataPoints: 1000, scrapeInterval: cfg.scrape.interval };
  /** A rule file with one recording rule per query: promtool parses every expression in it. */
  const ruleFile = (dir: string, exprs: string[]) => {
    const file = path.join(dir, "exprs.rules.yml");
    fs.writeFileSync(file, toYaml({ groups: [{ name: "dashboard-exprs", rules: exprs.map((expr, i) => ({ record: `dashboard:expr:${i}`, expr })) }] }, "dashboards/lint.test.ts"));
    return file;
  };
  const exprs = dashboards.flatMap((d) => lint.lintQueries(d).map((q) => prepareQuery(q.expr, q.instant, time).expr));

  test.each(available.map((t) => [t.label, t]))("for %s", (_label, tool) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-promql-"));
    try {
      const r = runTool(tool, ["check", "rules", ruleFile(dir, exprs)]);
      expect({ code: r.code, output: r.code === 0 ? "" : r.output }).toEqual({ code: 0, output: "" });
      expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("and the check rejects an expression that is not", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-promql-"));
    try {
      expect(runTool(tools.debian, ["check", "rules", ruleFile(dir, ["sum by (service) (rate(x[1m])"])]).code).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
