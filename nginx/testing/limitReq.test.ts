import { limitReqPasses } from "./limitReq";

const evenly = (count: number, spacingMs: number, from = 0) => Array.from({ length: count }, (_, i) => from + i * spacingMs);

test("an even stream faster than the rate passes 1 + floor(burst + rate x span), the closed form", () => {
  // 100 requests 10 ms apart (T = 0.99 s) at 30 r/s + burst 20: 1 + floor(20 + 29.7) = 50.
  expect(limitReqPasses(evenly(100, 10), 30, 20)).toBe(50);
  // 50 requests 20 ms apart (T = 0.98 s) at 15 r/s + burst 10: 1 + floor(10 + 14.7) = 25.
  expect(limitReqPasses(evenly(50, 20), 15, 10)).toBe(25);
});

test("a stall lets the bucket drain, which the closed form over the whole span would overstate", () => {
  // 40 requests in 0.39 s (32 pass), a 6 s stall that empties the bucket, then 10 at once: all
  // 10 pass (an empty bucket takes 1 + burst). The closed form over 6.4 s would say 213.
  const arrivals = [...evenly(40, 10), ...Array(10).fill(6400)];
  const closedForm = 1 + Math.floor(20 + 30 * 6.4);
  const replayed = limitReqPasses(arrivals, 30, 20);
  expect(replayed).toBe(1 + Math.floor(20 + 30 * 0.39) + 10);
  expect(closedForm - replayed).toBeGreaterThan(150);
});

test("requests slower than the rate all pass, and order of the input does not matter", () => {
  expect(limitReqPasses(evenly(20, 100), 30, 20)).toBe(20);
  expect(limitReqPasses([...evenly(100, 10)].reverse(), 30, 20)).toBe(50);
  expect(limitReqPasses([], 30, 20)).toBe(0);
});
