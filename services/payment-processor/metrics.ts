/**
 * Business metrics of payment-processor (docs/metrics.md). Every label combination is created at
 * start-up with value 0, so rate() and ratios work from the first scrape and a status that has
 * never happened (no timeouts yet) is a 0, not a missing series.
 */
import type { Registry } from "prom-client";
import { METRICS } from "../../config/conventions";
import { FastCounter, FastHistogram, type FastCounterChild } from "../lib/fast-metrics";
import { CURRENCIES, CURRENCY_USD_RATES, MERCHANTS, OTHER_MERCHANT } from "../fleet";
import { REJECTION_REASONS, type PaymentStatus, type RejectionReason } from "./payments";

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
  const transactions = new FastCounter({
    name: METRICS.paymentTransactions,
    help: "Payments processed, by outcome (success|failed|timeout) and merchant (fixed list + other).",
    labelNames: ["status", "merchant"],
    registry,
  });
  const amount = new FastHistogram({
    name: METRICS.paymentAmount,
    help: "Amount of successful payments in major units of their currency (never summed across currencies).",
    labelNames: ["currency"],
    buckets: PAYMENT_AMOUNT_BUCKETS,
    registry,
  });
  const usd = new FastCounter({
    name: "payment_amount_usd_total",
    help: "Amount of successful payments converted to USD at fixed demo rates, by merchant: revenue processed and top merchants by volume.",
    labelNames: ["merchant"],
    registry,
  });
  const rejections = new FastCounter({
    name: "payment_requests_rejected_total",
    help: "POST /payments requests refused with a 4xx before any payment existed, by reason.",
    labelNames: ["reason"],
    registry,
  });

  // Every child is created (at 0) here: this is both the initialisation and the hot-path lookup.
  // One Map lookup per payment for the merchant and one for the currency, each returning an
  // object of one fixed shape (a literal), so the rest is plain property access.
  const byMerchant = new Map(merchants.map((m) => [m, {
    success: transactions.child("success", m), failed: transactions.child("failed", m), timeout: transactions.child("timeout", m), usd: usd.child(m),
  } satisfies Record<PaymentStatus, FastCounterChild> & { usd: FastCounterChild }] as const));
  const byCurrency = new Map(CURRENCIES.map((c) => [c, { amount: amount.child(c), usdRate: CURRENCY_USD_RATES[c] ?? 0 }] as const));
  const rejectionChildren = new Map(REJECTION_REASONS.map((r) => [r, rejections.child(r)] as const));

  return {
    transaction(status, merchant, value, currency) {
      const children = byMerchant.get(merchant);
      if (!children) return;
      switch (status) {
        case "failed": children.failed.inc(); return;
        case "timeout": children.timeout.inc(); return;
        case "success": children.success.inc(); break;
        default: return status satisfies never; // a new status must be counted here
      }
      const money = byCurrency.get(currency);
      if (!money) return;
      money.amount.observe(value);
      children.usd.inc(value * money.usdRate);
    },
    rejected(reason) {
      rejectionChildren.get(reason)?.inc();
    },
  };
}
