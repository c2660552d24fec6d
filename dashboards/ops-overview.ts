/**
 * Operations overview: the on-call engineer's first stop. Every service's status, error rate,
 * p99 latency, memory and request rate as colored tiles, then the same signals over time;
 * every tile and line links to the service deep-dive with the time range kept.
 *
 * Nine queries in all, each over recorded series only (rules/recording.ts): the dashboard's
 * cost does not grow with raw series, routes or histogram buckets, which is what keeps it
 * fast (dashboards/README.md has the benchmark). The lint tests enforce "recorded only".
 */
import { dashboard, type Dashboard } from "./foundation";
import { GRAFANA_UIDS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { finalize, shell } from "./sdk";
import { recordedSignals, signalTiles, signalTrend, type SignalExprs } from "./tiles";

/** Refresh of the overview: twice per recording-rule evaluation would show nothing new. */
export const OVERVIEW_REFRESH = "30s";

/**
 * Builds the ops overview. `exprs` defaults to the recorded series; the benchmark passes
 * rawSignals() to build the same panels over raw series.
 */
export function opsOverview(cfg: StackConfig, exprs: SignalExprs = recordedSignals()): Dashboard {
  const services = cfg.services.map((s) => s.name);
  // Tiles are 24 wide: Grafana wraps them when a screen is narrow, so every service stays visible.
  const tileHeight = services.length > 24 ? 8 : 4;
  const builder = shell({
    uid: GRAFANA_UIDS.opsOverview,
    description: `Status, error rate, p99 latency, memory and request rate of all ${services.length} services, colored from the SLOs and alert thresholds in the stack config.`,
    from: "now-6h",
    refresh: OVERVIEW_REFRESH,
    source: "dashboards/ops-overview.ts",
  })
    .withRow(new dashboard.RowBuilder("Now: one tile per service (click for the deep-dive)"))
    .withPanel(signalTiles(cfg, "up", exprs.up, services).height(tileHeight).span(24))
    .withPanel(signalTiles(cfg, "errorRatio", exprs.errorRatio, services).height(tileHeight).span(24))
    .withPanel(signalTiles(cfg, "p99", exprs.p99, services).height(tileHeight).span(24))
    .withPanel(signalTiles(cfg, "memory", exprs.memory, services).height(tileHeight).span(24))
    .withPanel(signalTiles(cfg, "rate", exprs.rate, services).height(tileHeight).span(24))
    .withRow(new dashboard.RowBuilder("Over time"))
    .withPanel(signalTrend("errorRatio", exprs.errorRatio, services.length).height(8).span(12))
    .withPanel(signalTrend("p99", exprs.p99, services.length).height(8).span(12))
    .withPanel(signalTrend("memory", exprs.memoryPods, services.length).height(8).span(12))
    .withPanel(signalTrend("rate", exprs.rate, services.length).height(8).span(12));
  return finalize(builder);
}
