/**
 * RED instrumentation of a Fastify app: http_requests_total, http_request_duration_seconds and
 * http_requests_in_flight (docs/metrics.md).
 *
 * Cardinality is bounded by construction: `route` is the route TEMPLATE, every request that
 * matched no route gets UNMATCHED_ROUTE, methods outside the standard set become OTHER_METHOD,
 * and `status` is a status code. A scan of random URLs can only touch the `__unmatched__` series.
 *
 * Every response is counted, and only documented APIs are used for it:
 * - Timing starts in the constructor of the server's response class (Fastify's `http` option
 *   hands it to http.createServer): Node builds one response per request, right after parsing
 *   its headers, whatever Fastify does next. So the responses Fastify sends before any hook or
 *   handler runs are counted too, notably the 503 of `return503OnClosing` to requests arriving
 *   while the service shuts down, which the earlier route-level onRequest hook never saw (a
 *   rolling deploy's refusals were invisible; metrics.test.ts shows both).
 * - Neither ending adds a listener to the response. A response is counted when it ends: the
 *   response class overrides Node's documented `end()` (Fastify calls it once per response, with
 *   the status set), so the duration excludes only the socket write. Until 2026-12-04 it was
 *   counted from Node's `http.server.response.finish` diagnostics channel, whose subscriber makes
 *   Node build and publish a message object per response: ~1.5 points of a CPU-bound request
 *   (services/README.md, "Where the 2.1 µs goes").
 * - A response whose connection is gone before it ends is counted as 499 by ONE 'close' listener
 *   per connection: the connection holds its newest response, and each response the one before
 *   it until it is answered on the socket; HTTP/1.1 answers in order, so a walk from the newest
 *   finds every uncounted one (http-metrics.test.ts: two pipelined requests abandoned, two 499s).
 *   A pipelined response that ends while Node still queues it behind an earlier one is counted
 *   then, with its status (the server answered it, even if the client leaves before the bytes
 *   do), and keeps its link, so a slow earlier request still gets its 499 (tested). The earlier
 *   design added a 'close' listener to every response, whose EventEmitter bookkeeping and
 *   dispatch ran on every request.
 * - The route label is set by a wrapper around each route's handler (installed by an onRoute
 *   hook, the template in its closure): one call and one property store, no Fastify hook.
 * - A request answered before its handler ran (invalid body, injected fault, client gone while
 *   the body was read, 503 while closing) carries no label when it closes; only then is its route
 *   looked up, in a copy of the route table kept in find-my-way (Fastify's own router library),
 *   so the rare paths pay a lookup and the common one pays nothing.
 * - Cost, 2026-12-04 (services/README.md, Benchmark, "Counting at end()"; a request ~66 µs, alone
 *   on its core, 40 pairs): two consecutive `npm run bench` runs +1.95% [+1.42, +2.59] and +1.24%
 *   [+0.67, +2.78] (~0.8-1.3 µs), against +3.37% [+2.14, +4.25] with the finish channel.
 *   History (services/README.md, Benchmark, "without a listener per response"): the native CPU
 *   figure has not moved measurably with any design (hooks, a response-class listener, this one:
 *   ~2.3% on quiet days, 3-4% on a contended host, each within the others' intervals). A cache and
 *   branch simulation (callgrind) of the listener version put its extra instructions at ~0 and
 *   its cost (+2.0% of modelled cycles) in cache and branch misses; this version modelled +0.3%,
 *   with ±1% between two identical processes. With one metric write per request (below) two
 *   consecutive 80-pair runs measured +1.28% [-0.39, +2.95] and +0.21% [-1.97, +1.83] on a fast
 *   host; an A/B against the two-write version in one run could not tell them apart (+0.21%
 *   [-1.65, +2.27]), so that is the host and the spread between runs, not this change.
 * - Children are resolved once per (route, method, status) with an integer key
 *   (lib/fast-metrics.ts); a route's last (method, status) answers the next request without it.
 *   A request writes one Float64Array: http_requests_total is the duration histogram's count,
 *   exported under its own name at scrape time (FastHistogramCount), not a second metric.
 */
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, RouteHandlerMethod } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import { Gauge, type Registry } from "prom-client";
import { HTTP_DURATION_BUCKETS, METRICS } from "../../config/conventions";
import { FastHistogram, FastHistogramCount, type FastHistogramChild } from "./fast-metrics";

