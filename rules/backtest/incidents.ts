/**
 * Incidents laid on top of a synthetic week, and the five the backtest must page on: each must
 * open exactly one page (one PagerDuty incident) within its detection budget, measured from the
 * moment the fault starts to the alert firing in the rule engine.
 */

/** One fault between fromS and toS (epoch seconds). */
export type WeekIncident =
  /** The availability (5xx) or latency (slow requests) SLO of a service burning at `multiple` x its budget. */
  | { kind: "burn"; service: string; indicator: "availability" | "latency"; multiple: number; fromS: number; toS: number }
  /** Every request answered 5xx (the process is up and scraped). */
  | { kind: "outage"; service: string; fromS: number; toS: number }
  /** The whole latency distribution shifted: a median and a p99, in seconds. */
  | { kind: "latency"; service: string; medianS: number; p99S: number; fromS: number; toS: number }
  /** Container memory rising linearly from `from` to `to` of its limit, held, then OOM-killed at toS (restart). */
  | { kind: "memory"; service: string; from: number; to: number; rampS: number; fromS: number; toS: number }
  /** A host filesystem filling at `perMinute` of its size until `until` full, then cleaned up at toS. */
  | { kind: "disk"; host: number; mountpoint: string; perMinute: number; until: number; fromS: number; toS: number };

/** An incident of the backtest with what it must do. */
export interface ExpectedIncident {
  name: string;
  incident: WeekIncident;
  /** Seconds from the start of the fault within which the page must fire. */
  budgetS: number;
  /** The page's `service` label (hosts: "node", with `instance`), and the alerts that may open it. */
  service: string;
  alerts: string[];
  instance?: string;
  /** Why this budget. */
  why: string;
}

/** The host's node-exporter instance label. */
export const hostInstance = (host: number) => `node-${host}:9100`;

/**
 * The five incidents, starting at `at(i)` (epoch seconds) for incident i. They may
 * overlap in time: each is told apart by its service and the alerts it may open a page with.
 */
export function standardIncidents(at: (i: number) => number): ExpectedIncident[] {
  const t = (i: number) => at(i);
  return [
    {
      name: "20x burn on payment-processor for 15 minutes",
      incident: { kind: "burn", service: "payment-processor", indicator: "availability", multiple: 20, fromS: t(0), toS: t(0) + 900 },
      budgetS: 300,
      service: "payment-processor",
      alerts: ["AvailabilityBudgetBurn"],
      why: "a sustained burn of 14.4x or more must page within 5 minutes",
    },
    {
      name: "2-minute total outage of merchant-api",
      incident: { kind: "outage", service: "merchant-api", fromS: t(1), toS: t(1) + 120 },
      budgetS: 60,
      service: "merchant-api",
      alerts: ["AvailabilityBudgetBurn"],
      why: "a total outage must page within 60 s",
    },
    {
      name: "payment-processor memory from 40% to 98% of its limit over 45 minutes",
      // The brief's incident: 98% held until the OOM kill 10 minutes later.
      incident: { kind: "memory", service: "payment-processor", from: 0.4, to: 0.98, rampS: 2700, fromS: t(2), toS: t(2) + 2700 + 600 },
      // Memory crosses 90% at 40 minutes: the page must come before it (earlier than
      // HighMemoryUsage could even go pending).
      budgetS: Math.round((2700 * (0.9 - 0.4)) / (0.98 - 0.4)),
      service: "payment-processor",
      alerts: ["MemoryExhaustionImminent", "HighMemoryUsage"],
      why: "page before memory reaches 90% of the limit",
    },
    {
      name: "payment-processor p99 at 3 s for 10 minutes",
      // A slow database: the whole distribution shifts (median 300 ms, p99 3 s): 30% of requests over 500 ms.
      incident: { kind: "latency", service: "payment-processor", medianS: 0.3, p99S: 3, fromS: t(3), toS: t(3) + 600 },
      budgetS: 300,
      service: "payment-processor",
      alerts: ["LatencyBudgetBurn"],
      why: "a latency SLO burning 14.4x or more must page within 5 minutes",
    },
    {
      name: "a disk filling at 1%/minute",
      incident: { kind: "disk", host: 1, mountpoint: "/", perMinute: 0.01, until: 0.98, fromS: t(4), toS: t(4) + 3600 },
      // From ~55% the disk is full in ~45 minutes: page with half an hour to spare.
      budgetS: 15 * 60,
      service: "node",
      instance: hostInstance(1),
      alerts: ["DiskFillingUp", "HighDiskUsage"],
      why: "page at least half an hour before the disk is full",
    },
  ];
}
