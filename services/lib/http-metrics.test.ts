/**
 * The RED instrumentation on its own (a bare Fastify app, no service around it): what ends a
 * count — a response's end() or the connection closing first (499), pipelining included — and
 * that two instrumented servers in one process count only their own responses.
 */
import { hasSubscribers } from "node:diagnostics_channel";
import net from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { waitFor } from "../testing/http";
import { createHttpInstrumentation } from "./http-metrics";

const FINISH_CHANNEL = "http.server.response.finish";

interface Instrumented {
  app: FastifyInstance;
  registry: Registry;
  port: number;
  /** Releases every request parked on GET /park. */
  release(): void;
}

async function startApp(): Promise<Instrumented> {
  const registry = new Registry();
  const http = createHttpInstrumentation(registry);
  const app = Fastify({ logger: false, http: { ServerResponse: http.ServerResponse } });
  http.instrument(app);
  const parked: (() => void)[] = [];
  app.get("/ok", async () => ({ ok: true }));
  app.get("/park", () => new Promise((resolve) => parked.push(() => resolve({ parked: true }))));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as net.AddressInfo).port;
  return { app, registry, port, release: () => parked.splice(0).forEach((r) => r()) };
}

/** The value of one sample, 0 when the series does not exist. */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const v of metric.values as { metricName?: string; labels: Record<string, string | number>; value: number }[]) {
      const sampleName = v.metricName ?? metric.name;
      if (sampleName === name && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) return v.value;
    }
  }
  return 0;
}

/** Writes raw HTTP/1.1 on one connection; resolves when `pattern` has been read. */
function connection(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let read = "";
  socket.on("data", (chunk: Buffer) => { read += chunk.toString(); });
  socket.on("error", () => undefined);
  return {
    socket,
    write: (text: string) => socket.write(text),
    until: (pattern: RegExp) => waitFor(`the answer ${pattern}`, async () => pattern.test(read), 5000, 5),
    get read() { return read; },
  };
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const ok = { method: "GET", route: "/ok", status: "200" };
const abandoned = { method: "GET", route: "/park", status: "499" };

describe("what ends a count", () => {
  let a: Instrumented;
  let b: Instrumented;
  beforeAll(async () => {
    a = await startApp();
    b = await startApp();
  });
  afterAll(async () => {
    a.release();
    b.release();
    await Promise.all([a.app.close(), b.app.close()]);
  });

  test("three requests on one keep-alive connection are counted as they finish, and its close adds no 499", async () => {
    const c = connection(a.port);
    c.write(GET("/ok"));
    await c.until(/(HTTP\/1\.1 200[\s\S]*){1}/);
    c.write(GET("/ok") + GET("/ok"));
    await c.until(/(HTTP\/1\.1 200[\s\S]*){3}/);
    expect(await sample(a.registry, "http_requests_total", ok)).toBe(3);
    expect(await sample(a.registry, "http_request_duration_seconds_count", ok)).toBe(3);
    c.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sample(a.registry, "http_requests_total", { status: "499" })).toBe(0);
    expect(await sample(a.registry, "http_requests_in_flight")).toBe(0);
  });

  test("two instrumented servers in one process: each instrumentation counts only its own responses", async () => {
    const before = await sample(a.registry, "http_requests_total", ok);
    const c = connection(b.port);
    c.write(GET("/ok") + GET("/ok"));
    await c.until(/(HTTP\/1\.1 200[\s\S]*){2}/);
    c.socket.destroy();
    expect(await sample(b.registry, "http_requests_total", ok)).toBe(2);
    expect(await sample(a.registry, "http_requests_total", ok)).toBe(before);
  });

  test("a client that hangs up with two pipelined requests unanswered gets both counted as 499, after the one answered", async () => {
    const c = connection(a.port);
    c.write(GET("/ok") + GET("/park") + GET("/park"));
    await c.until(/HTTP\/1\.1 200/);
    await waitFor("both parked requests in flight", async () => (await sample(a.registry, "http_requests_in_flight")) === 2, 5000, 5);
    const okBefore = await sample(a.registry, "http_requests_total", ok);
    c.socket.destroy();
    await waitFor("the abandoned requests counted", async () => (await sample(a.registry, "http_requests_total", abandoned)) === 2, 5000, 5);
    expect(await sample(a.registry, "http_request_duration_seconds_count", abandoned)).toBe(2);
    expect(await sample(a.registry, "http_requests_in_flight")).toBe(0);
    // Released handlers answer onto a closed connection: nothing is counted twice.
    a.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sample(a.registry, "http_requests_total", abandoned)).toBe(2);
    expect(await sample(a.registry, "http_requests_total", ok)).toBe(okBefore);
  });

  test("a fast pipelined request answered while queued behind a parked one is counted 200, and the parked one still gets its 499", async () => {
    const okBefore = await sample(a.registry, "http_requests_total", ok);
    const abandonedBefore = await sample(a.registry, "http_requests_total", abandoned);
    const c = connection(a.port);
    c.write(GET("/park") + GET("/ok"));
    // /ok's handler answers at once; Node holds its response queued until /park's is written.
    await waitFor("the queued answer counted", async () => (await sample(a.registry, "http_requests_total", ok)) === okBefore + 1, 5000, 5);
    expect(await sample(a.registry, "http_requests_in_flight")).toBe(1);
    expect(c.read).toBe("");
    c.socket.destroy();
    await waitFor("the parked request counted", async () => (await sample(a.registry, "http_requests_total", abandoned)) === abandonedBefore + 1, 5000, 5);
    expect(await sample(a.registry, "http_requests_in_flight")).toBe(0);
    a.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sample(a.registry, "http_requests_total", ok)).toBe(okBefore + 1);
    expect(await sample(a.registry, "http_requests_total", abandoned)).toBe(abandonedBefore + 1);
  });
});

test("responses are counted without Node's finish channel: no subscriber, so Node builds no message per response", async () => {
  // Subscribing to http.server.response.finish cost ~1.5 points of a request (services/README.md,
  // "Where the 2.1 µs goes"); the response class counts at end() instead.
  const app = await startApp();
  try {
    expect(hasSubscribers(FINISH_CHANNEL)).toBe(false);
  } finally {
    await app.app.close();
  }
});
