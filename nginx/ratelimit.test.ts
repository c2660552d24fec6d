/**
 * Per-IP rate limiting against the real nginx: 100 requests evenly spaced over one second
 * (one every 10 ms) from each of two source addresses at once, /health interleaved.
 *
 * Expected pass count (nginx limit_req, `burst=B nodelay`, rate r; see README "Rate limit"):
 * the first request of a new client is free, then a request passes while the bucket holds at
 * most B, and the bucket drains r per second. Requests arrive faster than r, so the bucket
 * never empties and over a span of T seconds exactly 1 + floor(B + r*T) pass (to within one
 * 10 ms arrival slot). With r = 30, B = 20, T = 0.99 s: 1 + floor(49.7) = 50; the other 50 get 429.
 * Tolerance +-1: one request is 1/r = 33 ms of bucket drain, and nginx's clock (cached per
 * event-loop turn) and the client's send times may disagree by a few ms at the span's ends.
 */
import { performance } from "perf_hooks";
import { NGINX_DEFAULTS } from "./options";
import { agentFor, Res, send } from "./testing/client";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

const COUNT = 100;
const SPACING_MS = 10;
const SOURCES = ["127.0.0.1", "127.0.0.2"];
const RATE = NGINX_DEFAULTS.ratePerSecond;
const BURST = NGINX_DEFAULTS.burst;

/** Pass count the leaky bucket allows over a span of `spanSeconds` (see the file comment). */
function expectedPasses(spanSeconds: number, rate = RATE, burst = BURST): number {
  return 1 + Math.floor(burst + rate * spanSeconds);
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

interface Outcome {
  status: number;
  sentAt: number;
  latencyMs: number;
}

describe("rate limit: 30 r/s per client IP with a burst of 20 (real nginx)", () => {
  let fd: FrontDoor;
  const outcomes: Record<string, Outcome[]> = {};
  const health: Res[] = [];

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
        pending.push(p.then((res) => (outcomes[ip] ??= []).push({ status: res.status, sentAt, latencyMs: performance.now() - sentAt })));
      }
      if (i % 5 === 2) {
        pending.push(send(fd, { tls: true, port: fd.httpsPort, path: "/health", agent: agents[SOURCES[0]] }).then((r) => health.push(r)));
      }
    }
    await Promise.all(pending);
    Object.values(agents).forEach((a) => a.destroy());
  }, 20_000);
  afterAll(async () => fd?.stop());

  it("answers every request with 200 or 429, nothing else", () => {
    for (const ip of SOURCES) {
      expect(outcomes[ip]).toHaveLength(COUNT);
      expect(outcomes[ip].filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    }
  });

  it.each(SOURCES)("lets 1 + floor(burst + rate x span) +-1 requests from %s through and rejects the rest with 429", (ip) => {
    const sent = outcomes[ip].map((o) => o.sentAt);
    const span = (Math.max(...sent) - Math.min(...sent)) / 1000;
    // The premise: 100 requests really went out over about one second.
    expect(span).toBeGreaterThan(0.98);
    expect(span).toBeLessThan(1.05);
    const passed = outcomes[ip].filter((o) => o.status === 200).length;
    const expected = expectedPasses(span);
    console.log(`${ip}: ${passed} passed, ${COUNT - passed} got 429 over ${span.toFixed(3)} s (model: ${expected})`);
    expect(Math.abs(passed - expected)).toBeLessThanOrEqual(1);
  });

  it("limits the two source addresses independently (together far more than one bucket allows)", () => {
    const total = SOURCES.reduce((n, ip) => n + outcomes[ip].filter((o) => o.status === 200).length, 0);
    // One shared bucket would let about 50 through in total; two buckets about 100.
    expect(total).toBeGreaterThanOrEqual(2 * (expectedPasses(0.98) - 1));
  });

  it("serves the burst without queueing (nodelay): no accepted request waited for the bucket", () => {
    // Without nodelay the 20th excess request would be held back 20/30 s = 667 ms.
    const slowest = Math.max(...SOURCES.flatMap((ip) => outcomes[ip].filter((o) => o.status === 200).map((o) => o.latencyMs)));
    expect(slowest).toBeLessThan(300);
  });

  it("answers every /health request interleaved with the burst with 200, while the limit is hit", () => {
    expect(health).toHaveLength(COUNT / 5);
    expect(health.map((r) => r.status)).toEqual(Array(COUNT / 5).fill(200));
  });

  it("logs each rejection in the access log as a 429", () => {
    const logged429 = fd.accessLog().filter((l) => l.status === 429).length;
    const answered429 = SOURCES.reduce((n, ip) => n + outcomes[ip].filter((o) => o.status === 429).length, 0);
    expect(logged429).toBe(answered429);
  });
});
