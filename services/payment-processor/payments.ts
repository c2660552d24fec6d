/**
 * The payment domain of payment-processor, free of HTTP: request validation, the simulated
 * outcome of a payment (success, decline or acquirer timeout) and the merchant label mapping.
 */
import { z } from "zod";
import { CURRENCIES, MERCHANTS, OTHER_MERCHANT } from "../fleet";

/** The business outcomes counted by payment_transactions_total{status}. */
export const PAYMENT_STATUSES = ["success", "failed", "timeout"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Per-transaction limit in major units; above it a request is a 400, not a payment. */
export const MAX_AMOUNT = 100_000;

/**
 * Reasons a payment request is rejected with a 4xx before any payment exists
 * (payment_requests_rejected_total{reason}); a closed list so the label stays bounded.
 */
export const REJECTION_REASONS = [
  "invalid_json", "invalid_request", "invalid_amount", "unsupported_currency",
  "invalid_merchant", "invalid_payment_method", "body_too_large", "unsupported_media_type",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/**
 * Sandbox payment methods that force an outcome, like a PSP's test cards; any other method
 * gets the configured random outcome. Tests use them to know every request's outcome.
 */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, PaymentStatus>> = {
  tok_success: "success",
  tok_declined: "failed",
  tok_timeout: "timeout",
};

const hasAtMostTwoDecimals = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;

/** A valid POST /payments body. */
export const paymentRequestSchema = z.object({
  amount: z
    .number({ error: (i) => (i.input === undefined ? "amount is required" : "amount must be a number") })
    .positive("amount must be greater than 0")
    .max(MAX_AMOUNT, `amount exceeds the per-transaction limit of ${MAX_AMOUNT}`)
    .refine(hasAtMostTwoDecimals, "amount must have at most two decimal places"),
  currency: z.enum(CURRENCIES as [string, ...string[]], {
    error: (i) => (i.input === undefined ? "currency is required" : `currency ${JSON.stringify(i.input)} is not supported; use one of ${CURRENCIES.join(", ")}`),
  }),
  merchantId: z
    .string({ error: "merchantId is required (a string)" })
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "merchantId must be 1-64 lowercase letters, digits or dashes"),
  paymentMethod: z.string().max(64, "paymentMethod must be at most 64 characters").optional(),
});
export type PaymentRequest = z.output<typeof paymentRequestSchema>;

/** A rejected request: HTTP status, the bounded reason and a message for the client. */
export interface Rejection {
  status: 400;
  reason: RejectionReason;
  message: string;
}

const REASON_BY_FIELD: Record<string, RejectionReason> = {
  amount: "invalid_amount",
  currency: "unsupported_currency",
  merchantId: "invalid_merchant",
  paymentMethod: "invalid_payment_method",
};

/** Validates a parsed body; the reason comes from the first problem, the message lists all. */
export function validatePayment(body: unknown): { ok: true; value: PaymentRequest } | { ok: false; rejection: Rejection } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, rejection: { status: 400, reason: "invalid_request", message: "body must be a JSON object with amount, currency and merchantId" } };
  }
  const parsed = paymentRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = String(parsed.error.issues[0].path[0] ?? "");
  return {
    ok: false,
    rejection: {
      status: 400,
      reason: REASON_BY_FIELD[first] ?? "invalid_request",
      message: parsed.error.issues.map((i) => i.message).join("; "),
    },
  };
}

/** Outcome probabilities; whatever remains after failure and timeout succeeds. */
export interface OutcomeRates {
  failureRatio: number;
  timeoutRatio: number;
}

/** Decides a payment's outcome: forced by a sandbox method, otherwise drawn from the rates. */
export function decideOutcome(paymentMethod: string | undefined, rates: OutcomeRates, random: () => number = Math.random): PaymentStatus {
  const forced = paymentMethod === undefined ? undefined : TEST_PAYMENT_METHODS[paymentMethod];
  if (forced) return forced;
  const r = random();
  if (r < rates.timeoutRatio) return "timeout";
  if (r < rates.timeoutRatio + rates.failureRatio) return "failed";
  return "success";
}

const KNOWN_MERCHANTS = new Set(MERCHANTS);
/** The bounded `merchant` label: a known id, or OTHER_MERCHANT for everyone else. */
export function merchantLabel(merchantId: string): string {
  return KNOWN_MERCHANTS.has(merchantId) ? merchantId : OTHER_MERCHANT;
}
