/**
 * One platform-neutral description of what runs. A component fills in a Workload; the
 * docker or kubernetes adapter turns it into resources. Components never import a
 * provider package.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import type { RenderedFile } from "../render/stack";

/** How many copies run and how they keep state. */
export type WorkloadKind =
  /** Stable identities and one volume per replica (Prometheus, Alertmanager). */
  | "stateful"
  /** Interchangeable replicas; an optional shared volume (Grafana, Nginx). */
  | "stateless"
  /** One per node, with host access (node-exporter, cAdvisor). */
  | "daemon";

/** A port the workload listens on. */
export interface WorkloadPort {
  name: string;
  port: number;
  /** Only the front door is public: a LoadBalancer Service / a published host port. */
  public?: { hostPort: number };
}

/** A mount of the host's filesystem (node-exporter, cAdvisor). */
export interface HostMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  /** HostToContainer propagation, so mounts made on the host later are seen. */
  propagate?: boolean;
}

/** A read-only rule for the Kubernetes API (service discovery). */
export interface ClusterReadRule {
  apiGroups: string[];
  resources: string[];
  verbs: Array<"get" | "list" | "watch">;
}

/** CPU and memory as Kubernetes quantities. */
export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * A second container in the workload's pod, sharing its network (localhost), files and data
 * volume, started and stopped with it: the Thanos sidecar beside each Prometheus. Only a
 * platform with pods can honour this; the Docker adapter refuses a workload that has one.
 */
export interface SidecarContainer {
  name: string;
  /** Image pinned by version, like the workload's. */
  image: string;
  args: string[];
  /** Its ports join the workload's Services (a headless Service's SRV records name them). */
  ports: WorkloadPort[];
  health: { path: string; readyPath?: string; port: number; initialDelaySeconds?: number };
  resources: Resources;
  /** Which of the workload's volumes it mounts: its files (read-only, at fileRoot) and its data volume (at volume.mountPath). */
  mounts: { files?: boolean; data?: boolean };
}

