/**
 * `npm run drill -- memory` (default mode, as CI runs it): payment-processor's memory ramps
 * past 90% of its limit; a page must arrive within 3 minutes of the ramp start, the overview
 * must show red then green, every alert must resolve with its resolve delivered, and nothing
 * else may fire.
 */
import { runDrill } from "./drill-runner";

test("the memory drill pages within 3 minutes and recovers cleanly", async () => {
  const run = await runDrill("memory", 20 * 60_000);
  const failed = run.timeline.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect(failed).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.timeline.figures.pageLatencySeconds).toBeLessThanOrEqual(180);
  expect(run.timeline.events.some((e) => e.kind === "threshold_crossed")).toBe(true);
});
