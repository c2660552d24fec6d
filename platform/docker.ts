/**
 * Docker adapter (dev): one private bridge network, pinned images pulled once, named
 * volumes, containers with their files uploaded, health checks and a restart policy.
 * Only a workload with a public port publishes a host port (the front door).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { RenderedFile } from "../render/stack";
import { DOCKER_NETWORK, serviceAddress, serviceHost } from "./addresses";
import { contentHash } from "./files";
import { cpuCores, memoryBytes, type DeployedWorkload, type Platform, type Workload } from "./workload";
import * as path from "path";

/** Deploys workloads as containers on one Docker host (the provider's DOCKER_HOST). */
export class DockerPlatform implements Platform {
  readonly kind = "docker" as const;
  readonly network: docker.Network;
  /** Prefix of every container/volume name, so two stacks can share a host. */
  readonly prefix: string;

  constructor(cfg: StackConfig) {
    this.prefix = `${cfg.environment}-monitoring`;
    this.network = new docker.Network("network", {
      name: `${this.prefix}`,
      driver: "bridge",
      labels: Object.entries(commonLabels("network")).map(([label, value]) => ({ label, value })),
    });
  }

  deploy(w: Workload, parent: pulumi.Resource): DeployedWorkload {
    rejectUnsupported(w);
    const opts = { parent };
    const created: pulumi.Resource[] = [];
    let imageId: pulumi.Input<string>;
    if (w.builtImage) imageId = w.builtImage;
    else {
      const image = new docker.RemoteImage(w.name, { name: w.image, keepLocally: true }, opts);
      created.push(image);
      imageId = image.imageId;
    }

    const volumes: docker.types.input.ContainerVolume[] = [];
    if (w.volume) {
      const vol = new docker.Volume(`${w.name}-data`, { name: `${this.prefix}-${w.name}-data` }, { ...opts, retainOnDelete: true });
      volumes.push({ volumeName: vol.name, containerPath: w.volume.mountPath });
      created.push(vol);
    }
    for (const m of w.host?.mounts ?? []) volumes.push({ hostPath: m.hostPath, containerPath: m.mountPath, readOnly: m.readOnly });

    const owner = w.runAsUser !== undefined ? String(w.runAsUser) : undefined;
    const upload = (f: RenderedFile) => ({
      file: path.posix.join(w.fileRoot ?? "/", f.path),
      content: f.content,
      // Credentials: readable by the process's user only.
      ...(f.secret ? { permissions: "0400", owner } : { permissions: "0444" }),
    });
    const uploads = pulumi
      .output(w.secretFiles ?? ([] as RenderedFile[]))
      .apply((secretFiles) => [...w.files, ...secretFiles].map(upload));

    const identity = Object.keys(w.identityEnv ?? {}).map((k) => `${k}=${w.name}-0`);
    const env = Object.entries(w.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const h = w.health;
    const https = h.scheme === "HTTPS";
    const url = `${https ? "https" : "http"}://127.0.0.1:${h.port}${h.readyPath ?? h.path}`;
    const labels = { ...commonLabels(w.name), ...(w.labels ?? {}), "monitoring-stack/config-checksum": contentHash(w.files) };

    const container = new docker.Container(
      w.name,
      {
        name: `${this.prefix}-${w.name}`,
        image: imageId,
        entrypoints: w.command,
        command: w.args,
        envs: [...identity, ...env],
        networksAdvanced: [{ name: this.network.name, aliases: [serviceHost(DOCKER_NETWORK, w.name)] }],
        ports: w.ports.filter((p) => p.public).map((p) => ({ internal: p.port, external: p.public!.hostPort })),
        volumes,
        uploads: pulumi.secret(uploads),
        // Built images (the demo fleet) bring their own HEALTHCHECK unless a command is given.
        healthcheck:
          h.command || !w.builtImage
            ? { tests: ["CMD", ...(h.command ?? ["wget", "-q", "-O", "/dev/null", ...(https ? ["--no-check-certificate"] : []), url])], interval: "15s", timeout: "5s", retries: 3, startPeriod: "30s" }
            : undefined,
        restart: "unless-stopped",
        memory: Math.ceil(memoryBytes(w.resources.limits.memory) / 2 ** 20),
        memoryReservation: Math.ceil(memoryBytes(w.resources.requests.memory) / 2 ** 20),
        cpus: String(cpuCores(w.resources.limits.cpu)),
        user: owner,
        pidMode: w.host?.pid ? "host" : undefined,
        // Non-root nginx on 80/443 inside its own network namespace.
        sysctls: w.bindsLowPorts ? { "net.ipv4.ip_unprivileged_port_start": "0" } : undefined,
        // readOnlyRootFilesystem is not applied: Docker refuses file uploads into a read-only
        // root (ErrRootFSReadOnly), and the config files are uploaded (see Workload).
        tmpfs: w.scratchDirs?.length ? Object.fromEntries(w.scratchDirs.map((d) => [d, "rw,nosuid,nodev,noexec,size=64m"])) : undefined,
        privileged: w.host?.privileged,
        devices: (w.host?.devices ?? []).map((d) => ({ hostPath: d, containerPath: d })),
        labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
        destroyGraceSeconds: w.terminationGracePeriodSeconds,
        // Wait for the health check so `pulumi up` fails if a component does not come up.
        wait: true,
        waitTimeout: 120,
      },
      { ...opts, dependsOn: [this.network] },
    );
    created.push(container);
    return { address: serviceAddress(DOCKER_NETWORK, w.name, w.ports[0]?.port), resources: created };
  }
}

/**
 * Fields this adapter cannot honour, as one error naming each, thrown before anything is
 * created. What it does with the others: `kind` daemon is one container on the one host,
 * `peers` of a single replica have nobody to gossip with, `allowFrom` by workload name is the
 * stack's private bridge network (only its own containers; only a public port is published),
 * `readOnlyRootFilesystem` is not applied (Docker refuses uploads into a read-only root).
 */
function rejectUnsupported(w: Workload): void {
  const problems: string[] = [];
  if (w.replicas !== 1) problems.push(`replicas: got ${w.replicas}; one Docker host runs one container per workload (replicas above 1 need platform kubernetes)`);
  if (w.sidecars?.length) {
    // A second container would not share the first one's network, volume or lifecycle here.
    problems.push(`platform docker cannot run sidecar containers (workload "${w.name}": ${w.sidecars.map((c) => c.name).join(", ")}); they need a pod (platform kubernetes)`);
  }
  if (w.clusterRead?.length) problems.push("clusterRead: there is no cluster API to grant reading on Docker; set it only where targets are discovered (platform kubernetes)");
  const perPort = Array.isArray(w.allowFrom) ? w.allowFrom.filter((a) => typeof a !== "string") : [];
  if (perPort.length) {
    problems.push(`allowFrom: per-port rules (${perPort.map((a) => `${a.from} to ${a.ports.join(", ")}`).join("; ")}) cannot be enforced on one bridge network; allow by workload name`);
  }
  if (problems.length) throw new Error(`workload "${w.name}" cannot run on Docker as described:\n  - ${problems.join("\n  - ")}`);
}
