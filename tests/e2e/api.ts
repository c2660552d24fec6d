/**
 * Small clients for the e2e suites: Prometheus and Alertmanager HTTP APIs, the
 * notification stand-ins, and a bounded poll helper.
 */
import type { LocalStackOptions } from "../../local/config";
import type { NotificationRecord } from "../../local/receivers/store";

export async function getJson(url: string, init?: RequestInit, timeoutMs = 10_000): Promise<any> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Instant query; returns [labels, value] pairs. */
export async function query(o: LocalStackOptions, expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const d = await getJson(`http://127.0.0.1:${o.ports.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return d.data.result.map((r: any) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls `check` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 2000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

export type Notification = NotificationRecord;

export async function notifications(o: LocalStackOptions, filter: { receiver?: string; service?: string; sinceMs?: number } = {}): Promise<Notification[]> {
  const q = new URLSearchParams();
  if (filter.receiver) q.set("receiver", filter.receiver);
  if (filter.service) q.set("service", filter.service);
  if (filter.sinceMs) q.set("since", String(filter.sinceMs));
  const d = await getJson(`http://127.0.0.1:${o.ports.pagerduty}/api/notifications?${q}`);
  return d.notifications;
}

/** Pushes alerts straight into Alertmanager (its v2 API), as Prometheus would. */
export async function pushAlerts(o: LocalStackOptions, alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }>): Promise<void> {
  await getJson(`http://127.0.0.1:${o.ports.alertmanager}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
}
