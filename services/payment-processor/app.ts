/**
 * payment-processor: accepts card payments, simulates the acquirer (latency, declines,
 * timeouts) and exposes the RED and business metrics the payments SLO is built on.
 *
 *   POST /payments              {amount, currency, merchantId, paymentMethod?}
 *                               201 success | 402 declined | 504 acquirer timeout | 400 invalid
 *   GET  /payments/:id          200 | 404
 *   POST /payments/:id/refund   200 | 404 | 409
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { fleetService } from "../fleet";
import { simulateLatency } from "../lib/latency";
import { startService, type RunningService, type ServiceContext } from "../lib/service";
import type { PaymentProcessorConfig } from "./config";
import { createPaymentMetrics, type PaymentMetrics } from "./metrics";
import { decideOutcome, merchantLabel, REJECTION_REASONS, validatePayment, type PaymentStatus, type RejectionReason } from "./payments";

/** A payment as stored for lookups and refunds. */
interface StoredPayment {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  merchantId: string;
  createdAt: string;
  refunded: boolean;
}

/**
 * Bounded in-memory store: a ring of ids evicts the oldest payment. (A Map used as a FIFO with
 * delete-the-first-key was the single largest CPU cost of a request under load: V8 has to skip
 * every deleted slot to find the first live key.)
 */
class RecentPayments {
  private readonly byId = new Map<string, StoredPayment>();
  private readonly ring: Array<string | undefined>;
  private next = 0;
  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }
  add(p: StoredPayment): void {
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.byId.delete(evicted);
    this.ring[this.next] = p.id;
    this.next = (this.next + 1) % this.ring.length;
    this.byId.set(p.id, p);
  }
  get(id: string): StoredPayment | undefined {
    return this.byId.get(id);
  }
}

const HTTP_STATUS: Record<PaymentStatus, number> = { success: 201, failed: 402, timeout: 504 };

function registerRoutes(app: FastifyInstance, ctx: ServiceContext, config: PaymentProcessorConfig, metrics: PaymentMetrics): void {
  const store = new RecentPayments(config.storeSize);
  const { profile } = fleetService("payment-processor");
  const routeLatency = (path: string) => profile.routes.find((r) => r.path === path)?.latency ?? profile.latency;
  const scale = ctx.env.latencyScale;
  const declineLatency = { medianMs: profile.latency.medianMs * 0.6, p99Ms: profile.latency.p99Ms * 0.6 };

  app.post("/payments", async (request, reply) => {
    const validated = validatePayment(request.body);
    if (!validated.ok) {
      metrics.rejected(validated.rejection.reason);
      return reply.code(validated.rejection.status).send({ error: validated.rejection.reason, message: validated.rejection.message });
    }
    const p = validated.value;
    const status = decideOutcome(p.paymentMethod, config);
    if (status === "timeout") {
      // The acquirer never answers: we wait our full timeout, like the real integration would.
      if (scale > 0) await new Promise((resolve) => setTimeout(resolve, config.timeoutMs * scale));
    } else {
      await simulateLatency(status === "success" ? profile.latency : declineLatency, scale);
    }
    const payment: StoredPayment = {
      id: `pay_${randomUUID().replaceAll("-", "")}`,
      status, amount: p.amount, currency: p.currency, merchantId: p.merchantId,
      createdAt: new Date().toISOString(), refunded: false,
    };
    store.add(payment);
    metrics.transaction(status, merchantLabel(p.merchantId), p.amount, p.currency);
    const body: Record<string, unknown> = { id: payment.id, status, amount: p.amount, currency: p.currency, merchantId: p.merchantId };
    if (status === "failed") Object.assign(body, { error: "card_declined", message: "the issuer declined the payment" });
    if (status === "timeout") Object.assign(body, { error: "acquirer_timeout", message: `the acquirer did not answer within ${config.timeoutMs} ms` });
    return reply.code(HTTP_STATUS[status]).send(body);
  });

  app.get<{ Params: { id: string } }>("/payments/:id", async (request, reply) => {
    await simulateLatency(routeLatency("/payments/:id"), scale);
    const payment = store.get(request.params.id);
    if (!payment) return reply.code(404).send({ error: "payment_not_found", message: "no recent payment has this id" });
    return payment;
  });

  app.post<{ Params: { id: string } }>("/payments/:id/refund", async (request, reply) => {
    await simulateLatency(routeLatency("/payments/:id/refund"), scale);
    const payment = store.get(request.params.id);
    if (!payment) return reply.code(404).send({ error: "payment_not_found", message: "no recent payment has this id" });
    if (payment.status !== "success") return reply.code(409).send({ error: "not_refundable", message: `a ${payment.status} payment cannot be refunded` });
    if (payment.refunded) return reply.code(409).send({ error: "already_refunded", message: "this payment was already refunded" });
    payment.refunded = true;
    return { id: payment.id, refunded: true };
  });
}

/** Starts payment-processor with `config`; the caller owns close(). */
export function startPaymentProcessor(config: PaymentProcessorConfig): Promise<RunningService> {
  let metrics: PaymentMetrics | undefined; // created with the registry, inside startService
  return startService(config.env, {
    routes: (app, ctx) => {
      metrics = createPaymentMetrics(ctx.registry);
      registerRoutes(app, ctx, config, metrics);
    },
    onRejected: (request, code) => {
      // Only POST /payments rejections are payment rejections; the list keeps the label bounded.
      if (request.routeOptions.url === "/payments" && (REJECTION_REASONS as readonly string[]).includes(code)) {
        metrics?.rejected(code as RejectionReason);
      }
    },
  });
}
