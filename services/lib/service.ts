/**
 * Boots one Node service of the fleet: the API listener (the service's routes, /metrics,
 * /healthz), its instrumentation, and the chaos admin listener when enabled. payment-processor
 * and the demo service differ only in the routes they register.
 */
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { METRICS } from "../../config/conventions";
import { buildAdminApp } from "./admin";
import type { ServiceEnv } from "./env";
import { FaultInjector } from "./fault";
import { createHttpInstrumentation } from "./http-metrics";
import { cgroupWorkingSetBytes, detectLimits, memoryCgroup, type ResourceLimits } from "./limits";
import { MemoryBallast } from "./memory-ballast";

/** What a service's route registration gets to work with. */
export interface ServiceContext {
  env: ServiceEnv;
  /** Undefined when METRICS_ENABLED=false: register no metrics at all. */
  registry?: Registry;
  limits: ResourceLimits;
}

/** What makes one service different from another. */
export interface ServiceDefinition {
  routes(app: FastifyInstance, ctx: ServiceContext): void;
  /** Told about requests rejected before their handler ran (invalid JSON, body too large, ...). */
  onRejected?(request: FastifyRequest, code: string): void;
}

/** A started service; close() stops both listeners. */
export interface RunningService {
  url: string;
  /** Present only when CHAOS_ENABLED=true. */
  adminUrl?: string;
  registry?: Registry;
  limits: ResourceLimits;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Client errors Fastify raises before the handler, mapped to this fleet's error codes. */
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, "invalid_json"],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json"],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "body_too_large"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported_media_type"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "invalid_request"],
};

function urlOf(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Creates and starts a service; throws (with the address) if a port cannot be bound. */
export async function startService(env: ServiceEnv, definition: ServiceDefinition): Promise<RunningService> {
  const limits = detectLimits({ memoryOverrideBytes: env.memoryLimitBytes, cpuOverrideCores: env.cpuLimitCores });
  const registry = env.metricsEnabled ? new Registry() : undefined;
  // The response class times every request (lib/http-metrics.ts), so it exists before the app.
  const http = registry ? createHttpInstrumentation(registry) : undefined;
  // 16 KiB is far above any real payment request and bounds what a bad client can make us parse.
  const app = Fastify({
    logger: false, bodyLimit: 16 * 1024, keepAliveTimeout: 65_000, return503OnClosing: true,
    ...(http ? { http: { ServerResponse: http.ServerResponse } } : {}),
  });

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, request, reply) => {
    const known = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
    if (known) {
      definition.onRejected?.(request, known[1]);
      return reply.code(known[0]).send({ error: known[1], message: err.message });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: "bad_request", message: err.message });
    }
    process.stderr.write(`${JSON.stringify({ event: "error", service: env.serviceName, route: request.routeOptions.url, message: err.message })}\n`);
    return reply.code(500).send({ error: "internal_error", message: "internal error" });
  });
  const notFound = (_request: FastifyRequest, reply: FastifyReply) => {
    reply.code(404).send({ error: "not_found", message: "no route matches this method and path" });
  };

  if (registry) {
    // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: that timer wakes an idle
    // process 100 times a second (2.7 ms of CPU per second measured, the bulk of the metrics'
    // cost at low request rates); at 100 ms the p50/p99 over a 15 s scrape still rest on 150 samples.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
    new Gauge({ name: METRICS.memoryLimit, help: `Memory limit of this process (${limits.memorySource}).`, registers: [registry] }).set(limits.memoryBytes);
    new Gauge({ name: METRICS.cpuLimit, help: `CPU limit of this process in cores (${limits.cpuSource}).`, registers: [registry] }).set(limits.cpuCores);
    http?.instrument(app); // before any route: it labels routes as they are added
    app.setNotFoundHandler(notFound); // its requests reach no route handler: counted as __unmatched__
    app.get("/metrics", async (_request, reply) => {
      reply.header("content-type", registry.contentType);
      return registry.metrics();
    });
  } else {
    app.setNotFoundHandler(notFound);
  }
  app.get("/healthz", async () => ({ status: "ok", service: env.serviceName }));

  // Chaos objects exist only when enabled: no hook, no listener, nothing to call otherwise.
  const fault = env.chaosEnabled ? new FaultInjector(registry) : undefined;
  // In a cgroup whose limit is the one in force, the ballast measures what the kernel enforces.
  const cgroup = limits.memorySource.startsWith("cgroup") ? memoryCgroup() : undefined;
  const memory = env.chaosEnabled ? new MemoryBallast({ limitBytes: limits.memoryBytes, registry, workingSet: cgroup ? () => cgroupWorkingSetBytes(cgroup) : undefined }) : undefined;
  fault?.install(app);

  definition.routes(app, { env, registry, limits });

  const admin = fault ? buildAdminApp({ fault, memory }) : undefined;
  try {
    await app.listen({ host: env.host, port: env.port });
    await admin?.listen({ host: env.adminHost, port: env.adminPort });
  } catch (err) {
    await Promise.allSettled([app.close(), admin?.close()]);
    throw new Error(`${env.serviceName}: cannot listen (api ${env.host}:${env.port}, admin ${env.adminHost}:${env.adminPort}): ${(err as Error).message}`);
  }

  return {
    url: urlOf(app),
    adminUrl: admin ? urlOf(admin) : undefined,
    registry,
    limits,
    app,
    async close() {
      memory?.release();
      fault?.clear();
      await Promise.all([app.close(), admin?.close()]);
    },
  };
}
