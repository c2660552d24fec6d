/**
 * Seeded, stateless randomness for the synthetic week: every draw is a hash of (seed, key,
 * step), so a series can be generated in any order (OpenMetrics wants family by family) and
 * two runs with the same seed write the same file.
 */

/** A uniform number in [0, 1) from a seed, a key and an index (FNV-1a, then a 32-bit mix). */
export function uniform(seed: number, key: string, k: number): number {
  let h = 2166136261 ^ seed;
  const s = `${key}#${k}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  // murmur3's finaliser: FNV alone leaves the low bits of similar keys correlated.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** A standard normal draw (Box-Muller on two uniforms of the same key). */
export function normal(seed: number, key: string, k: number): number {
  const u1 = Math.max(uniform(seed, `${key}/a`, k), 1e-12);
  const u2 = uniform(seed, `${key}/b`, k);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A Poisson draw with mean `lambda` (exact below 30, normal approximation above). */
export function poisson(seed: number, key: string, k: number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(seed, key, k)));
  // Knuth: multiply uniforms until below e^-lambda.
  const limit = Math.exp(-lambda);
  let p = 1;
  let n = -1;
  let i = 0;
  do {
    n++;
    p *= Math.max(uniform(seed, `${key}/p${i++}`, k), 1e-12);
  } while (p > limit && n < 1000);
  return n;
}

/** How many of `n` trials succeed with probability `p` (Poisson or normal approximation, capped at n). */
export function binomial(seed: number, key: string, k: number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean > 30 && n * (1 - p) > 30) return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(seed, key, k))));
  return Math.min(n, poisson(seed, key, k, mean));
}

/** A whole number of events at a mean rate over a step: Poisson around rate x seconds. */
export const countAt = (seed: number, key: string, k: number, perSecond: number, seconds: number): number => poisson(seed, key, k, perSecond * seconds);
