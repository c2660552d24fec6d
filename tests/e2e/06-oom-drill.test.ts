/**
 * `npm run drill -- oom`: payment-processor's memory is driven past its cgroup's limit. The
 * kernel must OOM-kill it, the supervisor restart it (serving again within 60 s), cAdvisor
 * count the kill, ContainerOOMKilled page, and everything resolve with nothing else firing.
 */
import { runDrill } from "./drill-runner";

test("memory past the limit: the kernel kills, the supervisor restarts, ContainerOOMKilled pages, all resolves", async () => {
  const run = await runDrill("oom", 20 * 60_000);
  const f = run.timeline.figures;
  process.stdout.write(`oom: killed ${f.killAfterSeconds}s into the ramp; serving again ${f.restartedServingSeconds}s after the kill; counted by cAdvisor after ${f.countedByCadvisorSeconds}s; ContainerOOMKilled firing after ${f.alertFiringSeconds}s, paged ${f.oomNotificationDelaySeconds}s later\n`);
  const failed = run.timeline.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect(failed).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.timeline.events.some((e) => e.kind === "oom_kill")).toBe(true);
});
