/**
 * The request mixes: realistic proportions (seeded, so reproducible), and every request a mix
 * calls "bad" really is refused by the real service while the good ones are accepted.
 */
import { fleetService, MERCHANTS } from "../fleet";
import { seededRandom } from "../lib/latency";
import { startPaymentProcessor } from "../payment-processor/app";
import { parsePaymentProcessorConfig } from "../payment-processor/config";
import { request } from "../testing/http";
import { startServiceProcess } from "../testing/processes";
import { merchantMix, paymentMix, pickAmount, profileMix, type PlannedRequest, type RequestMix } from "./mix";

const draw = (mix: RequestMix, n: number): PlannedRequest[] => Array.from({ length: n }, () => mix.next());
const share = (items: PlannedRequest[], test: (p: PlannedRequest) => boolean) => items.filter(test).length / items.length;

test("the payment mix is ~88% payments, ~9% lookups, ~1% refunds and ~2% bad requests", () => {
  const planned = draw(paymentMix(seededRandom(1)), 20000);
  expect(share(planned, (p) => p.kind === "payment")).toBeCloseTo(0.88, 1);
  expect(share(planned, (p) => p.kind === "lookup")).toBeCloseTo(0.09, 1);
  expect(share(planned, (p) => p.kind.startsWith("bad_"))).toBeGreaterThan(0.015);
  expect(share(planned, (p) => p.kind.startsWith("bad_"))).toBeLessThan(0.025);
});

test("payments use weighted currencies, popular merchants first, a long tail of others, and long-tailed amounts", () => {
  const bodies = draw(paymentMix(seededRandom(2)), 20000).filter((p) => p.kind === "payment").map((p) => JSON.parse(p.body!) as { amount: number; currency: string; merchantId: string });
  const of = (test: (b: (typeof bodies)[number]) => boolean) => bodies.filter(test).length / bodies.length;
  expect(of((b) => b.currency === "USD")).toBeGreaterThan(0.5);
  expect(of((b) => b.currency === "AUD")).toBeLessThan(0.08);
  expect(of((b) => !MERCHANTS.includes(b.merchantId))).toBeCloseTo(0.04, 1);
  expect(of((b) => b.merchantId === MERCHANTS[0])).toBeGreaterThan(3 * of((b) => b.merchantId === MERCHANTS[9]));
  const amounts = bodies.map((b) => b.amount).sort((a, b) => a - b);
  expect(amounts[Math.floor(amounts.length / 2)]).toBeGreaterThan(35);
  expect(amounts[Math.floor(amounts.length / 2)]).toBeLessThan(55);
  expect(amounts[amounts.length - 1]).toBeGreaterThan(600);
  expect(amounts.every((a) => a > 0 && a <= 100000 && Math.abs(Math.round(a * 100) - a * 100) < 1e-6)).toBe(true);
  expect(pickAmount(() => 0.999999)).toBeLessThanOrEqual(100000);
});

test("payment-processor accepts every good request of the mix and refuses every bad one with 400", async () => {
  const service = await startPaymentProcessor(parsePaymentProcessorConfig({ PORT: "0", LATENCY_SCALE: "0", PAYMENT_FAILURE_RATIO: "0", PAYMENT_TIMEOUT_RATIO: "0" }));
  try {
    const mix = paymentMix(seededRandom(3));
    for (let i = 0; i < 600; i++) {
      const planned = mix.next();
      const response = await request(planned.method, `${service.url}${planned.path}`, planned.body);
      mix.observe(planned, response.status, JSON.stringify(response.body));
      const expected = planned.kind.startsWith("bad_") ? [400] : planned.kind === "payment" ? [201] : planned.kind === "lookup" ? [200] : [200, 409];
      expect({ kind: planned.kind, status: response.status, ok: expected.includes(response.status) }).toEqual({ kind: planned.kind, status: response.status, ok: true });
    }
  } finally {
    await service.close();
  }
});

test("merchant-api answers the merchant mix as the mix expects: 200s, 404 for unknown merchants, 400 for malformed", async () => {
  const service = await startServiceProcess("python", { LATENCY_SCALE: "0", MERCHANT_ERROR_RATIO: "0" });
  try {
    const mix = merchantMix(seededRandom(4));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const planned = mix.next();
      const response = await request(planned.method, `${service.url}${planned.path}`, planned.body);
      const unknown = /\/merchants\/m-\d+/.test(planned.path);
      const expected = planned.kind.startsWith("bad_") ? 400 : unknown ? 404 : 200;
      expect({ path: planned.path, status: response.status }).toEqual({ path: planned.path, status: expected });
      counts[planned.kind] = (counts[planned.kind] ?? 0) + 1;
    }
    expect(counts.merchant).toBeGreaterThan(counts.balance);
    expect(counts.balance).toBeGreaterThan(counts.settings);
  } finally {
    await service.stop();
  }
});

test("a demo service's mix follows its profile's route weights", () => {
  const gateway = fleetService("api-gateway");
  const planned = draw(profileMix(gateway, seededRandom(5)), 10000);
  expect(share(planned, (p) => p.kind === "GET /v1/accounts/:id")).toBeCloseTo(0.5, 1);
  expect(share(planned, (p) => p.kind === "POST /v1/payments")).toBeCloseTo(0.3, 1);
  expect(planned.every((p) => !p.path.includes(":"))).toBe(true);
});
