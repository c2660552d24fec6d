/**
 * One platform-neutral description of what runs. A component fills in a Workload; the
 * docker or kubernetes adapter turns it into resources. Components never import a
 * provider package.
 */
import type * as pulumi from "@pulumi/pulumi";
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
  /** Unix user the process runs as (and the volume's group). */
  runAsUser?: number;
  /** Host access for node agents. */
  host?: { pid?: boolean; network?: boolean; privileged?: boolean; mounts: HostMount[]; devices?: string[] };
  /** Kubernetes API read access for service discovery (ServiceAccount + ClusterRole). */
  clusterRead?: ClusterReadRule[];
  /** Gossip port between replicas: a headless Service on Kubernetes. */
  peers?: { serviceName: string; port: number };
  /** Only these workloads may connect (NetworkPolicy on Kubernetes); undefined = any in namespace. */
  allowFrom?: string[];
  /** Labels added to the container (cAdvisor maps `service` to the service label). */
  labels?: Record<string, string>;
  /** Seconds to wait for a graceful stop (Prometheus flushes its head block). */
  terminationGracePeriodSeconds?: number;
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
