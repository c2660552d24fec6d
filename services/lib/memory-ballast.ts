/**
 * Memory chaos: grows the process's REAL resident memory gradually towards a fraction of its
 * memory limit, holds it there, and releases it on request. This reproduces last month's
 * incident (payment-processor at 98% memory) on purpose, so the HighMemoryUsage alert and the
 * dashboards can be shown to work.
 *
 * Ballast is made of Buffers outside the V8 heap, filled byte by byte so every page is touched
 * (a calloc'd, untouched buffer would not count in RSS). Chunks are large enough that the
 * allocator mmaps them, so freeing them returns the pages to the kernel and RSS really drops.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Gauge, type Registry } from "prom-client";

/** Largest fraction of the limit the ballast may aim for; above it the kernel's OOM killer would win. */
export const MAX_TARGET_RATIO = 0.98;
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Lifecycle of the ballast. */
export type BallastState = "idle" | "ramping" | "holding";

/** What GET /chaos/memory reports. */
export interface MemoryChaosStatus {
  state: BallastState;
  rssBytes: number;
  limitBytes: number;
  /** rssBytes / limitBytes */
  ratio: number;
  ballastBytes: number;
  targetRatio: number | null;
  rampSeconds: number | null;
}

/** Options of MemoryBallast; rss and tickMs are parameters for tests. */
export interface MemoryBallastOptions {
  limitBytes: number;
  registry?: Registry;
  rss?: () => number;
  tickMs?: number;
  /** Most bytes added per tick, so that a 0-second ramp is still a series of steps. */
  maxStepBytes?: number;
}

let gcFunction: (() => void) | undefined;
/** Runs a full GC so released Buffers are freed now, not at V8's leisure. */
export function forceGc(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      // Without --expose-gc: turn the flag on and fetch gc() from a fresh context (documented V8 behaviour).
      setFlagsFromString("--expose-gc");
      gcFunction = runInNewContext("gc") as () => void;
    }
  }
  gcFunction();
}

/** Grows, holds and releases memory ballast. */
export class MemoryBallast {
  private chunks: Buffer[] = [];
  private ballastBytes = 0;
  private state: BallastState = "idle";
  private target: { ratio: number; rampSeconds: number; startRatio: number; startedAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly rss: () => number;
  private readonly tickMs: number;
  private readonly maxStepBytes: number;
  private readonly gauge?: Gauge;
  private readonly targetGauge?: Gauge;

  constructor(private readonly options: MemoryBallastOptions) {
    this.rss = options.rss ?? (() => process.memoryUsage.rss());
    this.tickMs = options.tickMs ?? 250;
    this.maxStepBytes = options.maxStepBytes ?? 64 * 1024 * 1024;
    if (options.registry) {
      this.gauge = new Gauge({ name: "chaos_memory_ballast_bytes", help: "Bytes of memory ballast currently held by the memory chaos control.", registers: [options.registry] });
      this.targetGauge = new Gauge({ name: "chaos_memory_target_ratio", help: "RSS/limit ratio the memory chaos control is driving towards (0 = inactive).", registers: [options.registry] });
    }
  }

  /**
   * Starts growing towards targetRatio * limit over rampSeconds (linear in the ratio), then holds.
   * A new call replaces the previous target; a lower target sheds ballast.
   */
  start(targetRatio: number, rampSeconds: number): MemoryChaosStatus {
    if (!(targetRatio > 0 && targetRatio <= MAX_TARGET_RATIO)) {
      throw new RangeError(`targetRatio must be in (0, ${MAX_TARGET_RATIO}], got ${targetRatio}`);
    }
    this.target = { ratio: targetRatio, rampSeconds, startRatio: this.ratio(), startedAt: Date.now() };
    this.state = "ramping";
    this.targetGauge?.set(targetRatio);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    this.tick();
    return this.status();
  }

  /** Drops every chunk, forces a GC so the memory goes back to the kernel, and stops. */
  release(): MemoryChaosStatus {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.target = undefined;
    this.chunks = [];
    this.ballastBytes = 0;
    this.state = "idle";
    this.gauge?.set(0);
    this.targetGauge?.set(0);
    forceGc();
    return this.status();
  }

  status(): MemoryChaosStatus {
    const rssBytes = this.rss();
    return {
      state: this.state,
      rssBytes,
      limitBytes: this.options.limitBytes,
      ratio: rssBytes / this.options.limitBytes,
      ballastBytes: this.ballastBytes,
      targetRatio: this.target?.ratio ?? null,
      rampSeconds: this.target?.rampSeconds ?? null,
    };
  }

  private ratio(): number {
    return this.rss() / this.options.limitBytes;
  }

  /** One step: move RSS towards where the ramp should be by now. */
  private tick(): void {
    const t = this.target;
    if (!t) return;
    const limit = this.options.limitBytes;
    const elapsed = (Date.now() - t.startedAt) / 1000;
    const progress = t.rampSeconds > 0 ? Math.min(1, elapsed / t.rampSeconds) : 1;
    // Ramp linearly in the ratio; a target below where we started (re-targeting lower) applies at once.
    const goalRatio = t.startRatio >= t.ratio ? t.ratio : t.startRatio + (t.ratio - t.startRatio) * progress;
    const goal = goalRatio * limit;
    const rss = this.rss();

    if (rss < goal - CHUNK_BYTES / 2) {
      let toAdd = Math.min(goal - rss, this.maxStepBytes, MAX_TARGET_RATIO * limit - rss);
      while (toAdd > 0) {
        const size = Math.floor(Math.min(CHUNK_BYTES, Math.max(toAdd, 1024 * 1024)));
        this.chunks.push(Buffer.allocUnsafeSlow(size).fill(0xa5)); // fill touches every page
        this.ballastBytes += size;
        toAdd -= size;
      }
    } else if (rss > t.ratio * limit + CHUNK_BYTES && this.chunks.length > 0) {
      // Above the target (a lower target was set): shed whole chunks, newest first.
      let excess = rss - t.ratio * limit;
      while (excess > 0 && this.chunks.length > 0) {
        const chunk = this.chunks.pop() as Buffer;
        this.ballastBytes -= chunk.length;
        excess -= chunk.length;
      }
      forceGc();
    }
    this.gauge?.set(this.ballastBytes);
    if (progress >= 1 && this.ratio() >= t.ratio - CHUNK_BYTES / limit) this.state = "holding";
  }
}
