/**
 * The local stack's configuration: the dev stack's config with only addresses and paths
 * changed (services on loopback ports, receivers pointed at the local stand-ins, files
 * under the state directory). Everything else — rules, thresholds, routing, dashboards,
 * nginx.conf — is what the dev stack deploys.
 */
import * as path from "path";
import { parseStackConfig, readStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { DEFAULT_LOCAL_PORTS, localTopology, type LocalHaPorts, type LocalPorts, type Topology } from "../render/topology";
import { FLEET } from "../services/fleet";
import { haTopology } from "./ha";
import { instanceCgroup } from "./cgroups";

/** Every port the local stack binds, all on 127.0.0.1. */
export interface LocalStackPorts extends LocalPorts, LocalHaPorts {
  pagerduty: number;
  slack: number;
  /** The dead man's switch stand-in (Alertmanager's heartbeat webhook). */
  heartbeat: number;
  /** The traffic generator's control endpoint (achieved rates, injections). */
  traffic: number;
  /** Added to every service's API and admin port from services/fleet.ts (8101.., 8201..). */
  serviceOffset: number;
}

export const DEFAULT_PORTS: LocalStackPorts = {
  ...DEFAULT_LOCAL_PORTS,
  pagerduty: 8291,
  slack: 8292,
  heartbeat: 8293,
  traffic: 8290,
  serviceOffset: 0,
};

/** Options of one local stack. */
export interface LocalStackOptions {
  /** Where config, secrets, data, logs and pids live; data survives restarts. */
  stateDir: string;
  ports: LocalStackPorts;
  /** How long the traffic generator runs before it stops by itself. */
  trafficDuration: string;
  /** Multiplies every service's default traffic rate (1 = the brief's ~200/~80 r/s). */
  trafficScale: number;
  /** `npm start -- --ha` (or LOCAL_HA=1): two Prometheus with Thanos, three clustered Alertmanagers (local/ha.ts). */
  ha?: boolean;
}

/** Defaults, overridable by environment variables (LOCAL_STATE_DIR, LOCAL_PORT_OFFSET, ...). */
export function defaultOptions(env: NodeJS.ProcessEnv = process.env): LocalStackOptions {
  const offset = Number(env.LOCAL_PORT_OFFSET ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 50000) {
    throw new Error(`LOCAL_PORT_OFFSET: got "${env.LOCAL_PORT_OFFSET}"; allowed: an integer from 0 to 50000 added to every local port`);
  }
  const trafficScale = Number(env.LOCAL_TRAFFIC_SCALE ?? 1);
  if (!Number.isFinite(trafficScale) || trafficScale <= 0 || trafficScale > 10) {
    throw new Error(`LOCAL_TRAFFIC_SCALE: got "${env.LOCAL_TRAFFIC_SCALE}"; allowed: a number above 0 and at most 10 (1 = the brief's ~200/~80 r/s)`);
  }
  const ports = Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, v]) => [k, k === "serviceOffset" ? offset : v + offset])) as unknown as LocalStackPorts;
  return {
    stateDir: path.resolve(env.LOCAL_STATE_DIR ?? path.join(__dirname, "..", ".local", "state")),
    ports,
    trafficDuration: env.LOCAL_TRAFFIC_DURATION ?? "12h",
    trafficScale,
    ha: env.LOCAL_HA === "1",
  };
}

/** Loopback API port of a fleet service. */
export const servicePort = (o: LocalStackOptions, name: string) => FLEET.find((s) => s.name === name)!.port + o.ports.serviceOffset;
export const adminPort = (o: LocalStackOptions, name: string) => FLEET.find((s) => s.name === name)!.adminPort + o.ports.serviceOffset;

/**
 * The dev stack's config with loopback addresses; the topology puts files under stateDir (and
 * nginx's under `nginxHome` when given: see local/stack.ts). `serviceCgroups`: the stack's
 * cgroup (local/cgroups.ts), or null when cgroups could not be created (memory/CPU then come
 * from process metrics); default: the cgroup this state dir gets.
 */
export function localStackConfig(o: LocalStackOptions, opts: { nginxHome?: string; serviceCgroups?: string | null } = {}): { cfg: StackConfig; topo: Topology } {
  const { nginxHome, serviceCgroups = instanceCgroup(o.stateDir) } = opts;
  const file = readStackFile("dev");
  const raw = { ...file.raw } as Record<string, any>;
  const services = (raw.services as Array<Record<string, unknown>>).map((s) => {
    const fleet = FLEET.find((f) => f.name === s.name);
    if (!fleet) throw new Error(`service "${String(s.name)}" of Pulumi.dev.yaml is not in services/fleet.ts; the local stack cannot run it`);
    return { ...s, targets: [`127.0.0.1:${fleet.port + o.ports.serviceOffset}`] };
  });
  raw.services = services;
  raw.alertmanager = { ...(raw.alertmanager ?? {}), pagerdutyUrl: `http://127.0.0.1:${o.ports.pagerduty}/v2/enqueue` };
  raw.frontDoor = { ...(raw.frontDoor ?? {}), hostHttpsPort: o.ports.frontDoorHttps, hostHttpPort: o.ports.frontDoorHttp };
  const cfg = parseStackConfig(raw, { present: new Set(), required: false }, "dev (local)");
  const topo = localTopology(cfg, o.stateDir, o.ports, { nginxHome, serviceCgroups });
  return { cfg, topo: o.ha ? haTopology(topo, o.ports) : topo };
}
