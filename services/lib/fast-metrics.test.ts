/**
 * The fast metric children must be indistinguishable from prom-client's own metrics on the wire:
 * the same observations produce the same exposition text, and a scrape always sees every
 * increment. The services' whole exposition also passes promtool's linter.
 */
import { execFile } from "node:child_process";
import { Counter, Histogram, Registry } from "prom-client";
import { parseServiceEnv } from "./env";
import { startDemoService } from "../demo/app";
import { startPaymentProcessor } from "../payment-processor/app";
import { parsePaymentProcessorConfig } from "../payment-processor/config";
import { request } from "../testing/http";
import { FastCounter, FastHistogram, FastHistogramCount } from "./fast-metrics";

const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

test("a FastHistogram prints exactly what prom-client's Histogram prints for the same observations", async () => {
  const fast = new Registry();
  const reference = new Registry();
  const a = new FastHistogram({ name: "h", help: "help text", labelNames: ["route", "status"], buckets: BUCKETS, registry: fast });
  const b = new Histogram({ name: "h", help: "help text", labelNames: ["route", "status"], buckets: BUCKETS, registers: [reference] });
  // Values on, just above and beyond the bounds; two label sets.
  const values = [0, 0.01, 0.010001, 0.05, 0.3, 1, 1.5, 2, 5, 5.0001, 120];
  for (const v of values) {
    a.child("/x", "200").observe(v);
    b.labels("/x", "200").observe(v);
  }
  a.child("/y/:id", "503").observe(0.2);
  b.labels("/y/:id", "503").observe(0.2);
  expect(await fast.metrics()).toBe(await reference.metrics());
});

test("a FastCounter's series exist at 0 from creation and every increment is in the next scrape", async () => {
  const fast = new Registry();
  const reference = new Registry();
  const a = new FastCounter({ name: "c_total", help: "help", labelNames: ["status", "merchant"], registry: fast });
  const b = new Counter({ name: "c_total", help: "help", labelNames: ["status", "merchant"], registers: [reference] });
  a.child("success", "globex");
  b.labels("success", "globex").inc(0);
  expect(await fast.metrics()).toBe(await reference.metrics());
  for (let i = 0; i < 1000; i++) {
    a.child("success", "globex").inc();
    b.labels("success", "globex").inc();
  }
  a.child("failed", "other").inc(2.5);
  b.labels("failed", "other").inc(2.5);
  expect(await fast.metrics()).toBe(await reference.metrics());
  a.child("success", "globex").inc();
  b.labels("success", "globex").inc();
  expect(await fast.metrics()).toBe(await reference.metrics());
});

test("a FastHistogramCount prints what a prom-client Counter prints: each series is the histogram's count under the same labels", async () => {
  const fast = new Registry();
  const reference = new Registry();
  const h = new FastHistogram({ name: "d_seconds", help: "duration", labelNames: ["route", "status"], buckets: BUCKETS, registry: fast });
  new FastHistogramCount("d_total", "requests", h, fast);
  const rh = new Histogram({ name: "d_seconds", help: "duration", labelNames: ["route", "status"], buckets: BUCKETS, registers: [reference] });
  const rc = new Counter({ name: "d_total", help: "requests", labelNames: ["route", "status"], registers: [reference] });
  // A series exists at 0 as soon as its histogram child does.
  h.child("/x", "200");
  rh.zero({ route: "/x", status: "200" });
  rc.labels("/x", "200").inc(0);
  expect(await fast.metrics()).toBe(await reference.metrics());
  for (let i = 0; i < 7; i++) {
    h.child("/x", "200").observe(i / 10);
    rh.labels("/x", "200").observe(i / 10);
    rc.labels("/x", "200").inc();
  }
  h.child("/y/:id", "503").observe(3);
  rh.labels("/y/:id", "503").observe(3);
  rc.labels("/y/:id", "503").inc();
  const text = await fast.metrics();
  expect(text).toBe(await reference.metrics());
  expect(text).toContain('d_total{route="/x",status="200"} 7');
  // Resetting the registry zeroes the histogram, and so the count.
  fast.resetMetrics();
  expect(await fast.metrics()).toContain('d_total{route="/x",status="200"} 0');
});

test("buckets that are not strictly increasing are refused with the metric's name", () => {
  expect(() => new FastHistogram({ name: "bad", help: "h", labelNames: [], buckets: [1, 1, 2], registry: new Registry() })).toThrow(/bad: buckets must be strictly increasing/);
});

/** Runs `promtool check metrics` on `text`; resolves with its complaints, one per line. */
function promtoolCheck(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile("promtool", ["check", "metrics"], (err, stdout, stderr) => {
      if (err && err.code !== 3) return reject(new Error(`promtool failed: ${stderr || err.message}`)); // 3 = lint problems found
      resolve(`${stdout}${stderr}`.split("\n").filter(Boolean));
    });
    child.stdin?.end(text);
  });
}

test("promtool's linter finds nothing in our metrics; its only complaints are prom-client's own nodejs_* gauges", async () => {
  const payments = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", LATENCY_SCALE: "0", CHAOS_ENABLED: "true", ADMIN_PORT: "0" }));
  const gateway = await startDemoService(parseServiceEnv({ SERVICE_NAME: "api-gateway", PORT: "0", LATENCY_SCALE: "0" }));
  try {
    await request("POST", `${payments.url}/payments`, { amount: 5, currency: "USD", merchantId: "globex" });
    await request("GET", `${gateway.url}/v1/accounts/1`);
    for (const url of [payments.url, gateway.url]) {
      const complaints = await promtoolCheck(await (await fetch(`${url}/metrics`)).text());
      expect(complaints.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics/.test(line))).toEqual([]);
    }
  } finally {
    await payments.close();
    await gateway.close();
  }
});
