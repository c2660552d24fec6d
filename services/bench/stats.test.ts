import { blockOrder, containsZero, judge, metricsEnabledFor, pairBlock, pairOrder, roundsOfBlock } from "./overhead";
import { median, overlaps, quantile, spread, tInterval } from "./stats";

describe("benchmark statistics", () => {
  it("median and quantiles interpolate like numpy", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBeCloseTo(9.55, 10);
    expect(() => quantile([], 0.5)).toThrow(/empty/);
  });

  it("spread is min/median/max", () => {
    expect(spread([5, 1, 9, 3])).toEqual({ n: 4, min: 1, median: 4, max: 9 });
  });

  it("t-interval matches the textbook value (n=10, df=9, t=2.262)", () => {
    const values = [10, 12, 9, 11, 10, 13, 8, 10, 11, 12];
    const i = tInterval(values);
    expect(i.mean).toBeCloseTo(10.6, 10);
    expect(i.sd).toBeCloseTo(1.5055, 4);
    expect(i.high - i.mean).toBeCloseTo(2.2622 * (1.5055 / Math.sqrt(10)), 3);
    expect(i.low).toBeLessThan(i.mean);
    expect(() => tInterval([1])).toThrow(/at least 2/);
  });

  it("a wider spread gives a wider interval; more units a narrower one", () => {
    const narrow = tInterval([1, 1.1, 0.9, 1, 1.05]);
    const wide = tInterval([1, 2, 0, 1, 1.5]);
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low);
    const more = tInterval([1, 1.1, 0.9, 1, 1.05, 1, 1.1, 0.9, 1, 1.05]);
    expect(more.high - more.low).toBeLessThan(narrow.high - narrow.low);
  });

  it("overlap", () => {
    expect(overlaps({ low: 1, high: 3 }, { low: 2.5, high: 4 })).toBe(true);
    expect(overlaps({ low: 1, high: 2 }, { low: 2.5, high: 4 })).toBe(false);
  });
});

describe("overhead design", () => {
  it("blocks alternate ABBA and BAAB, so each mode gets each position equally", () => {
    expect(blockOrder(0)).toEqual(["on", "off", "off", "on"]);
    expect(blockOrder(1)).toEqual(["off", "on", "on", "off"]);
  });

  it("a concurrent round loads both modes at once, alternating whose wrk starts first; abba runs one mode per round", () => {
    expect(roundsOfBlock("concurrent", 0)).toEqual([["on", "off"]]);
    expect(roundsOfBlock("concurrent", 1)).toEqual([["off", "on"]]);
    expect(roundsOfBlock("abba", 1)).toEqual([["off"], ["on"], ["on"], ["off"]]);
  });

  it("four consecutive process pairs hold every start order x block order once, so neither is read as overhead", () => {
    // A process's start order and a round's position both moved its CPU per request by a few
    // percent in the first 40-pair run; tied together (start first = ABBA) they would not cancel.
    const cells = [0, 1, 2, 3].map((pair) => {
      const { first, firstBlock } = pairOrder(pair);
      return `${first} first, ${blockOrder(firstBlock).join(",")}`;
    });
    expect(new Set(cells).size).toBe(4);
    expect(cells).toContain("on first, on,off,off,on");
    expect(cells).toContain("on first, off,on,on,off");
    expect(cells).toContain("off first, on,off,off,on");
    expect(cells).toContain("off first, off,on,on,off");
    // ... and it repeats every four pairs: over 40 pairs, each mode at each position 20 times.
    const atPosition = [0, 1, 2, 3].map((pos) => Array.from({ length: 40 }, (_, pair) => blockOrder(pairOrder(pair).firstBlock)[pos]).filter((m) => m === "on").length);
    expect(atPosition).toEqual([20, 20, 20, 20]);
    expect(Array.from({ length: 40 }, (_, pair) => pairOrder(pair).first).filter((m) => m === "on").length).toBe(20);
  });

  it("a concurrent round pairs its two measurements", () => {
    const p = pairBlock([{ mode: "off", requests: 9000, cpuUsPerRequest: 50 }, { mode: "on", requests: 8800, cpuUsPerRequest: 51 }]);
    expect(p.us).toBeCloseTo(1, 10);
    expect(p.percent).toBeCloseTo(2, 10);
  });

  it("a block pairs the modes weighted by requests, not as a mean of ratios", () => {
    const p = pairBlock([
      { mode: "on", requests: 1000, cpuUsPerRequest: 41 },
      { mode: "off", requests: 1000, cpuUsPerRequest: 40 },
      { mode: "off", requests: 3000, cpuUsPerRequest: 40 },
      { mode: "on", requests: 1000, cpuUsPerRequest: 43 },
    ]);
    expect(p.us).toBeCloseTo(2, 10);
    expect(p.percent).toBeCloseTo(5, 10);
  });

  it("the A/A calibration runs both slots with metrics off; a normal run only the 'on' slot with them", () => {
    expect([metricsEnabledFor("on"), metricsEnabledFor("off")]).toEqual([true, false]);
    expect([metricsEnabledFor("on", true), metricsEnabledFor("off", true)]).toEqual([false, false]);
  });

  it("an A/A run passes only when its interval contains 0", () => {
    const i = (low: number, high: number) => ({ n: 10, mean: (low + high) / 2, sd: 1, low, high, level: 0.95 });
    expect(containsZero(i(-2.2, 0.5))).toBe(true);
    expect(containsZero(i(0, 1))).toBe(true);
    expect(containsZero(i(0.3, 2))).toBe(false);
    expect(containsZero(i(-3, -0.1))).toBe(false);
  });

  it("the goal is judged on the upper bound, not the mean", () => {
    const i = (mean: number, high: number) => ({ n: 10, mean, sd: 1, low: mean - (high - mean), high, level: 0.95 });
    expect(judge({ maxPercent: 3, maxUsPerRequest: 5 }, i(1, 2.9), i(1, 4))).toBe(true);
    expect(judge({ maxPercent: 3, maxUsPerRequest: 5 }, i(1, 3.1), i(1, 4))).toBe(false); // mean well under, bound over
    expect(judge({ maxPercent: 3, maxUsPerRequest: 5 }, i(1, 2), i(1, 5.5))).toBe(false);
    expect(judge({ maxPercent: 5 }, i(4, 4.9), i(20, 30))).toBe(true);
  });
});

