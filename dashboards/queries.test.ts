/**
 * The pure parts of the query checks: variable substitution, Grafana's interval arithmetic and
 * the PromQL scanner the lint rules stand on.
 */
import { GRAFANA_UIDS } from "../config/conventions";
import { RECORDED } from "../rules/names";
import { durationMs, goDuration, prepareQuery, roundInterval } from "./grafana-interval";
import { buildDashboards } from "./index";
import { analyze, isCounterName } from "./promql";
import { panelQueries, substituteVariables } from "./queries";
import { localStack } from "./testing/fixture";

const { cfg } = localStack();

describe("panelQueries", () => {
  const deepDive = buildDashboards(cfg)[GRAFANA_UIDS.serviceDeepDive];

  test("lists every query of every panel with the service substituted", () => {
    const qs = panelQueries(deepDive, { service: "payment-processor" });
    expect(qs.length).toBeGreaterThanOrEqual(15);
    expect(qs.every((q) => !q.expr.includes("$service") && q.vars.service === "payment-processor")).toBe(true);
    expect(qs.find((q) => q.panelTitle === "Latency percentiles" && q.refId === "C")?.expr).toBe(`max(${RECORDED.latencyP99}{service="payment-processor"})`);
  });

  test("refuses to leave a dashboard variable unsubstituted", () => {
    expect(() => panelQueries(deepDive, {})).toThrow('variable "service" is used in');
  });

  test("substitutes every Grafana spelling of a variable and leaves $1 and Grafana's own variables alone", () => {
    const defined = new Set(["service"]);
    expect(substituteVariables('a{s="$service"} b{s="${service}"} c{s="[[service]]"} d{s="${service:raw}"}', { service: "x" }, defined)).toBe(
      'a{s="x"} b{s="x"} c{s="x"} d{s="x"}',
    );
    expect(substituteVariables('label_replace(m[$__rate_interval], "pod", "$1", "instance", "(.*)")', { service: "x" }, defined)).toBe(
      'label_replace(m[$__rate_interval], "pod", "$1", "instance", "(.*)")',
    );
  });
});

describe("Grafana's interval arithmetic", () => {
  const at = (rangeHours: number, maxDataPoints = 1000) => ({ fromMs: 0, toMs: rangeHours * 3600_000, maxDataPoints, scrapeInterval: "15s" });

  test("a 6 h range at 1000 points steps every 20 s with a one-minute $__rate_interval", () => {
    const p = prepareQuery("rate(x_total[$__rate_interval])", false, at(6));
    expect({ step: p.stepS, expr: p.expr }).toEqual({ step: 20, expr: "rate(x_total[1m0s])" });
  });

  test("short ranges never step below the scrape interval, and $__rate_interval never covers fewer than four scrapes", () => {
    expect(prepareQuery("x", false, at(1)).stepS).toBe(15);
    expect(prepareQuery("rate(x_total[$__rate_interval])", false, at(1)).expr).toBe("rate(x_total[1m0s])");
  });

  test("a week at 1000 points steps every 10 minutes; $__rate_interval is step + scrape", () => {
    const p = prepareQuery("rate(x_total[${__rate_interval}]) and increase(x_total[$__range])", false, at(24 * 7));
    expect({ step: p.stepS, expr: p.expr }).toEqual({ step: 600, expr: "rate(x_total[10m15s]) and increase(x_total[604800s])" });
  });

  test("range queries start and end on a multiple of the step; instant queries run at the end", () => {
    const t = { fromMs: 1_000_007_000, toMs: 1_000_007_000 + 6 * 3600_000, maxDataPoints: 1000, scrapeInterval: "15s" };
    const range = prepareQuery("x", false, t);
    expect([range.startS % 20, range.endS % 20]).toEqual([0, 0]);
    expect(prepareQuery("x", true, t).endS).toBe(t.toMs / 1000);
  });

  test("rounding, durations and Go's duration format match Grafana's", () => {
    // range / maxDataPoints for 6 h, 1 h and 7 d at 1000 points
    expect([21_600, 3_600, 604_800].map(roundInterval)).toEqual([20_000, 5_000, 600_000]);
    expect([durationMs("15s"), durationMs("1m30s"), durationMs("250ms")]).toEqual([15_000, 90_000, 250]);
    expect([goDuration(60_000), goDuration(35_000), goDuration(3_600_000)]).toEqual(["1m0s", "35s", "1h0m0s"]);
    expect(() => durationMs("soon")).toThrow("not a duration");
  });
});

describe("the PromQL scanner", () => {
  test("finds the selector, its window and the function around it through aggregations and grouping", () => {
    expect(analyze('sum by (service, le) (rate(http_request_duration_seconds_bucket{job=~"a|b"}[$__rate_interval]))')).toEqual({
      calls: ["sum", "rate"],
      selectors: [{ name: "http_request_duration_seconds_bucket", window: "$__rate_interval", insideCall: "rate" }],
    });
  });

  test("does not mistake label lists, strings, keywords or numbers for series", () => {
    const a = analyze('(sum by (pod) (x) * on (pod) group_left () y{a="b}"} or on () label_replace(vector(0.5), "pod", "host", "", "")) > bool 1e3 offset 5m');
    expect(a.selectors.map((s) => s.name)).toEqual(["x", "y"]);
    expect(a.calls).toEqual(["sum", "label_replace", "vector"]);
  });

  test("knows counters by their suffix and never takes a recorded series for one", () => {
    expect(["a_total", "b_count", "c_sum", "d_bucket", "service_le:http_request_duration_seconds_bucket:rate5m", "up"].map(isCounterName)).toEqual([true, true, true, true, false, false]);
  });
});
