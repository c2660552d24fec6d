/**
 * Who may connect to whom under a set of Kubernetes NetworkPolicies (networking.k8s.io/v1
 * ingress semantics), for tests. A loopback API server stores and validates NetworkPolicies
 * but nothing enforces them without a CNI plugin, so the tests read the stored policies back
 * and evaluate them with this model; it is a model of the specification, not an enforcement,
 * and the README says so.
 *
 * Rules modelled (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * a pod selected by no Ingress policy of its namespace accepts everything; a selected pod
 * accepts a connection only if some selecting policy has a rule whose `from` (absent = any
 * source) and `ports` (absent = any port; protocol defaults to TCP) both match. A peer with
 * only podSelector means pods of the policy's namespace; with only namespaceSelector, every
 * pod of the matching namespaces; with both, the matching pods of the matching namespaces.
 * Traffic from the pod's own node (kubelet probes) is always allowed and not modelled;
 * ipBlock peers are not used by the program and are rejected here rather than ignored.
 */

/** A label selector (matchLabels and matchExpressions). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

/** The parts of a NetworkPolicy object the model reads. */
export interface NetworkPolicyObject {
  metadata: { name?: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{
      from?: Array<{ podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown }>;
      ports?: Array<{ port?: number | string; protocol?: string }>;
    }>;
  };
}

/** A pod as the model sees it: namespace, labels, named container ports. */
export interface PodIdentity {
  namespace: string;
  labels: Record<string, string>;
  /** Named container ports (name -> number), for policies that name a port. */
  ports?: Record<string, number>;
}

export function matches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === "In" ? has && (e.values ?? []).includes(labels[e.key]) :
      e.operator === "NotIn" ? !has || !(e.values ?? []).includes(labels[e.key]) :
      e.operator === "Exists" ? has : !has;
    if (!ok) return false;
  }
  return true;
}

/** Labels every namespace carries (the API server sets kubernetes.io/metadata.name). */
export const namespaceLabels = (ns: string, extra: Record<string, string> = {}) => ({ "kubernetes.io/metadata.name": ns, ...extra });

/**
 * True if `from` may open a connection to `to` on `port`/`protocol` under `policies`.
 * `nsLabels` gives each namespace's labels (default: only its name label).
 */
export function allowed(
  policies: NetworkPolicyObject[],
  from: PodIdentity,
  to: PodIdentity,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
  nsLabels: (ns: string) => Record<string, string> = (ns) => namespaceLabels(ns),
): boolean {
  const selecting = policies.filter(
    (p) => p.metadata.namespace === to.namespace && (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress") && matches(p.spec.podSelector, to.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some((rule) => {
      const portOk =
        !rule.ports?.length ||
        rule.ports.some((rp) => (rp.protocol ?? "TCP") === protocol && (rp.port === undefined || rp.port === port || (typeof rp.port === "string" && to.ports?.[rp.port] === port)));
      if (!portOk) return false;
      if (!rule.from?.length) return true;
      return rule.from.some((peer) => {
        if (peer.ipBlock) throw new Error(`NetworkPolicy ${p.metadata.name}: ipBlock peers are not modelled`);
        const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels(from.namespace)) : from.namespace === p.metadata.namespace;
        return nsOk && matches(peer.podSelector, from.labels);
      });
    }),
  );
}
