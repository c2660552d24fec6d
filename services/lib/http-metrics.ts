/**
 * RED instrumentation of a Fastify app: http_requests_total, http_request_duration_seconds and
 * http_requests_in_flight (docs/metrics.md).
 *
 * Cardinality is bounded by construction: `route` is the route TEMPLATE, every request that
 * matched no route gets UNMATCHED_ROUTE, methods outside the standard set become OTHER_METHOD,
 * and `status` is a status code. A scan of random URLs can only touch the `__unmatched__` series.
 *
 * Cost matters (the goal is at most 3% of a request's CPU, ~1.6 µs of ~55 µs), so the hot path
 * has no Fastify hook, no listener and no closure per request. Node's HTTP server builds each
 * response from the class it is given (`http.createServer({ ServerResponse })`, Fastify's `http`
 * option), and `MeteredResponse` is that class:
 * - its constructor stamps the start (the earliest moment a request exists: routing, body
 *   parsing and every hook are inside the measured time);
 * - the route's template reaches the response from a wrapper around each route's handler (one
 *   property store), from the route's onError hook when the request fails before its handler
 *   (a body that does not parse, a schema it does not meet), from the not-found handler's hook for
 *   404s, and from `tagFor` for hooks that reply in place of the handler (fault injection);
 * - Node calls `detachSocket` on every response that finished writing (its own per-response
 *   'finish' listener, which exists anyway): the override records status and duration there;
 * - a client that hangs up first is found by one 'close' listener per CONNECTION (keep-alive:
 *   once per many requests), which counts the connection's unfinished response as 499.
 * The previous version (a route-level onRequest hook that added a 'close' listener and a closure
 * per request) cost ~2% of a request's CPU: the event emitter, Fastify's hook runner and the
 * garbage collector, in CPU profiles (services/README.md). A response that never got a route
 * (/metrics, /healthz, Fastify's 503 while closing, a URL its router rejects) is not counted and
 * never enters the in-flight gauge; neither does a pipelined response still queued behind
 * another when its connection closes (Node never emits anything for those).
 */
import { ServerResponse, type IncomingMessage } from "node:http";
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

type Pair = [FastCounterChild, FastHistogramChild];
/** The children of one route template for a method and status. */
type Resolver = (method: string, status: number) => Pair;

/** What a service wires: the response class for Fastify's `http` option, then `attach(app)`. */
export interface HttpMetrics {
  /** Pass as `Fastify({ http: { ServerResponse } })`: responses of that server are measured. */
  ServerResponse: typeof ServerResponse;
  /** Instruments every route registered on `app` AFTER this call (through an onRoute hook). */
  attach(app: FastifyInstance): HttpInstrumentation;
}

/** What the service must wire itself once attached. */
export interface HttpInstrumentation {
  /** Pass as the not-found handler's preValidation hook (runs only for 404s). */
  unmatchedHook: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  /**
   * The tag of one route template, for a hook that replies in place of the handler (an injected
   * fault): call it before replying or delaying, so the reply, or a client that hangs up during
   * the delay (499), counts under the route like a real one.
   */
  tagFor(route: string): (reply: FastifyReply) => void;
}

/** Registers the HTTP metrics on `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
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
    help: "HTTP requests received and routed whose response has not finished yet.",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });

  const methodIndex = new Map(STANDARD_METHODS.map((m, i) => [m, i + 1]));
  const resolvers = new Map<string, Resolver>();
  /** The resolver of one route template; children are looked up by status*16 + method, created once. */
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

  /** Counts a response once: its route's children, its duration, out of the in-flight gauge. */
  const record = (res: MeteredResponse, status: number): void => {
    const resolve = res.route;
    if (resolve === undefined) return;
    res.route = undefined;
    inFlight--;
    const [counter, histogram] = resolve(res.req.method ?? "", status);
    counter.inc();
    histogram.observe((performance.now() - res.startedAt) / 1000);
  };

  /** Gives a response its route (the first tag wins) and puts it in flight. */
  const tag = (res: ServerResponse, resolve: Resolver): void => {
    const metered = res as MeteredResponse;
    if (metered.route !== undefined || !(res instanceof MeteredResponse)) return;
    metered.route = resolve;
    inFlight++;
  };

  class MeteredResponse extends ServerResponse {
    /** performance.now() when Node created the response (the request's headers had arrived). */
    startedAt: number;
    /** Set once the request is routed; cleared when it is counted. */
    route: Resolver | undefined;
    constructor(req: IncomingMessage, options?: unknown) {
      // @ts-expect-error Node passes a second argument (highWaterMark, rejectNonStandardBodyWrites) its types omit
      super(req, options);
      this.startedAt = performance.now();
      this.route = undefined;
    }
    /** Node calls this from its own 'finish' listener: the response was written in full. */
    override detachSocket(socket: Socket): void {
      if (this.route !== undefined) record(this, this.statusCode);
      super.detachSocket(socket);
    }
  }

  /** A connection closed: a response it was still writing was abandoned by the client. */
  const onSocketClose = function (this: Socket & { _httpMessage?: unknown }): void {
    const res = this._httpMessage;
    if (res instanceof MeteredResponse && res.route !== undefined) record(res, CLIENT_CLOSED_STATUS);
  };

  return {
    // Generic in its request type for Node's typings; this one serves plain IncomingMessages.
    ServerResponse: MeteredResponse as unknown as typeof ServerResponse,
    attach(app) {
      app.server.on("connection", (socket: Socket) => socket.on("close", onSocketClose));
      app.addHook("onRoute", (route) => {
        if (UNINSTRUMENTED_ROUTES.has(route.url)) return;
        const resolve = resolverFor(route.url);
        const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
        route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
          tag(reply.raw, resolve);
          return handler.call(this, request, reply);
        };
        // Failures before the handler (a body that does not parse, a schema it does not meet)
        // go through onError: the hot path never runs it.
        const tagOnError: onErrorHookHandler = (_request, reply, _error, done) => {
          tag(reply.raw, resolve);
          done();
        };
        const existing = route.onError === undefined ? [] : Array.isArray(route.onError) ? route.onError : [route.onError];
        route.onError = [tagOnError, ...existing];
      });
      const unmatched = resolverFor(UNMATCHED_ROUTE);
      return {
        unmatchedHook: (_request, reply, done) => {
          tag(reply.raw, unmatched);
          done();
        },
        tagFor: (route) => {
          const resolve = UNINSTRUMENTED_ROUTES.has(route) ? undefined : resolverFor(route);
          return (reply) => {
            if (resolve !== undefined) tag(reply.raw, resolve);
          };
        },
      };
    },
  };
}
