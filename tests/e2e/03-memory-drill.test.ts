/**
 * `npm run drill -- memory --full` (the brief's own scenario): payment-processor's memory ramps
 * past 90% of its limit and is held there; a page must arrive within 3 minutes of the ramp start,
 * HighMemoryUsage must fire after its full 10 minutes (a noisy scrape must not restart them) and
 * join the same PagerDuty incident, the predictive page must not resolve and fire again, the
 * overview must show red then green, every alert must resolve with its resolve delivered, and
 * nothing else may fire.
 */
import { runDrill } from "./drill-runner";

test("the memory drill --full pages within 3 minutes, HighMemoryUsage fires after 10 minutes into the same incident, and everything recovers", async () => {
  const run = await runDrill("memory", 40 * 60_000, { args: ["--full"] });
  const failed = run.timeline.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  process.stdout.write(`memory --full: page after ${run.timeline.figures.pageLatencySeconds}s, HighMemoryUsage pending->firing ${run.timeline.figures.highMemoryPendingToFiringSeconds}s, ${run.timeline.figures.pagerdutyIncidents} PagerDuty incident(s)\n`);
  expect(failed).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.timeline.figures.pageLatencySeconds).toBeLessThanOrEqual(180);
  expect(run.timeline.figures.pagerdutyIncidents).toBe(1);
  expect(run.timeline.events.some((e) => e.kind === "threshold_crossed")).toBe(true);
}, 41 * 60_000);
