/**
 * Per-target counters and a bounded latency histogram for the traffic generator. Latencies go
 * into logarithmic buckets 1% wide, so quantiles are accurate to ~1% in fixed memory however long
 * the run is (an HDR-histogram in miniature).
 */

const GROWTH = 1.01;
const MIN_MS = 0.01;
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / Math.log(GROWTH)); // 10 us .. 10 min

/** Latency quantiles of a run, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Log-bucketed latency histogram. */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS + 1);
  private total = 0;
  private maxMs = 0;

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[i]++;
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Upper bound of the bucket holding quantile q (0..1). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(MIN_MS * GROWTH ** i, this.maxMs);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    const round = (n: number) => Math.round(n * 100) / 100;
    return { count: this.total, p50: round(this.quantile(0.5)), p90: round(this.quantile(0.9)), p99: round(this.quantile(0.99)), max: round(this.maxMs) };
  }
}

/** What the generator reports per target. */
export interface TargetReport {
  service: string;
  baseUrl: string;
  targetRps: number;
  sent: number;
  completed: number;
  /** Connection errors and timeouts (no HTTP status). */
  errors: number;
  /** Requests not sent because maxInFlight requests were already outstanding (target too slow). */
  dropped: number;
  /** Completed responses per status code. */
  byStatus: Record<string, number>;
  /** sent / elapsed and completed / elapsed. */
  sentRps: number;
  achievedRps: number;
  latencyMs: LatencySummary;
}

/** The whole run. */
export interface TrafficReport {
  elapsedSeconds: number;
  running: boolean;
  targets: TargetReport[];
}

/** Formats a report as one line per target, for the CLI. */
export function formatReport(report: TrafficReport): string {
  const lines = report.targets.map((t) => {
    const classes = { "2xx": 0, "4xx": 0, "5xx": 0 } as Record<string, number>;
    for (const [status, n] of Object.entries(t.byStatus)) classes[`${status[0]}xx`] = (classes[`${status[0]}xx`] ?? 0) + n;
    const pct = (n: number) => (t.completed ? ((100 * n) / t.completed).toFixed(1) : "0.0");
    return `${t.service.padEnd(18)} target ${String(t.targetRps).padStart(6)}/s  achieved ${t.achievedRps.toFixed(1).padStart(7)}/s  ` +
      `2xx ${pct(classes["2xx"])}% 4xx ${pct(classes["4xx"])}% 5xx ${pct(classes["5xx"])}%  ` +
      `p50 ${t.latencyMs.p50}ms p99 ${t.latencyMs.p99}ms  errors ${t.errors} dropped ${t.dropped}`;
  });
  return [`t=${report.elapsedSeconds.toFixed(1)}s${report.running ? "" : " (finished)"}`, ...lines].join("\n");
}
