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
  return topo.kind === "local" ? localNginxPaths(secrets, topo.stateDir ?? topo.roots.nginx) : containerNginxPaths(secrets);
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
    grafanaUpstream: topo.grafana ?? `127.0.0.1:${PORTS.grafana}`,
    paths: nginxPaths(topo),
    ratePerSecond: fd.rateLimitPerSecond,
    burst: fd.burst,
    trustedProxyCidrs: fd.trustedProxies,
    // Docker's embedded DNS: a re-created Grafana container is found without an nginx restart.
    resolver: topo.kind === "docker" ? "127.0.0.11" : undefined,
    ...(local && topo.workerUser ? { user: topo.workerUser } : {}),
  });
}

/** htpasswd content; placeholders (npm run render) are written as they are. */
export function htpasswdFile(entries: Array<{ user: string; bcryptHash: string }>): string {
  if (entries.some((e) => e.bcryptHash.startsWith("<secret:"))) return entries.map((e) => `${e.user}:${e.bcryptHash}`).join("\n") + "\n";
  return renderHtpasswd(entries);
}
