/**
 * The environment contract every Node service of the fleet reads (services/README.md lists it).
 * All variables are parsed at once and every problem is reported together, naming the variable,
 * the value received and what is allowed, so a bad deployment fails with one readable message.
 */
import { z } from "zod";

/** Parsed runtime settings shared by every Node service. */
export interface ServiceEnv {
  serviceName: string;
  /** Address of the API listener (API, /metrics and /healthz). */
  host: string;
  port: number;
  /** Address of the chaos admin listener; opened only when chaosEnabled. */
  adminHost: string;
  adminPort: number;
  chaosEnabled: boolean;
  /** false = no instrumentation at all (used only by the overhead benchmark). */
  metricsEnabled: boolean;
  /** Overrides of the detected cgroup limits. */
  memoryLimitBytes?: number;
  cpuLimitCores?: number;
  /** Multiplies every simulated latency; 0 turns simulated latency off (benchmarks). */
  latencyScale: number;
}

/** Thrown when the environment is invalid; `problems` has one line per variable. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n  - ${problems.join("\n  - ")}`);
    this.name = "EnvError";
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.stringbool({ truthy: ["true", "1", "yes", "on"], falsy: ["false", "0", "no", "off"] });
const positive = z.coerce.number().positive();

/** Schema of the shared variables; each service adds its own with `extend`. */
export const baseEnvSchema = z.object({
  SERVICE_NAME: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a lowercase service name such as payment-processor"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(8080),
  ADMIN_HOST: z.string().min(1).default("127.0.0.1"),
  ADMIN_PORT: port.default(8081),
  CHAOS_ENABLED: bool.default(false),
  METRICS_ENABLED: bool.default(true),
  MEMORY_LIMIT_BYTES: positive.int().optional(),
  CPU_LIMIT_CORES: positive.optional(),
  LATENCY_SCALE: z.coerce.number().min(0).max(100).default(1),
});

/**
 * Parses `env` with `schema`, treating empty strings as unset, and throws one EnvError listing
 * every invalid variable.
 */
export function parseEnvWith<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const key = issue.path.join(".");
      return `${key}=${JSON.stringify(cleaned[key] ?? null)}: ${issue.message}`;
    }),
  );
}

/** Maps the parsed shared variables to ServiceEnv. */
export function toServiceEnv(raw: z.output<typeof baseEnvSchema>): ServiceEnv {
  return {
    serviceName: raw.SERVICE_NAME,
    host: raw.HOST,
    port: raw.PORT,
    adminHost: raw.ADMIN_HOST,
    adminPort: raw.ADMIN_PORT,
    chaosEnabled: raw.CHAOS_ENABLED,
    metricsEnabled: raw.METRICS_ENABLED,
    memoryLimitBytes: raw.MEMORY_LIMIT_BYTES,
    cpuLimitCores: raw.CPU_LIMIT_CORES,
    latencyScale: raw.LATENCY_SCALE,
  };
}

/** Parses the shared variables only. */
export function parseServiceEnv(env: NodeJS.ProcessEnv): ServiceEnv {
  return toServiceEnv(parseEnvWith(baseEnvSchema, env));
}
