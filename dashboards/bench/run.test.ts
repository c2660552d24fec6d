/**
 * timeLoads against a loopback stand-in for Prometheus's query API: a variant whose load passes
 * the limit is reported as timed out and skipped, the other variants keep their timings, and
 * the report says so instead of the run aborting (what lost the ops overview's figures at 120
 * services on day 30).
 */
import * as http from "http";
import type { AddressInfo } from "net";
import type { PanelQuery } from "../queries";
import { formatDeviation, formatMs, tileDeviation, tileValues, timeLoads } from "./run";

const query = (expr: string, instant: boolean, panelTitle = `panel ${expr}`, legend?: string): PanelQuery => ({ dashboardUid: "x", panelId: 1, panelTitle, refId: "A", expr, instant, legend, vars: {} }) as PanelQuery;

/** What the stand-in answers for a query containing the key (first match); one series {service="a"} = 1 otherwise. */
const ANSWERS: Array<[string, Array<{ metric: Record<string, string>; value: string }>]> = [
  // Two SLO bars (no service label, as after `max by (slo)`), in opposite orders.
  ["budget_xy", [{ metric: { slo: "x" }, value: "0.9" }, { metric: { slo: "y" }, value: "0.2" }]],
  ["budget_yx", [{ metric: { slo: "y" }, value: "0.2" }, { metric: { slo: "x" }, value: "0.9" }]],
  ["budget_off", [{ metric: { slo: "y" }, value: "0.22" }, { metric: { slo: "x" }, value: "0.9" }]],
];

describe("timeLoads", () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const q = new URLSearchParams(body).get("query") ?? "";
        seen.push(q);
        const answer = () => {
          if (res.destroyed) return;
          res.setHeader("content-type", "application/json");
          const series = ANSWERS.find(([k]) => q.includes(k))?.[1] ?? [{ metric: { service: "a" }, value: "1" }];
          res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: series.map((x) => ({ metric: x.metric, value: [0, x.value] })) } }));
        };
        // "slow" answers after 2 s (past the test's 300 ms limit); the rest at once.
        if (q.includes("slow")) setTimeout(answer, 2000).unref();
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("reports a variant past the limit as timed out, skips its rounds and keeps the others' timings", async () => {
    seen.length = 0;
    const r = await timeLoads(url, [{ name: "fast", queries: [query("fast_metric", true)] }, { name: "slow", queries: [query("slow_metric", true)] }], { rounds: 3, rangeHours: 1, maxDataPoints: 100, limitMs: 300 }, Date.now());
    const [fast, slow] = r.variants;
    expect(fast.timedOutAfterMs).toBeUndefined();
    expect(fast.median).toBeGreaterThan(0);
    expect(fast.median).toBeLessThan(300);
    expect(fast.series).toBe(1);
    expect(slow.timedOutAfterMs).toBe(300);
    expect(formatMs(slow, "median")).toBe("> 300 (timed out)");
    expect(formatMs(fast, "median")).toMatch(/^\d+\.\d$/);
    // Warm-up plus 3 rounds of the fast variant; the slow one once (its warm-up), then skipped.
    expect(seen.filter((q) => q.includes("fast")).length).toBe(4);
    expect(seen.filter((q) => q.includes("slow")).length).toBe(1);
    // The tiles cannot be compared when one side timed out: NaN, not a false 0%.
    expect(r.maxDeviation).toBeNaN();
  });

  it("compares the tiles of the first two variants when both load", async () => {
    const same = await timeLoads(url, [{ name: "a", queries: [query("fast_a", true, "Tile")] }, { name: "b", queries: [query("fast_b", true, "Tile")] }], { rounds: 1, rangeHours: 1, maxDataPoints: 100, limitMs: 5000 }, Date.now());
    expect(same.variants.every((v) => v.timedOutAfterMs === undefined)).toBe(true);
    expect(same.maxDeviation).toBe(0);
    // Tiles that share nothing were not compared: NaN, not 0%.
    const disjoint = await timeLoads(url, [{ name: "a", queries: [query("fast_a", true, "Tile A")] }, { name: "b", queries: [query("fast_b", true, "Tile B")] }], { rounds: 1, rangeHours: 1, maxDataPoints: 100, limitMs: 5000 }, Date.now());
    expect(disjoint.maxDeviation).toBeNaN();
  });

  it("matches tiles by their legend, so SLO bars without a service label are compared bar by bar", async () => {
    const opts = { rounds: 1, rangeHours: 1, maxDataPoints: 100, limitMs: 5000 };
    const bars = (expr: string) => [query(expr, true, "Error budget remaining per SLO", "{{slo}}")];
    // The same two bars in opposite orders agree (keyed on the service label alone, both bars
    // collapsed into one key and x's 0.9 was compared with y's 0.2: 78%).
    const swapped = await timeLoads(url, [{ name: "recorded", queries: bars("budget_xy") }, { name: "raw", queries: bars("budget_yx") }], opts, Date.now());
    expect(swapped.maxDeviation).toBe(0);
    // A real difference on one bar is found: y 0.2 vs 0.22 = 10%.
    const off = await timeLoads(url, [{ name: "recorded", queries: bars("budget_xy") }, { name: "raw", queries: bars("budget_off") }], opts, Date.now());
    expect(off.maxDeviation).toBeCloseTo(0.1, 9);
    // The report names that bar and both values.
    expect(off.worstTile).toBe("Error budget remaining per SLO / A / y: 0.2000 vs 0.2200");
    expect(swapped.worstTile).toMatch(/^Error budget remaining per SLO \/ A \/ [xy]: /);
    expect(formatDeviation(off)).toBe("10.00% [Error budget remaining per SLO / A / y: 0.2000 vs 0.2200]");
    expect(formatDeviation({ maxDeviation: NaN })).toMatch(/^\(not compared/);
  });

  it("leaves a legend two series share out of the comparison instead of guessing", () => {
    const outcome = (series: Array<[Record<string, string>, number]>) =>
      ({ query: query("q", true, "Memory", "{{service}}"), series: series.map(([labels, last]) => ({ labels, last })) }) as never;
    const t = tileValues([outcome([[{ service: "a", pod: "a-1" }, 1], [{ service: "a", pod: "a-2" }, 5], [{ service: "b" }, 2]])]);
    expect([...t.keys()]).toEqual(["Memory / A / b"]);
    expect(tileDeviation(t, new Map([["Memory / A / b", 3]]))).toBeCloseTo(0.5, 9);
  });
});
