/**
 * timeLoads against a loopback stand-in for Prometheus's query API: a variant whose load passes
 * the limit is reported as timed out and skipped, the other variants keep their timings, and
 * the report says so instead of the run aborting (what lost the ops overview's figures at 120
 * services on day 30).
 */
import * as http from "http";
import type { AddressInfo } from "net";
import type { PanelQuery } from "../queries";
import { formatMs, timeLoads } from "./run";

const query = (expr: string, instant: boolean): PanelQuery => ({ dashboardUid: "x", panelId: 1, panelTitle: `panel ${expr}`, refId: "A", expr, instant, vars: {} } as unknown as PanelQuery);

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
          res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { service: "a" }, value: [0, "1"] }] } }));
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
    const r = await timeLoads(url, [{ name: "a", queries: [query("fast_a", true)] }, { name: "b", queries: [query("fast_b", true)] }], { rounds: 1, rangeHours: 1, maxDataPoints: 100, limitMs: 5000 }, Date.now());
    expect(r.variants.every((v) => v.timedOutAfterMs === undefined)).toBe(true);
    expect(r.maxDeviation).toBe(0);
  });
});
