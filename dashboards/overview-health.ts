/**
 * What the ops overview shows for each service right now, computed from the overview's own
 * queries: the tiles' last values (Grafana's "last not null" reduction) colored by the same
 * thresholds the dashboard carries. The drills use it to assert "payment-processor is red on
 * the overview" without a browser; the tests use it on synthetic incidents.
 */
import { LABELS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { evaluateQueries, type CheckOptions } from "./check";
import type { Dashboard } from "./foundation";
import { serviceHealth, serviceThresholds, type Health, type ServiceSignals } from "./health";
import { opsOverview } from "./ops-overview";
import { panelQueries } from "./queries";
import { SIGNAL_TEXT, type Signal } from "./tiles";

/** One service as the overview shows it. */
export interface ServiceOnOverview {
  health: Health;
  signals: ServiceSignals & { rate?: number };
}

const SIGNAL_OF_TITLE = new Map(Object.entries(SIGNAL_TEXT).map(([signal, t]) => [t.title, signal as Signal]));
const FIELD: Record<Signal, keyof ServiceOnOverview["signals"]> = { up: "up", rate: "rate", errorRatio: "errorRatio", p99: "p99Seconds", memory: "memoryRatio" };

/**
 * Evaluates the overview's tile queries against Prometheus and colors every configured
 * service. `dashboard` defaults to the overview rendered from `cfg`.
 */
export async function overviewHealth(
  cfg: StackConfig,
  prometheusUrl: string,
  o: CheckOptions = {},
  dashboard: Dashboard = opsOverview(cfg),
): Promise<Record<string, ServiceOnOverview>> {
  const tiles = panelQueries(dashboard).filter((q) => SIGNAL_OF_TITLE.has(q.panelTitle));
  const outcomes = await evaluateQueries(prometheusUrl, tiles, o);
  const failed = outcomes.filter((r) => r.error);
  if (failed.length) throw new Error(`overview queries failed: ${failed.map((r) => `${r.query.panelTitle}: ${r.error}`).join("; ")}`);
  const signals: Record<string, ServiceOnOverview["signals"]> = Object.fromEntries(cfg.services.map((s) => [s.name, {}]));
  for (const r of outcomes) {
    const field = FIELD[SIGNAL_OF_TITLE.get(r.query.panelTitle)!];
    for (const s of r.series) {
      const service = s.labels[LABELS.service];
      if (service in signals && s.last !== undefined) signals[service][field] = s.last;
    }
  }
  return Object.fromEntries(
    Object.entries(signals).map(([service, sig]) => [service, { health: serviceHealth(serviceThresholds(cfg, service), sig), signals: sig }]),
  );
}
