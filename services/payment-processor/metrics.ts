/**
 * Business metrics of payment-processor (docs/metrics.md). Every label combination is created at
 * start-up with value 0, so rate() and ratios work from the first scrape and a status that has
 * never happened (no timeouts yet) is a 0, not a missing series.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import { METRICS } from "../../config/conventions";
import { CURRENCIES, CURRENCY_USD_RATES, MERCHANTS, OTHER_MERCHANT } from "../fleet";
import { PAYMENT_STATUSES, REJECTION_REASONS, type PaymentStatus, type RejectionReason } from "./payments";

/**
 * Buckets of payment_amount in major currency units: card payments cluster between 5 and 500,
 * with a long tail of B2B payments up to the 100,000 per-transaction limit.
 */
export const PAYMENT_AMOUNT_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 100000];

/** Records payment outcomes; a no-op implementation is used when metrics are disabled. */
export interface PaymentMetrics {
  /** One finished payment; `merchant` is already the bounded label. Amount counts only on success. */
  transaction(status: PaymentStatus, merchant: string, amount: number, currency: string): void;
  rejected(reason: RejectionReason): void;
}

const NO_METRICS: PaymentMetrics = { transaction() {}, rejected() {} };

/** Creates the business metrics on `registry` (or the no-op recorder without one). */
export function createPaymentMetrics(registry: Registry | undefined): PaymentMetrics {
  if (!registry) return NO_METRICS;
  const merchants = [...MERCHANTS, OTHER_MERCHANT];
  const transactions = new Counter({
    name: METRICS.paymentTransactions,
    help: "Payments processed, by outcome (success|failed|timeout) and merchant (fixed list + other).",
    labelNames: ["status", "merchant"],
    registers: [registry],
  });
  const amount = new Histogram({
    name: METRICS.paymentAmount,
    help: "Amount of successful payments in major units of their currency (never summed across currencies).",
    labelNames: ["currency"],
    buckets: PAYMENT_AMOUNT_BUCKETS,
    registers: [registry],
  });
  const usd = new Counter({
    name: "payment_amount_usd_total",
    help: "Amount of successful payments converted to USD at fixed demo rates, by merchant: revenue processed and top merchants by volume.",
    labelNames: ["merchant"],
    registers: [registry],
  });
  const rejections = new Counter({
    name: "payment_requests_rejected_total",
    help: "POST /payments requests refused with a 4xx before any payment existed, by reason.",
    labelNames: ["reason"],
    registers: [registry],
  });

  // Bound children, created (at 0) once: this is both the initialisation and the hot-path cache.
  const txChildren = new Map<string, Counter.Internal>();
  for (const status of PAYMENT_STATUSES) {
    for (const merchant of merchants) {
      const child = transactions.labels(status, merchant);
      child.inc(0);
      txChildren.set(`${status} ${merchant}`, child);
    }
  }
  const usdChildren = new Map(merchants.map((m) => {
    const child = usd.labels(m);
    child.inc(0);
    return [m, child] as const;
  }));
  const amountChildren = new Map(CURRENCIES.map((c) => {
    amount.zero({ currency: c });
    return [c, amount.labels(c)] as const;
  }));
  const rejectionChildren = new Map(REJECTION_REASONS.map((r) => {
    const child = rejections.labels(r);
    child.inc(0);
    return [r, child] as const;
  }));

  return {
    transaction(status, merchant, value, currency) {
      txChildren.get(`${status} ${merchant}`)?.inc();
      if (status !== "success") return;
      amountChildren.get(currency)?.observe(value);
      usdChildren.get(merchant)?.inc(value * (CURRENCY_USD_RATES[currency] ?? 0));
    },
    rejected(reason) {
      rejectionChildren.get(reason)?.inc();
    },
  };
}
