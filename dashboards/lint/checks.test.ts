/**
 * Grafana's dashboard-linter rules (dashboards/lint/) as tests over the rendered dashboards: each
 * check passes every dashboard and flags one broken on purpose with exactly the expected problems
 * (a check that cannot fail proves nothing; a check without a broken case fails the suite), and
 * every expression is parsed by the real PromQL parser (promtool check rules, Debian's 2.42 and
 * the image's 3.5 when built).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GRAFANA_UIDS } from "../../config/conventions";
import { toYaml } from "../../render/yaml";
import { promtools, runTool, type Tool } from "../../tests/helpers/tools";
import { prepareQuery } from "../grafana-interval";
import { renderDashboards } from "../index";
import { localStack } from "../testing/fixture";
import { CHECKS, lintDashboard, lintQueries, recordedOnly, type DashboardCheck, type WindowException } from "./index";

/* eslint-disable @typescript-eslint/no-explicit-any */
const { cfg } = localStack();
const dashboards: any[] = Object.values(renderDashboards(cfg)).map((text) => JSON.parse(text));
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid);
const clone = (d: any) => JSON.parse(JSON.stringify(d));

/** Fixed windows allowed, and why: the window is the panel's definition, not a resolution. */
const EXCEPTIONS: WindowException[] = [
  ...["Payment success rate, last hour", "Payment success rate, hourly and daily"].map((panelTitle) => ({
    dashboardUid: GRAFANA_UIDS.business, panelTitle, window: "1h", why: "the hourly success rate is defined over one hour",
  })),
  ...["Payment success rate, last 24 hours", "Payment success rate, hourly and daily"].map((panelTitle) => ({
    dashboardUid: GRAFANA_UIDS.business, panelTitle, window: "1d", why: "the daily success rate is defined over one day",
  })),
];
const run = (check: DashboardCheck, d: any, exceptions: WindowException[] = []) => lintDashboard(d, exceptions, [check]).map((p) => p.problem);

describe.each(dashboards.map((d) => [d.uid, d]))("dashboard %s", (_uid, d) => {
  test.each(CHECKS.map((c) => [c.id, c] as const))("passes %s", (_id, check) => expect(run(check, d, EXCEPTIONS)).toEqual([]));
});

test("the ops overview reads recorded series only: no rate(), increase() or histogram_quantile() of its own", () => {
  expect(run(recordedOnly, byUid(GRAFANA_UIDS.opsOverview))).toEqual([]);
});

test("every fixed-window exception still matches a panel (no stale exceptions)", () => {
  const rateInterval = CHECKS.find((c) => c.id === "target-rate-interval-rule")!;
  const unused = EXCEPTIONS.filter((e) => run(rateInterval, byUid(e.dashboardUid), EXCEPTIONS.filter((x) => x !== e)).length === 0);
  expect(unused).toEqual([]);
});

