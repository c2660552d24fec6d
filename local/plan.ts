/**
 * What the local stack runs: Debian's real binaries, cAdvisor (the upstream library under
 * local/cadvisor/main.go) plus the 12 services, the traffic generator and the notification
 * stand-ins, every one on 127.0.0.1. Flags come from the same functions the containers use
 * (render/prometheus.ts, render/alertmanager.ts, render/node-exporter.ts, render/cadvisor.ts);
 * only addresses and paths differ. Each service declares the limits its stack config gives its
 * container on dev (`fleetResources`); local/stack.ts puts it in a cgroup with them.
 */
import * as path from "path";
import type { StackConfig } from "../config/schema";
import { alertmanagerArgs } from "../render/alertmanager";
import { NGINX_CONF_FILE } from "../render/front-door";
import { cadvisorArgs } from "../render/cadvisor";
import { nodeExporterArgs } from "../render/node-exporter";
import { prometheusArgs } from "../render/prometheus";
import type { Topology } from "../render/topology";
import { durationSeconds } from "../config/validate";
import { FLEET } from "../services/fleet";
import { cpuCores, fleetResources, memoryBytes } from "../platform/workload";
import { TOOLS, locate } from "../scripts/tools/find";
import type { CgroupLimits } from "./cgroups";
import { adminPort, servicePort, type LocalStackOptions } from "./config";
import type { ProcessSpec } from "./supervisor";

const ROOT = path.resolve(__dirname, "..");

/**
 * Debian's binaries (packages prometheus, prometheus-node-exporter, nginx-light) and the
 * images' Alertmanager 0.28.1, built from the Go module proxy (scripts/tools/build.sh
 * alertmanager, which `npm run setup` runs): the rendered alertmanager.yml reads the heartbeat
 * URL from a file (url_file), which Debian's Alertmanager 0.25 does not know.
 */
export const BINARIES = {
  prometheus: "/usr/bin/prometheus",
  alertmanager: locate("alertmanager")?.path ?? TOOLS.alertmanager.paths()[0],
  nodeExporter: "/usr/bin/prometheus-node-exporter",
  nginx: "/usr/sbin/nginx",
  node: process.execPath,
  python: path.join(ROOT, ".venv", "bin", "python"),
  /** Built from the Go module proxy into the tool cache (scripts/tools/build.sh cadvisor). */
  cadvisor: locate("cadvisor")?.path ?? TOOLS.cadvisor.paths()[0],
} as const;

/** The memory limit and CPU quota of a fleet service's container on dev: its cgroup's here. */
export function serviceLimits(cfg: StackConfig, service: string): CgroupLimits {
  const { limits } = fleetResources(cfg, service);
  return { memoryBytes: memoryBytes(limits.memory), cpuCores: cpuCores(limits.cpu) };
}

/** Data directories that survive restarts. */
export const dataDir = (o: LocalStackOptions, name: string) => path.join(o.stateDir, "data", name);

/** Node processes run TypeScript through tsx's loader (one process, no build step). */
const nodeTs = (script: string) => ["--import", "tsx", path.join(ROOT, script)];

/** The processes, in start order: receivers, services, traffic, then the monitoring stack. */
export function localPlan(o: LocalStackOptions, cfg: StackConfig, topo: Topology, tokenFiles: { slack: string; pagerduty: string; heartbeat: string }, standInInfo: string): ProcessSpec[] {
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
      // The dead man's switch stand-in: what the stack config tells a real heartbeat service.
      ...(cfg.alertmanager.heartbeat.enabled
        ? ["--heartbeat-port", String(p.heartbeat), "--heartbeat-token-file", tokenFiles.heartbeat, "--heartbeat-period", cfg.alertmanager.heartbeat.interval, "--heartbeat-grace", cfg.alertmanager.heartbeat.grace]
        : []),
    ],
    cwd: ROOT,
    ports: cfg.alertmanager.heartbeat.enabled ? [p.pagerduty, p.slack, p.heartbeat] : [p.pagerduty, p.slack],
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
    };
    const resources = serviceLimits(cfg, s.name);
    // In its cgroup a service reads its limits from the kernel (services/lib/limits.ts), as in
    // a container; without cgroups (the fallback) it is told them.
    if (topo.resourceSource === "process") Object.assign(env, { MEMORY_LIMIT_BYTES: String(resources.memoryBytes), CPU_LIMIT_CORES: String(resources.cpuCores) });
    const common = { name: s.name, env, ports: [servicePort(o, s.name), adminPort(o, s.name)], healthUrl: `http://${loop(servicePort(o, s.name))}/healthz`, resources };
    return s.language === "python"
      ? { ...common, command: BINARIES.python, args: ["-m", "merchant_api"], cwd: path.join(ROOT, "services", "merchant-api") }
      : { ...common, command: BINARIES.node, args: nodeTs("services/node/main.ts"), cwd: ROOT };
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
  const cadvisor: ProcessSpec[] = topo.cadvisor && topo.serviceCgroups
    ? [{
        name: "cadvisor",
        command: BINARIES.cadvisor,
        // Only the stack's own cgroups (and the machine's root), not every cgroup of the machine.
        args: cadvisorArgs({ port: p.cadvisor, listenIp: "127.0.0.1", watch: { cgroupPrefix: `${topo.serviceCgroups}/` } }),
        ports: [p.cadvisor],
        healthUrl: `http://${loop(p.cadvisor)}/healthz`,
      }]
    : [];
  // Grafana is not packaged for Debian: a labelled stand-in answers behind the front door.
  const grafanaStandIn: ProcessSpec = {
    name: "grafana-stand-in",
    command: BINARIES.node,
    args: [...nodeTs("local/grafana-stand-in/cli.ts"), "--port", String(p.grafana), "--info", standInInfo],
    cwd: ROOT,
    ports: [p.grafana],
    healthUrl: `http://${loop(p.grafana)}/api/health`,
  };
  const nginx: ProcessSpec = {
    name: "nginx",
    command: BINARIES.nginx,
    args: ["-p", o.stateDir, "-c", path.join(topo.roots.nginx, NGINX_CONF_FILE), "-g", "daemon off;"],
    ports: [p.frontDoorHttps, p.frontDoorHttp],
    healthUrl: `https://${loop(p.frontDoorHttps)}/health`,
  };
  return [receivers, grafanaStandIn, ...services, traffic, alertmanager, prometheus, nodeExporter, ...cadvisor, nginx];
}
