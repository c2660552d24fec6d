/**
 * A small control endpoint on the generator, bound to loopback only, so tests and the chaos
 * drill can read achieved rates and trigger faults without parsing CLI output:
 *
 *   GET    /stats                 the live TrafficReport (JSON)
 *   POST   /inject                {service, errorRatio?, latencyMs?, durationSeconds, adminUrl?}
 *   DELETE /inject/:service       clears the fault on that service
 */
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import type { TrafficGenerator } from "./generator";
import { clearFault, injectFault } from "./inject";

const injectSchema = z.strictObject({
  service: z.string().min(1),
  errorRatio: z.number().min(0).max(1).optional(),
  latencyMs: z.number().int().min(0).max(30000).optional(),
  durationSeconds: z.number().positive().max(3600),
  adminUrl: z.string().url().optional(),
});

/** A started control server. */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** Builds the control app; `adminUrls` maps service names to admin URLs (defaults: fleet ports). */
export function buildControlApp(generator: TrafficGenerator, adminUrls: Record<string, string> = {}, allowNonLoopback = false): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/stats", async () => generator.report());
  app.post("/inject", async (request, reply) => {
    const parsed = injectSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: "invalid_request", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    const { service, adminUrl, ...fault } = parsed.data;
    try {
      return await injectFault(service, fault, { adminUrl: adminUrl ?? adminUrls[service], allowNonLoopback });
    } catch (err) {
      return reply.code(502).send({ error: "inject_failed", message: (err as Error).message });
    }
  });
  app.delete<{ Params: { service: string } }>("/inject/:service", async (request, reply) => {
    try {
      return await clearFault(request.params.service, { adminUrl: adminUrls[request.params.service], allowNonLoopback });
    } catch (err) {
      return reply.code(502).send({ error: "clear_failed", message: (err as Error).message });
    }
  });
  return app;
}

/** Starts the control app on 127.0.0.1:port (0 = ephemeral). Never binds anything but loopback. */
export async function startControlServer(generator: TrafficGenerator, port: number, adminUrls: Record<string, string> = {}, allowNonLoopback = false): Promise<ControlServer> {
  const app = buildControlApp(generator, adminUrls, allowNonLoopback);
  await app.listen({ host: "127.0.0.1", port });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}
