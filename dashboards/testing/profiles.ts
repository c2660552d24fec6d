/**
 * What the synthetic data simulates: the demo fleet's services (services/fleet.ts: traffic,
 * routes, latency, error ratios) under the metric and label names the real services expose,
 * optionally cloned to many more services for the benchmark, and the incidents injected.
 */
import type { StackConfig } from "../../config/schema";
import { FLEET, type LatencyProfile } from "../../services/fleet";

/** One route of a simulated service. */
export interface SynthRoute {
  method: string;
  route: string;
  weight: number;
  latency: LatencyProfile;
  clientErrorRatio: number;
  clientErrorStatus: string;
  /** merchant-api's `endpoint` label (its route function's name). */
  endpoint?: string;
}

/** One simulated service (one instance). */
export interface SynthService {
  name: string;
  team: string;
  tier: string;
  /** The `instance` label: the scrape address, which is also `pod` on the local stack. */
  instance: string;
  /** prom-client (Node) writes le="1"; Python's client writes le="1.0". */
  language: "node" | "python";
  rps: number;
  errorRatio: number;
  errorStatus: string;
  routes: SynthRoute[];
  /**
   * Emit cAdvisor network counters for this service (as docker/kubernetes do; a local service
   * shares the host's network, so its cgroup has no interface of its own).
   */
  containerNetwork: boolean;
}

/** An incident injected into the data between two times (epoch seconds). */
export interface Incident {
  service: string;
  /** errors: every request answered 5xx; down: target down, no samples; slow: latency x10; memory: 95% of its limit. */
  kind: "errors" | "down" | "slow" | "memory";
  fromS: number;
  toS: number;
}

// merchant-api's route templates -> its route function names (merchant_api/app.py).
const MERCHANT_ENDPOINTS: Record<string, string> = {
  "/merchants/{merchant_id}": "get_merchant",
  "/merchants/{merchant_id}/balance": "get_balance",
  "/merchants/{merchant_id}/transactions": "list_transactions",
  "/merchants/{merchant_id}/settings": "update_settings",
};

/**
 * The configured services, simulated with their fleet profiles. Every other service (by
 * position) gets container network counters, so both branches of the deep-dive's network
 * query (pods from cAdvisor, host fallback) are exercised by one data set.
 */
export function synthServices(cfg: StackConfig): SynthService[] {
  return cfg.services.map((svc, i) => {
    const base = svc.name.replace(/-copy\d+$/, "");
    const fleet = FLEET.find((f) => f.name === base);
    if (!fleet) throw new Error(`synthetic data: service "${svc.name}" has no profile in services/fleet.ts`);
    return {
      name: svc.name,
      team: svc.team,
      tier: svc.tier,
      instance: svc.targets?.[0] ?? `127.0.0.1:${9000 + i}`,
      language: fleet.language,
      rps: fleet.trafficRps,
      errorRatio: fleet.profile.errorRatio,
      errorStatus: String(fleet.profile.errorStatus),
      routes: fleet.profile.routes.map((r) => ({
        method: r.method,
        route: r.path,
        weight: r.weight,
        latency: r.latency ?? fleet.profile.latency,
        clientErrorRatio: r.clientErrorRatio ?? 0,
        clientErrorStatus: String(r.clientErrorStatus ?? 400),
        endpoint: MERCHANT_ENDPOINTS[r.path],
      })),
      containerNetwork: i % 2 === 1,
    };
  });
}

/**
 * The stack config with its services cloned to `count` services (the benchmark's 120):
 * copy k of service s is "s-copyk" with s's team, tier and profile; the originals keep their
 * names, so the SLOs (and their recording rules) still apply to them. With `cloneSlos`, every
 * copy of a service with SLOs gets the same SLOs ("<slo>-copyk"): a 10x fleet that is 10x the
 * company has 10x the SLOs, which is what the rule-evaluation benchmark must carry.
 */
export function scaledConfig(cfg: StackConfig, count: number, options: { cloneSlos?: boolean } = {}): StackConfig {
  const services = Array.from({ length: count }, (_, i) => {
    const svc = cfg.services[i % cfg.services.length];
    const copy = Math.floor(i / cfg.services.length);
    return { ...svc, name: copy === 0 ? svc.name : `${svc.name}-copy${copy}`, targets: [`127.0.0.1:${10000 + i}`] };
  });
  if (!options.cloneSlos) return { ...cfg, services };
  const copies = Math.ceil(count / cfg.services.length);
  const slos = Array.from({ length: copies }, (_, copy) =>
    cfg.slos
      .filter((slo) => services.some((s) => s.name === (copy === 0 ? slo.service : `${slo.service}-copy${copy}`)))
      .map((slo) => (copy === 0 ? slo : { ...slo, name: `${slo.name}-copy${copy}`, service: `${slo.service}-copy${copy}` })),
  ).flat();
  return { ...cfg, services, slos };
}