/** `route` label of requests that matched no route (404s from scans, typos, probes). */
export const UNMATCHED_ROUTE = "__unmatched__";
/** `method` label of requests with a non-standard method. */
export const OTHER_METHOD = "OTHER";
/**
 * `status` of requests the client abandoned before the response was sent (nginx's convention).
 * Counting them keeps "every request received is counted once" true.
 */
export const CLIENT_CLOSED_STATUS = 499;

const STANDARD_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Paths that are not API traffic (scrapes, health checks) and are kept out of the RED metrics. */
export const UNINSTRUMENTED_ROUTES = new Set(["/metrics", "/healthz"]);

/** The series of one route template, by method and status. */
type RouteSeries = (method: string, status: number) => FastHistogramChild;
/** A route kept out of the RED metrics. */
const SKIP = null;
/** On a connection: its latest response (each holds the one before it until it is answered on the socket). */
const LATEST = Symbol("metrics.latestResponse");

/** What a service wires: the response class first (Fastify option), then the routes. */
export interface HttpInstrumentation {
  /** Pass as Fastify's `http: { ServerResponse }`: every response is timed from its creation. */
  ServerResponse: typeof ServerResponse;
  /** Labels the requests of every route registered on `app` AFTER this call (an onRoute hook). */
  instrument(app: FastifyInstance): void;
}

