/**
 * PagerDuty's alert lifecycle, kept in memory and rebuilt from the notification store on
 * start (it is a pure function of the accepted events, in order).
 *
 * As PagerDuty documents it: a trigger opens an incident, or, when one is open for the
 * same dedup_key AND routing_key, is added to it as a duplicate; acknowledge and resolve
 * apply to the open incident and are dropped when there is none (or it was opened through
 * another routing key); a trigger after a resolve opens a NEW incident.
 */

/** Where an incident is in its lifecycle. */
export type IncidentState = "open" | "acknowledged" | "resolved";

/** What one accepted event did. */
export type IncidentOutcome = "opened" | "duplicate" | "acknowledged" | "resolved" | "dropped";

/** One incident, as the tests and the page see it. */
export interface Incident {
  /** 1, 2, … in the order they were opened. */
  number: number;
  dedupKey: string;
  state: IncidentState;
  /** custom_details.service of the trigger that opened it. */
  service: string | null;
  summary: string | null;
  severity: string | null;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** Triggers received while open, the first included. */
  triggers: number;
  /** Ids of every notification applied to it. */
  notificationIds: number[];
}

/** The fields of an accepted event that the lifecycle needs. */
export interface IncidentEvent {
  action: "trigger" | "acknowledge" | "resolve";
  dedupKey: string;
  routingKey: string;
  service: string | null;
  summary: string | null;
  severity: string | null;
  notificationId: number;
  at: string;
}

/** Filter of `list`. */
export interface IncidentFilter {
  service?: string;
  state?: IncidentState;
  dedupKey?: string;
}

/** Incidents by dedup key; see the file comment for the rules. */
export class IncidentTracker {
  private readonly incidents: Incident[] = [];
  /** Routing key each incident was opened with (not exposed: it is a credential). */
  private readonly routingKeys = new Map<number, string>();

  /** Applies one accepted event; returns what it did and the incident it touched. */
  apply(e: IncidentEvent): { outcome: IncidentOutcome; incident: Incident | null } {
    const open = this.incidents.find((i) => i.dedupKey === e.dedupKey && i.state !== "resolved" && this.routingKeys.get(i.number) === e.routingKey);
    if (e.action === "trigger") {
      if (open) {
        open.triggers += 1;
        open.notificationIds.push(e.notificationId);
        return { outcome: "duplicate", incident: open };
      }
      const incident: Incident = {
        number: this.incidents.length + 1,
        dedupKey: e.dedupKey,
        state: "open",
        service: e.service,
        summary: e.summary,
        severity: e.severity,
        openedAt: e.at,
        acknowledgedAt: null,
        resolvedAt: null,
        triggers: 1,
        notificationIds: [e.notificationId],
      };
      this.incidents.push(incident);
      this.routingKeys.set(incident.number, e.routingKey);
      return { outcome: "opened", incident };
    }
    if (!open) return { outcome: "dropped", incident: null };
    open.notificationIds.push(e.notificationId);
    if (e.action === "acknowledge") {
      open.state = "acknowledged";
      open.acknowledgedAt = e.at;
      return { outcome: "acknowledged", incident: open };
    }
    open.state = "resolved";
    open.resolvedAt = e.at;
    return { outcome: "resolved", incident: open };
  }

  /** Incidents matching the filter, oldest first (copies: callers cannot change the state). */
  list(f: IncidentFilter = {}): Incident[] {
    return this.incidents
      .filter((i) => (f.service === undefined || i.service === f.service) && (f.state === undefined || i.state === f.state) && (f.dedupKey === undefined || i.dedupKey === f.dedupKey))
      .map((i) => ({ ...i, notificationIds: [...i.notificationIds] }));
  }

  /** The most recent incident for a service or dedup key, or null: "is the incident for X open?". */
  latest(f: IncidentFilter): Incident | null {
    const all = this.list(f);
    return all.length > 0 ? all[all.length - 1] : null;
  }
}
