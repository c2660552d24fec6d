/**
 * Which color means what: the one place the red/yellow/green of every service tile comes from.
 *
 * The Grafana thresholds of the ops overview (and the deep-dive's header) are built from
 * `serviceThresholds`, and the tests colour query results with `colorOf` over the same steps,
 * so "the dashboard shows payment-processor red" is checked by the code that draws it.
 *
 * Where the numbers come from (dashboards/README.md has the table):
 * - error ratio: red at the availability SLO's error budget (burn rate 1: the budget would be
 *   spent exactly over the SLO window), yellow at 75% of it;
 * - p99 latency: red at the latency SLO's threshold, yellow at 75% of it;
 * - services without an SLO get NO_SLO_DEFAULTS: red only when clearly broken, no yellow (a tile
 *   that is yellow every day teaches on-call to ignore yellow; give the service an SLO to get
 *   an early warning);
 * - memory (fullest pod over its limit): red at the HighMemoryUsage threshold (alerts.memory),
 *   yellow at 75% of it; the same for every service, as the alert is. Memory is the one
 *   saturation signal on the overview: running out of it kills a service at once (the incident
 *   this stack was built after), while CPU saturation shows in latency first;
 * - up: green when every target is up, yellow when some are, red when none is.
 */
import type { StackConfig } from "../config/schema";

/** Grafana's three traffic-light colors (named colors of its palette). */
export type Health = "green" | "yellow" | "red";

/** Grafana threshold steps: the first has value null (minus infinity), values ascend. */
export interface ThresholdStep {
  value: number | null;
  color: Health;
}

/** The thresholds of one service's tiles. */
export interface ServiceThresholds {
  up: ThresholdStep[];
  errorRatio: ThresholdStep[];
  p99Seconds: ThresholdStep[];
  memoryRatio: ThresholdStep[];
  /** Where each came from, for descriptions and the README. */
  source: { errorRatio: string; p99Seconds: string };
}

/** Yellow starts at this share of the red threshold (services with an SLO). */
export const YELLOW_AT = 0.75;

/**
 * Services without an SLO: red when one request in twenty fails, or when the p99 reaches the
 * top finite bucket (5 s), where the histogram can no longer tell how slow requests are.
 * The demo fleet's noisiest services (webhooks 2% 5xx, reporting with exports at p99 3.5 s)
 * stay green under these, as they should on a normal day.
 */
export const NO_SLO_DEFAULTS = { errorRatioRed: 0.05, p99SecondsRed: 5 } as const;

/** Error budget remaining (0..1 of the budget): red under 10% (freeze risky changes), yellow under 50%. */
export const BUDGET_STEPS: ThresholdStep[] = [
  { value: null, color: "red" },
  { value: 0.1, color: "yellow" },
  { value: 0.5, color: "green" },
];

/** Share of the service's targets up (service:up:ratio). */
export const UP_STEPS: ThresholdStep[] = [
  { value: null, color: "red" },
  { value: 0.01, color: "yellow" },
  { value: 1, color: "green" },
];

/** green below yellowAt, yellow from yellowAt, red from redAt; no yellow step when yellowAt is null. */
export function ascending(redAt: number, yellowAt: number | null): ThresholdStep[] {
  const steps: ThresholdStep[] = [{ value: null, color: "green" }];
  if (yellowAt !== null) steps.push({ value: round(yellowAt), color: "yellow" });
  steps.push({ value: round(redAt), color: "red" });
  return steps;
}

/** Float noise off (0.75 * 0.001 = 0.00075, not 0.0007500000000000001), so JSON reads like the config. */
function round(x: number): number {
  return Number(x.toPrecision(10));
}

/**
 * The thresholds of a service, from its SLOs in the stack config (defaults when it has none);
 * `null` asks for the defaults, i.e. those of a service without SLOs.
 */
export function serviceThresholds(cfg: StackConfig, service: string | null): ServiceThresholds {
  const slos = cfg.slos.filter((s) => service !== null && s.service === service);
  const availability = slos.filter((s) => s.indicator.type === "availability");
  const latency = slos.filter((s) => s.indicator.type === "latency");
  // Several SLOs of one kind: the strictest decides (smallest budget, lowest threshold).
  const budget = availability.length ? Math.min(...availability.map((s) => 1 - s.objective / 100)) : null;
  const threshold = latency.length
    ? Math.min(...latency.map((s) => (s.indicator.type === "latency" ? s.indicator.thresholdSeconds : Infinity)))
    : null;
  return {
    up: UP_STEPS,
    errorRatio: budget !== null ? ascending(budget, budget * YELLOW_AT) : ascending(NO_SLO_DEFAULTS.errorRatioRed, null),
    p99Seconds: threshold !== null ? ascending(threshold, threshold * YELLOW_AT) : ascending(NO_SLO_DEFAULTS.p99SecondsRed, null),
    memoryRatio: ascending(cfg.alerts.memory.threshold / 100, (cfg.alerts.memory.threshold / 100) * YELLOW_AT),
    source: {
      errorRatio: budget !== null ? `availability SLO ${availability.map((s) => s.name).join(", ")}` : "default (no availability SLO)",
      p99Seconds: threshold !== null ? `latency SLO ${latency.map((s) => s.name).join(", ")}` : "default (no latency SLO)",
    },
  };
}

/**
 * The color Grafana gives `value` under `steps`: the last step whose value is at or below it.
 * NaN (0/0, a service without traffic) takes the base color, as Grafana does.
 */
export function colorOf(value: number, steps: ThresholdStep[]): Health {
  let color = steps[0].color;
  for (const step of steps.slice(1)) if (step.value !== null && value >= step.value) color = step.color;
  return color;
}

const RANK: Record<Health, number> = { green: 0, yellow: 1, red: 2 };

/** The worst of several colors (a service is as healthy as its worst tile). */
export function worst(colors: Health[]): Health {
  return colors.reduce<Health>((a, b) => (RANK[b] > RANK[a] ? b : a), "green");
}

/** The latest value of each overview tile for one service; undefined = the tile shows no value. */
export interface ServiceSignals {
  up?: number;
  errorRatio?: number;
  p99Seconds?: number;
  memoryRatio?: number;
}

/**
 * Overall health of a service from its tiles. A service with no `up` value at all is red:
 * Prometheus does not even know the target, which is worse than a target it cannot scrape.
 * Missing error ratio, latency or memory (no traffic, no limit) does not color it by itself.
 */
export function serviceHealth(t: ServiceThresholds, s: ServiceSignals): Health {
  const colors: Health[] = [s.up === undefined ? "red" : colorOf(s.up, t.up)];
  if (s.errorRatio !== undefined) colors.push(colorOf(s.errorRatio, t.errorRatio));
  if (s.p99Seconds !== undefined) colors.push(colorOf(s.p99Seconds, t.p99Seconds));
  if (s.memoryRatio !== undefined) colors.push(colorOf(s.memoryRatio, t.memoryRatio));
  return worst(colors);
}
