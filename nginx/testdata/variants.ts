/**
 * Fixed inputs of the golden nginx.conf files: one per stack kind, with the values each stack
 * really uses (ports, upstream names, container layout), so the goldens show what ships.
 */
import { NginxConfOptions } from "../options";
import { containerNginxOptions, localNginxPaths } from "../variants";

/** The stack kinds that get their own rendering. */
export type Variant = "docker" | "kubernetes" | "local";

const SERVER_NAME = "grafana.internal.example.com";
const CONTAINER_SECRETS = "/etc/nginx/front-door/secrets";
const LOCAL_STATE = "/home/dev/.local/monitoring-stack";

/** Options per variant. */
export const VARIANTS: Record<Variant, NginxConfOptions> = {
  // Docker dev: host port 8443 published to 443; Docker's DNS finds a re-created Grafana.
  docker: containerNginxOptions({
    secretsDir: CONTAINER_SECRETS,
    serverName: SERVER_NAME,
    grafanaUpstream: "grafana:3000",
    publicHttpsPort: 8443,
    resolver: "127.0.0.11",
  }),
  // Kubernetes prod: behind a LoadBalancer on 443; the Service's ClusterIP is stable, so it is
  // resolved once at start-up. The trusted CIDR stands for an L7 load balancer in the VPC.
  kubernetes: containerNginxOptions({
    secretsDir: CONTAINER_SECRETS,
    serverName: SERVER_NAME,
    grafanaUpstream: "grafana.monitoring.svc.cluster.local:3000",
    publicHttpsPort: 443,
    trustedProxyCidrs: ["10.0.0.0/8"],
  }),
  // Local stack: unprivileged nginx on loopback, every file under the state dir.
  local: {
    serverName: SERVER_NAME,
    runAs: "local",
    httpsListen: "127.0.0.1:8443",
    httpListen: "127.0.0.1:8080",
    statusListen: "127.0.0.1:8081",
    publicHttpsPort: 8443,
    grafanaUpstream: "127.0.0.1:3000",
    paths: localNginxPaths(`${LOCAL_STATE}/etc/nginx/secrets`, LOCAL_STATE),
  },
};

/** Golden file of a variant, relative to nginx/. */
export const goldenFile = (v: Variant) => `testdata/nginx.${v}.conf`;