describe("bootstrap interval of the median", () => {
  it("is deterministic, contains the median, and ignores one outlier a t-interval follows", () => {
    const { bootstrapMedianInterval } = jest.requireActual("./stats") as typeof import("./stats");
    const clean = [1.0, 1.2, 0.8, 1.1, 0.9, 1.05, 0.95, 1.0, 1.15, 0.85, 1.0, 1.1];
    const withOutlier = [...clean.slice(0, -1), 40];
    const a = bootstrapMedianInterval(withOutlier);
    expect(bootstrapMedianInterval(withOutlier)).toEqual(a);
    expect(a.low).toBeLessThanOrEqual(a.mean);
    expect(a.high).toBeGreaterThanOrEqual(a.mean);
    expect(a.high).toBeLessThan(1.3);
    expect(tInterval(withOutlier).high).toBeGreaterThan(5);
  });
});

describe("two-level bootstrap over process pairs", () => {
  const { bootstrapMedianInterval, nestedBootstrapMedianInterval } = jest.requireActual("./stats") as typeof import("./stats");
  // Eight pairs, four rounds each: small noise inside a pair, an offset of its own per pair (JIT, layout).
  const offsets = [0, 3.8, 0.1, 2.5, -0.5, 1.2, 3.0, 0.4];
  const noise = [0.1, -0.2, 0.15, -0.05];
  const groups = offsets.map((o) => noise.map((e) => o + e));

  it("is deterministic and covers the pairs' offsets, where a flat bootstrap of the same rounds does not", () => {
    const nested = nestedBootstrapMedianInterval(groups);
    expect(nestedBootstrapMedianInterval(groups)).toEqual(nested);
    expect(nested.n).toBe(8);
    const flat = bootstrapMedianInterval(groups.flat());
    // The flat interval treats 32 rounds as independent and is narrower than the pair-to-pair spread says.
    // (measured: nested [0, 2.95], flat [0.2, 2.375])
    expect(nested.high - nested.low).toBeGreaterThan(1.25 * (flat.high - flat.low));
    expect(nested.low).toBeLessThan(flat.low);
    expect(nested.high).toBeGreaterThan(flat.high + 0.4);
  });

  it("without an offset per pair it is about as narrow as the flat one", () => {
    const same = offsets.map(() => noise.map((e) => 1 + e));
    const nested = nestedBootstrapMedianInterval(same);
    const flat = bootstrapMedianInterval(same.flat());
    expect(nested.high - nested.low).toBeLessThan(1.5 * (flat.high - flat.low) + 1e-9);
    expect(nested.low).toBeGreaterThanOrEqual(0.8);
    expect(nested.high).toBeLessThanOrEqual(1.15);
  });

  it("needs three pairs with values", () => {
    expect(() => nestedBootstrapMedianInterval([[1], [2]])).toThrow(/at least 3 groups/);
    expect(() => nestedBootstrapMedianInterval([[1], [2], []])).toThrow(/every group/);
  });
});

