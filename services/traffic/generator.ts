/**
 * Open-loop traffic generator: requests are sent on a schedule (rate x elapsed time), never
 * "when the previous answer came back", so a slow service sees the load pile up as real users
 * would make it, and measured latency is not flattered by coordinated omission. Runs are always
 * bounded in time, and targets must be loopback unless explicitly allowed (the Docker fleet).
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { fleetService } from "../fleet";
import { seededRandom, type Random } from "../lib/latency";
import { mixFor, type PlannedRequest, type RequestMix } from "./mix";
import { LatencyHistogram, type TargetReport, type TrafficReport } from "./stats";

/** Longest run the generator accepts: a day. */
export const MAX_DURATION_SECONDS = 86_400;

/** One service to drive. */
export interface TargetSpec {
  service: string;
  baseUrl: string;
  rps: number;
  /** Overrides the fleet mix (tests). */
  mix?: RequestMix;
}

/** Options of a run. */
export interface GeneratorOptions {
  targets: TargetSpec[];
  durationSeconds: number;
  allowNonLoopback?: boolean;
  /** Outstanding requests per target before new ones are dropped (and counted as dropped). */
  maxInFlight?: number;
  requestTimeoutMs?: number;
  seed?: number;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Throws unless `url` is http(s) on loopback (or non-loopback targets are allowed). */
export function assertAllowedTarget(url: string, allowNonLoopback = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`target ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "http:") throw new Error(`target ${url}: only http:// targets are supported`);
  if (!allowNonLoopback && !isLoopbackHost(parsed.hostname)) {
    throw new Error(`target ${url} is not a loopback address; pass --allow-non-loopback (allowNonLoopback) to drive e.g. the Docker demo fleet`);
  }
  return parsed;
}

/** One target's live state. */
class TargetRun {
  readonly latency = new LatencyHistogram();
  readonly byStatus: Record<string, number> = {};
  sent = 0;
  completed = 0;
  errors = 0;
  dropped = 0;
  inFlight = 0;
  readonly url: URL;
  readonly agent: http.Agent;

  constructor(readonly spec: TargetSpec, readonly mix: RequestMix, allowNonLoopback: boolean, readonly maxInFlight: number) {
    this.url = assertAllowedTarget(spec.baseUrl, allowNonLoopback);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight, maxFreeSockets: maxInFlight });
  }

  report(elapsed: number): TargetReport {
    return {
      service: this.spec.service, baseUrl: this.spec.baseUrl, targetRps: this.spec.rps,
      sent: this.sent, completed: this.completed, errors: this.errors, dropped: this.dropped,
      byStatus: { ...this.byStatus },
      sentRps: elapsed > 0 ? this.sent / elapsed : 0,
      achievedRps: elapsed > 0 ? this.completed / elapsed : 0,
      latencyMs: this.latency.summary(),
    };
  }
}

/** A bounded, open-loop run over several targets. */
export class TrafficGenerator {
  private readonly runs: TargetRun[];
  private readonly random: Random;
  private timer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stoppedAt = 0;
  private finish!: (report: TrafficReport) => void;
  /** Resolves with the final report when the run ends (duration reached or stop()). */
  readonly done: Promise<TrafficReport>;

  constructor(private readonly options: GeneratorOptions) {
    const { durationSeconds } = options;
    if (!(durationSeconds > 0 && durationSeconds <= MAX_DURATION_SECONDS)) {
      throw new Error(`durationSeconds must be in (0, ${MAX_DURATION_SECONDS}], got ${durationSeconds}: runs are always bounded`);
    }
    this.random = seededRandom(options.seed ?? Date.now());
    this.runs = options.targets.map((t) => {
      if (!(t.rps > 0)) throw new Error(`rate of ${t.service} must be > 0, got ${t.rps}`);
      return new TargetRun(t, t.mix ?? mixFor(fleetService(t.service), this.random), options.allowNonLoopback ?? false, options.maxInFlight ?? 512);
    });
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  start(): this {
    if (this.startedAt) throw new Error("a generator runs once; create a new one");
    this.startedAt = performance.now();
    // 5 ms ticks: at 200 r/s that is one request per tick; at 2000 r/s ten, close to smooth.
    this.timer = setInterval(() => this.tick(), 5);
    this.stopTimer = setTimeout(() => void this.stop(), this.options.durationSeconds * 1000);
    return this;
  }

  /** Stops scheduling, waits (bounded) for outstanding requests, and returns the final report. */
  async stop(): Promise<TrafficReport> {
    if (this.stoppedAt) return this.done;
    this.stoppedAt = performance.now();
    clearInterval(this.timer);
    clearTimeout(this.stopTimer);
    const deadline = Date.now() + (this.options.requestTimeoutMs ?? 10_000);
    while (this.runs.some((r) => r.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const run of this.runs) run.agent.destroy();
    const report = this.report();
    this.finish(report);
    return report;
  }

  /** The report so far (rates over the elapsed time). */
  report(): TrafficReport {
    const end = this.stoppedAt || performance.now();
    const elapsed = this.startedAt ? (end - this.startedAt) / 1000 : 0;
    return { elapsedSeconds: elapsed, running: this.startedAt > 0 && !this.stoppedAt, targets: this.runs.map((r) => r.report(elapsed)) };
  }

  private tick(): void {
    // Capped at the duration: after a stall of the event loop (a busy CI machine), the interval's
    // tick can run before the stop timer although both are due, and an uncapped schedule then
    // sends the stall's share past the end (CI: 616 requests on a 3 s schedule of 600).
    const elapsed = Math.min((performance.now() - this.startedAt) / 1000, this.options.durationSeconds);
    for (const run of this.runs) {
      const due = Math.floor(run.spec.rps * elapsed) - run.sent - run.dropped;
      for (let i = 0; i < due; i++) {
        if (run.inFlight >= run.maxInFlight) run.dropped++;
        else this.send(run, run.mix.next());
      }
    }
  }

  private send(run: TargetRun, planned: PlannedRequest): void {
    run.sent++;
    run.inFlight++;
    const started = performance.now();
    const headers: Record<string, string | number> = {};
    if (planned.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(planned.body);
    }
    let settled = false;
    const settle = (status: number | undefined, body?: string) => {
      if (settled) return;
      settled = true;
      run.inFlight--;
      if (status === undefined) {
        run.errors++;
        return;
      }
      run.completed++;
      run.byStatus[status] = (run.byStatus[status] ?? 0) + 1;
      run.latency.record(performance.now() - started);
      run.mix.observe(planned, status, body);
    };
    const req = http.request(
      { host: run.url.hostname.replace(/^\[|\]$/g, ""), port: run.url.port || 80, path: planned.path, method: planned.method, headers, agent: run.agent },
      (res) => {
        res.on("error", () => settle(undefined)); // connection lost mid-body
        if (!planned.captureBody) {
          res.resume().on("end", () => settle(res.statusCode));
          return;
        }
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => settle(res.statusCode, body));
      },
    );
    req.setTimeout(this.options.requestTimeoutMs ?? 10_000, () => req.destroy(new Error("request timeout")));
    req.on("error", () => settle(undefined));
    req.end(planned.body);
  }
}
