/**
 * `npm run local:status`: targets up/down, firing alerts and received notifications of a
 * running local stack, read from Prometheus' and the stand-ins' HTTP APIs.
 */
import type { LocalStackOptions } from "./config";

/** A snapshot of the running stack. */
export interface LocalStatus {
  targets: Array<{ job: string; instance: string; health: string; lastError: string }>;
  alerts: Array<{ name: string; state: string; service: string; severity: string; activeAt: string }>;
  notifications: Array<{ receiver: string; at: string; summary: string; accepted: boolean }>;
  errors: string[];
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export async function collectStatus(o: LocalStackOptions): Promise<LocalStatus> {
  const prom = `http://127.0.0.1:${o.ports.prometheus}`;
  const status: LocalStatus = { targets: [], alerts: [], notifications: [], errors: [] };
  try {
    const t = await getJson(`${prom}/api/v1/targets?state=active`);
    status.targets = t.data.activeTargets.map((x: any) => ({ job: x.labels.job, instance: x.labels.instance, health: x.health, lastError: x.lastError ?? "" }));
  } catch (e) {
    status.errors.push(`Prometheus: ${(e as Error).message}`);
  }
  try {
    const a = await getJson(`${prom}/api/v1/alerts`);
    status.alerts = a.data.alerts.map((x: any) => ({ name: x.labels.alertname, state: x.state, service: x.labels.service ?? "", severity: x.labels.severity ?? "", activeAt: x.activeAt ?? "" }));
  } catch (e) {
    status.errors.push(`Prometheus alerts: ${(e as Error).message}`);
  }
  try {
    const n = await getJson(`http://127.0.0.1:${o.ports.pagerduty}/api/notifications`);
    const list: any[] = Array.isArray(n) ? n : (n.notifications ?? []);
    status.notifications = list.map((x) => ({ receiver: x.receiver, at: x.receivedAt ?? x.arrivedAt ?? x.at ?? "", summary: x.summary ?? x.title ?? "", accepted: x.accepted !== false }));
  } catch (e) {
    status.errors.push(`receivers: ${(e as Error).message}`);
  }
  return status;
}

export function formatStatus(s: LocalStatus): string {
  const lines: string[] = [];
  const up = s.targets.filter((t) => t.health === "up").length;
  lines.push(`Targets: ${up}/${s.targets.length} up`);
  for (const t of s.targets) lines.push(`  ${t.health === "up" ? "UP  " : "DOWN"} ${t.job.padEnd(20)} ${t.instance}${t.lastError ? `  (${t.lastError})` : ""}`);
  const firing = s.alerts.filter((a) => a.state === "firing");
  lines.push(`Alerts: ${firing.length} firing, ${s.alerts.length - firing.length} pending`);
  for (const a of s.alerts) lines.push(`  ${a.state.padEnd(8)} ${a.name.padEnd(28)} service=${a.service} severity=${a.severity} since ${a.activeAt}`);
  lines.push(`Notifications received: ${s.notifications.length}`);
  for (const n of s.notifications.slice(-10)) lines.push(`  ${n.at} ${n.receiver.padEnd(10)} ${n.accepted ? "" : "REJECTED "}${n.summary}`);
  for (const e of s.errors) lines.push(`! ${e}`);
  return lines.join("\n");
}
