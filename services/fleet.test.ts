/**
 * The fleet table is a contract other engineers build on: names, owners, tiers, languages and
 * the local port plan must not drift.
 */
import { CURRENCIES, DEMO_SERVICE_NAMES, FLEET, fleetService, MERCHANTS } from "./fleet";

test("the fleet has the twelve services of the contract with their team and tier", () => {
  expect(FLEET.map((s) => `${s.name} ${s.team} ${s.tier}`)).toEqual([
    "api-gateway platform tier-1", "auth-service identity tier-1", "payment-processor payments tier-1",
    "merchant-api merchants tier-1", "ledger core-banking tier-1", "fraud-detection risk tier-1",
    "risk-scoring risk tier-2", "settlement payments tier-2", "payouts payments tier-2",
    "notifications platform tier-3", "webhooks platform tier-2", "reporting data tier-3",
  ]);
});

test("service i listens on 8100+i and its admin listener on 8200+i", () => {
  FLEET.forEach((s, i) => expect([s.name, s.port, s.adminPort]).toEqual([s.name, 8101 + i, 8201 + i]));
});

test("only merchant-api is Python and the ten others run on the demo service", () => {
  expect(FLEET.filter((s) => s.language === "python").map((s) => s.name)).toEqual(["merchant-api"]);
  expect(DEMO_SERVICE_NAMES).toHaveLength(10);
});

test("default traffic is about 200 r/s to payment-processor, 80 r/s to merchant-api and a few r/s elsewhere", () => {
  expect(fleetService("payment-processor").trafficRps).toBe(200);
  expect(fleetService("merchant-api").trafficRps).toBe(80);
  for (const name of DEMO_SERVICE_NAMES) expect(fleetService(name).trafficRps).toBeLessThanOrEqual(20);
});

test("every profile has routes with positive weights, unique templates and sane latency", () => {
  for (const s of FLEET) {
    const p = s.profile;
    expect(p.routes.length).toBeGreaterThan(0);
    expect(new Set(p.routes.map((r) => `${r.method} ${r.path}`)).size).toBe(p.routes.length);
    for (const r of p.routes) expect(r.weight).toBeGreaterThan(0);
    for (const l of [p.latency, ...p.routes.flatMap((r) => (r.latency ? [r.latency] : []))]) expect(l.p99Ms).toBeGreaterThan(l.medianMs);
    expect(p.errorRatio).toBeLessThan(0.05);
  }
});

test("the merchant label is bounded to about twenty ids and the currencies are a fixed set", () => {
  expect(MERCHANTS.length).toBe(20);
  expect(new Set(MERCHANTS).size).toBe(20);
  expect(CURRENCIES).toEqual(["USD", "EUR", "GBP", "CAD", "AUD"]);
  expect(() => fleetService("nope")).toThrow(/unknown service 'nope'; the fleet has: api-gateway/);
});
