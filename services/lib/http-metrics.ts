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
 *   property store). A response that ends without its handler having run (a 404, a body that
 *   does not parse, an injected fault, a client that hangs up while its body is read) is matched
 *   when it ends against a copy of the app's routes in find-my-way, the router Fastify itself
 *   uses, with the app's router options: off the hot path, and no hook to wire per case;
 * - Node calls `detachSocket` on every response that finished writing (its own per-response
 *   'finish' listener, which exists anyway): the override records status and duration there;
 * - a client that hangs up first is found by one 'close' listener per CONNECTION (keep-alive:
 *   once per many requests), which counts the connection's unfinished response as 499.
 * The previous version (a route-level onRequest hook that added a 'close' listener and a closure
 * per request) cost ~2% of a request's CPU: the event emitter, Fastify's hook runner and the
 * garbage collector, in CPU profiles (services/README.md). A request no route matches counts
 * under `__unmatched__`; /metrics and /healthz never enter the figures. A pipelined response still queued
 * behind another when its connection closes is neither counted nor taken out of the gauge (Node
 * emits nothing for it; the previous version missed it the same way).
 */
import { ServerResponse, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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
/** The children of one route template for a method and status. */
type Resolver = (method: string, status: number) => Pair;

/** What a service wires: the response class for Fastify's `http` option, then `attach(app)`. */
export interface HttpMetrics {
  /** Pass as `Fastify({ http: { ServerResponse } })`: responses of that server are measured. */
  ServerResponse: typeof ServerResponse;
  /** Instruments every route registered on `app` AFTER this call (through an onRoute hook). */
  attach(app: FastifyInstance): void;
}

/** Whether a request URL is for /metrics or /healthz (the query string aside), as Fastify routes it. */
export function uninstrumentedPath(url: string): boolean {
  const q = url.indexOf("?");
  return UNINSTRUMENTED_ROUTES.has(q === -1 ? url : url.slice(0, q));
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
    help: "HTTP requests received whose response has not finished yet.",
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
  const unmatched = resolverFor(UNMATCHED_ROUTE);
  /** The app's instrumented routes again, for responses whose handler never ran (attach fills it). */
  let router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1> | undefined;
  const routeOf = (req: IncomingMessage): Resolver => {
    const found = router?.find((req.method ?? "") as HTTPMethod, req.url ?? "");
    return (found?.store as Resolver | undefined) ?? unmatched;
  };

  /** The response ended with `status`: out of the in-flight gauge, counted under its route. */
  const end = (res: MeteredResponse, status: number): void => {
    res.inFlight = false;
    inFlight--;
    const req = res.req;
    const [counter, histogram] = (res.route ?? routeOf(req))(req.method ?? "", status);
    counter.inc();
    histogram.observe((performance.now() - res.startedAt) / 1000);
  };

  class MeteredResponse extends ServerResponse {
    /** performance.now() when Node created the response (the request's headers had arrived). */
    startedAt: number;
    /** Set by the route's handler wrapper: the hot path's way to its route. */
    route: Resolver | undefined;
    /** In the gauge until it ends; never for /metrics and /healthz. */
    inFlight: boolean;
    constructor(req: IncomingMessage, options?: unknown) {
      // @ts-expect-error Node passes a second argument (highWaterMark, rejectNonStandardBodyWrites) its types omit
      super(req, options);
      this.startedAt = performance.now();
      this.route = undefined;
      // In flight from the moment its headers arrived (a body still streaming in counts), so the
      // scrapes and health checks are told apart by path here, before any routing.
      this.inFlight = !uninstrumentedPath(req.url ?? "");
      if (this.inFlight) inFlight++;
    }
    /** Node calls this from its own 'finish' listener: the response was written in full. */
    override detachSocket(socket: Socket): void {
      if (this.inFlight) end(this, this.statusCode);
      super.detachSocket(socket);
    }
  }

  /** A connection closed: a response it was still writing was abandoned by the client. */
  const onSocketClose = function (this: Socket & { _httpMessage?: unknown }): void {
    const res = this._httpMessage;
    if (res instanceof MeteredResponse && res.inFlight) end(res, CLIENT_CLOSED_STATUS);
  };

  return {
    // Generic in its request type for Node's typings; this one serves plain IncomingMessages.
    ServerResponse: MeteredResponse as unknown as typeof ServerResponse,
    attach(app) {
      const c = app.initialConfig;
      const options: FindMyWay.Config<FindMyWay.HTTPVersion.V1> & { useSemicolonDelimiter?: boolean } = {
        caseSensitive: c.caseSensitive, ignoreTrailingSlash: c.ignoreTrailingSlash, ignoreDuplicateSlashes: c.ignoreDuplicateSlashes,
        maxParamLength: c.maxParamLength,
        useSemicolonDelimiter: c.useSemicolonDelimiter, // an option find-my-way reads that its typings omit
      };
      router = FindMyWay(options);
      app.server.on("connection", (socket: Socket) => socket.on("close", onSocketClose));
      app.addHook("onRoute", (route) => {
        if (UNINSTRUMENTED_ROUTES.has(route.url)) return;
        const resolve = resolverFor(route.url);
        for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
          router!.on(method as HTTPMethod, route.url, () => {}, resolve);
        }
        const handler = route.handler as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
        route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
          (reply.raw as MeteredResponse).route = resolve;
          return handler.call(this, request, reply);
        };
      });
    },
  };
}
