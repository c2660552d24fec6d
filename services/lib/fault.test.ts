/**
 * Fault injection through the admin API, observed on the real request path and in /metrics.
 * payment-processor with sandbox tokens is the subject because its outcomes are deterministic.
 */
import { startPaymentProcessor } from "../payment-processor/app";
import { parsePaymentProcessorConfig } from "../payment-processor/config";
import { scrape, value } from "../testing/exposition";
import { request, waitFor } from "../testing/http";
import type { FaultStatus } from "./fault";
import type { RunningService } from "./service";

let service: RunningService;
const admin = (method: string, body?: unknown) => request(method, `${service.adminUrl}/chaos/fault`, body);
const pay = () => request("POST", `${service.url}/payments`, { amount: 12, currency: "USD", merchantId: "globex", paymentMethod: "tok_success" });
const payMany = (n: number) => Promise.all(Array.from({ length: n }, pay));

beforeAll(async () => {
  service = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", ADMIN_PORT: "0", CHAOS_ENABLED: "true", LATENCY_SCALE: "0" }));
});
afterAll(() => service.close());
afterEach(() => admin("DELETE"));

test("an error burst makes every API request answer 503 and each one is counted under its route", async () => {
  const before = await scrape(`${service.url}/metrics`);
  expect(await admin("POST", { errorRatio: 1, durationSeconds: 30 })).toMatchObject({ status: 201, body: { active: true, errorRatio: 1 } });
  const responses = await payMany(20);
  expect(responses.every((r) => r.status === 503 && (r.body as { error: string }).error === "injected_fault")).toBe(true);

  const during = await scrape(`${service.url}/metrics`);
  const injected = { method: "POST", route: "/payments", status: "503" };
  expect(value(during, "http_requests_total", injected) - value(before, "http_requests_total", injected)).toBe(20);
  expect(value(during, "chaos_fault_error_ratio", {})).toBe(1);

  expect(await admin("DELETE")).toMatchObject({ status: 200, body: { active: false } });
  expect((await pay()).status).toBe(201);
  expect(value(await scrape(`${service.url}/metrics`), "chaos_fault_error_ratio", {})).toBe(0);
});

test("/metrics and /healthz keep answering during an error burst", async () => {
  await admin("POST", { errorRatio: 1, durationSeconds: 30 });
  expect((await request("GET", `${service.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${service.url}/metrics`)).status).toBe(200);
});

test("a partial error ratio fails roughly that fraction of requests", async () => {
  await admin("POST", { errorRatio: 0.5, durationSeconds: 30 });
  const responses = await payMany(400);
  const failed = responses.filter((r) => r.status === 503).length;
  // Binomial(400, 0.5): 0.35..0.65 is more than 6 standard deviations either side.
  expect(failed / 400).toBeGreaterThan(0.35);
  expect(failed / 400).toBeLessThan(0.65);
  expect(responses.every((r) => r.status === 503 || r.status === 201)).toBe(true);
});

test("a latency spike delays every API request and shows in the duration histogram", async () => {
  await admin("POST", { latencyMs: 300, durationSeconds: 30 });
  const before = await scrape(`${service.url}/metrics`);
  const started = Date.now();
  expect((await pay()).status).toBe(201);
  expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  const after = await scrape(`${service.url}/metrics`);
  const slow = { le: "0.25", method: "POST", route: "/payments", status: "201" };
  const all = { ...slow, le: "0.5" };
  const fast = (f: typeof after) => value(f, "http_request_duration_seconds_bucket", slow);
  const total = (f: typeof after) => value(f, "http_request_duration_seconds_bucket", all);
  expect(fast(after) - fast(before)).toBe(0);
  expect(total(after) - total(before)).toBe(1);
  expect(value(after, "chaos_fault_latency_seconds", {})).toBe(0.3);
});

test("a fault clears itself after durationSeconds", async () => {
  await admin("POST", { errorRatio: 1, durationSeconds: 0.3 });
  expect((await pay()).status).toBe(503);
  await waitFor("the fault to expire", async () => !((await admin("GET")).body as FaultStatus).active, 3000, 50);
  expect((await pay()).status).toBe(201);
  expect(value(await scrape(`${service.url}/metrics`), "chaos_fault_error_ratio", {})).toBe(0);
});

test.each([
  [{ errorRatio: 2 }, /errorRatio must be in \[0, 1\]/],
  [{ latencyMs: -5 }, /latencyMs must be >= 0/],
  [{ latencyMs: 1.5 }, /latencyMs must be an integer/],
  [{ errorRatio: 1, durationSeconds: 0 }, /durationSeconds must be > 0/],
  [{ errorRatio: 1, durationSeconds: 7200 }, /durationSeconds must be <= 3600/],
  [{ errorRatio: 0, latencyMs: 0 }, /use DELETE \/chaos\/fault/],
])("POST /chaos/fault with %j is refused with 400 and a message saying why", async (body, message) => {
  const response = await admin("POST", body);
  expect(response.status).toBe(400);
  expect((response.body as { message: string }).message).toMatch(message);
  expect(((await admin("GET")).body as FaultStatus).active).toBe(false);
});

test("malformed JSON to the admin API is a 400, not a crash", async () => {
  const response = await request("POST", `${service.adminUrl}/chaos/fault`, "{oops");
  expect(response).toMatchObject({ status: 400, body: { error: "invalid_json" } });
});
