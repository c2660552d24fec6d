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
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HTTP_DURATION_BUCKETS, METRICS } from "../../config/conventions";

/** `route` label of requests that matched no route (404s from scans, typos, probes). */
export const UNMATCHED_ROUTE = "__unmatched__";
/** `method` label of requests with a non-standard method. */
export const OTHER_METHOD = "OTHER";
/**
 * `status` of requests the client abandoned before the response was sent (nginx's convention).
 * Fastify never runs onResponse for them; counting them keeps "every request is counted" true.
 */
export const CLIENT_CLOSED_STATUS = "499";

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Paths that are not API traffic (scrapes, health checks) and are kept out of the RED metrics. */
export const UNINSTRUMENTED_ROUTES = new Set(["/metrics", "/healthz"]);

declare module "fastify" {
  interface FastifyRequest {
    /** performance.now() at onRequest; 0 when the request is not instrumented or already counted. */
    metricsStartMs: number;
  }
}

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

  const record = (request: FastifyRequest, status: string): void => {
    const started = request.metricsStartMs;
    if (started === 0) return;
    request.metricsStartMs = 0;
    inFlight.dec();
    const method = STANDARD_METHODS.has(request.method) ? request.method : OTHER_METHOD;
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const c = child(method, route, status);
    c.inc();
    c.observe((performance.now() - started) / 1000);
  };

  app.decorateRequest("metricsStartMs", 0);
  app.addHook("onRequest", (request, _reply, done) => {
    if (!UNINSTRUMENTED_ROUTES.has(request.routeOptions.url ?? "")) {
      request.metricsStartMs = performance.now();
      inFlight.inc();
    }
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    record(request, String(reply.statusCode));
    done();
  });
  app.addHook("onRequestAbort", (request, done) => {
    record(request, CLIENT_CLOSED_STATUS);
    done();
  });
}
