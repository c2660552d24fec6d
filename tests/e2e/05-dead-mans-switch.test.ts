/**
 * Who watches the watchers, end to end: Prometheus dies; the Watchdog stops reaching
 * Alertmanager, Alertmanager stops sending heartbeats, and the dead man's switch stand-in pages
 * through the PagerDuty stand-in within 3 minutes. Prometheus comes back; the next heartbeat
 * resolves the incident.
 *
 * Worst case (rules/README.md "Who watches the watchers"): the Watchdog's last send is valid for
 * 4 x 15 s (--rules.alert.resend-delay), the last heartbeat leaves at most then, and the switch
 * pages after interval + grace (1m + 30s) of silence: 150 s.
 */
import { probe, startRecorded, stopRecorded } from "../../local/supervisor";
import { HEARTBEAT_DEDUP_KEY } from "../../local/receivers/heartbeat";
import { getJson, notifications, waitFor } from "./api";
import { stackInfo } from "./stack-env";

const { options: o } = stackInfo();
const heartbeatApi = `http://127.0.0.1:${o.ports.heartbeat}/api/heartbeat`;
const deadMan = (since: number, action: string) => async () =>
  (await notifications(o, { receiver: "pagerduty", sinceMs: since })).find((n) => n.pagerduty?.dedup_key === HEARTBEAT_DEDUP_KEY && n.pagerduty?.event_action === action);

test("Prometheus stopped: the dead man's switch pages within 3 minutes; started again: the incident resolves", async () => {
  // The heartbeats arrive (the stack has been up for minutes).
  const before = await waitFor("the heartbeat switch to be up", 120_000, async () => {
    const s = await getJson(heartbeatApi);
    return s.state === "up" ? s : undefined;
  });
  expect(before.pings).toBeGreaterThan(0);

  const stoppedAt = Date.now();
  const prometheus = await stopRecorded(o.stateDir, "prometheus");
  let restarted = false;
  try {
    const page = await waitFor("the dead man's switch page", 240_000, deadMan(stoppedAt, "trigger"), 1000);
    const seconds = (page.receivedAtMs - stoppedAt) / 1000;
    process.stdout.write(`dead man's switch: Prometheus stopped -> page after ${seconds.toFixed(1)}s (goal <= 180s; worst case 150s)\n`);
    expect(page).toMatchObject({ accepted: true, service: "monitoring", pagerduty: { severity: "critical", outcome: "opened" } });
    expect(page.summary).toMatch(/^Dead man's switch: no heartbeat from Alertmanager/);
    expect(seconds).toBeLessThanOrEqual(180);
    // It cannot page before the grace is over: at least interval + grace of silence (90 s) after
    // the last heartbeat, which left at least a few seconds before the stop.
    expect(seconds).toBeGreaterThan(60);

    const startedAt = Date.now();
    startRecorded(o.stateDir, prometheus);
    restarted = true;
    await waitFor("Prometheus ready again", 60_000, async () => ((await probe(`http://127.0.0.1:${o.ports.prometheus}/-/ready`)) === 200 ? true : undefined), 500);
    const resolve = await waitFor("the dead man's switch resolve", 180_000, deadMan(startedAt, "resolve"), 1000);
    process.stdout.write(`dead man's switch: Prometheus started -> resolved after ${((resolve.receivedAtMs - startedAt) / 1000).toFixed(1)}s\n`);
    expect(resolve).toMatchObject({ accepted: true, pagerduty: { outcome: "resolved" } });
    expect((await getJson(heartbeatApi)).state).toBe("up");
  } finally {
    if (!restarted) startRecorded(o.stateDir, prometheus);
  }
}, 600_000);
