/**
 * RED instrumentation of a Fastify app: http_requests_total, http_request_duration_seconds and
 * http_requests_in_flight (docs/metrics.md).
 *
 * Cardinality is bounded by construction: `route` is the route TEMPLATE, every request that
 * matched no route gets UNMATCHED_ROUTE, methods outside the standard set become OTHER_METHOD,
 * and `status` is a status code. A scan of random URLs can only touch the `__unmatched__` series.
 *
 * Cost matters (the benchmark budget is a few microseconds per request), hence:
 * - a route-level onRequest hook per route, created by an onRoute hook with the template in its
 *   closure: no global hook, and no `request.routeOptions` (a getter that builds a 12-property
 *   object on every access);
 * - children resolved once per (route, method, status) with an integer key (lib/fast-metrics.ts);
 * - one 'close' listener on the raw response covers both endings: 'close' follows 'finish' for a
 *   completed response, and comes alone when the client hangs up first (Fastify's own
 *   onRequestAbort hook misses that case once the request body has been read).
 */
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from "fastify";
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

/** What the service must wire itself: the hook that instruments requests no route matched. */
export interface HttpInstrumentation {
  /** Pass as the not-found handler's preValidation hook. */
  unmatchedHook: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
}

type Pair = [FastCounterChild, FastHistogramChild];

/**
 * Registers the HTTP metrics on `registry` and instruments every route registered on `app`
 * AFTER this call (it works through an onRoute hook).
 */
export function instrumentHttp(app: FastifyInstance, registry: Registry): HttpInstrumentation {
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

  /** The onRequest hook of one route template; children are looked up by status*16 + method. */
  const hookFor = (route: string) => {
    const byKey = new Map<number, Pair>();
    const pair = (method: string, status: number): Pair => {
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
    return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      const started = performance.now();
      const res: ServerResponse = reply.raw;
      inFlight++;
      res.on("close", () => {
        inFlight--;
        const [counter, histogram] = pair(request.method, res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS);
        counter.inc();
        histogram.observe((performance.now() - started) / 1000);
      });
      done();
    };
  };

  app.addHook("onRoute", (route) => {
    if (UNINSTRUMENTED_ROUTES.has(route.url)) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // First in the list, so time spent in later hooks (e.g. injected chaos latency) is measured.
    route.onRequest = [hookFor(route.url) as onRequestHookHandler, ...existing];
  });
  return { unmatchedHook: hookFor(UNMATCHED_ROUTE) };
}
