/**
 * `npm run drill -- outage --runs 5 --services payment-processor,merchant-api`: five total
 * outages (100% errors through each service's fault injection), taken in turn by the two SLO
 * services; each must page within 60 s of its start, every time, not on average. Prints the
 * five latencies and their spread; then every incident must resolve.
 */
import { runDrill } from "./drill-runner";

test("five total outages each page within 60 s, and every incident resolves", async () => {
  const run = await runDrill("outage", 55 * 60_000, { args: ["--runs", "5", "--services", "payment-processor,merchant-api"] });
  const f = run.timeline.figures;
  process.stdout.write(`outage x5: ${f.pageLatenciesSeconds} (min ${f.pageLatencyMinSeconds}s, median ${f.pageLatencyMedianSeconds}s, max ${f.pageLatencyMaxSeconds}s; goal <= 60s each)\n`);
  const failed = run.timeline.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect(failed).toEqual([]);
  expect(run.code).toBe(0);
  expect(Number(f.pageLatencyMaxSeconds)).toBeLessThanOrEqual(60);
}, 56 * 60_000);
