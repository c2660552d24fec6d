/**
 * Watches the stack while a drill runs: Prometheus' alert states, the notifications the
 * stand-ins received, the ops overview's colour for the drilled service, and a sampled
 * signal. Every change becomes a timeline event; nothing here decides pass or fail.
 */
import type { StackConfig } from "../../config/schema";
import { overviewHealth } from "../../dashboards/overview-health";
import type { NotificationRecord } from "../receivers/store";
import type { Timeline } from "./timeline";

/** Where the drill looks. `receiversUrl` is null on dev/prod, where PagerDuty is real. */
export interface DrillEndpoints {
  prometheusUrl: string;
  receiversUrl: string | null;
  /** The drilled service's admin (chaos) API. */
  adminUrl: string;
  /** The local stack's state directory (supervisor records, the services' cgroups); null on dev/prod. */
  stateDir?: string | null;
}

/** An alert as Prometheus reports it, keyed by its identifying labels. */
export interface AlertState {
  key: string;
  name: string;
  service: string;
  severity: string;
  state: "pending" | "firing";
  activeAt: number;
  value: string;
}

export async function getJson(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

/** Current pending/firing alerts (without the always-on Watchdog). */
export async function currentAlerts(prometheusUrl: string): Promise<Map<string, AlertState>> {
  const d = await getJson(`${prometheusUrl}/api/v1/alerts`);
  const out = new Map<string, AlertState>();
  for (const a of d.data.alerts) {
    const l = a.labels as Record<string, string>;
    if (l.alertname === "Watchdog") continue;
    const key = Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(",");
    out.set(key, { key, name: l.alertname, service: l.service ?? "", severity: l.severity ?? "", state: a.state, activeAt: Date.parse(a.activeAt), value: a.value });
  }
  return out;
}

/** Instant query; the first sample's value, or undefined. */
export async function queryValue(prometheusUrl: string, expr: string): Promise<number | undefined> {
  const d = await getJson(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const r = d.data.result[0];
  return r ? Number(r.value[1]) : undefined;
}

/** Alert name mentioned in a notification (our templates put it in the summary/title). */
export function alertNameOf(n: NotificationRecord): string | null {
  return alertNamesOf(n)[0] ?? null;
}

/**
 * Every alert name in a notification: a group of several alert names (a pod's two memory
 * alerts share one) prints them joined by "+" (render/alertmanager.ts common.alertnames).
 */
export function alertNamesOf(n: NotificationRecord): string[] {
  const text = `${n.summary ?? ""} ${n.slack?.title ?? ""}`;
  const m = /\] ([A-Z][A-Za-z0-9]+(?:\+[A-Z][A-Za-z0-9]+)*)/.exec(text);
  return m ? m[1].split("+") : [];
}

export class Observer {
  private alerts = new Map<string, AlertState>();
  private seenNotifications = new Set<number>();
  private overview: string | null = null;
  /** Every alert seen during the drill (key -> last state). */
  readonly everFiring = new Map<string, AlertState>();
  readonly everPending = new Map<string, AlertState>();
  readonly notifications: NotificationRecord[] = [];
  readonly since = Date.now();

  constructor(
    private readonly t: Timeline,
    private readonly ep: DrillEndpoints,
    private readonly cfg: StackConfig,
    private readonly sampleFn: () => Promise<{ serviceValue?: number; prometheusValue?: number }>,
    /** Follow the ops overview's colour of the timeline's service (off for multi-service drills). */
    private readonly watchOverview = true,
  ) {}

  /** Alerts already active when the drill starts (reported, and not blamed on the drill). */
  async baseline(): Promise<AlertState[]> {
    this.alerts = await currentAlerts(this.ep.prometheusUrl);
    return [...this.alerts.values()];
  }

  /** One observation round; errors are recorded, not thrown (the stack may be briefly busy). */
  async poll(): Promise<void> {
    await Promise.all([this.pollAlerts(), this.pollNotifications(), this.pollOverview(), this.pollSample()].map((p) => p.catch((e: Error) => this.t.add("info", `observer: ${e.message}`))));
  }

  colour(): string | null {
    return this.overview;
  }

  private async pollAlerts(): Promise<void> {
    const now = await currentAlerts(this.ep.prometheusUrl);
    for (const [key, a] of now) {
      const before = this.alerts.get(key);
      if (a.state === "pending" && before?.state !== "pending" && before?.state !== "firing") {
        this.everPending.set(key, a);
        this.t.add("alert_pending", `${a.name} pending (${a.service}, ${a.severity})`, { ...a });
      }
      if (a.state === "firing" && before?.state !== "firing") {
        this.everFiring.set(key, a);
        this.t.add("alert_firing", `${a.name} firing (${a.service}, ${a.severity})`, { ...a });
      }
    }
    for (const [key, a] of this.alerts) {
      if (!now.has(key)) this.t.add(a.state === "firing" ? "alert_resolved" : "info", a.state === "firing" ? `${a.name} resolved (${a.service})` : `${a.name} no longer pending (${a.service})`, { ...a });
    }
    this.alerts = now;
  }

  private async pollNotifications(): Promise<void> {
    if (!this.ep.receiversUrl) return;
    const d = await getJson(`${this.ep.receiversUrl}/api/notifications?since=${this.since}`);
    for (const n of d.notifications as NotificationRecord[]) {
      if (this.seenNotifications.has(n.id)) continue;
      this.seenNotifications.add(n.id);
      this.notifications.push(n);
      const action = n.receiver === "pagerduty" ? (n.pagerduty?.event_action ?? "?") : (n.slack?.status ?? "?");
      this.t.add("notification", `${n.receiver} ${action}: ${n.summary ?? n.slack?.title ?? ""}${n.accepted ? "" : " (REJECTED)"}`, {
        receiver: n.receiver, action, alertname: alertNameOf(n), alertnames: alertNamesOf(n), service: n.service, accepted: n.accepted, receivedAtMs: n.receivedAtMs,
        outcome: n.pagerduty?.outcome ?? null, incident: n.pagerduty?.incident ?? null,
      }, n.receivedAtMs);
    }
  }

  private async pollOverview(): Promise<void> {
    if (!this.watchOverview) return;
    const health = await overviewHealth(this.cfg, this.ep.prometheusUrl);
    const colour = health[this.t.service]?.health ?? null;
    if (colour !== this.overview) {
      this.t.add("overview", `ops overview shows ${this.t.service} ${colour}`, { colour, signals: health[this.t.service]?.signals });
      this.overview = colour;
    }
  }

  private async pollSample(): Promise<void> {
    this.t.sample({ at: Date.now(), ...(await this.sampleFn()) });
  }
}
