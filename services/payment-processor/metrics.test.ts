/**
 * payment-processor's /metrics, read with a real exposition parser: the contract (names, types,
 * label sets, exact buckets, initialised business series), exact counters under concurrency, and
 * bounded cardinality under a scan of random URLs.
 */
import http from "node:http";
import net from "node:net";
import { HTTP_DURATION_BUCKETS } from "../../config/conventions";
import { CURRENCIES, MERCHANTS, OTHER_MERCHANT } from "../fleet";
import { seededRandom } from "../lib/latency";
import type { RunningService } from "../lib/service";
import { parseExposition, samples, scrape, seriesKey, value, type MetricFamily } from "../testing/exposition";
import { request, waitFor } from "../testing/http";
import { startPaymentProcessor } from "./app";
import { parsePaymentProcessorConfig } from "./config";
import { PAYMENT_AMOUNT_BUCKETS } from "./metrics";

let service: RunningService;
const metrics = () => scrape(`${service.url}/metrics`);

beforeAll(async () => {
  service = await startPaymentProcessor(
    parsePaymentProcessorConfig({ PORT: "0", LATENCY_SCALE: "0.2", PAYMENT_TIMEOUT_MS: "100", MEMORY_LIMIT_BYTES: "268435456", CPU_LIMIT_CORES: "1.5" }),
  );
});
afterAll(() => service.close());

const family = (families: MetricFamily[], name: string) => families.find((f) => f.name === name);

describe("the exposition contract", () => {
  test("every contract metric is present with its type", async () => {
    const families = await metrics();
    const expected: Record<string, string> = {
      http_requests: "counter", http_request_duration_seconds: "histogram", http_requests_in_flight: "gauge",
      service_memory_limit_bytes: "gauge", service_cpu_limit_cores: "gauge",
      payment_transactions: "counter", payment_amount: "histogram", payment_amount_usd: "counter",
      payment_requests_rejected: "counter", process_resident_memory_bytes: "gauge", process_cpu_seconds: "counter",
      nodejs_eventloop_lag_seconds: "gauge",
    };
    for (const [name, type] of Object.entries(expected)) expect({ name, type: family(families, name)?.type }).toEqual({ name, type });
  });

  test("the limits come from the environment override", async () => {
    const families = await metrics();
    expect(value(families, "service_memory_limit_bytes", {})).toBe(268435456);
    expect(value(families, "service_cpu_limit_cores", {})).toBe(1.5);
  });

  test("every payment status is exported at 0 for every merchant before any payment", async () => {
    const families = await metrics();
    const tx = samples(families, "payment_transactions_total");
    expect(tx).toHaveLength(3 * (MERCHANTS.length + 1));
    for (const status of ["success", "failed", "timeout"]) {
      for (const merchant of [...MERCHANTS, OTHER_MERCHANT]) {
        expect(tx.find((s) => s.labels.status === status && s.labels.merchant === merchant)?.value).toBe(0);
      }
    }
    expect(Object.keys(tx[0].labels).sort()).toEqual(["merchant", "status"]);
  });

  test("payment_amount has a _sum and _count per currency and the documented buckets", async () => {
    const families = await metrics();
    for (const currency of CURRENCIES) {
      expect(samples(families, "payment_amount_sum").some((s) => s.labels.currency === currency)).toBe(true);
      expect(samples(families, "payment_amount_count").some((s) => s.labels.currency === currency)).toBe(true);
      const les = samples(families, "payment_amount_bucket").filter((s) => s.labels.currency === currency).map((s) => s.labels.le);
      expect(les).toEqual([...PAYMENT_AMOUNT_BUCKETS.map(String), "+Inf"]);
    }
  });

  test("http_request_duration_seconds has exactly the buckets 0.01 to 5 and the labels method, route, status", async () => {
    await request("GET", `${service.url}/payments/pay_missing`);
    const families = await metrics();
    const buckets = samples(families, "http_request_duration_seconds_bucket").filter((s) => s.labels.route === "/payments/:id");
    expect(buckets.map((s) => s.labels.le)).toEqual(["0.01", "0.05", "0.1", "0.25", "0.5", "1", "2", "5", "+Inf"]);
    expect(buckets.slice(0, -1).map((s) => Number(s.labels.le))).toEqual([...HTTP_DURATION_BUCKETS]);
    expect(Object.keys(buckets[0].labels).sort()).toEqual(["le", "method", "route", "status"]);
    const counted = samples(families, "http_requests_total").find((s) => s.labels.route === "/payments/:id");
    expect(counted?.labels).toEqual({ method: "GET", route: "/payments/:id", status: "404" });
  });
});

