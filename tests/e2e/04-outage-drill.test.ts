/**
 * `npm run drill -- outage`: 100% errors on payment-processor through the traffic
 * generator's fault injection. Prints the latency from burst start to the PagerDuty
 * trigger (goal <= 60 s), then proves recovery and the resolve.
 */
import { runDrill } from "./drill-runner";

test("a total outage of payment-processor pages, and after recovery resolves", async () => {
  const run = await runDrill("outage", 20 * 60_000);
  process.stdout.write(`outage: burst start -> PagerDuty trigger ${run.timeline.figures.pageLatencySeconds}s (goal <= 60s)\n`);
  const failed = run.timeline.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect(failed).toEqual([]);
  expect(run.code).toBe(0);
});