/** Registers the HTTP metrics on `registry`; see HttpInstrumentation for the wiring. */
export function createHttpInstrumentation(registry: Registry): HttpInstrumentation {
  const labelNames = ["method", "route", "status"] as const;
  const duration = new FastHistogram({
    name: METRICS.httpDuration,
    help: "Time from request received to response finished, by method, route template and status code.",
    labelNames, buckets: HTTP_DURATION_BUCKETS, registry,
  });
  // The request counter is the histogram's count under its own name: one write per request.
  new FastHistogramCount(METRICS.httpRequests, "HTTP requests completed, by method, route template and status code.", duration, registry);
  let inFlight = 0;
  new Gauge({
    name: METRICS.httpInFlight,
    help: "HTTP requests received whose response has not finished yet.",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });

  const methodIndex = new Map(STANDARD_METHODS.map((m, i) => [m, i + 1]));
  /** Series of one route template, looked up by status*16 + method. */
  const seriesFor = (route: string): RouteSeries => {
    const byKey = new Map<number, FastHistogramChild>();
    // A route's requests are mostly one method and one status: the last series answers them
    // without a Map lookup.
    let lastMethod = "";
    let lastStatus = 0;
    let last: FastHistogramChild | undefined;
    return (method, status) => {
      if (status === lastStatus && method === lastMethod) return last!;
      const index = methodIndex.get(method) ?? 0; // 0 = OTHER_METHOD
      const key = status * 16 + index;
      let found = byKey.get(key);
      if (!found) {
        found = duration.child(index === 0 ? OTHER_METHOD : method, route, String(status));
        byKey.set(key, found);
      }
      lastMethod = method;
      lastStatus = status;
      last = found;
      return found;
    };
  };
  const unmatched = seriesFor(UNMATCHED_ROUTE);
  // The route table again, in the router library Fastify itself uses and with its defaults (case
  // sensitive, trailing slash significant), read only for requests whose handler never ran.
  const routes = FindMyWay();
  const noop = () => undefined;

  /** The route of a request its handler never saw (rare paths only: errors, aborts, 404s). */
  const lookup = (req: IncomingMessage): RouteSeries | typeof SKIP => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    try {
      const found = routes.find(req.method as HTTPMethod, query === -1 ? url : url.slice(0, query));
      return found ? (found.store as RouteSeries | typeof SKIP) : unmatched;
    } catch {
      return unmatched; // a URL the router cannot parse matched no route either
    }
  };

  /** Counts one response once: `status` is its status code, or 499 when the client left first. */
  const record = (res: TimedResponse, status: number): void => {
    res.metricsDone = true;
    const series = res.metricsSeries === undefined ? lookup(res.req) : res.metricsSeries;
    if (res.metricsSeries !== SKIP) inFlight--; // a skipped route already left the count when its handler started
    if (series === SKIP) return;
    series(res.req.method ?? "", status).observe((performance.now() - res.metricsStarted) / 1000);
  };

  // Node's typings declare the one-argument constructor; at runtime Node passes and needs two.
  const BaseResponse = ServerResponse as unknown as new (req: IncomingMessage, options?: unknown) => ServerResponse;
  class TimedResponse extends BaseResponse {
    // Declared, not initialised as class fields: the constructor sets all four, in one order,
    // so every response has one shape and no field-initialiser function runs.
    /** performance.now() when Node created the response: the request's headers had just been parsed. */
    declare metricsStarted: number;
    /** Set when the route's handler starts: its series, SKIP, or undefined (handler never ran). */
    declare metricsSeries: RouteSeries | typeof SKIP | undefined;
    /** Counted (finished, or its connection closed first). */
    declare metricsDone: boolean;
    /** The connection's previous response, until this one is answered on the socket or the connection closes (pipelining). */
    declare metricsPrev: TimedResponse | undefined;
    constructor(req: IncomingMessage, options?: unknown) {
      // Node passes (req, { highWaterMark, rejectNonStandardBodyWrites }); both are forwarded.
      super(req, options);
      this.metricsStarted = performance.now();
      this.metricsSeries = undefined;
      this.metricsDone = false;
      const socket = req.socket as Connection;
      this.metricsPrev = socket[LATEST];
      socket[LATEST] = this;
      inFlight++;
    }

    /**
     * Counted when the response ends (Node's documented `end()`, which Fastify calls once per
     * response): the status is set by then, and the time excludes only the socket write. A
     * response whose connection is already gone is left to the connection's `close` listener
     * (499), as before.
     */
    end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
      if (!this.metricsDone && !this.destroyed) {
        const socket = this.socket as Connection | null;
        if (socket === null) {
          // Pipelining: Node queues this response behind an earlier one still being written and
          // gives it the socket later. Counted now, and it keeps its link to the earlier ones:
          // if the client hangs up, the connection's close listener must still find them.
          record(this, this.statusCode);
        } else if (!socket.destroyed) {
          record(this, this.statusCode);
          this.metricsPrev = undefined; // answered in order: the ones before it are counted
          if (socket[LATEST] === this) socket[LATEST] = undefined; // an idle connection holds no response
        }
      }
      return super.end(chunk as string, encoding as BufferEncoding, callback as () => void);
    }
  }

  type Connection = Socket & { [LATEST]?: TimedResponse };
  /**
   * A connection closed: its responses that never ended (the client hung up first) are counted
   * as 499. HTTP/1.1 answers a connection's requests in order, so they are all on the chain from
   * the newest response, behind at most some counted while queued.
   */
  const onConnectionClose = function (this: Connection): void {
    let res = this[LATEST];
    // Walks past responses already counted while queued (pipelining, see end()); a response
    // answered on the socket dropped its link, so the walk stops there.
    while (res !== undefined) {
      const previous = res.metricsPrev;
      res.metricsPrev = undefined;
      if (!res.metricsDone) record(res, CLIENT_CLOSED_STATUS);
      res = previous;
    }
    this[LATEST] = undefined;
  };
  const onConnection = (socket: Connection) => socket.on("close", onConnectionClose);

  return {
    ServerResponse: TimedResponse as unknown as typeof ServerResponse,
    instrument(app) {
      // Per connection, not per request: a keep-alive connection carries many requests.
      app.server.on("connection", onConnection);
      app.addHook("onRoute", (route) => {
        const series = UNINSTRUMENTED_ROUTES.has(route.url) ? SKIP : seriesFor(route.url);
        const handler = route.handler;
        const wrapped = function (this: FastifyInstance, request, reply) {
          const res = reply.raw;
          if (res instanceof TimedResponse && res.metricsSeries === undefined) {
            res.metricsSeries = series;
            if (series === SKIP) inFlight--; // scrapes and health checks are not API requests in flight
          }
          return handler.call(this, request, reply);
        } as RouteHandlerMethod;
        route.handler = wrapped;
        routes.on(route.method as HTTPMethod | HTTPMethod[], route.url, noop, series);
      });
    },
  };
}
