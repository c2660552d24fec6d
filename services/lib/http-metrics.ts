/**
 * RED instrumentation of a Fastify app: http_requests_total, http_request_duration_seconds and
 * http_requests_in_flight (docs/metrics.md).
 *
 * Cardinality is bounded by construction: `route` is Fastify's route TEMPLATE (known before the
 * handler runs), every request that matched no route gets UNMATCHED_ROUTE, methods outside the
 * standard set become OTHER_METHOD, and `status` is a status code. A scan of random URLs can only
 * ever touch the `__unmatched__` series.
 */
import { performance } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HTTP_DURATION_BUCKETS, METRICS } from "../../config/conventions";

/** `route` label of requests that matched no route (404s from scans, typos, probes). */
export const UNMATCHED_ROUTE = "__unmatched__";
/** `method` label of requests with a non-standard method. */
export const OTHER_METHOD = "OTHER";
/**
 * `status` of requests the client abandoned before the response was sent (nginx's convention).
 * Counting them keeps "every request received is counted once" true.
 */
export const CLIENT_CLOSED_STATUS = "499";

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Paths that are not API traffic (scrapes, health checks) and are kept out of the RED metrics. */
export const UNINSTRUMENTED_ROUTES = new Set(["/metrics", "/healthz"]);

type Child = { inc: () => void; observe: (seconds: number) => void };

/** Registers the HTTP metrics on `registry` and the hooks that feed them on `app`. */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: METRICS.httpRequests,
    help: "HTTP requests completed, by method, route template and status code.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRICS.httpDuration,
    help: "Time from request received to response finished, by method, route template and status code.",
    labelNames,
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: METRICS.httpInFlight,
    help: "HTTP requests received whose response has not finished yet.",
    registers: [registry],
  });

  // prom-client hashes the label object on every call; the label space is bounded, so caching one
  // bound child per (method, route, status) keeps the hot path to two Map lookups.
  const children = new Map<string, Child>();
  const child = (method: string, route: string, status: string): Child => {
    const key = `${method} ${route} ${status}`;
    let found = children.get(key);
    if (!found) {
      const labels = { method, route, status };
      const counter = requests.labels(labels);
      const histogram = duration.labels(labels);
      found = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
      children.set(key, found);
    }
    return found;
  };

  // One 'close' listener on the raw response covers both endings: 'close' follows 'finish' for a
  // completed response, and comes alone when the client hangs up first. Fastify's own
  // onRequestAbort hook misses the second case once the request body has been read.
  app.addHook("onRequest", (request, reply, done) => {
    if (UNINSTRUMENTED_ROUTES.has(request.routeOptions.url ?? "")) return done();
    const started = performance.now();
    inFlight.inc();
    const res = reply.raw;
    res.once("close", () => {
      inFlight.dec();
      const method = STANDARD_METHODS.has(request.method) ? request.method : OTHER_METHOD;
      const status = res.writableFinished ? String(res.statusCode) : CLIENT_CLOSED_STATUS;
      const c = child(method, request.routeOptions.url ?? UNMATCHED_ROUTE, status);
      c.inc();
      c.observe((performance.now() - started) / 1000);
    });
    done();
  });
}
