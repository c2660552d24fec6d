import type { Timeline } from "./timeline";

/**
 * Whether the drilled service answers, and when its restarted process first does: the
 * "recovered" event the OOM verdict measures "served again within 60s of the kill" from.
 *
 * Seeing the service down is not required. The supervisor restarts a killed service in about
 * a second and it answers a second later, inside one 2-second drill poll: CI's OOM drill saw
 * the restart (new pid) and the service answering, but never a failed poll in between, so a
 * tracker that only recorded "answers again" after "does not answer" recorded nothing and the
 * drill failed a service that was back in two seconds. So the first answer after the
 * supervisor's restart record also counts: that record is written once the old process has
 * exited, so whatever answers after it is the new process. The figure is then at most one
 * poll late, never early.
 */
export class ServingWatch {
  private answering = true;

  constructor(
    private readonly t: Timeline,
    private readonly service: string,
  ) {}

  /** The service answered a poll. */
  answered(at = Date.now()): void {
    const restart = this.t.first("restart");
    const servedSinceRestart = !!restart && this.t.events.some((e) => e.kind === "recovered" && e.at >= restart.at);
    if (!this.answering) this.t.add("recovered", `${this.service} answers again`, undefined, at);
    else if (restart && !servedSinceRestart) this.t.add("recovered", `${this.service} answers again (the restarted process; no poll caught it down)`, { pid: restart.data?.pid }, at);
    this.answering = true;
  }

  /** The service did not answer a poll. */
  failed(at = Date.now()): void {
    if (this.answering) this.t.add("info", `${this.service}'s admin API does not answer (killed, or starting)`, undefined, at);
    this.answering = false;
  }

  get isAnswering(): boolean {
    return this.answering;
  }
}
