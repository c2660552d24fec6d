/**
 * Turns fleet defaults plus CLI overrides into the list of targets to drive.
 */
import { FLEET, fleetService } from "../fleet";
import type { TargetSpec } from "./generator";

/** Overrides of the fleet's default rates and addresses. */
export interface PlanOptions {
  /** Multiplies every rate (after per-service overrides). */
  scale?: number;
  /** Per-service rate overrides, requests per second. */
  rates?: Record<string, number>;
  /** Only these services (default: all twelve). */
  only?: string[];
  /** Per-service base URL overrides. */
  urls?: Record<string, string>;
  /** Base URL for every other service, "{name}" replaced by the service name (e.g. the Docker network). */
  urlTemplate?: string;
}

/** The targets of a run: every selected fleet service at its (scaled) rate and address. */
export function planTargets(options: PlanOptions = {}): TargetSpec[] {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new Error(`scale must be > 0, got ${scale}`);
  for (const name of [...Object.keys(options.rates ?? {}), ...Object.keys(options.urls ?? {}), ...(options.only ?? [])]) {
    fleetService(name); // throws with the list of valid names
  }
  const selected = options.only?.length ? FLEET.filter((s) => options.only!.includes(s.name)) : FLEET;
  return selected.map((s) => ({
    service: s.name,
    baseUrl: options.urls?.[s.name] ?? (options.urlTemplate ? options.urlTemplate.replaceAll("{name}", s.name) : `http://127.0.0.1:${s.port}`),
    rps: (options.rates?.[s.name] ?? s.trafficRps) * scale,
  }));
}

/** Parses repeated "name=value" options into a record. */
export function parsePairs<T>(pairs: string[], parse: (value: string, key: string) => T): Record<string, T> {
  const result: Record<string, T> = {};
  for (const pair of pairs) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`expected name=value, got ${JSON.stringify(pair)}`);
    result[pair.slice(0, i)] = parse(pair.slice(i + 1), pair.slice(0, i));
  }
  return result;
}
