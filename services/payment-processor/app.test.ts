/**
 * payment-processor's HTTP behaviour on a real listener: outcomes, lookups, refunds, and how bad
 * requests are answered and counted.
 */
import { CURRENCIES } from "../fleet";
import type { RunningService } from "../lib/service";
import { scrape, value } from "../testing/exposition";
import { request } from "../testing/http";
import { startPaymentProcessor } from "./app";
import { parsePaymentProcessorConfig } from "./config";
import { MAX_AMOUNT } from "./payments";

let service: RunningService;

beforeAll(async () => {
  service = await startPaymentProcessor(
    parsePaymentProcessorConfig({ PORT: "0", LATENCY_SCALE: "0.05", PAYMENT_TIMEOUT_MS: "200" }),
  );
});
afterAll(() => service.close());

const pay = (body: unknown) => request("POST", `${service.url}/payments`, body);

describe("payments", () => {
  test("a successful payment answers 201 with an id that GET /payments/:id finds", async () => {
    const created = await pay({ amount: 42.5, currency: "EUR", merchantId: "globex", paymentMethod: "tok_success" });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    expect(id).toMatch(/^pay_[0-9a-f]{32}$/);
    const found = await request("GET", `${service.url}/payments/${id}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id, status: "success", amount: 42.5, currency: "EUR", merchantId: "globex" });
  });

  test("a declined payment answers 402 card_declined and a timed-out one 504 acquirer_timeout", async () => {
    const declined = await pay({ amount: 10, currency: "USD", merchantId: "hooli", paymentMethod: "tok_declined" });
    expect(declined).toMatchObject({ status: 402, body: { status: "failed", error: "card_declined" } });
    const started = Date.now();
    const timedOut = await pay({ amount: 10, currency: "USD", merchantId: "hooli", paymentMethod: "tok_timeout" });
    expect(timedOut).toMatchObject({ status: 504, body: { status: "timeout", error: "acquirer_timeout" } });
    // 200 ms timeout x 0.05 latency scale: the request really waited for the (scaled) acquirer timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9);
  });

  test("a successful payment can be refunded once, a declined one never", async () => {
    const ok = (await pay({ amount: 5, currency: "GBP", merchantId: "initech", paymentMethod: "tok_success" })).body as { id: string };
    expect((await request("POST", `${service.url}/payments/${ok.id}/refund`)).status).toBe(200);
    expect(await request("POST", `${service.url}/payments/${ok.id}/refund`)).toMatchObject({ status: 409, body: { error: "already_refunded" } });
    const declined = (await pay({ amount: 5, currency: "GBP", merchantId: "initech", paymentMethod: "tok_declined" })).body as { id: string };
    expect(await request("POST", `${service.url}/payments/${declined.id}/refund`)).toMatchObject({ status: 409, body: { error: "not_refundable" } });
    expect(await request("POST", `${service.url}/payments/pay_unknown/refund`)).toMatchObject({ status: 404, body: { error: "payment_not_found" } });
  });
});

describe("bad requests", () => {
  const cases: Array<[string, number, string, unknown, RegExp]> = [
    ["malformed JSON", 400, "invalid_json", '{"amount": 10, "currency": ', /not valid JSON/],
    ["a JSON array instead of an object", 400, "invalid_request", "[1,2,3]", /JSON object/],
    ["a negative amount", 400, "invalid_amount", { amount: -5, currency: "USD", merchantId: "globex" }, /greater than 0/],
    ["a zero amount", 400, "invalid_amount", { amount: 0, currency: "USD", merchantId: "globex" }, /greater than 0/],
    ["a huge amount", 400, "invalid_amount", { amount: 5e9, currency: "USD", merchantId: "globex" }, new RegExp(`limit of ${MAX_AMOUNT}`)],
    ["an amount with sub-cent digits", 400, "invalid_amount", { amount: 1.005, currency: "USD", merchantId: "globex" }, /two decimal places/],
    ["an amount given as a string", 400, "invalid_amount", { amount: "10", currency: "USD", merchantId: "globex" }, /must be a number/],
    ["an unknown currency", 400, "unsupported_currency", { amount: 10, currency: "XYZ", merchantId: "globex" }, new RegExp(CURRENCIES.join(", "))],
    ["a missing merchant", 400, "invalid_merchant", { amount: 10, currency: "USD" }, /merchantId is required/],
    ["a merchant id with odd characters", 400, "invalid_merchant", { amount: 10, currency: "USD", merchantId: "../../etc" }, /lowercase/],
    ["a body over 16 KiB", 413, "body_too_large", JSON.stringify({ amount: 1, currency: "USD", merchantId: "x".repeat(20000) }), /too large/],
  ];

  test.each(cases)("%s is refused with %i %s and counted as a rejection, not a transaction", async (_name, status, code, body, message) => {
    const before = await scrape(`${service.url}/metrics`);
    const response = await pay(body);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: code });
    expect((response.body as { message: string }).message).toMatch(message);

    const after = await scrape(`${service.url}/metrics`);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta("http_requests_total", { method: "POST", route: "/payments", status: String(status) })).toBe(1);
    expect(delta("payment_requests_rejected_total", { reason: code })).toBe(1);
    for (const s of ["success", "failed", "timeout"]) {
      const sum = (f: typeof after) => f.flatMap((x) => x.samples).filter((x) => x.name === "payment_transactions_total" && x.labels.status === s).reduce((n, x) => n + (x.value as number), 0);
      expect(sum(after) - sum(before)).toBe(0);
    }
  });

  test("a payment posted as text/plain is refused as invalid_request, not crashed on", async () => {
    const response = await request("POST", `${service.url}/payments`, "amount=10", { "content-type": "text/plain" });
    expect(response).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });
});
