/**
 * The chaos admin listener: a SEPARATE Fastify server on ADMIN_HOST:ADMIN_PORT that exists only
 * when CHAOS_ENABLED=true. Keeping chaos off the API port means no route of the public listener
 * (and so nothing behind a proxy in front of it) can ever reach it.
 *
 *   GET/POST/DELETE /chaos/memory   memory ballast (Node services)
 *   GET/POST/DELETE /chaos/fault    error/latency injection
 *   GET /healthz
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { z } from "zod";
import type { FaultInjector } from "./fault";
import { MAX_PAST_LIMIT_RATIO, MAX_TARGET_RATIO, type MemoryBallast } from "./memory-ballast";

/** The controls the admin listener drives; memory is absent where a service has no ballast. */
export interface ChaosControls {
  fault: FaultInjector;
  memory?: MemoryBallast;
}

/**
 * POST /chaos/memory body. `pastLimit: true` lets targetRatio go past the limit (up to 2) so the
 * kernel OOM-kills the process; only in a cgroup that enforces the limit.
 */
export const memoryRequestSchema = z
  .strictObject({
    targetRatio: z.number().gt(0, "targetRatio must be greater than 0").max(MAX_PAST_LIMIT_RATIO, `targetRatio must be at most ${MAX_PAST_LIMIT_RATIO}`),
    rampSeconds: z.number().min(0, "rampSeconds must be >= 0").max(3600, "rampSeconds must be <= 3600").default(120),
    pastLimit: z.boolean().default(false),
  })
  .refine((r) => r.pastLimit || r.targetRatio <= MAX_TARGET_RATIO, { message: `targetRatio must be at most ${MAX_TARGET_RATIO} (or set pastLimit: true to be OOM-killed)`, path: ["targetRatio"] });

/** POST /chaos/fault body. */
export const faultRequestSchema = z
  .strictObject({
    errorRatio: z.number().min(0, "errorRatio must be in [0, 1]").max(1, "errorRatio must be in [0, 1]").default(0),
    latencyMs: z.number().int("latencyMs must be an integer").min(0, "latencyMs must be >= 0").max(30000, "latencyMs must be <= 30000").default(0),
    durationSeconds: z.number().gt(0, "durationSeconds must be > 0").max(3600, "durationSeconds must be <= 3600").default(60),
  })
  .refine((f) => f.errorRatio > 0 || f.latencyMs > 0, "set errorRatio > 0 and/or latencyMs > 0; to clear a fault use DELETE /chaos/fault");

function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));
  return reply.code(400).send({ error: "invalid_request", message: problems.join("; "), problems });
}

/** Builds (does not start) the admin app. */
export function buildAdminApp(controls: ChaosControls): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4096 });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    reply.code(status).send({ error: status === 400 ? "invalid_json" : "admin_error", message: err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: "not_found", message: `no admin route ${req.method} ${req.url.split("?")[0]}` });
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  const { memory, fault } = controls;
  if (memory) {
    app.get("/chaos/memory", async () => memory.status());
    app.post("/chaos/memory", async (req, reply) => {
      const parsed = memoryRequestSchema.safeParse(req.body);
      if (!parsed.success) return badRequest(reply, parsed.error);
      try {
        return reply.code(202).send(memory.start(parsed.data.targetRatio, parsed.data.rampSeconds, parsed.data.pastLimit));
      } catch (e) {
        if (e instanceof RangeError) return reply.code(409).send({ error: "not_possible", message: e.message });
        throw e;
      }
    });
    app.delete("/chaos/memory", async () => memory.release());
  }

  app.get("/chaos/fault", async () => fault.status());
  app.post("/chaos/fault", async (req, reply) => {
    const parsed = faultRequestSchema.safeParse(req.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return reply.code(201).send(fault.set(parsed.data));
  });
  app.delete("/chaos/fault", async () => fault.clear());
  return app;
}
