/**
 * The front door's per-client limit with several replicas (real nginx): a load balancer may
 * spread one client's connections over every replica, and each nginx counts only what it
 * sees. Two front doors stand for the two prod replicas; one client sends 100 requests over
 * one second, alternating between them (the even spread, the worst case).
 *
 * With each replica at the configured 30 r/s + burst 20 the client gets about twice the
 * limit through; with each at its share (render/front-door.ts perReplicaLimit: 15 r/s + burst
 * 10) the total is what ONE nginx at 30 r/s + burst 20 lets through. Expected counts replay
 * nginx's limit_req over the arrival times each nginx logged (testing/limitReq.ts), so a
 * stalled sender on a busy machine changes the expectation with the traffic.
 */
import { performance } from "perf_hooks";
import { perReplicaLimit } from "../render/front-door";
import { NGINX_DEFAULTS } from "./options";
import { agentFor, send } from "./testing/client";
import { limitReqPasses } from "./testing/limitReq";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

const COUNT = 100;
const SPACING_MS = 10;
const CLIENT = "127.0.0.3";
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** Sends COUNT requests alternating over `doors`; returns per-door passes and the arrivals (ms) nginx logged. */
async function spread(doors: FrontDoor[]): Promise<Array<{ passed: number; arrivals: number[] }>> {
  const agents = doors.map((d) => agentFor(d, CLIENT));
  await Promise.all(doors.flatMap((d, i) => Array.from({ length: 3 }, () => send(d, { tls: true, port: d.httpsPort, path: "/health", agent: agents[i] }))));
  const statuses: number[][] = doors.map(() => []);
  const pending: Promise<unknown>[] = [];
  const start = performance.now() + 20;
  for (let i = 0; i < COUNT; i++) {
    await sleepUntil(start + i * SPACING_MS);
    const k = i % doors.length;
    pending.push(send(doors[k], { tls: true, port: doors[k].httpsPort, path: `/api/ds/query?i=${i}`, auth: doors[k].credentials, agent: agents[k] }).then((r) => statuses[k].push(r.status)));
  }
  await Promise.all(pending);
  agents.forEach((a) => a.destroy());
  return Promise.all(
    doors.map(async (d, k) => {
      const log = await d.waitForAccessLog((ls) => ls.filter((l) => String(l.uri).startsWith("/api/ds/query")).length === COUNT / doors.length);
      const arrivals = log.filter((l) => String(l.uri).startsWith("/api/ds/query")).map((l) => Math.round((Number(l.msec) - Number(l.request_time)) * 1000));
      expect(statuses[k].every((s) => s === 200 || s === 429)).toBe(true);
      return { passed: statuses[k].filter((s) => s === 200).length, arrivals };
    }),
  );
}

describe("rate limit with two replicas: one client spread evenly over both (real nginx)", () => {
  const { ratePerSecond: RATE, burst: BURST } = NGINX_DEFAULTS;

  it("each replica at the full limit lets the client through at about twice the limit (the problem)", async () => {
    // The problem only shows when the client sends faster than one nginx allows. One CI run's
    // sender, on a machine busy with four stacks, spread its 100 requests so thinly that one
    // nginx would have passed all 100: nothing to show. Such an attempt is run again on fresh
    // front doors (empty limit state), at most 3 attempts, and the test fails if none was dense.
    const attempts: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const doors = [await startFrontDoor(), await startFrontDoor()];
      try {
        const r = await spread(doors);
        const total = r.reduce((n, x) => n + x.passed, 0);
        const single = limitReqPasses(r.flatMap((x) => x.arrivals), RATE, BURST);
        attempts.push(`${total} passed, one nginx ${single}`);
        if (COUNT - single < 30) continue; // the sender stalled: one nginx would have rejected under 30
        console.log(`full limit per replica: ${total} of ${COUNT} passed (one nginx would pass ${single}; attempt ${attempt})`);
        // Each replica applies the full limit to the half it sees...
        for (const x of r) expect(Math.abs(x.passed - limitReqPasses(x.arrivals, RATE, BURST))).toBeLessThanOrEqual(1);
        // ...so together they pass at least 30 more than one nginx would.
        expect(total).toBeGreaterThanOrEqual(single + 30);
        return;
      } finally {
        await Promise.all(doors.map((d) => d.stop()));
      }
    }
    throw new Error(`in 3 attempts the sender never reached a rate one nginx would limit (${attempts.join("; ")}): the machine was too busy to show the problem`);
  }, 60_000);

  it("each replica at its share (15 r/s, burst 10) keeps the client's total at what one nginx at 30 r/s + burst 20 allows", async () => {
    const share = perReplicaLimit(RATE, BURST, 2);
    expect(share).toEqual({ ratePerSecond: 15, burst: 10 });
    const doors = [await startFrontDoor({ overrides: share }), await startFrontDoor({ overrides: share })];
    try {
      const r = await spread(doors);
      const total = r.reduce((n, x) => n + x.passed, 0);
      for (const x of r) expect(Math.abs(x.passed - limitReqPasses(x.arrivals, share.ratePerSecond, share.burst))).toBeLessThanOrEqual(1);
      // The same arrivals, both replicas' together, through one nginx at the full limit.
      const single = limitReqPasses(r.flatMap((x) => x.arrivals), RATE, BURST);
      console.log(`share per replica: ${total} of ${COUNT} passed (${r.map((x) => x.passed).join(" + ")}; one nginx at the full limit: ${single})`);
      // Two "first request is free" passes instead of one: at most 1 more, plus timing slack.
      expect(total).toBeLessThanOrEqual(single + 2);
      expect(total).toBeGreaterThanOrEqual(single - 2);
    } finally {
      await Promise.all(doors.map((d) => d.stop()));
    }
  }, 30_000);

  it("splits any limit so the replicas' shares never add up to more than it", () => {
    for (const replicas of [1, 2, 3, 4, 7, 10]) {
      const s = perReplicaLimit(30, 20, replicas);
      expect(s.ratePerSecond * replicas).toBeLessThanOrEqual(30);
      expect(s.burst * replicas).toBeLessThanOrEqual(20);
      expect(Math.round(s.ratePerSecond * 60)).toBe(s.ratePerSecond * 60); // whole requests per minute
    }
    expect(perReplicaLimit(30, 20, 4)).toEqual({ ratePerSecond: 7.5, burst: 5 });
  });
});
