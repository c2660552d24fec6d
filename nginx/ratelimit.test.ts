/**
 * Per-IP rate limiting against the real nginx: 100 requests evenly spaced over one second
 * (one every 10 ms) from each of two source addresses at once, /health interleaved.
 *
 * Expected pass count (nginx limit_req, `burst=B nodelay`, rate r; see README "Rate limit"):
 * the first request of a new client is free, then a request passes while the bucket holds at
 * most B, and the bucket drains r per second. While requests arrive faster than r the bucket
 * never empties and over a span of T seconds 1 + floor(B + r*T) pass: with r = 30, B = 20,
 * T = 0.99 s, 1 + floor(49.7) = 50; the other 50 get 429. The tests replay nginx's arithmetic
 * over the arrival times nginx itself logged (arrival = msec - request_time;
 * testing/limitReq.ts), which equals that closed form for an even stream and stays right when a
 * busy CI machine stalls the sender and the bucket drains in between.
 * Tolerance +-1: nginx's clock is cached per event-loop turn and logged at 1 ms resolution,
 * so an arrival can be off by a few ms, and a few ms can move a request across a token.
 */
import { performance } from "perf_hooks";
import { NGINX_DEFAULTS } from "./options";
import { agentFor, Res, send } from "./testing/client";
import { limitReqPasses } from "./testing/limitReq";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

const COUNT = 100;
const SPACING_MS = 10;
const SOURCES = ["127.0.0.1", "127.0.0.2"];
const RATE = NGINX_DEFAULTS.ratePerSecond;
const BURST = NGINX_DEFAULTS.burst;

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

interface Outcome {
  status: number;
  sentAt: number;
}

type LogLine = Record<string, unknown>;

/** When nginx started the request (ms since epoch): logged at msec, request_time after arrival. */
const arrivedAt = (l: LogLine) => Math.round((Number(l.msec) - Number(l.request_time)) * 1000);

describe("rate limit: 30 r/s per client IP with a burst of 20 (real nginx)", () => {
  let fd: FrontDoor;
  const outcomes: Record<string, Outcome[]> = {};
  const health: Res[] = [];
  let log: LogLine[] = [];
  const counted = (ip: string) => log.filter((l) => l.remote_addr === ip && String(l.uri).startsWith("/api/ds/query"));

  beforeAll(async () => {
    fd = await startFrontDoor();
    const agents = Object.fromEntries(SOURCES.map((ip) => [ip, agentFor(fd, ip)]));
    // Open the keep-alive connections with /health (outside the limit) so TLS handshakes
    // do not delay the first counted requests.
    await Promise.all(SOURCES.flatMap((ip) => Array.from({ length: 4 }, () => send(fd, { tls: true, port: fd.httpsPort, path: "/health", agent: agents[ip] }))));

    const pending: Promise<unknown>[] = [];
    const start = performance.now() + 20;
    for (let i = 0; i < COUNT; i++) {
      await sleepUntil(start + i * SPACING_MS);
      for (const ip of SOURCES) {
        const sentAt = performance.now();
        const p = send(fd, { tls: true, port: fd.httpsPort, path: `/api/ds/query?i=${i}`, auth: fd.credentials, agent: agents[ip] });
        pending.push(p.then((res) => (outcomes[ip] ??= []).push({ status: res.status, sentAt })));
      }
      if (i % 5 === 2) {
        pending.push(send(fd, { tls: true, port: fd.httpsPort, path: "/health", agent: agents[SOURCES[0]] }).then((r) => health.push(r)));
      }
    }
    await Promise.all(pending);
    Object.values(agents).forEach((a) => a.destroy());
    log = await fd.waitForAccessLog((ls) => ls.filter((l) => String(l.uri).startsWith("/api/ds/query")).length === COUNT * SOURCES.length);
  }, 20_000);
  afterAll(async () => fd?.stop());

  it("answers every request with 200 or 429, nothing else", () => {
    for (const ip of SOURCES) {
      expect(outcomes[ip]).toHaveLength(COUNT);
      expect(outcomes[ip].filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    }
  });

  it.each(SOURCES)("lets what nginx's limit_req allows for the arrivals it saw (+-1) from %s through and rejects the rest with 429", (ip) => {
    // The premise: the client sent its 100 requests fast enough that the bucket must reject a
    // good share of them (about one second when the machine is idle; on a busy CI machine the
    // sending stretches, and the model below follows the span nginx actually saw).
    const sent = outcomes[ip].map((o) => o.sentAt);
    expect(limitReqPasses(sent, RATE, BURST)).toBeLessThan(COUNT * 0.8);
    const arrivals = counted(ip).map(arrivedAt);
    expect(arrivals).toHaveLength(COUNT);
    const span = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    const passed = outcomes[ip].filter((o) => o.status === 200).length;
    const expected = limitReqPasses(arrivals, RATE, BURST);
    console.log(`${ip}: ${passed} passed, ${COUNT - passed} got 429; nginx saw them over ${span.toFixed(3)} s (model: ${expected})`);
    expect(Math.abs(passed - expected)).toBeLessThanOrEqual(1);
  });

  it("limits the two source addresses independently (together far more than one bucket allows)", () => {
    const total = SOURCES.reduce((n, ip) => n + outcomes[ip].filter((o) => o.status === 200).length, 0);
    const oneBucket = limitReqPasses(SOURCES.flatMap((ip) => counted(ip).map(arrivedAt)), RATE, BURST);
    // One shared bucket would let about 50 through in total; two buckets about 100.
    expect(total).toBeGreaterThanOrEqual(2 * oneBucket - 2);
  });

  it("serves the burst without queueing (nodelay): nginx held no accepted request back", () => {
    // Without nodelay the excess requests would wait up to burst/rate = 20/30 s = 667 ms each.
    const times = counted(SOURCES[0]).filter((l) => l.status === 200).map((l) => Number(l.request_time)).sort((a, b) => a - b);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(0.1);
  });

  it("answers every /health request interleaved with the burst with 200, while the limit is hit", () => {
    expect(health).toHaveLength(COUNT / 5);
    expect(health.map((r) => r.status)).toEqual(Array(COUNT / 5).fill(200));
  });

  it("logs each rejection in the access log as a 429", () => {
    const logged429 = log.filter((l) => l.status === 429).length;
    const answered429 = SOURCES.reduce((n, ip) => n + outcomes[ip].filter((o) => o.status === 429).length, 0);
    expect(logged429).toBe(answered429);
  });
});
