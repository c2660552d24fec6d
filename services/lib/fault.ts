/**
 * Fault injection on the real request path: for a bounded time, a fraction of API requests is
 * answered 503 and/or every API request is delayed. It runs as a route-level Fastify hook; the
 * HTTP metrics time every response from its creation, so injected failures are counted exactly
 * like real ones (same route template, status 503, duration including the injected latency).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { UNINSTRUMENTED_ROUTES } from "./http-metrics";

/** A requested fault: what fraction fails, how much latency is added, and for how long. */
export interface FaultSpec {
  errorRatio: number;
  latencyMs: number;
  durationSeconds: number;
}

/** What GET /chaos/fault reports. */
export interface FaultStatus {
  active: boolean;
  errorRatio: number;
  latencyMs: number;
  /** Seconds until the fault clears itself; 0 when inactive. */
  remainingSeconds: number;
}

/** Holds the current fault, applies it to requests and exports it as gauges. */
export class FaultInjector {
  private spec: FaultSpec | undefined;
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly ratioGauge?: Gauge;
  private readonly latencyGauge?: Gauge;

  constructor(registry: Registry | undefined, private readonly random: () => number = Math.random) {
    if (registry) {
      this.ratioGauge = new Gauge({ name: "chaos_fault_error_ratio", help: "Fraction of API requests the chaos control currently fails with 503 (0 = no fault).", registers: [registry] });
      this.latencyGauge = new Gauge({ name: "chaos_fault_latency_seconds", help: "Latency the chaos control currently adds to every API request.", registers: [registry] });
    }
  }

  /** Starts (or replaces) a fault; it clears itself after spec.durationSeconds. */
  set(spec: FaultSpec): FaultStatus {
    this.clear();
    this.spec = spec;
    this.until = Date.now() + spec.durationSeconds * 1000;
    this.timer = setTimeout(() => this.clear(), spec.durationSeconds * 1000);
    this.timer.unref(); // an active fault must never keep a stopping process alive
    this.ratioGauge?.set(spec.errorRatio);
    this.latencyGauge?.set(spec.latencyMs / 1000);
    return this.status();
  }

  clear(): FaultStatus {
    if (this.timer) clearTimeout(this.timer);
    this.spec = undefined;
    this.timer = undefined;
    this.ratioGauge?.set(0);
    this.latencyGauge?.set(0);
    return this.status();
  }

  status(): FaultStatus {
    const spec = this.active();
    return {
      active: spec !== undefined,
      errorRatio: spec?.errorRatio ?? 0,
      latencyMs: spec?.latencyMs ?? 0,
      remainingSeconds: spec ? Math.max(0, (this.until - Date.now()) / 1000) : 0,
    };
  }

  /** The fault in force now, if any (the timer may lag a little behind the deadline). */
  private active(): FaultSpec | undefined {
    if (this.spec && Date.now() >= this.until) this.clear();
    return this.spec;
  }

  /**
   * Adds the fault to every API route registered on `app` after this call (route-level
   * onRequest). The HTTP metrics time a request from its response's creation, before any hook,
   * so injected latency and 503s are measured like real ones (lib/http-metrics.ts).
   */
  install(app: FastifyInstance): void {
    const hook = (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      const spec = this.spec === undefined ? undefined : this.active();
      if (!spec) return done();
      const fail = this.random() < spec.errorRatio;
      const finish = () => {
        if (!fail) return done();
        reply.code(503).send({ error: "injected_fault", message: "chaos fault injection is active on this service" });
      };
      if (spec.latencyMs > 0) setTimeout(finish, spec.latencyMs);
      else finish();
    };
    app.addHook("onRoute", (route) => {
      if (UNINSTRUMENTED_ROUTES.has(route.url)) return;
      const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [...existing, hook as onRequestHookHandler];
    });
  }
}
