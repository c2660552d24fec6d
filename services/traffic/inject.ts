/**
 * Drives a service's chaos admin API (services/lib/admin.ts): an error burst or latency spike for
 * N seconds, or memory ballast. Later issues (alert drills) call these functions directly.
 */
import { fleetService } from "../fleet";
import { assertAllowedTarget } from "./generator";

/** A fault to inject. */
export interface FaultRequest {
  errorRatio?: number;
  latencyMs?: number;
  durationSeconds: number;
}

/** Options common to every admin call. */
export interface AdminTarget {
  /** Admin base URL; defaults to the service's local admin port from the fleet table. */
  adminUrl?: string;
  allowNonLoopback?: boolean;
}

/** The default local admin URL of a fleet service. */
export function localAdminUrl(service: string): string {
  return `http://127.0.0.1:${fleetService(service).adminPort}`;
}

async function call(service: string, target: AdminTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const base = target.adminUrl ?? localAdminUrl(service);
  assertAllowedTarget(base, target.allowNonLoopback);
  const url = `${base.replace(/\/$/, "")}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(`${method} ${url} (${service}) failed: ${(err as Error).message}; is the service running with CHAOS_ENABLED=true?`);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} (${service}) answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Starts an error burst and/or latency spike on `service` for durationSeconds. */
export function injectFault(service: string, fault: FaultRequest, target: AdminTarget = {}): Promise<unknown> {
  return call(service, target, "POST", "/chaos/fault", fault);
}

/** Ends any fault on `service`. */
export function clearFault(service: string, target: AdminTarget = {}): Promise<unknown> {
  return call(service, target, "DELETE", "/chaos/fault");
}

/** Current fault of `service`. */
export function faultStatus(service: string, target: AdminTarget = {}): Promise<unknown> {
  return call(service, target, "GET", "/chaos/fault");
}

/** Grows `service`'s memory to targetRatio of its limit over rampSeconds (Node services). */
export function startMemoryChaos(service: string, targetRatio: number, rampSeconds: number, target: AdminTarget = {}, pastLimit = false): Promise<unknown> {
  return call(service, target, "POST", "/chaos/memory", { targetRatio, rampSeconds, ...(pastLimit ? { pastLimit } : {}) });
}

/** Releases `service`'s memory ballast. */
export function releaseMemoryChaos(service: string, target: AdminTarget = {}): Promise<unknown> {
  return call(service, target, "DELETE", "/chaos/memory");
}

/** Memory chaos status of `service`. */
export function memoryStatus(service: string, target: AdminTarget = {}): Promise<unknown> {
  return call(service, target, "GET", "/chaos/memory");
}
