/**
 * The dead man's switch stand-in: what healthchecks.io, Dead Man's Snitch or Better Stack do
 * for the real stack. Alertmanager POSTs the always-firing Watchdog to a ping URL every
 * `period`; when no ping has arrived for `period + grace`, the switch pages through the
 * PagerDuty stand-in (Events API v2 over HTTP, exactly as those services integrate with
 * PagerDuty), and the next ping resolves that incident.
 *
 * Like the real services, a switch that has never been pinged is "waiting" and pages nobody:
 * a stack that is still starting is not dead.
 *
 * HeartbeatSwitch is the pure state machine (the clock is passed in); the HTTP side is
 * server.ts, which checks the switch every second.
 */

/** Where the switch stands. */
export type HeartbeatState = "waiting" | "up" | "down";

/** What a check or a ping changed, for the caller to act on. */
export type HeartbeatTransition = { kind: "down"; silentMs: number; lastPingAt: number } | { kind: "up"; downForMs: number } | null;

/** A status snapshot (GET /api/heartbeat). */
export interface HeartbeatStatus {
  state: HeartbeatState;
  periodSeconds: number;
  graceSeconds: number;
  pings: number;
  lastPingAt: string | null;
  downSince: string | null;
  /** Every down period so far, newest last. */
  outages: Array<{ from: string; to: string | null }>;
}

/** The switch: pings in, transitions out. */
export class HeartbeatSwitch {
  private state: HeartbeatState = "waiting";
  private last: number | null = null;
  private downAt: number | null = null;
  private pingCount = 0;
  private readonly outages: Array<{ from: number; to: number | null }> = [];

  constructor(
    readonly periodSeconds: number,
    readonly graceSeconds: number,
  ) {
    if (!(periodSeconds > 0) || !(graceSeconds >= 0)) throw new Error(`heartbeat: period must be above 0 and grace at least 0 seconds (got ${periodSeconds}, ${graceSeconds})`);
  }

  /** Silence after which the switch goes down. */
  get timeoutMs(): number {
    return (this.periodSeconds + this.graceSeconds) * 1000;
  }

  /** A ping arrived at `now`. */
  ping(now: number): HeartbeatTransition {
    this.pingCount += 1;
    this.last = now;
    const wasDown = this.state === "down";
    this.state = "up";
    if (!wasDown) return null;
    const downAt = this.downAt!;
    this.downAt = null;
    this.outages[this.outages.length - 1].to = now;
    return { kind: "up", downForMs: now - downAt };
  }

  /** Called periodically: goes down once the silence exceeds period + grace. */
  check(now: number): HeartbeatTransition {
    if (this.state !== "up" || this.last === null) return null;
    const silent = now - this.last;
    if (silent <= this.timeoutMs) return null;
    this.state = "down";
    this.downAt = now;
    this.outages.push({ from: now, to: null });
    return { kind: "down", silentMs: silent, lastPingAt: this.last };
  }

  status(): HeartbeatStatus {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      state: this.state,
      periodSeconds: this.periodSeconds,
      graceSeconds: this.graceSeconds,
      pings: this.pingCount,
      lastPingAt: iso(this.last),
      downSince: iso(this.downAt),
      outages: this.outages.map((o) => ({ from: iso(o.from)!, to: iso(o.to) })),
    };
  }
}

/** The dedup key of the switch's incident: one incident per outage of the heartbeats. */
export const HEARTBEAT_DEDUP_KEY = "dead-mans-switch";
/** The service the page is about (the Watchdog's `service` label). */
export const HEARTBEAT_SERVICE = "monitoring";

/** The PagerDuty event the switch sends on a transition. */
export function heartbeatEvent(t: NonNullable<HeartbeatTransition>, sw: HeartbeatSwitch, routingKey: string, now: number): Record<string, unknown> {
  if (t.kind === "up") return { routing_key: routingKey, event_action: "resolve", dedup_key: HEARTBEAT_DEDUP_KEY };
  const silent = Math.round(t.silentMs / 1000);
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: HEARTBEAT_DEDUP_KEY,
    payload: {
      summary: `Dead man's switch: no heartbeat from Alertmanager for ${silent}s (expected every ${sw.periodSeconds}s, grace ${sw.graceSeconds}s); Prometheus, Alertmanager or the path between them is down.`,
      source: "heartbeat stand-in",
      severity: "critical",
      timestamp: new Date(now).toISOString(),
      component: "alerting-pipeline",
      custom_details: { service: HEARTBEAT_SERVICE, alertname: "DeadMansSwitch", last_ping: new Date(t.lastPingAt).toISOString(), silent_seconds: silent },
    },
  };
}
