/**
 * Business metrics, read by leadership weekly (default range: 7 days): payment success rate
 * (last hour, last day, and both over time), transaction volume, revenue processed, top
 * merchants, and the error budget left on every SLO.
 *
 * Totals over the selected range use `increase(...[$__range])` in instant queries, so "Revenue
 * processed" is the revenue of exactly the range on screen. The hourly and daily success rates
 * use fixed 1h and 1d windows on purpose: the window IS the definition. Both are listed in the
 * lint's exceptions with that reason (lint/checks.test.ts).
 */
import { dashboard, type Dashboard } from "./foundation";
import { GRAFANA_UIDS, METRICS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { RECORDED } from "../rules/names";
import { BUDGET_STEPS } from "./health";
import { barsPanel, seriesPanel, statPanel } from "./panels";
import { finalize, prom, shell } from "./sdk";

/** Revenue in USD by merchant (payment-processor; docs/metrics.md). Not in METRICS: only this dashboard reads it. */
export const PAYMENT_AMOUNT_USD = "payment_amount_usd_total";

const TX = METRICS.paymentTransactions;

/** Share of payments that succeeded over `window` (declines and acquirer timeouts are the rest). */
export function successRate(window: string): string {
  return `sum(increase(${TX}{status="success"}[${window}])) / sum(increase(${TX}[${window}]))`;
}

/** Fixed windows of the success rate, each a definition rather than a resolution choice. */
export const SUCCESS_WINDOWS = { hourly: "1h", daily: "1d" } as const;

const USD = "currencyUSD";

/** Builds the business dashboard. */
export function businessMetrics(cfg: StackConfig): Dashboard {
  const sloNames = cfg.slos.map((s) => s.name).join(", ") || "none configured";
  const builder = shell({
    uid: GRAFANA_UIDS.business,
    description: "Payments, revenue, top merchants and error budgets, for the weekly review.",
    from: "now-7d",
    // Leadership reads this weekly; a fast refresh would only load Prometheus.
    refresh: "5m",
    source: "dashboards/business.ts",
  })
    .withRow(new dashboard.RowBuilder("Payments"))
    .withPanel(
      statPanel("Payment success rate, last hour", "Successful payments over all payments processed in the last hour (payment_transactions_total by status).", "percentunit", null)
        .decimals(2)
        .withTarget(prom("A", successRate(SUCCESS_WINDOWS.hourly), { instant: true })),
    )
    .withPanel(
      statPanel("Payment success rate, last 24 hours", "Successful payments over all payments processed in the last 24 hours.", "percentunit", null)
        .decimals(2)
        .withTarget(prom("A", successRate(SUCCESS_WINDOWS.daily), { instant: true })),
    )
    .withPanel(
      statPanel("Transactions in the range", "Payments processed (any outcome) in the selected time range.", "short", null)
        .withTarget(prom("A", `sum(increase(${TX}[$__range]))`, { instant: true })),
    )
    .withPanel(
      statPanel("Revenue processed in the range", `Successful payments converted to USD at fixed rates (${PAYMENT_AMOUNT_USD}), in the selected time range.`, USD, null)
        .withTarget(prom("A", `sum(increase(${PAYMENT_AMOUNT_USD}[$__range]))`, { instant: true })),
    )
    .withPanel(
      seriesPanel("Payment success rate, hourly and daily", "Success rate over the past hour and the past day at each point in time: the hourly line shows incidents, the daily one the trend.", "percentunit", {
        negative: true, // an axis from 0 would flatten 95..100%
      })
        .withTarget(prom("A", successRate(SUCCESS_WINDOWS.hourly), { legend: "hourly (1h window)" }))
        .withTarget(prom("B", successRate(SUCCESS_WINDOWS.daily), { legend: "daily (1d window)" }))
        .decimals(2),
    )
    .withPanel(
      seriesPanel("Transaction volume by outcome", "Payments per second by outcome: success, failed (declined) and timeout (the acquirer did not answer).", "suffix: tx/s", { stacked: true })
        .withTarget(prom("A", `sum by (status) (rate(${TX}[$__rate_interval]))`, { legend: "{{status}}" })),
    )
    .withPanel(
      seriesPanel("Revenue processed per hour (USD)", `Successful payment volume in USD per hour (${PAYMENT_AMOUNT_USD}).`, USD)
        .withTarget(prom("A", `sum(rate(${PAYMENT_AMOUNT_USD}[$__rate_interval])) * 3600`, { legend: "USD per hour" })),
    )
    .withPanel(
      seriesPanel("Payment volume by currency per hour", `Successful payment volume per hour in each currency's own units (${METRICS.paymentAmount}_sum); never summed across currencies.`, "short")
        .withTarget(prom("A", `sum by (currency) (rate(${METRICS.paymentAmount}_sum[$__rate_interval])) * 3600`, { legend: "{{currency}}" })),
    )
    .withRow(new dashboard.RowBuilder("Merchants"))
    .withPanel(
      barsPanel("Top 10 merchants by revenue", `Revenue in USD per merchant in the selected range (${PAYMENT_AMOUNT_USD}); "other" is every merchant outside the fixed list.`, USD, null)
        .withTarget(prom("A", `topk(10, sum by (merchant) (increase(${PAYMENT_AMOUNT_USD}[$__range])))`, { legend: "{{merchant}}", instant: true })),
    )
    .withPanel(
      barsPanel("Top 10 merchants by transactions", "Successful payments per merchant in the selected range.", "short", null)
        .withTarget(prom("A", `topk(10, sum by (merchant) (increase(${TX}{status="success"}[$__range])))`, { legend: "{{merchant}}", instant: true })),
    )
    .withPanel(
      barsPanel("Top 10 merchants by merchant-api calls", `merchant-api calls per merchant in the selected range (${METRICS.merchantApiCalls}).`, "short", null)
        .withTarget(prom("A", `topk(10, sum by (merchant) (increase(${METRICS.merchantApiCalls}[$__range])))`, { legend: "{{merchant}}", instant: true })),
    )
    .withRow(new dashboard.RowBuilder("Reliability: error budgets"))
    .withPanel(
      barsPanel("Error budget remaining per SLO", `Share of each SLO's error budget left over its compliance window (${RECORDED.sloBudgetRemaining}); 0% = spent, below 0% = SLO missed. Red under 10%, yellow under 50%. SLOs: ${sloNames}.`, "percentunit", BUDGET_STEPS)
        .withTarget(prom("A", `max by (slo) (${RECORDED.sloBudgetRemaining})`, { legend: "{{slo}}", instant: true }))
        .max(1),
    )
    .withPanel(
      seriesPanel("Error budget remaining over time", `Error budget left per SLO over its compliance window (${RECORDED.sloBudgetRemaining}).`, "percentunit", { lines: BUDGET_STEPS, negative: true })
        .withTarget(prom("A", `max by (slo) (${RECORDED.sloBudgetRemaining})`, { legend: "{{slo}}" }))
        .span(8),
    )
    .withPanel(
      barsPanel("SLI achieved over the compliance window", `Good events over all events per SLO over its window (1 - ${RECORDED.sloErrorRatioPeriod}), to compare with the objective.`, "percentunit", null)
        .withTarget(prom("A", `1 - max by (slo) (${RECORDED.sloErrorRatioPeriod})`, { legend: "{{slo}}", instant: true }))
        .decimals(3),
    );
  return finalize(builder);
}
