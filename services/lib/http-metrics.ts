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
 *   rolling deploy's refusals were invisible; metrics.test.ts shows both). One shared 'close'
 *   listener per response counts both endings: 'close' follows 'finish' for a completed
 *   response and comes alone when the client hangs up first (499).
 * - The route label is set by a wrapper around each route's handler (installed by an onRoute
 *   hook, the template in its closure): one call and one property store, no Fastify hook.
 * - A request answered before its handler ran (invalid body, injected fault, client gone while
 *   the body was read, 503 while closing) carries no label when it closes; only then is its route
 *   looked up, in a copy of the route table kept in find-my-way (Fastify's own router library),
 *   so the rare paths pay a lookup and the common one pays nothing.
 * - Cost: the same as the hook version's within the benchmark's resolution (80-pair runs
 *   +2.35% [+1.45, +3.45] against +2.30% [+1.73, +3.48], services/README.md): the design is
 *   chosen for what it counts, not for speed. The ~2.4% a request pays is not in these steps
 *   (a hook that only counted in-flight requests measured the same).
 * - Children are resolved once per (route, method, status) with an integer key
 *   (lib/fast-metrics.ts).
 */
import { type IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, RouteHandlerMethod } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import { Gauge, type Registry } from "prom-client";
import { HTTP_DURATION_BUCKETS, METRICS } from "../../config/conventions";
import { FastCounter, FastHistogram, type FastCounterChild, type FastHistogramChild } from "./fast-metrics";

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

type Pair = [FastCounterChild, FastHistogramChild];
/** The children of one route template, by method and status. */
type RouteSeries = (method: string, status: number) => Pair;
/** A route kept out of the RED metrics. */
const SKIP = null;

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
  const requests = new FastCounter({ name: METRICS.httpRequests, help: "HTTP requests completed, by method, route template and status code.", labelNames, registry });
  const duration = new FastHistogram({
    name: METRICS.httpDuration,
    help: "Time from request received to response finished, by method, route template and status code.",
    labelNames, buckets: HTTP_DURATION_BUCKETS, registry,
  });
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
  /** Children of one route template, looked up by status*16 + method. */
  const seriesFor = (route: string): RouteSeries => {
    const byKey = new Map<number, Pair>();
    return (method, status) => {
      const index = methodIndex.get(method) ?? 0; // 0 = OTHER_METHOD
      const key = status * 16 + index;
      let found = byKey.get(key);
      if (!found) {
        const labels = [index === 0 ? OTHER_METHOD : method, route, String(status)];
        found = [requests.child(...labels), duration.child(...labels)];
        byKey.set(key, found);
      }
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

  function recordOnClose(this: TimedResponse): void {
    const series = this.metricsSeries === undefined ? lookup(this.req) : this.metricsSeries;
    if (this.metricsSeries !== SKIP) inFlight--; // a skipped route already left the count when its handler started
    if (series === SKIP) return;
    const [counter, histogram] = series(this.req.method ?? "", this.writableFinished ? this.statusCode : CLIENT_CLOSED_STATUS);
    counter.inc();
    histogram.observe((performance.now() - this.metricsStarted) / 1000);
  }

  // Node's typings declare the one-argument constructor; at runtime Node passes and needs two.
  const BaseResponse = ServerResponse as unknown as new (req: IncomingMessage, options?: unknown) => ServerResponse;
  class TimedResponse extends BaseResponse {
    /** performance.now() when Node created the response: the request's headers had just been parsed. */
    metricsStarted = performance.now();
    /** Set when the route's handler starts: its series, SKIP, or undefined (handler never ran). */
    metricsSeries: RouteSeries | typeof SKIP | undefined = undefined;
    constructor(req: IncomingMessage, options?: unknown) {
      // Node passes (req, { highWaterMark, rejectNonStandardBodyWrites }); both are forwarded.
      super(req, options);
      inFlight++;
      this.on("close", recordOnClose);
    }
  }

  return {
    ServerResponse: TimedResponse as unknown as typeof ServerResponse,
    instrument(app) {
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
