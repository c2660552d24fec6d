/**
 * What the local stack runs: Debian's real binaries plus the 12 services, the traffic
 * generator and the notification stand-ins, every one on 127.0.0.1. Flags come from the
 * same functions the containers use (render/prometheus.ts, render/alertmanager.ts,
 * render/node-exporter.ts); only addresses and paths differ.
 */
import * as path from "path";
import type { StackConfig } from "../config/schema";
import { alertmanagerArgs } from "../render/alertmanager";
import { NGINX_CONF_FILE } from "../render/front-door";
import { nodeExporterArgs } from "../render/node-exporter";
import { prometheusArgs } from "../render/prometheus";
import type { Topology } from "../render/topology";
import { durationSeconds } from "../config/validate";
import { FLEET } from "../services/fleet";
import { adminPort, servicePort, type LocalStackOptions } from "./config";
import type { ProcessSpec } from "./supervisor";

const ROOT = path.resolve(__dirname, "..");

/** Debian's binaries (packages prometheus, prometheus-alertmanager, prometheus-node-exporter, nginx-light). */
export const BINARIES = {
  prometheus: "/usr/bin/prometheus",
  alertmanager: "/usr/bin/prometheus-alertmanager",
  nodeExporter: "/usr/bin/prometheus-node-exporter",
  nginx: "/usr/sbin/nginx",
  node: process.execPath,
  python: path.join(ROOT, ".venv", "bin", "python"),
} as const;

/** Memory limit each local service reports (cAdvisor's container limit in dev/prod). */
export const LOCAL_MEMORY_LIMIT_BYTES = 256 * 2 ** 20;
/** CPU limit each local service reports. */
export const LOCAL_CPU_LIMIT_CORES = 1;

/** Data directories that survive restarts. */
export const dataDir = (o: LocalStackOptions, name: string) => path.join(o.stateDir, "data", name);

/** Node processes run TypeScript through tsx's loader (one process, no build step). */
const nodeTs = (script: string) => ["--import", "tsx", path.join(ROOT, script)];

/** The processes, in start order: receivers, services, traffic, then the monitoring stack. */
export function localPlan(o: LocalStackOptions, cfg: StackConfig, topo: Topology, tokenFiles: { slack: string; pagerduty: string }): ProcessSpec[] {
  const p = o.ports;
  const loop = (port: number) => `127.0.0.1:${port}`;
  const receivers: ProcessSpec = {
    name: "receivers",
    command: BINARIES.node,
    // Credentials by file, never on the command line (ps would show them).
    args: [
      ...nodeTs("local/receivers/cli.ts"),
      "--pagerduty-port", String(p.pagerduty),
      "--slack-port", String(p.slack),
      "--state-dir", path.join(o.stateDir, "data", "receivers"),
      "--slack-token-file", tokenFiles.slack,
      "--pagerduty-routing-key-file", tokenFiles.pagerduty,
    ],
    cwd: ROOT,
    ports: [p.pagerduty, p.slack],
    healthUrl: `http://${loop(p.pagerduty)}/healthz`,
  };
  const services: ProcessSpec[] = FLEET.map((s) => {
    const env: Record<string, string> = {
      SERVICE_NAME: s.name,
      HOST: "127.0.0.1",
      PORT: String(servicePort(o, s.name)),
      ADMIN_HOST: "127.0.0.1",
      ADMIN_PORT: String(adminPort(o, s.name)),
      // Chaos and fault control exist locally (drills); the admin port is never proxied.
      CHAOS_ENABLED: "true",
      MEMORY_LIMIT_BYTES: String(LOCAL_MEMORY_LIMIT_BYTES),
      CPU_LIMIT_CORES: String(LOCAL_CPU_LIMIT_CORES),
    };
    return s.language === "python"
      ? { name: s.name, command: BINARIES.python, args: ["-m", "merchant_api"], cwd: path.join(ROOT, "services", "merchant-api"), env, ports: [servicePort(o, s.name), adminPort(o, s.name)], healthUrl: `http://${loop(servicePort(o, s.name))}/healthz` }
      : { name: s.name, command: BINARIES.node, args: nodeTs("services/node/main.ts"), cwd: ROOT, env, ports: [servicePort(o, s.name), adminPort(o, s.name)], healthUrl: `http://${loop(servicePort(o, s.name))}/healthz` };
  });
  const traffic: ProcessSpec = {
    name: "traffic",
    command: BINARIES.node,
    args: [
      ...nodeTs("services/traffic/cli.ts"), "run",
      // Bounded: the generator stops by itself after this long.
      "--duration", String(durationSeconds(o.trafficDuration)),
      "--scale", String(o.trafficScale),
      "--control-port", String(p.traffic),
      "--report-every", "60",
      ...FLEET.flatMap((s) => ["--target", `${s.name}=http://${loop(servicePort(o, s.name))}`]),
    ],
    cwd: ROOT,
    ports: [p.traffic],
    healthUrl: `http://${loop(p.traffic)}/stats`,
  };
  const prometheus: ProcessSpec = {
    name: "prometheus",
    command: BINARIES.prometheus,
    args: prometheusArgs(cfg, topo, dataDir(o, "prometheus"), loop(p.prometheus)),
    ports: [p.prometheus],
    healthUrl: `http://${loop(p.prometheus)}/-/ready`,
  };
  const alertmanager: ProcessSpec = {
    name: "alertmanager",
    command: BINARIES.alertmanager,
    args: alertmanagerArgs(cfg, topo, { dataDir: dataDir(o, "alertmanager"), listen: loop(p.alertmanager), peers: [] }),
    ports: [p.alertmanager],
    healthUrl: `http://${loop(p.alertmanager)}/-/ready`,
  };
  const nodeExporter: ProcessSpec = {
    name: "node-exporter",
    command: BINARIES.nodeExporter,
    args: nodeExporterArgs(null, loop(p.nodeExporter)),
    ports: [p.nodeExporter],
    healthUrl: `http://${loop(p.nodeExporter)}/metrics`,
  };
  const nginx: ProcessSpec = {
    name: "nginx",
    command: BINARIES.nginx,
    args: ["-p", o.stateDir, "-c", path.join(topo.roots.nginx, NGINX_CONF_FILE), "-g", "daemon off;"],
    ports: [p.frontDoorHttps, p.frontDoorHttp],
    healthUrl: `https://${loop(p.frontDoorHttps)}/health`,
  };
  return [receivers, ...services, traffic, alertmanager, prometheus, nodeExporter, nginx];
}
