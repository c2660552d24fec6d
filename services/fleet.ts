/**
 * The demo fleet: the twelve services of the fintech, their owners, local ports, default traffic
 * and behaviour profile. This is the ONE table the services, the traffic generator, the local
 * stack and the benchmark read; nothing else hard-codes a port or a rate.
 *
 * Local ports: service i (1-based, in the order below) serves its API, /metrics and /healthz on
 * 127.0.0.1:8100+i and its chaos admin listener (only when CHAOS_ENABLED=true) on 8200+i.
 * Inside a container every service listens on 8080 (config/conventions.ts PORTS.service); the
 * services themselves only ever read PORT / ADMIN_PORT.
 */
import catalog from "./catalog.json";

/** Implementation language; decides which image/entry point runs the service. */
export type Language = "node" | "python";

/** Business criticality, used by alert routing and dashboards. */
export type Tier = "tier-1" | "tier-2" | "tier-3";

/** A latency distribution: log-normal fitted through its median and 99th percentile. */
export interface LatencyProfile {
  medianMs: number;
  p99Ms: number;
}

/** One route of a demo service: its template, share of the traffic and optional overrides. */
export interface RouteProfile {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify route template, e.g. "/accounts/:id"; this is the `route` label value. */
  path: string;
  /** Relative share of this service's traffic sent to the route by the traffic generator. */
  weight: number;
  /** Overrides the service latency for this route. */
  latency?: LatencyProfile;
  /** Fraction of requests answered with `clientErrorStatus` (e.g. 401 from auth-service). */
  clientErrorRatio?: number;
  clientErrorStatus?: number;
}

/** How a service behaves: what the RED dashboards should show for it under normal traffic. */
export interface ServiceProfile {
  latency: LatencyProfile;
  /** Fraction of requests that fail server-side with `errorStatus`. */
  errorRatio: number;
  errorStatus: 500 | 502 | 503;
  routes: RouteProfile[];
}

/** One service of the fleet. */
export interface FleetService {
  name: string;
  team: string;
  tier: Tier;
  language: Language;
  /** Local (loopback) API + /metrics port. */
  port: number;
  /** Local chaos admin port; the listener exists only when CHAOS_ENABLED=true. */
  adminPort: number;
  /** Default traffic-generator rate in requests per second. */
  trafficRps: number;
  profile: ServiceProfile;
}

/** Fixed merchant ids (the bounded `merchant` label) shared with merchant-api via catalog.json. */
export const MERCHANTS: readonly string[] = catalog.merchants;
/** Label value for any merchant id not in MERCHANTS. */
export const OTHER_MERCHANT: string = catalog.otherMerchant;
/** Supported ISO currency codes mapped to the demo USD rate used for payment_amount_usd_total. */
export const CURRENCY_USD_RATES: Readonly<Record<string, number>> = catalog.currencies;
export const CURRENCIES: readonly string[] = Object.keys(catalog.currencies);

const ms = (medianMs: number, p99Ms: number): LatencyProfile => ({ medianMs, p99Ms });

type Row = [name: string, team: string, tier: Tier, language: Language, trafficRps: number, profile: ServiceProfile];

