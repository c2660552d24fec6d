/**
 * Memory chaos: grows the process's REAL memory gradually towards a fraction of its memory
 * limit, holds it there, and releases it on request. This reproduces last month's incident
 * (payment-processor at 98% memory) on purpose, so the HighMemoryUsage alert and the
 * dashboards can be shown to work.
 *
 * What it measures: in a cgroup with a memory limit (a container, a local-stack service), the
 * cgroup's working set — the number cAdvisor reports and the kernel enforces the limit on; a
 * process's RSS also counts the shared pages of the node binary, which are charged to whoever
 * read them first. Without a cgroup limit, RSS against the limit it was told.
 *
 * `pastLimit` (cgroup only): the target may exceed the limit, so the kernel OOM-kills the
 * process on the way — the drill of what happens at 100% (local/drill, `oom`).
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
/** Largest target with pastLimit: far enough past the limit that the kill comes within the ramp. */
export const MAX_PAST_LIMIT_RATIO = 2;
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Lifecycle of the ballast. */
export type BallastState = "idle" | "ramping" | "holding";

/** What the ballast measures: the cgroup's working set, or the process's RSS. */
export type MemoryMeasure = "cgroup-working-set" | "rss";

/** What GET /chaos/memory reports. */
export interface MemoryChaosStatus {
  state: BallastState;
  rssBytes: number;
  /** The measured memory (see `measure`). */
  usageBytes: number;
  measure: MemoryMeasure;
  limitBytes: number;
  /** usageBytes / limitBytes */
  ratio: number;
  ballastBytes: number;
  targetRatio: number | null;
  rampSeconds: number | null;
  /** The target is past the limit (the kernel will OOM-kill the process). */
  pastLimit: boolean;
}

/** Options of MemoryBallast; rss and tickMs are parameters for tests. */
export interface MemoryBallastOptions {
  limitBytes: number;
  registry?: Registry;
  rss?: () => number;
  /** The cgroup's working set (see the header); absent outside a limited cgroup. */
  workingSet?: () => number | undefined;
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
  private target: { ratio: number; rampSeconds: number; startRatio: number; startedAt: number; pastLimit: boolean } | undefined;
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
  start(targetRatio: number, rampSeconds: number, pastLimit = false): MemoryChaosStatus {
    if (pastLimit && this.measure() !== "cgroup-working-set") {
      throw new RangeError("pastLimit needs a memory limit the kernel enforces (a cgroup); this process only knows its limit from MEMORY_LIMIT_BYTES or a fallback");
    }
    const max = pastLimit ? MAX_PAST_LIMIT_RATIO : MAX_TARGET_RATIO;
    if (!(targetRatio > 0 && targetRatio <= max)) {
      throw new RangeError(`targetRatio must be in (0, ${max}], got ${targetRatio}`);
    }
    this.target = { ratio: targetRatio, rampSeconds, startRatio: this.ratio(), startedAt: Date.now(), pastLimit };
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
    const usageBytes = this.usage();
    return {
      state: this.state,
      rssBytes: this.rss(),
      usageBytes,
      measure: this.measure(),
      limitBytes: this.options.limitBytes,
      ratio: usageBytes / this.options.limitBytes,
      ballastBytes: this.ballastBytes,
      targetRatio: this.target?.ratio ?? null,
      rampSeconds: this.target?.rampSeconds ?? null,
      pastLimit: this.target?.pastLimit ?? false,
    };
  }

  private measure(): MemoryMeasure {
    return this.options.workingSet?.() !== undefined ? "cgroup-working-set" : "rss";
  }

  /** The measured memory: the cgroup's working set when limited by one, else RSS. */
  private usage(): number {
    return this.options.workingSet?.() ?? this.rss();
  }

  private ratio(): number {
    return this.usage() / this.options.limitBytes;
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
    const rss = this.usage();

    if (rss < goal - CHUNK_BYTES / 2) {
      let toAdd = Math.min(goal - rss, this.maxStepBytes, (t.pastLimit ? Infinity : MAX_TARGET_RATIO * limit) - rss);
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
