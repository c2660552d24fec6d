/**
 * payment-processor's environment: the shared contract (lib/env.ts) plus the simulated
 * behaviour of the acquirer behind it.
 */
import { z } from "zod";
import { baseEnvSchema, parseEnvWith, toServiceEnv, type ServiceEnv } from "../lib/env";
import type { OutcomeRates } from "./payments";

/** Settings of payment-processor. */
export interface PaymentProcessorConfig extends OutcomeRates {
  env: ServiceEnv;
  /** How long a payment waits for the acquirer before it is a timeout (504). */
  timeoutMs: number;
  /** How many recent payments GET /payments/:id and refunds can find. */
  storeSize: number;
}

const ratio = z.coerce.number().min(0).max(1);

const schema = baseEnvSchema
  .extend({
    SERVICE_NAME: baseEnvSchema.shape.SERVICE_NAME.default("payment-processor"),
    PAYMENT_FAILURE_RATIO: ratio.default(0.02),
    PAYMENT_TIMEOUT_RATIO: ratio.default(0.0002),
    PAYMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(3000),
    PAYMENT_STORE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  })
  .refine((e) => e.PAYMENT_FAILURE_RATIO + e.PAYMENT_TIMEOUT_RATIO <= 1, {
    message: "PAYMENT_FAILURE_RATIO + PAYMENT_TIMEOUT_RATIO must be at most 1",
    path: ["PAYMENT_FAILURE_RATIO"],
  });

/** Parses payment-processor's environment, reporting every invalid variable at once. */
export function parsePaymentProcessorConfig(env: NodeJS.ProcessEnv): PaymentProcessorConfig {
  const raw = parseEnvWith(schema, env);
  return {
    env: toServiceEnv(raw),
    failureRatio: raw.PAYMENT_FAILURE_RATIO,
    timeoutRatio: raw.PAYMENT_TIMEOUT_RATIO,
    timeoutMs: raw.PAYMENT_TIMEOUT_MS,
    storeSize: raw.PAYMENT_STORE_SIZE,
  };
}
