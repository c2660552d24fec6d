/**
 * The reusable demo service that plays the ten other services of the fleet. Each instance takes
 * its routes, latency distribution and error rates from its fleet profile (services/fleet.ts),
 * so the RED dashboards show distinct, plausible behaviour per service with one code base.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { fleetService, DEMO_SERVICE_NAMES, type RouteProfile, type ServiceProfile } from "../fleet";
import type { ServiceEnv } from "../lib/env";
import { simulateLatency } from "../lib/latency";
import { startService, type RunningService } from "../lib/service";

/** Registers one handler per profile route. `random` is injectable for deterministic tests. */
export function registerProfileRoutes(
  app: FastifyInstance,
  serviceName: string,
  profile: ServiceProfile,
  latencyScale: number,
  random: () => number = Math.random,
): void {
  for (const route of profile.routes) {
    const latency = route.latency ?? profile.latency;
    const handler = async (_request: unknown, reply: FastifyReply) => {
      await simulateLatency(latency, latencyScale, random);
      const r = random();
      if (r < profile.errorRatio) {
        return reply.code(profile.errorStatus).send({ error: "upstream_error", message: `${serviceName} failed to serve ${route.method} ${route.path}` });
      }
      if (route.clientErrorRatio && r < profile.errorRatio + route.clientErrorRatio) {
        return reply.code(route.clientErrorStatus ?? 400).send({ error: "client_error", message: describeClientError(route) });
      }
      return reply.code(route.method === "POST" ? 201 : 200).send({ service: serviceName, route: route.path, ok: true });
    };
    app.route({ method: route.method, url: route.path, handler });
  }
}

function describeClientError(route: RouteProfile): string {
  return route.clientErrorStatus === 401 ? "invalid credentials" : `request to ${route.path} was rejected`;
}

/** Starts the demo service for env.serviceName, which must be one of DEMO_SERVICE_NAMES. */
export function startDemoService(env: ServiceEnv): Promise<RunningService> {
  if (!DEMO_SERVICE_NAMES.includes(env.serviceName)) {
    throw new Error(`SERVICE_NAME=${env.serviceName} is not a demo service; expected one of ${DEMO_SERVICE_NAMES.join(", ")}`);
  }
  const { profile } = fleetService(env.serviceName);
  return startService(env, { routes: (app) => registerProfileRoutes(app, env.serviceName, profile, env.latencyScale) });
}
