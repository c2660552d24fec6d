/**
 * Simulated work: latencies drawn from a log-normal distribution, the usual shape of service
 * latency (a tight body around the median and a long right tail), fitted through the median and
 * the 99th percentile a profile states.
 */
import { setTimeout as sleepMs } from "node:timers/promises";
import type { LatencyProfile } from "../fleet";

/** z-score of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263478740408408;

/** A source of uniform numbers in [0, 1); tests pass a seeded one. */
export type Random = () => number;

/** One standard-normal sample (Box-Muller). */
export function standardNormal(random: Random = Math.random): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * One latency sample in milliseconds. Samples are capped at 5x the p99 so that a freak draw
 * cannot hold a request for minutes; the cap sits far beyond the 99.99th percentile.
 */
export function sampleLatencyMs(profile: LatencyProfile, random: Random = Math.random): number {
  const sigma = Math.log(profile.p99Ms / profile.medianMs) / Z99;
  const value = profile.medianMs * Math.exp(sigma * standardNormal(random));
  return Math.min(value, profile.p99Ms * 5);
}

/** Waits for a simulated latency, scaled; a scale of 0 returns at once (no timer at all). */
export async function simulateLatency(profile: LatencyProfile, scale: number, random: Random = Math.random): Promise<void> {
  if (scale <= 0) return;
  await sleepMs(sampleLatencyMs(profile, random) * scale);
}

/** A small deterministic PRNG (mulberry32) for reproducible tests and traffic mixes. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
