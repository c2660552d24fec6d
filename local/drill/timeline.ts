/**
 * What a drill saw, in order: timestamped events (ramp start, threshold crossed, alert
 * pending/firing/resolved, notification received, overview colour changes, release) and
 * periodic samples of the watched signal, plus the pass/fail checks at the end.
 */

/** Kinds of events a drill records. */
export type EventKind =
  | "drill_start"
  | "fault_start"
  | "threshold_crossed"
  | "alert_pending"
  | "alert_firing"
  | "alert_resolved"
  | "notification"
  | "overview"
  | "fault_end"
  | "drill_end"
  /** The kernel's OOM killer killed the service (its cgroup's oom_kill counter rose). */
  | "oom_kill"
  /** The supervisor restarted the service (pids.json: restarts, lastExit). */
  | "restart"
  /** The service answers again after being killed. */
  | "recovered"
  /** cAdvisor's count of the kill reached Prometheus (service_pod:container_oom_events:increase5m > 0). */
  | "oom_counted"
  | "info";

/** One thing that happened, at epoch milliseconds `at`. */
export interface DrillEvent {
  at: number;
  kind: EventKind;
  /** Human-readable line for the report. */
  text: string;
  /** Structured details (alert name, receiver, colour, ...). */
  data?: Record<string, unknown>;
}

/** One sample of the watched signals. */
export interface Sample {
  at: number;
  /** The service's own view: its cgroup's working set / limit (or RSS / the limit it was told). */
  serviceValue?: number;
  /** What Prometheus' recorded series says. */
  prometheusValue?: number;
}

/** A pass/fail criterion with the measured figure behind it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export class Timeline {
  readonly events: DrillEvent[] = [];
  readonly samples: Sample[] = [];
  readonly checks: Check[] = [];
  readonly figures: Record<string, number | string | null> = {};

  constructor(
    readonly scenario: string,
    readonly service: string,
    private readonly onEvent: (e: DrillEvent, t: Timeline) => void = () => {},
  ) {}

  add(kind: EventKind, text: string, data?: Record<string, unknown>, at = Date.now()): DrillEvent {
    const e = { at, kind, text, data };
    this.events.push(e);
    this.onEvent(e, this);
    return e;
  }

  sample(s: Sample): void {
    this.samples.push(s);
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
  }

  first(kind: EventKind, pred: (e: DrillEvent) => boolean = () => true): DrillEvent | undefined {
    return this.events.find((e) => e.kind === kind && pred(e));
  }

  /** Seconds from the first event to `at`. */
  rel(at: number): number {
    return (at - (this.events[0]?.at ?? at)) / 1000;
  }

  get ok(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }

  toJSON(): object {
    return { scenario: this.scenario, service: this.service, ok: this.ok, figures: this.figures, checks: this.checks, events: this.events, samples: this.samples };
  }
}
