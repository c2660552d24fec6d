/**
 * Kubernetes adapter (prod): Namespace, ConfigMap + Secret per workload mounted as one
 * projected volume, StatefulSet/Deployment/DaemonSet, Services, ServiceAccount + RBAC,
 * probes, NetworkPolicies and PodDisruptionBudgets. Only a workload with a public port
 * gets a LoadBalancer Service; everything else is ClusterIP or headless.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { RenderedFile } from "../render/stack";
import { configKey, contentHash } from "./files";
import type { DeployedWorkload, Platform, Workload } from "./workload";

type Opts = pulumi.CustomResourceOptions;

/** Deploys workloads into one namespace of the current kubeconfig context. */
export class KubernetesPlatform implements Platform {
  readonly kind = "kubernetes" as const;
  readonly namespace: k8s.core.v1.Namespace;

  constructor(private readonly cfg: StackConfig) {
    this.namespace = new k8s.core.v1.Namespace("namespace", {
      metadata: {
        name: cfg.namespace,
        labels: {
          ...commonLabels("monitoring-stack"),
          // node-exporter and cAdvisor need host access, which "baseline" forbids.
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "baseline",
        },
      },
    });
  }

  deploy(w: Workload, parent: pulumi.Resource): DeployedWorkload {
    const ns = this.cfg.namespace;
    const labels = commonLabels(w.name);
    const opts: Opts = { parent, dependsOn: [this.namespace], deleteBeforeReplace: true };
    const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: ns, labels: { ...labels, ...extra } });
    const created: pulumi.Resource[] = [];

    // Files: one ConfigMap (plain) and one Secret (credentials), projected into one directory.
    const sources: k8s.types.input.core.v1.VolumeProjection[] = [];
    if (w.files.length) {
      const cm = new k8s.core.v1.ConfigMap(`${w.name}-files`, { metadata: meta(`${w.name}-files`), data: toData(w.files) }, opts);
      sources.push({ configMap: { name: cm.metadata.name, items: w.files.map((f) => ({ key: configKey(f.path), path: f.path })) } });
      created.push(cm);
    }
    if (w.secretFiles) {
      const sec = new k8s.core.v1.Secret(
        `${w.name}-secrets`,
        { metadata: meta(`${w.name}-secrets`), type: "Opaque", stringData: pulumi.secret(w.secretFiles.apply(toData)) },
        opts,
      );
      // File names are not secret; keeping them plain keeps the pod spec readable in previews.
      const items = pulumi.unsecret(w.secretFiles.apply((fs) => fs.map((f) => ({ key: configKey(f.path), path: f.path, mode: 0o400 }))));
      sources.push({ secret: { name: sec.metadata.name, items } });
      created.push(sec);
    }
    // A changed file rolls the pods, so config changes take effect on `pulumi up`.
    // A truncated SHA-256 of random credentials reveals nothing; unsecret it so the whole
    // pod spec does not become a secret (which would hide every diff in `pulumi preview`).
    const secretHash = w.secretFiles ? pulumi.unsecret(w.secretFiles.apply(contentHash)) : "";
    const checksum = pulumi.all([contentHash(w.files), secretHash]).apply(([a, b]) => `${a}${b}`);

    const sa = new k8s.core.v1.ServiceAccount(w.name, { metadata: meta(w.name), automountServiceAccountToken: !!w.clusterRead }, opts);
    created.push(sa);
    if (w.clusterRead) {
      const role = new k8s.rbac.v1.ClusterRole(`${w.name}-read`, { metadata: { name: `${ns}-${w.name}-read`, labels }, rules: w.clusterRead }, opts);
      created.push(
        role,
        new k8s.rbac.v1.ClusterRoleBinding(
          `${w.name}-read`,
          {
            metadata: { name: `${ns}-${w.name}-read`, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }],
          },
          opts,
        ),
      );
    }

    const volumes: k8s.types.input.core.v1.Volume[] = [];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
    if (sources.length && w.fileRoot) {
      volumes.push({ name: "files", projected: { sources, defaultMode: 0o444 } });
      mounts.push({ name: "files", mountPath: w.fileRoot, readOnly: true });
    }
    for (const m of w.host?.mounts ?? []) {
      volumes.push({ name: m.name, hostPath: { path: m.hostPath } });
      mounts.push({ name: m.name, mountPath: m.mountPath, readOnly: m.readOnly, mountPropagation: m.propagate ? "HostToContainer" : undefined });
    }
    for (const [i, d] of (w.host?.devices ?? []).entries()) {
      volumes.push({ name: `device-${i}`, hostPath: { path: d, type: "CharDevice" } });
      mounts.push({ name: `device-${i}`, mountPath: d, readOnly: true });
    }
    const dataMount = w.volume ? { name: "data", mountPath: w.volume.mountPath } : undefined;
    if (dataMount) mounts.push(dataMount);

    const probe = (failureThreshold: number, periodSeconds: number, path = w.health.path) => ({
      httpGet: { path, port: w.health.port, scheme: w.health.scheme ?? "HTTP" },
      initialDelaySeconds: w.health.initialDelaySeconds ?? 5,
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });
    const container: k8s.types.input.core.v1.Container = {
      name: w.name,
      image: w.builtImage ?? w.image,
      imagePullPolicy: "IfNotPresent",
      command: w.command,
      args: w.args,
      env: [
        ...Object.entries(w.identityEnv ?? {}).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
        ...Object.entries(w.env ?? {}).map(([name, value]) => ({ name, value })),
      ],
      ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port })),
      volumeMounts: mounts,
      resources: w.resources,
      readinessProbe: probe(3, 10, w.health.readyPath ?? w.health.path),
      livenessProbe: probe(6, 20),
      securityContext: w.host?.privileged ? { privileged: true } : { allowPrivilegeEscalation: false },
    };
    const podSpec: k8s.types.input.core.v1.PodSpec = {
      serviceAccountName: sa.metadata.name,
      automountServiceAccountToken: !!w.clusterRead,
      containers: [container],
      volumes,
      hostPID: w.host?.pid,
      hostNetwork: w.host?.network,
      securityContext: w.runAsUser !== undefined ? { runAsUser: w.runAsUser, runAsGroup: w.runAsUser, runAsNonRoot: w.runAsUser !== 0, fsGroup: w.runAsUser } : undefined,
      terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
      tolerations: w.kind === "daemon" ? [{ operator: "Exists" }] : undefined,
    };
    const template = { metadata: { labels, annotations: { "monitoring-stack/config-checksum": checksum } }, spec: podSpec };
    const selector = { matchLabels: { "app.kubernetes.io/name": w.name, "app.kubernetes.io/part-of": labels["app.kubernetes.io/part-of"] } };

    const internalPorts = w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port }));
    if (w.kind === "stateful") {
      const governing = w.peers?.serviceName ?? `${w.name}-headless`;
      created.push(
        new k8s.core.v1.Service(
          governing,
          {
            metadata: meta(governing),
            spec: {
              clusterIP: "None",
              // Peers must find each other before they are ready, or the cluster never forms.
              publishNotReadyAddresses: true,
              selector: selector.matchLabels,
              ports: [...internalPorts, ...(w.peers ? [{ name: "cluster", port: w.peers.port, targetPort: w.peers.port }] : [])],
            },
          },
          opts,
        ),
      );
      const vct = w.volume
        ? [{ metadata: { name: "data", labels }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: this.cfg.storageClass, resources: { requests: { storage: `${w.volume.sizeGiB}Gi` } } } }]
        : undefined;
      created.push(
        new k8s.apps.v1.StatefulSet(
          w.name,
          { metadata: meta(w.name), spec: { serviceName: governing, replicas: w.replicas, podManagementPolicy: "Parallel", selector, template, volumeClaimTemplates: vct } },
          opts,
        ),
      );
    } else if (w.kind === "daemon") {
      created.push(new k8s.apps.v1.DaemonSet(w.name, { metadata: meta(w.name), spec: { selector, template, updateStrategy: { type: "RollingUpdate" } } }, opts));
    } else {
      if (w.volume) {
        const pvc = new k8s.core.v1.PersistentVolumeClaim(
          `${w.name}-data`,
          { metadata: meta(`${w.name}-data`), spec: { accessModes: ["ReadWriteOnce"], storageClassName: this.cfg.storageClass, resources: { requests: { storage: `${w.volume.sizeGiB}Gi` } } } },
          opts,
        );
        volumes.push({ name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } });
        created.push(pvc);
      }
      created.push(
        new k8s.apps.v1.Deployment(
          w.name,
          // A ReadWriteOnce volume cannot be attached to old and new pod at once: Recreate.
          { metadata: meta(w.name), spec: { replicas: w.replicas, selector, template, strategy: { type: w.volume ? "Recreate" : "RollingUpdate" } } },
          opts,
        ),
      );
    }

    if (w.kind !== "daemon") {
      const isPublic = w.ports.some((p) => p.public);
      created.push(
        new k8s.core.v1.Service(
          w.name,
          {
            metadata: meta(w.name),
            spec: isPublic
              ? {
                  type: "LoadBalancer",
                  // Keep the client's source IP: the front door rate-limits per client IP.
                  externalTrafficPolicy: "Local",
                  loadBalancerSourceRanges: this.cfg.frontDoor.loadBalancerSourceRanges.length ? this.cfg.frontDoor.loadBalancerSourceRanges : undefined,
                  selector: selector.matchLabels,
                  ports: w.ports.filter((p) => p.public).map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
                }
              : { type: "ClusterIP", selector: selector.matchLabels, ports: internalPorts },
          },
          opts,
        ),
      );
    }
    if (w.allowFrom) {
      created.push(
        new k8s.networking.v1.NetworkPolicy(
          `${w.name}-ingress`,
          {
            metadata: meta(`${w.name}-ingress`),
            spec: {
              podSelector: selector,
              policyTypes: ["Ingress"],
              ingress: [
                {
                  from: w.allowFrom.map((name) => ({ podSelector: { matchLabels: { "app.kubernetes.io/name": name } } })),
                  ports: w.ports.map((p) => ({ port: p.port, protocol: "TCP" })),
                },
              ],
            },
          },
          opts,
        ),
      );
    }
    if (w.replicas > 1 && w.kind !== "daemon") {
      created.push(new k8s.policy.v1.PodDisruptionBudget(w.name, { metadata: meta(w.name), spec: { maxUnavailable: 1, selector } }, opts));
    }
    return { address: `${w.name}.${ns}.svc.cluster.local:${w.ports[0]?.port}`, resources: created };
  }
}

function toData(files: RenderedFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [configKey(f.path), f.content]));
}
