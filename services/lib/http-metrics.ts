/**
 * RED instrumentation of a Fastify app: http_requests_total, http_request_duration_seconds and
 * http_requests_in_flight (docs/metrics.md).
 *
 * Cardinality is bounded by construction: `route` is the route TEMPLATE, every request that
 * matched no route gets UNMATCHED_ROUTE, methods outside the standard set become OTHER_METHOD,
 * and `status` is a status code. A scan of random URLs can only touch the `__unmatched__` series.
 *
 * Cost matters (the goal is at most 3% of a request's CPU, ~1.9 us of ~62 us), hence no Fastify
 * hook and no listener on the hot path:
 * - start and end come from Node's own HTTP diagnostics channels (`http.server.request.start`,
 *   `http.server.response.finish`), which Node publishes anyway once subscribed: no per-request
 *   closure, no `close` listener (that listener and Fastify's hook runner for a route-level
 *   onRequest hook were ~2% of a request's CPU in a profile of the previous version);
 * - the route template reaches the response from a wrapper around each route's handler (one
 *   property store), from the route's onError hook when the request fails before its handler
 *   (body parsing, validation), from `unmatchedHook` for 404s and from `tagRoute` for hooks
 *   that reply early (fault injection);
 * - a client that hangs up is found by one `close` listener per connection (keep-alive: once per
 *   many requests), which counts each unfinished response of that connection as 499;
 * - children resolved once per (route, method, status) with an integer key (lib/fast-metrics.ts).
 * A response that never got a route (Fastify's 503 while closing, a URL its router rejects) is
 * not counted, as before; it leaves the in-flight gauge when it ends.
 */
import * as dc from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onErrorHookHandler } from "fastify";
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

/** What the service must wire itself. */
export interface HttpInstrumentation {
  /** Pass as the not-found handler's preValidation hook. */
  unmatchedHook: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  /** Call before a hook replies in place of the handler (e.g. an injected fault), so the reply counts under its route. */
  tagRoute: (request: FastifyRequest, reply: FastifyReply) => void;
}

type Pair = [FastCounterChild, FastHistogramChild];
type Resolver = (method: string, status: number) => Pair;

const START = Symbol("http-metrics.start");
const RESOLVE = Symbol("http-metrics.resolve");
const PENDING = Symbol("http-metrics.pending");
type Res = ServerResponse & { [START]?: number; [RESOLVE]?: Resolver };
type Sock = Socket & { [PENDING]?: Set<Res> };
interface HttpMessage { request: IncomingMessage; response: Res; socket: Sock; server: unknown }

/**
 * Registers the HTTP metrics on `registry` and instruments every route registered on `app`
 * AFTER this call (it works through an onRoute hook). Its channel subscriptions end when the
 * app closes.
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
  const resolvers = new Map<string, Resolver>();
  /** The children of one route template, looked up by status*16 + method. */
  const resolverFor = (route: string): Resolver => {
    let resolver = resolvers.get(route);
    if (resolver) return resolver;
    const byKey = new Map<number, Pair>();
    resolver = (method: string, status: number): Pair => {
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
    resolvers.set(route, resolver);
    return resolver;
  };

  const record = (res: Res, method: string, status: number): void => {
    const resolve = res[RESOLVE];
    if (resolve === undefined) return;
    const [counter, histogram] = resolve(method, status);
    counter.inc();
    histogram.observe((performance.now() - res[START]!) / 1000);
  };

  /** The connection closed: its unfinished responses were abandoned by the client. */
  const onSocketClose = function (this: Sock): void {
    const pending = this[PENDING];
    if (pending === undefined) return;
    for (const res of pending) {
      inFlight--;
      record(res, res.req.method ?? "", CLIENT_CLOSED_STATUS);
    }
    pending.clear();
  };

  const onStart = (message: unknown): void => {
    const { request, response, socket, server } = message as HttpMessage;
    if (server !== app.server) return;
    const url = request.url ?? "";
    const q = url.indexOf("?");
    if (UNINSTRUMENTED_ROUTES.has(q === -1 ? url : url.slice(0, q))) return;
    response[START] = performance.now();
    inFlight++;
    let pending = socket[PENDING];
    if (pending === undefined) {
      pending = socket[PENDING] = new Set();
      socket.once("close", onSocketClose);
    }
    pending.add(response);
  };

  const onFinish = (message: unknown): void => {
    const { request, response, socket, server } = message as HttpMessage;
    if (server !== app.server || response[START] === undefined) return;
    socket[PENDING]?.delete(response);
    inFlight--;
    record(response, request.method ?? "", response.statusCode);
  };

  dc.subscribe("http.server.request.start", onStart);
  dc.subscribe("http.server.response.finish", onFinish);
  app.addHook("onClose", (_instance, done) => {
    dc.unsubscribe("http.server.request.start", onStart);
    dc.unsubscribe("http.server.response.finish", onFinish);
    done();
  });

  app.addHook("onRoute", (route) => {
    if (UNINSTRUMENTED_ROUTES.has(route.url)) return;
    const resolve = resolverFor(route.url);
    const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      (reply.raw as Res)[RESOLVE] = resolve;
      return handler.call(this, request, reply);
    };
    // Failures before the handler (a body that does not parse, a schema it does not meet) go
    // through onError: the hot path never runs it.
    const tag: onErrorHookHandler = (_request, reply, _error, done) => {
      (reply.raw as Res)[RESOLVE] ??= resolve;
      done();
    };
    const existing = route.onError === undefined ? [] : Array.isArray(route.onError) ? route.onError : [route.onError];
    route.onError = [tag, ...existing];
  });

  const unmatched = resolverFor(UNMATCHED_ROUTE);
  return {
    unmatchedHook: (_request, reply, done) => {
      (reply.raw as Res)[RESOLVE] = unmatched;
      done();
    },
    tagRoute: (request, reply) => {
      const url = request.routeOptions.url;
      (reply.raw as Res)[RESOLVE] ??= url === undefined ? unmatched : resolverFor(url);
    },
  };
}
