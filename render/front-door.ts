/**
 * Maps the stack config and topology onto the front door's nginx.conf options
 * (nginx/render.ts holds the one template) and renders the htpasswd file.
 */
import { PORTS, SUBDIRS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { htpasswdFile as renderHtpasswd, renderNginxConf, type NginxPaths } from "../nginx/render";
import { containerNginxPaths, localNginxPaths } from "../nginx/variants";
import { filePath, type Topology } from "./topology";

export const NGINX_CONF_FILE = "nginx.conf";

/** Paths of the nginx process for a topology; secrets always below the nginx root. */
function nginxPaths(topo: Topology): NginxPaths {
  const secrets = filePath(topo, "nginx", SUBDIRS.secrets);
  return topo.kind === "local" ? localNginxPaths(secrets, topo.stateDir ?? topo.roots.nginx, topo.nginxTempDir) : containerNginxPaths(secrets);
}

/** Where the front door sends people: Grafana, or locally its stand-in. */
function grafanaUpstream(topo: Topology): string {
  const up = topo.grafana ?? topo.grafanaStandIn;
  if (!up) throw new Error(`topology ${topo.kind}: neither grafana nor grafanaStandIn is set; the front door has nothing to proxy to`);
  return up;
}

/** nginx.conf of the front door for this stack. */
export function renderFrontDoorConf(cfg: StackConfig, topo: Topology): string {
  const fd = cfg.frontDoor;
  const local = topo.kind === "local";
  // Locally nginx listens on the ports the docker stack would publish.
  const httpsPort = local ? fd.hostHttpsPort : PORTS.nginxHttps;
  const httpPort = local ? fd.hostHttpPort : PORTS.nginxHttp;
  return renderNginxConf({
    runAs: local ? "local" : "container",
    serverName: fd.hostname,
    httpsListen: local ? `127.0.0.1:${httpsPort}` : String(httpsPort),
    httpListen: local ? `127.0.0.1:${httpPort}` : String(httpPort),
    // Redirects and Grafana's Host header use the port clients see.
    publicHttpsPort: topo.kind === "kubernetes" ? 443 : local ? httpsPort : fd.hostHttpsPort,
    grafanaUpstream: grafanaUpstream(topo),
    paths: nginxPaths(topo),
    ...perReplicaLimit(fd.rateLimitPerSecond, fd.burst, topo.kind === "kubernetes" ? fd.replicas : 1),
    trustedProxyCidrs: fd.trustedProxies,
    // Docker's embedded DNS: a re-created Grafana container is found without an nginx restart.
    resolver: topo.kind === "docker" ? "127.0.0.11" : undefined,
    ...(local && topo.workerUser ? { user: topo.workerUser } : {}),
  });
}

/**
 * One replica's share of the front door's per-client limit. nginx keeps its leaky buckets in
 * shared memory of ONE instance; behind a load balancer that spreads a client's connections
 * over N replicas, a per-replica limit of `rate` would let that client through at N x rate.
 * Each replica therefore enforces rate/N (whole requests per minute, rounded down) and
 * burst/N, so the client's total never exceeds the configured limit however its connections
 * are spread. The cost: a client whose connections all land on one replica gets only that
 * replica's share (nginx/README.md, "Several replicas").
 */
export function perReplicaLimit(ratePerSecond: number, burst: number, replicas: number): { ratePerSecond: number; burst: number } {
  if (replicas <= 1) return { ratePerSecond, burst };
  const perMinute = Math.floor((ratePerSecond * 60) / replicas);
  return { ratePerSecond: perMinute / 60, burst: Math.floor(burst / replicas) };
}

/** htpasswd content; placeholders (npm run render) are written as they are. */
export function htpasswdFile(entries: Array<{ user: string; bcryptHash: string }>): string {
  if (entries.some((e) => e.bcryptHash.startsWith("<secret:"))) return entries.map((e) => `${e.user}:${e.bcryptHash}`).join("\n") + "\n";
  return renderHtpasswd(entries);
}
