/**
 * Reading the stand-ins over HTTP, for tests and drills that run them in another process
 * (the local stack): list notifications and incidents, and wait — bounded — until the
 * notifications a test expects have arrived.
 */
import type { Incident, IncidentFilter } from "./incidents";
import type { NotificationFilter, NotificationRecord } from "./store";

/** `uiUrl` of either port, e.g. http://127.0.0.1:8291/ */
export type BaseUrl = string;

async function getJson<T>(url: URL): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** GET /api/notifications with the filter, oldest first. */
export async function fetchNotifications(base: BaseUrl, f: NotificationFilter = {}): Promise<NotificationRecord[]> {
  const url = new URL("/api/notifications", base);
  if (f.receiver) url.searchParams.set("receiver", f.receiver);
  if (f.since !== undefined) url.searchParams.set("since", String(f.since));
  if (f.service) url.searchParams.set("service", f.service);
  if (f.accepted !== undefined) url.searchParams.set("accepted", String(f.accepted));
  return (await getJson<{ notifications: NotificationRecord[] }>(url)).notifications;
}

/** GET /api/incidents with the filter, oldest first. */
export async function fetchIncidents(base: BaseUrl, f: IncidentFilter = {}): Promise<Incident[]> {
  const url = new URL("/api/incidents", base);
  if (f.service) url.searchParams.set("service", f.service);
  if (f.state) url.searchParams.set("state", f.state);
  if (f.dedupKey) url.searchParams.set("dedup_key", f.dedupKey);
  return (await getJson<{ incidents: Incident[] }>(url)).incidents;
}

/** Bounds of a wait. */
export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Said in the error on timeout: what the test was waiting for. */
  what?: string;
}

/**
 * Polls the notifications matching `f` until `done(list)` holds; returns that list.
 * On timeout the error shows what had arrived, which is what one needs to debug it.
 */
export async function waitForNotifications(
  base: BaseUrl,
  f: NotificationFilter,
  done: (list: NotificationRecord[]) => boolean,
  o: WaitOptions,
): Promise<NotificationRecord[]> {
  const deadline = Date.now() + o.timeoutMs;
  let list: NotificationRecord[] = [];
  for (;;) {
    list = await fetchNotifications(base, f);
    if (done(list)) return list;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
  const seen = list.map((r) => `#${r.id} ${r.receiver} ${r.accepted ? "accepted" : `refused (${r.errors.join("; ")})`} ${r.summary ?? ""}`).join("\n  ");
  throw new Error(`waited ${o.timeoutMs} ms for ${o.what ?? "notifications"} (filter ${JSON.stringify(f)}); had:\n  ${seen || "(none)"}`);
}
