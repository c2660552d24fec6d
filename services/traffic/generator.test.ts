/**
 * The traffic generator against real services on loopback: it holds the configured rates
 * open-loop, stops at its duration, loses nothing (the services count what it sent), refuses
 * non-loopback targets and unbounded runs, and its control endpoint reports rates and injects
 * faults.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startDemoService } from "../demo/app";
import { parseServiceEnv } from "../lib/env";
import type { RunningService } from "../lib/service";
import { startPaymentProcessor } from "../payment-processor/app";
import { parsePaymentProcessorConfig } from "../payment-processor/config";
import { samples, scrape } from "../testing/exposition";
import { request } from "../testing/http";
import { startControlServer } from "./control";
import { TrafficGenerator } from "./generator";
import { planTargets } from "./plan";

let payments: RunningService;
let ledger: RunningService;

beforeAll(async () => {
  payments = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", CHAOS_ENABLED: "true", ADMIN_PORT: "0", LATENCY_SCALE: "0.2", PAYMENT_TIMEOUT_MS: "200" }));
  ledger = await startDemoService(parseServiceEnv({ SERVICE_NAME: "ledger", PORT: "0", LATENCY_SCALE: "0.2" }));
});
afterAll(async () => {
  await payments.close();
  await ledger.close();
});

const totalCounted = async (url: string) => samples(await scrape(`${url}/metrics`), "http_requests_total").reduce((n, s) => n + (s.value as number), 0);

test("it holds each configured rate open-loop, stops at its duration, and the services count every request", async () => {
  const before = { payments: await totalCounted(payments.url), ledger: await totalCounted(ledger.url) };
  const generator = new TrafficGenerator({
    targets: [{ service: "payment-processor", baseUrl: payments.url, rps: 200 }, { service: "ledger", baseUrl: ledger.url, rps: 40 }],
    durationSeconds: 3,
    seed: 7,
  });
  const started = Date.now();
  const report = await generator.start().done;
  expect(Date.now() - started).toBeGreaterThanOrEqual(2950);
  // "Stops at its duration" is judged on what it sent (at most the schedule of 3 s, below) and
  // on nothing arriving after `done`, not on wall-clock time to `done`: that includes draining
  // the requests in flight, which took 13.6 s in a CI run on a machine running two suites.
  const after = { payments: await totalCounted(payments.url), ledger: await totalCounted(ledger.url) };
  await new Promise((r) => setTimeout(r, 500));
  expect({ payments: await totalCounted(payments.url), ledger: await totalCounted(ledger.url) }).toEqual(after);

  const [p, l] = report.targets;
  expect(p.sent).toBeGreaterThanOrEqual(570);
  expect(p.sent).toBeLessThanOrEqual(601);
  expect(l.sent).toBeGreaterThanOrEqual(114);
  expect(l.sent).toBeLessThanOrEqual(121);
  for (const t of report.targets) expect({ errors: t.errors, dropped: t.dropped, completed: t.completed }).toEqual({ errors: 0, dropped: 0, completed: t.sent });
  expect(p.achievedRps).toBeGreaterThan(190);
  expect(p.latencyMs.p99).toBeGreaterThan(p.latencyMs.p50);
  // Nothing lost on either side: the services counted exactly what the generator completed.
  expect((await totalCounted(payments.url)) - before.payments).toBe(p.completed);
  expect((await totalCounted(ledger.url)) - before.ledger).toBe(l.completed);
});

test("a stalled event loop does not send past the schedule: at most rate x duration", async () => {
  const generator = new TrafficGenerator({ targets: [{ service: "ledger", baseUrl: ledger.url, rps: 200 }], durationSeconds: 0.3, seed: 7 });
  generator.start();
  // Block the loop past the end: the 5 ms tick and the stop timer are then both due, the tick first.
  const until = performance.now() + 450;
  while (performance.now() < until);
  const report = await generator.done;
  // The tick after the stall sends the whole schedule (200 r/s x 0.3 s) and not one more.
  expect({ sent: report.targets[0].sent, dropped: report.targets[0].dropped }).toEqual({ sent: 60, dropped: 0 });
});

test("a slow target does not slow the schedule: requests beyond maxInFlight are dropped and counted", async () => {
  // A server that never answers within the run: a closed-loop client would send ~maxInFlight requests only.
  const held: http.ServerResponse[] = [];
  const stuck = http.createServer((_req, res) => held.push(res));
  await new Promise<void>((r) => stuck.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`;
    const generator = new TrafficGenerator({ targets: [{ service: "ledger", baseUrl: url, rps: 200 }], durationSeconds: 1, maxInFlight: 20, requestTimeoutMs: 2000 });
    const report = await generator.start().done;
    const t = report.targets[0];
    expect(t.sent).toBe(20);
    expect(t.sent + t.dropped).toBeGreaterThanOrEqual(190);
    expect(t.errors).toBe(20); // all timed out
  } finally {
    for (const res of held) res.destroy();
    await new Promise<void>((r) => stuck.close(() => r()));
  }
});

test("connection errors are counted, not thrown", async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  const report = await new TrafficGenerator({ targets: [{ service: "ledger", baseUrl: url, rps: 50 }], durationSeconds: 0.5 }).start().done;
  expect(report.targets[0].errors).toBe(report.targets[0].sent);
  expect(report.targets[0].sent).toBeGreaterThan(20);
});

test("a non-loopback target is refused unless explicitly allowed", () => {
  const targets = [{ service: "ledger", baseUrl: "http://10.1.2.3:8080", rps: 1 }];
  expect(() => new TrafficGenerator({ targets, durationSeconds: 1 })).toThrow(/not a loopback address; pass --allow-non-loopback/);
  expect(() => new TrafficGenerator({ targets, durationSeconds: 1, allowNonLoopback: true })).not.toThrow();
  for (const ok of ["http://localhost:1", "http://127.9.9.9:1", "http://[::1]:1"]) {
    expect(() => new TrafficGenerator({ targets: [{ service: "ledger", baseUrl: ok, rps: 1 }], durationSeconds: 1 })).not.toThrow();
  }
});

test.each([0, -1, Infinity, 86_401])("a run of %p seconds is refused: runs are always bounded", (durationSeconds) => {
  expect(() => new TrafficGenerator({ targets: [], durationSeconds })).toThrow(/bounded/);
});

test("the default plan sends ~200 r/s to payment-processor and ~80 r/s to merchant-api on the fleet's loopback ports", () => {
  const plan = planTargets();
  expect(plan).toHaveLength(12);
  expect(plan.find((t) => t.service === "payment-processor")).toEqual({ service: "payment-processor", baseUrl: "http://127.0.0.1:8103", rps: 200 });
  expect(plan.find((t) => t.service === "merchant-api")).toEqual({ service: "merchant-api", baseUrl: "http://127.0.0.1:8104", rps: 80 });
  expect(planTargets({ scale: 10, only: ["merchant-api"], urlTemplate: "http://{name}:8080" })).toEqual([{ service: "merchant-api", baseUrl: "http://merchant-api:8080", rps: 800 }]);
  expect(() => planTargets({ rates: { "no-such-service": 1 } })).toThrow(/unknown service/);
});

test("the control endpoint reports live rates and injects and clears an error burst", async () => {
  const generator = new TrafficGenerator({ targets: [{ service: "payment-processor", baseUrl: payments.url, rps: 100 }], durationSeconds: 10 });
  const control = await startControlServer(generator, 0, { "payment-processor": payments.adminUrl! });
  try {
    generator.start();
    await new Promise((r) => setTimeout(r, 1000));
    const stats = (await request("GET", `${control.url}/stats`)).body as { running: boolean; targets: Array<{ achievedRps: number }> };
    expect(stats.running).toBe(true);
    expect(stats.targets[0].achievedRps).toBeGreaterThan(70);

    const injected = await request("POST", `${control.url}/inject`, { service: "payment-processor", errorRatio: 1, durationSeconds: 30 });
    expect(injected).toMatchObject({ status: 200, body: { active: true, errorRatio: 1 } });
    expect((await request("POST", `${payments.url}/payments`, { amount: 1, currency: "USD", merchantId: "globex" })).status).toBe(503);
    expect(await request("DELETE", `${control.url}/inject/payment-processor`)).toMatchObject({ status: 200, body: { active: false } });
    expect((await request("POST", `${control.url}/inject`, { service: "payment-processor", errorRatio: 5, durationSeconds: 1 })).status).toBe(400);
  } finally {
    await generator.stop();
    await control.close();
  }
});