/** A broken copy of a rendered dashboard per check, and exactly what the check must say. */
const overview = () => clone(byUid(GRAFANA_UIDS.opsOverview));
const firstPanel = (d: any) => d.panels.find((p: any) => p.type !== "row");
const withTargets = (targets: any[]) => {
  const d = overview();
  firstPanel(d).targets = targets;
  return d;
};
const BROKEN: Record<string, { dashboard: () => any; expected: string[] }> = {
  "panel-datasource-rule": {
    dashboard: () => {
      const d = overview();
      firstPanel(d).datasource = { type: "prometheus", uid: "some-other-prometheus" };
      return d;
    },
    expected: ['Status: panel datasource {"type":"prometheus","uid":"some-other-prometheus"} is neither uid "prometheus" nor a datasource variable'],
  },
  "panel-title-description-rule": {
    dashboard: () => {
      const d = overview();
      delete firstPanel(d).description;
      return d;
    },
    expected: ["Status: no description"],
  },
  "panel-units-rule": {
    dashboard: () => {
      const d = overview();
      delete firstPanel(d).fieldConfig.defaults.unit;
      return d;
    },
    expected: ["Status: no unit"],
  },
  "panel-no-targets-rule": { dashboard: () => withTargets([]), expected: ["Status: no queries"] },
  "template-on-time-change-reload-rule": {
    dashboard: () => {
      const d = clone(byUid(GRAFANA_UIDS.serviceDeepDive));
      d.templating.list.find((v: any) => v.type === "query").refresh = 0;
      return d;
    },
    expected: ["variable service: refresh is 0, not 2 (on time range change)"],
  },
  "target-rate-interval-rule": {
    dashboard: () => withTargets([{ refId: "A", expr: 'sum(rate(http_requests_total{job="x"}[5m]))' }]),
    expected: ["Status [A]: rate(http_requests_total[5m]) should use [$__rate_interval]"],
  },
  "target-counter-agg-rule": {
    dashboard: () => withTargets([{ refId: "B", expr: "sum(http_requests_total)" }, { refId: "C", expr: "rate(http_requests_in_flight[$__rate_interval])" }]),
    expected: ["Status [B]: counter http_requests_total outside rate/irate/increase", "Status [C]: rate over http_requests_in_flight, which is not a counter"],
  },
  "recorded-names": {
    dashboard: () => withTargets([{ refId: "A", expr: "service:http_request:rate5m" }]),
    expected: ["Status [A]: service:http_request:rate5m is not a recorded series (rules/names.ts)"],
  },
  "recorded-only": {
    dashboard: () => withTargets([{ refId: "A", expr: "service:http_request:rate5m" }, { refId: "B", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))" }]),
    expected: [
      "Status [A]: reads service:http_request:rate5m, not a recorded series",
      "Status [B]: calls histogram_quantile() instead of reading a recorded series",
      "Status [B]: calls rate() instead of reading a recorded series",
      "Status [B]: reads http_request_duration_seconds_bucket, not a recorded series",
    ],
  },
};

const ALL = [...CHECKS, recordedOnly];
describe.each(ALL.map((c) => [c.id, c] as const))("%s", (id, check) => {
  test("flags a dashboard broken on purpose with exactly the expected problems", () => {
    expect(BROKEN[id]).toBeDefined();
    expect(run(check, BROKEN[id].dashboard())).toEqual(BROKEN[id].expected);
  });
});

test("every check has a broken case, ids are unique and each says why it exists", () => {
  expect(Object.keys(BROKEN).sort()).toEqual(ALL.map((c) => c.id).sort());
  expect(new Set(ALL.map((c) => c.id)).size).toBe(ALL.length);
  for (const c of ALL) expect(c.why.length).toBeGreaterThan(20);
});

test("lintDashboard tags every problem with its check", () => {
  const problems = lintDashboard(withTargets([{ refId: "A", expr: "sum(http_requests_total)" }]), EXCEPTIONS);
  expect(problems).toEqual([{ check: "target-counter-agg-rule", problem: "Status [A]: counter http_requests_total outside rate/irate/increase" }]);
});

describe("every expression is valid PromQL", () => {
  const tools = promtools();
  const available = [tools.debian, tools.image].filter((t): t is Tool => t !== null);
  const time = { fromMs: 0, toMs: 6 * 3600_000, maxDataPoints: 1000, scrapeInterval: cfg.scrape.interval };
  /** A rule file with one recording rule per query: promtool parses every expression in it. */
  const ruleFile = (dir: string, exprs: string[]) => {
    const file = path.join(dir, "exprs.rules.yml");
    fs.writeFileSync(file, toYaml({ groups: [{ name: "dashboard-exprs", rules: exprs.map((expr, i) => ({ record: `dashboard:expr:${i}`, expr })) }] }, "dashboards/lint/checks.test.ts"));
    return file;
  };
  const exprs = dashboards.flatMap((d) => lintQueries(d).map((q) => prepareQuery(q.expr, q.instant, time).expr));

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