// Order matters: it fixes the local ports (8101.., 8201..). Append, never reorder.
const ROWS: Row[] = [
  ["api-gateway", "platform", "tier-1", "node", 20, {
    latency: ms(12, 90), errorRatio: 0.002, errorStatus: 502, routes: [
      { method: "GET", path: "/v1/accounts/:id", weight: 5 },
      { method: "POST", path: "/v1/payments", weight: 3, latency: ms(60, 300) },
      { method: "GET", path: "/v1/merchants/:id", weight: 2 },
    ] }],
  ["auth-service", "identity", "tier-1", "node", 15, {
    latency: ms(8, 60), errorRatio: 0.001, errorStatus: 500, routes: [
      { method: "POST", path: "/oauth/token", weight: 4, latency: ms(25, 120), clientErrorRatio: 0.03, clientErrorStatus: 401 },
      { method: "GET", path: "/sessions/:id", weight: 6 },
    ] }],
  ["payment-processor", "payments", "tier-1", "node", 200, {
    latency: ms(45, 220), errorRatio: 0, errorStatus: 500, routes: [
      { method: "POST", path: "/payments", weight: 90 },
      { method: "GET", path: "/payments/:id", weight: 9, latency: ms(4, 25) },
      { method: "POST", path: "/payments/:id/refund", weight: 1, latency: ms(30, 150) },
    ] }],
  // merchant-api is Python: this profile mirrors the defaults in merchant_api/config.py.
  // 0.1% errors is 0.2x its 99.5% availability budget, as payment-processor's timeouts are of
  // its own. At 0.3% (0.6x) a 2-minute-old 5m error ratio crossed the overview's yellow line
  // (0.375%) by chance at 80 r/s: the e2e "all green on a normal day" check caught it.
  ["merchant-api", "merchants", "tier-1", "python", 80, {
    latency: ms(30, 350), errorRatio: 0.001, errorStatus: 503, routes: [
      { method: "GET", path: "/merchants/{merchant_id}", weight: 50 },
      { method: "GET", path: "/merchants/{merchant_id}/balance", weight: 25 },
      { method: "GET", path: "/merchants/{merchant_id}/transactions", weight: 20 },
      { method: "PATCH", path: "/merchants/{merchant_id}/settings", weight: 5 },
    ] }],
  ["ledger", "core-banking", "tier-1", "node", 10, {
    latency: ms(20, 150), errorRatio: 0.0005, errorStatus: 500, routes: [
      { method: "POST", path: "/entries", weight: 6 },
      { method: "GET", path: "/accounts/:id/balance", weight: 4, latency: ms(6, 40) },
    ] }],
  ["fraud-detection", "risk", "tier-1", "node", 10, {
    latency: ms(55, 300), errorRatio: 0.003, errorStatus: 500, routes: [
      { method: "POST", path: "/checks", weight: 1 },
    ] }],
  ["risk-scoring", "risk", "tier-2", "node", 6, {
    latency: ms(110, 800), errorRatio: 0.005, errorStatus: 500, routes: [
      { method: "POST", path: "/scores", weight: 8 },
      { method: "GET", path: "/models/:model/version", weight: 2, latency: ms(5, 30) },
    ] }],
  ["settlement", "payments", "tier-2", "node", 2, {
    latency: ms(180, 1500), errorRatio: 0.002, errorStatus: 500, routes: [
      { method: "POST", path: "/batches", weight: 1, latency: ms(900, 4000) },
      { method: "GET", path: "/batches/:id", weight: 9 },
    ] }],
  ["payouts", "payments", "tier-2", "node", 2, {
    latency: ms(140, 900), errorRatio: 0.005, errorStatus: 502, routes: [
      { method: "POST", path: "/payouts", weight: 4 },
      { method: "GET", path: "/payouts/:id", weight: 6, latency: ms(10, 60) },
    ] }],
  ["notifications", "platform", "tier-3", "node", 5, {
    latency: ms(80, 900), errorRatio: 0.01, errorStatus: 502, routes: [
      { method: "POST", path: "/notifications/email", weight: 6 },
      { method: "POST", path: "/notifications/sms", weight: 4, latency: ms(150, 1500) },
    ] }],
  ["webhooks", "platform", "tier-2", "node", 4, {
    latency: ms(250, 2000), errorRatio: 0.02, errorStatus: 502, routes: [
      { method: "POST", path: "/deliveries", weight: 8 },
      { method: "GET", path: "/deliveries/:id", weight: 2, latency: ms(5, 30) },
    ] }],
  // Slow but healthy: ~0.1% of requests over the overview's 5 s p99 line (services without an
  // SLO). With exports at p99 4.5 s it was 0.3%, and at 1 r/s a 5-minute p99 then reached the
  // red line in ~7% of windows on a normal day (an e2e "all green" check caught it).
  ["reporting", "data", "tier-3", "node", 1, {
    latency: ms(400, 2500), errorRatio: 0.005, errorStatus: 500, routes: [
      { method: "GET", path: "/reports/:id", weight: 7 },
      { method: "POST", path: "/exports", weight: 3, latency: ms(900, 3500) },
    ] }],
];

/** The twelve services, in port order. */
export const FLEET: readonly FleetService[] = ROWS.map(([name, team, tier, language, trafficRps, profile], i) => ({
  name, team, tier, language, trafficRps, profile,
  port: 8101 + i,
  adminPort: 8201 + i,
}));

/** Names of the services run by the reusable Node demo service (everything but the two instrumented ones). */
export const DEMO_SERVICE_NAMES: readonly string[] = FLEET.filter(
  (s) => s.name !== "payment-processor" && s.name !== "merchant-api",
).map((s) => s.name);

/** Looks a service up by name; throws listing the valid names so a typo in SERVICE_NAME is obvious. */
export function fleetService(name: string): FleetService {
  const found = FLEET.find((s) => s.name === name);
  if (!found) {
    throw new Error(`unknown service '${name}'; the fleet has: ${FLEET.map((s) => s.name).join(", ")}`);
  }
  return found;
}
