/**
 * The Nginx front door: the only thing reachable from outside. TLS termination, basic
 * auth, 30 r/s per client IP, WebSocket for Grafana Live, /health for load balancers.
 * Its nginx.conf is rendered by nginx/render.ts, the same file the tests run.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS } from "../config/conventions";
import { NGINX_CONTAINER_UID, NGINX_SCRATCH_DIR } from "../nginx/variants";
import { NGINX_CONF_FILE } from "../render/front-door";
import type { Workload } from "../platform/workload";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The front-door workload description (exported for tests). */
export function nginxWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: "nginx",
    kind: "stateless",
    replicas: cfg.frontDoor.replicas,
    image: cfg.images.nginx,
    command: ["nginx", "-c", `${CONTAINER_PATHS.nginxConfigDir}/${NGINX_CONF_FILE}`, "-g", "daemon off;"],
    args: [],
    ports: [
      { name: "https", port: PORTS.nginxHttps, public: { hostPort: cfg.frontDoor.hostHttpsPort } },
      { name: "http", port: PORTS.nginxHttp, public: { hostPort: cfg.frontDoor.hostHttpPort } },
    ],
    fileRoot: CONTAINER_PATHS.nginxConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    // Plain-HTTP /health: no auth, no rate limit, no redirect.
    health: { path: "/health", port: PORTS.nginxHttp },
    resources: cfg.resources.nginx,
    // The official image's unprivileged user, from the start (nginx/options.ts "container").
    runAsUser: NGINX_CONTAINER_UID,
    bindsLowPorts: true,
    readOnlyRootFilesystem: true,
    scratchDirs: [NGINX_SCRATCH_DIR],
    // The front door: reachable from anywhere the load balancer lets in.
    allowFrom: "anywhere",
  };
}

export class Nginx extends pulumi.ComponentResource {
  readonly address: string;

  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("Nginx"), name, {}, opts);
    this.address = args.platform.deploy(nginxWorkload(args), this).address;
    this.registerOutputs({ address: this.address });
  }
}