/** Everything a platform needs to run one component. */
export interface Workload {
  /** Component name: container/Service name and DNS alias. */
  name: string;
  kind: WorkloadKind;
  replicas: number;
  /** Image pinned by version (validated in config/schema.ts). */
  image: string;
  command?: string[];
  args: string[];
  /** Plain, non-secret environment. Credentials never go here (tests check). */
  env?: Record<string, string>;
  /**
   * Environment from the pod's own identity on Kubernetes (downward API), e.g.
   * POD_NAME -> metadata.name; on Docker the value falls back to `<name>-0`.
   */
  identityEnv?: Record<string, "metadata.name" | "status.podIP">;
  ports: WorkloadPort[];
  /** Root directory where the component's files appear, and the files (see render/topology.ts). */
  fileRoot?: string;
  /** Non-secret files: ConfigMaps / uploads. */
  files: RenderedFile[];
  /** Secret files (values are secret Outputs): Secrets / uploads with 0400-ish modes. */
  secretFiles?: pulumi.Output<RenderedFile[]>;
  /** Persistent data directory. */
  volume?: { mountPath: string; sizeGiB: number };
  /** HTTP health endpoints: `path` for liveness, `readyPath` (default `path`) for readiness. */
  health: {
    path: string;
    readyPath?: string;
    port: number;
    scheme?: "HTTP" | "HTTPS";
    initialDelaySeconds?: number;
    /** Docker: the check command, for images without wget (default: wget the ready path; built images keep their own HEALTHCHECK). */
    command?: string[];
  };
  /** An image built by the program (demo fleet) instead of a pulled, pinned one. */
  builtImage?: pulumi.Input<string>;
  resources: Resources;
  /**
   * Unix user the process runs as (and the volume's group). Required on Kubernetes for every
   * workload without host access: the stack's namespace enforces Pod Security "restricted",
   * which admits only non-root pods.
   */
  runAsUser?: number;
  /**
   * The process binds ports below 1024 without root (nginx on 80/443): the platform lowers
   * `net.ipv4.ip_unprivileged_port_start` to 0 in the workload's own network namespace (a
   * namespaced sysctl that Pod Security "restricted" allows). Not allowed with host network.
   */
  bindsLowPorts?: boolean;
  /**
   * The root filesystem is mounted read-only; the process writes only to `volume` and to
   * `scratchDirs` (empty, per-pod / per-container, lost on restart). Kubernetes only: the
   * Docker adapter uploads the config files into the container's filesystem, which Docker
   * refuses on a read-only root, so dev containers keep a writable one.
   */
  readOnlyRootFilesystem?: boolean;
  /** Writable empty directories (pid files, temp files), e.g. /var/cache/nginx. */
  scratchDirs?: string[];
  /**
   * Host access for node agents. On Kubernetes such workloads run in the node-agents
   * namespace, whose Pod Security level ("privileged") admits host namespaces and paths; the
   * stack's main namespace stays "restricted".
   */
  host?: { pid?: boolean; network?: boolean; privileged?: boolean; mounts: HostMount[]; devices?: string[] };
  /** Kubernetes API read access for service discovery (ServiceAccount + ClusterRole). */
  clusterRead?: ClusterReadRule[];
  /** Gossip port between replicas (TCP and UDP): a headless Service on Kubernetes. */
  peers?: { serviceName: string; port: number };
  /**
   * Who may connect to the workload's ports (NetworkPolicy on Kubernetes, where everything
   * else is denied): the names of other workloads of the stack, or "anywhere" for the front
   * door. Peers of a clustered workload (`peers`) always reach each other's cluster port.
   * Undefined = nobody but the node (kubelet probes) and the workload's own pods. A name
   * reaches every port; `{ from, ports }` only the named ports (names of `ports` or of a
   * sidecar's ports), e.g. the querier to the sidecar's StoreAPI but not Prometheus' API.
   */
  allowFrom?: Array<string | { from: string; ports: string[] }> | "anywhere";
  /** Labels added to the container (cAdvisor maps `service` to the service label). */
  labels?: Record<string, string>;
  /** Seconds to wait for a graceful stop (Prometheus flushes its head block). */
  terminationGracePeriodSeconds?: number;
  /** Containers that run beside the main one in the same pod (see SidecarContainer). */
  sidecars?: SidecarContainer[];
}

/** Every port of a workload, its sidecars' included (what its Services and policies cover). */
export function allPorts(w: Workload): WorkloadPort[] {
  return [...w.ports, ...(w.sidecars ?? []).flatMap((c) => c.ports)];
}

/** What a platform returns for a deployed workload. */
export interface DeployedWorkload {
  /** Address other workloads use (host:port of the first port). */
  address: string;
  /** The resources created, for dependsOn. */
  resources: pulumi.Resource[];
}

/** A platform adapter. */
export interface Platform {
  readonly kind: "docker" | "kubernetes";
  deploy(workload: Workload, parent: pulumi.Resource): DeployedWorkload;
}

/** Parses a Kubernetes memory quantity into bytes (Docker needs numbers). */
export function memoryBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`memory quantity "${q}": expected a number with an optional unit Ki, Mi, Gi, Ti, k, M, G or T`);
  const mult: Record<string, number> = { "": 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * mult[m[2] ?? ""]);
}

/** Parses a Kubernetes CPU quantity into cores ("500m" -> 0.5). */
export function cpuCores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q);
  if (!m) throw new Error(`cpu quantity "${q}": expected cores such as 2 or 0.5, or millicores such as 500m`);
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Requests and limits of one demo-fleet service (stack config `fleetResources`): dev's containers, the local stack's cgroups. */
export function fleetResources(cfg: StackConfig, service: string): Resources {
  return cfg.fleetResources.services[service] ?? cfg.fleetResources.default;
}