describe("counters under concurrency", () => {
  test("after 330 concurrent requests of known outcome the deltas equal the requests sent, by route and status", async () => {
    const merchants = ["globex", "hooli", "not-a-listed-merchant"];
    type Kind = "tok_success" | "tok_declined" | "tok_timeout" | "bad_json" | "bad_currency";
    const plan: Kind[] = [
      ...Array<Kind>(150).fill("tok_success"), ...Array<Kind>(100).fill("tok_declined"), ...Array<Kind>(40).fill("tok_timeout"),
      ...Array<Kind>(25).fill("bad_json"), ...Array<Kind>(15).fill("bad_currency"),
    ];
    const before = await metrics();
    let expectedUsd = 0;
    await Promise.all(plan.map((kind, i) => {
      const merchantId = merchants[i % merchants.length];
      if (kind === "bad_json") return request("POST", `${service.url}/payments`, "{nope");
      if (kind === "bad_currency") return request("POST", `${service.url}/payments`, { amount: 1, currency: "JPY", merchantId });
      if (kind === "tok_success") expectedUsd += 10 + (i % 7);
      return request("POST", `${service.url}/payments`, { amount: 10 + (i % 7), currency: "USD", merchantId, paymentMethod: kind });
    }));
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    const http = (status: string) => delta("http_requests_total", { method: "POST", route: "/payments", status });
    const hist = (status: string) => delta("http_request_duration_seconds_count", { method: "POST", route: "/payments", status });
    const byStatus = (status: string) => [...merchants.slice(0, 2), OTHER_MERCHANT].reduce((n, merchant) => n + delta("payment_transactions_total", { status, merchant }), 0);

    expect({ 201: http("201"), 402: http("402"), 504: http("504"), 400: http("400") }).toEqual({ 201: 150, 402: 100, 504: 40, 400: 40 });
    expect({ 201: hist("201"), 402: hist("402"), 504: hist("504"), 400: hist("400") }).toEqual({ 201: 150, 402: 100, 504: 40, 400: 40 });
    expect({ success: byStatus("success"), failed: byStatus("failed"), timeout: byStatus("timeout") }).toEqual({ success: 150, failed: 100, timeout: 40 });
    expect(delta("payment_transactions_total", { status: "success", merchant: OTHER_MERCHANT })).toBe(50);
    expect(delta("payment_requests_rejected_total", { reason: "invalid_json" })).toBe(25);
    expect(delta("payment_requests_rejected_total", { reason: "unsupported_currency" })).toBe(15);
    expect(delta("payment_amount_count", { currency: "USD" })).toBe(150);
    expect(delta("payment_amount_sum", { currency: "USD" })).toBeCloseTo(expectedUsd, 6);
    expect(value(after, "http_requests_in_flight", {})).toBe(0);
  });

  test("the in-flight gauge counts a request being served and a client that hangs up is counted as 499", async () => {
    // A separate instance whose acquirer timeout (3 s) outlasts a scrape, its parse and the
    // hang-up even on a loaded CI machine (with 1 s, CI once saw the 504 go out before the
    // client hung up, and the 499 never came).
    const slow = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", PAYMENT_TIMEOUT_MS: "3000" }));
    const slowMetrics = () => scrape(`${slow.url}/metrics`);
    const handlerDone = async () => value(await slowMetrics(), "payment_transactions_total", { status: "timeout", merchant: "globex" }) === 1;
    try {
      const aborted = { method: "POST", route: "/payments", status: "499" };
      const req = http.request(`${slow.url}/payments`, { method: "POST", headers: { "content-type": "application/json" } });
      req.on("error", () => undefined);
      req.end(JSON.stringify({ amount: 1, currency: "USD", merchantId: "globex", paymentMethod: "tok_timeout" }));
      await waitFor("the request to be in flight", async () => value(await slowMetrics(), "http_requests_in_flight", {}) === 1, 2000, 10);
      req.destroy();
      await waitFor("the abandoned request to be counted", async () => value(await slowMetrics(), "http_requests_total", aborted) === 1, 2000, 20);
      const after = await slowMetrics();
      expect(value(after, "http_requests_in_flight", {})).toBe(0);
      expect(value(after, "http_request_duration_seconds_count", aborted)).toBe(1);
      expect(value(after, "http_requests_total", { method: "POST", route: "/payments", status: "504" })).toBe(0);
    } finally {
      // The abandoned handler still sleeps out its acquirer timeout; close after it finished.
      await waitFor("the abandoned handler to finish", handlerDone, 10000, 100).catch(() => undefined);
      await slow.close();
    }
  });
  test("a request that arrives while the service is closing gets Fastify's 503 and is counted under its route", async () => {
    // Fastify answers it before any hook or handler runs (return503OnClosing), so only the
    // response itself can count it. One keep-alive connection: a slow payment keeps it busy
    // (an idle one is closed at once), the close starts, then a second request follows on it.
    const draining = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", PAYMENT_TIMEOUT_MS: "1500" }));
    const { port } = new URL(draining.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    let answers = "";
    socket.on("data", (chunk: Buffer) => { answers += chunk.toString(); });
    socket.on("error", () => undefined);
    const body = JSON.stringify({ amount: 1, currency: "USD", merchantId: "globex", paymentMethod: "tok_timeout" });
    socket.write(`POST /payments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await waitFor("the slow payment to be in flight", async () => value(await parseExposition(await draining.registry!.metrics()), "http_requests_in_flight", {}) === 1, 2000, 10);
    const closed = draining.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write("GET /payments/pay_x HTTP/1.1\r\nHost: x\r\n\r\n");
    await closed;
    // Both answers were written before the close finished; read them until the server hangs up.
    await waitFor("both answers", async () => /HTTP\/1\.1 503/.test(answers) || socket.destroyed, 2000, 10).catch(() => undefined);
    socket.destroy();
    expect(answers).toMatch(/HTTP\/1\.1 504[\s\S]*HTTP\/1\.1 503/);
    const families = await parseExposition(await draining.registry!.metrics());
    expect(value(families, "http_requests_total", { method: "GET", route: "/payments/:id", status: "503" })).toBe(1);
    expect(value(families, "http_requests_total", { method: "POST", route: "/payments", status: "504" })).toBe(1);
    expect(value(families, "http_requests_in_flight", {})).toBe(0);
  });

  test("a client that hangs up while its body is still being read is in flight, then counted as 499 under its route", async () => {
    // The handler never ran: the route's onRequest hook (before body parsing) is what counts it.
    const before = await metrics();
    const aborted = { method: "POST", route: "/payments", status: "499" };
    const req = http.request(`${service.url}/payments`, { method: "POST", headers: { "content-type": "application/json", "content-length": "200" } });
    req.on("error", () => undefined);
    req.write('{"amount": 1, "curr'); // 19 of the 200 bytes announced
    try {
      // The body never completes, so the request stays in flight: a long bound costs nothing.
      await waitFor("the request to be in flight", async () => value(await metrics(), "http_requests_in_flight", {}) === 1, 10_000, 10);
    } finally {
      req.destroy();
    }
    await waitFor("the abandoned request to be counted", async () => value(await metrics(), "http_requests_total", aborted) === value(before, "http_requests_total", aborted) + 1, 10_000, 20);
    const after = await metrics();
    expect(value(after, "http_requests_in_flight", {})).toBe(0);
    expect(value(after, "http_request_duration_seconds_count", aborted) - value(before, "http_request_duration_seconds_count", aborted)).toBe(1);
  });
});

describe("cardinality", () => {
  const TEMPLATES = ["/payments", "/payments/:id", "/payments/:id/refund", "__unmatched__"];
  const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"];

  /** One random URL scan of `n` requests, reproducible from `seed`. */
  async function scan(seed: number, n: number): Promise<void> {
    const random = seededRandom(seed);
    const word = () => Math.floor(random() * 36 ** 8).toString(36);
    const shapes = [
      () => `/${word()}/${word()}?q=${word()}`,
      () => `/payments/${word()}`,
      () => `/payments/${word()}/refund`,
      () => `/payments/${word()}/${word()}`,
      () => `/${word()}%2F${word()}/../${word()}`,
    ];
    for (let i = 0; i < n; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => {
        const method = METHODS[Math.floor(random() * METHODS.length)];
        const path = shapes[Math.floor(random() * shapes.length)]();
        return new Promise<void>((resolve) => {
          const req = http.request(`${service.url}${path}`, { method }, (res) => res.resume().on("end", resolve));
          req.on("error", () => resolve());
          req.end();
        });
      }));
    }
  }

  test("a HEAD of a GET route (Fastify's own route) and a 404 under a route's prefix get the right labels, scrapes none", async () => {
    const before = await metrics();
    const head = await new Promise<number>((resolve, reject) => {
      http.request(`${service.url}/payments/pay_nope`, { method: "HEAD" }, (res) => res.resume().on("end", () => resolve(res.statusCode ?? 0))).on("error", reject).end();
    });
    expect(head).toBe(404); // the route matched; the payment does not exist
    expect((await request("GET", `${service.url}/payments/a/b/c`)).status).toBe(404); // no route matches
    const after = await metrics();
    const delta = (labels: Record<string, string>) => value(after, "http_requests_total", labels) - value(before, "http_requests_total", labels);
    expect(delta({ method: "HEAD", route: "/payments/:id", status: "404" })).toBe(1);
    expect(delta({ method: "GET", route: "__unmatched__", status: "404" })).toBe(1);
    expect(samples(after, "http_requests_total").filter((s) => ["/metrics", "/healthz"].includes(s.labels.route))).toEqual([]);
  });

  test("a scan of random URLs only ever uses route templates or __unmatched__ and creates no new series once warm", async () => {
    await scan(1, 400);
    const warm = await metrics();
    const routes = new Set(samples(warm, "http_requests_total").map((s) => s.labels.route));
    for (const route of routes) expect(TEMPLATES).toContain(route);
    const methods = new Set(samples(warm, "http_requests_total").map((s) => s.labels.method));
    expect([...methods].every((m) => ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"].includes(m))).toBe(true);

    await scan(2, 600);
    const after = await metrics();
    const keys = (f: MetricFamily[]) => new Set(f.filter((x) => x.name.startsWith("http_")).flatMap((x) => x.samples).map(seriesKey));
    expect([...keys(after)].filter((k) => !keys(warm).has(k))).toEqual([]);
    expect(value(after, "http_requests_total", { method: "GET", route: "__unmatched__", status: "404" })).toBeGreaterThan(0);
  });
});
