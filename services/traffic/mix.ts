/**
 * What the traffic generator sends to each service: a realistic request mix. payment-processor
 * gets payments with a long-tailed amount distribution, weighted currencies, a Zipf-like merchant
 * popularity, lookups and refunds of payments it created, and a small share of bad requests;
 * merchant-api gets merchant reads and settings updates; the demo services get their profile
 * routes by weight.
 */
import { CURRENCIES, MERCHANTS, type FleetService } from "../fleet";
import { sampleLatencyMs, type Random } from "../lib/latency";

/** One request to send; `captureBody` asks the generator to hand the response body back. */
export interface PlannedRequest {
  method: string;
  path: string;
  body?: string;
  /** Short bounded name of what this request is, for tests and reports ("payment", "bad_json"). */
  kind: string;
  captureBody?: boolean;
}

/** A per-service request source; observe() lets it learn from answers (e.g. payment ids). */
export interface RequestMix {
  next(): PlannedRequest;
  observe(request: PlannedRequest, status: number, body: string | undefined): void;
}

/** Picks an index with probability proportional to its weight. */
export function weightedPick<T>(items: readonly T[], weight: (t: T) => number, random: Random): T {
  const total = items.reduce((n, t) => n + weight(t), 0);
  let r = random() * total;
  for (const item of items) {
    r -= weight(item);
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

const CURRENCY_WEIGHTS: Record<string, number> = { USD: 0.55, EUR: 0.2, GBP: 0.12, CAD: 0.08, AUD: 0.05 };
// Popularity falls with rank (Zipf, s = 1.1): the top merchant gets ~5x the traffic of the tenth.
const MERCHANT_WEIGHTS = MERCHANTS.map((_, rank) => 1 / (rank + 1) ** 1.1);

/** A merchant id: mostly listed ones by popularity, `unknownShare` of the time a long-tail one. */
export function pickMerchant(random: Random, unknownShare: number): string {
  if (random() < unknownShare) return `m-${Math.floor(random() * 100000)}`;
  return weightedPick(MERCHANTS.map((m, i) => [m, MERCHANT_WEIGHTS[i]] as const), ([, w]) => w, random)[0];
}

/** Card-payment amounts: log-normal, median 45, about 1% above 600, in cents, within the limit. */
export function pickAmount(random: Random): number {
  const value = sampleLatencyMs({ medianMs: 45, p99Ms: 600 }, random); // same log-normal shape
  return Math.min(100000, Math.max(0.5, Math.round(value * 100) / 100));
}

const randomId = (random: Random) => Math.floor(random() * 36 ** 10).toString(36);

/** payment-processor: 88% payments, 9% lookups, 1% refunds, 2% bad requests. */
export function paymentMix(random: Random): RequestMix {
  const recent: string[] = []; // ring of ids this generator created, for lookups and refunds
  const recentId = () => recent[Math.floor(random() * recent.length)] ?? `pay_${randomId(random)}`;
  const badRequests: Array<() => PlannedRequest> = [
    () => ({ method: "POST", path: "/payments", body: '{"amount": 10, "currency": "USD", ', kind: "bad_json" }),
    () => ({ method: "POST", path: "/payments", body: JSON.stringify({ amount: -pickAmount(random), currency: "USD", merchantId: pickMerchant(random, 0) }), kind: "bad_amount" }),
    () => ({ method: "POST", path: "/payments", body: JSON.stringify({ amount: 5_000_000, currency: "EUR", merchantId: pickMerchant(random, 0) }), kind: "bad_amount" }),
    () => ({ method: "POST", path: "/payments", body: JSON.stringify({ amount: pickAmount(random), currency: "JPY", merchantId: pickMerchant(random, 0) }), kind: "bad_currency" }),
  ];
  return {
    next() {
      const r = random();
      if (r < 0.02) return badRequests[Math.floor(random() * badRequests.length)]();
      if (r < 0.03) return { method: "POST", path: `/payments/${recentId()}/refund`, kind: "refund" };
      if (r < 0.12) return { method: "GET", path: `/payments/${recentId()}`, kind: "lookup" };
      const currency = weightedPick(CURRENCIES, (c) => CURRENCY_WEIGHTS[c] ?? 0.01, random);
      const body = JSON.stringify({ amount: pickAmount(random), currency, merchantId: pickMerchant(random, 0.04) });
      return { method: "POST", path: "/payments", body, kind: "payment", captureBody: recent.length < 1000 || random() < 0.05 };
    },
    observe(request, status, body) {
      if (request.kind !== "payment" || status !== 201 || !body) return;
      try {
        const id = (JSON.parse(body) as { id?: string }).id;
        if (!id) return;
        if (recent.length < 1000) recent.push(id);
        else recent[Math.floor(random() * recent.length)] = id;
      } catch {
        // a non-JSON answer is the service's problem, not the mix's
      }
    },
  };
}

/** merchant-api: reads by route weight, ~2% unknown merchants (404), ~1% malformed requests (400). */
export function merchantMix(random: Random): RequestMix {
  return {
    next() {
      const r = random();
      if (r < 0.005) return { method: "GET", path: "/merchants/Bad_Id!", kind: "bad_merchant_id" };
      if (r < 0.01) return { method: "GET", path: `/merchants/${pickMerchant(random, 0)}/transactions?limit=1000`, kind: "bad_limit" };
      const merchant = pickMerchant(random, 0.02);
      const route = weightedPick([["get", 50], ["balance", 25], ["transactions", 20], ["settings", 5]] as const, ([, w]) => w, random)[0];
      if (route === "get") return { method: "GET", path: `/merchants/${merchant}`, kind: "merchant" };
      if (route === "balance") return { method: "GET", path: `/merchants/${merchant}/balance`, kind: "balance" };
      if (route === "transactions") return { method: "GET", path: `/merchants/${merchant}/transactions?limit=${10 + Math.floor(random() * 41)}`, kind: "transactions" };
      const payoutSchedule = weightedPick(["daily", "weekly", "monthly"], (s) => (s === "daily" ? 3 : 1), random);
      return { method: "PATCH", path: `/merchants/${merchant}/settings`, body: JSON.stringify({ payoutSchedule }), kind: "settings" };
    },
    observe() {},
  };
}

/** A demo service: its profile routes by weight, path parameters filled with random ids. */
export function profileMix(service: FleetService, random: Random): RequestMix {
  return {
    next() {
      const route = weightedPick(service.profile.routes, (r) => r.weight, random);
      const path = route.path.replace(/:[a-zA-Z]+/g, () => randomId(random));
      const body = route.method === "GET" ? undefined : JSON.stringify({ requestId: randomId(random) });
      return { method: route.method, path, body, kind: `${route.method} ${route.path}` };
    },
    observe() {},
  };
}

/** The mix for a fleet service. */
export function mixFor(service: FleetService, random: Random): RequestMix {
  if (service.name === "payment-processor") return paymentMix(random);
  if (service.name === "merchant-api") return merchantMix(random);
  return profileMix(service, random);
}
