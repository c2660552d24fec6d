/**
 * The prod stack (Kubernetes) under Pulumi's mock runtime: the resource graph, HA,
 * retention, scrape targets, probes, volumes, where credentials live, what is exposed,
 * and every object validated against the Kubernetes API schemas (kubernetes-models).
 */
import * as yaml from "js-yaml";
import { ofType, runProgram, TEST_SECRETS, generated, type ProgramRun, type MockResource } from "./helpers/pulumi-program";
import { validateKubernetesObject } from "./helpers/kubernetes-schema";
import { allowed, type NetworkPolicyObject, type PodIdentity } from "./helpers/netpol";

const K = {
  ns: "kubernetes:core/v1:Namespace",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  svc: "kubernetes:core/v1:Service",
  sts: "kubernetes:apps/v1:StatefulSet",
  deploy: "kubernetes:apps/v1:Deployment",
  ds: "kubernetes:apps/v1:DaemonSet",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const WORKLOADS = () => [...ofType(run, K.sts), ...ofType(run, K.deploy), ...ofType(run, K.ds)];

let run: ProgramRun;
// Generous: loading the Kubernetes SDK alone takes several seconds on a busy machine.
beforeAll(async () => {
  run = await runProgram("prod", { secrets: TEST_SECRETS });
  if (run.error) throw run.error;
}, 120_000);

const byName = (type: string, name: string): MockResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have: ${ofType(run, type).map((x) => x.name).join(", ")}`);
  return r;
};
const container = (r: MockResource) => r.inputs.spec.template.spec.containers[0];
const prometheusYml = () => yaml.load(byName(K.cm, "prometheus-files").inputs.data["prometheus.yml"]) as any;

describe("prod stack on Kubernetes", () => {
  test("creates the namespace and one workload of the right kind per component", () => {
    expect(ofType(run, K.ns).map((r) => r.inputs.metadata.name).sort()).toEqual(["monitoring", "monitoring-node-agents"]);
    expect(ofType(run, K.sts).map((r) => r.name).sort()).toEqual(["alertmanager", "prometheus"]);
    expect(ofType(run, K.deploy).map((r) => r.name).sort()).toEqual(["grafana", "nginx", "thanos-query"]);
    expect(ofType(run, K.ds).map((r) => r.name).sort()).toEqual(["cadvisor", "node-exporter"]);
    for (const c of ["Prometheus", "Alertmanager", "Grafana", "NodeExporter", "CAdvisor", "Nginx"]) {
      expect(ofType(run, `monitoring-stack:index:${c}`)).toHaveLength(1);
    }
  });

  test("runs Prometheus as an HA pair whose replicas carry distinct replica labels", () => {
    const sts = byName(K.sts, "prometheus");
    expect(sts.inputs.spec.replicas).toBe(2);
    expect(prometheusYml().global.external_labels.replica).toBe("${POD_NAME}");
    expect(container(sts).env).toContainEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    // Alerts from both replicas must deduplicate in Alertmanager.
    // Alerts keep the replica label (one copy per replica in Alertmanager: render/prometheus.ts alertingReplicas).
    expect(prometheusYml().alerting.alert_relabel_configs).toBeUndefined();
  });

  test("runs Alertmanager as a 3-node cluster peering over a headless Service", () => {
    const sts = byName(K.sts, "alertmanager");
    expect(sts.inputs.spec.replicas).toBe(3);
    const peers = byName(K.svc, "alertmanager-peers").inputs.spec;
    expect(peers.clusterIP).toBe("None");
    expect(peers.publishNotReadyAddresses).toBe(true);
    const args: string[] = container(sts).args;
    expect(args.filter((a) => a.startsWith("--cluster.peer="))).toEqual([0, 1, 2].map((i) => `--cluster.peer=alertmanager-${i}.alertmanager-peers.monitoring.svc.cluster.local:9094`));
    expect(prometheusYml().alerting.alertmanagers[0].static_configs[0].targets).toHaveLength(3);
  });

  test("keeps 30 days AND at most 10 GB on a volume with headroom", () => {
    const sts = byName(K.sts, "prometheus");
    expect(container(sts).args).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=30d", "--storage.tsdb.retention.size=10GB"]));
    expect(sts.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("15Gi");
    expect(byName(K.sts, "alertmanager").inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("2Gi");
    expect(byName(K.pvc, "grafana-data").inputs.spec.resources.requests.storage).toBe("2Gi");
  });

  test("scrapes the 12 services every 15 s by endpoint discovery, plus the stack itself", () => {
    const cfg = prometheusYml();
    expect(cfg.global.scrape_interval).toBe("15s");
    const jobs = cfg.scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(expect.arrayContaining(["prometheus", "alertmanager", "grafana", "node-exporter", "cadvisor"]));
    const services = cfg.scrape_configs.filter((j: any) => j.kubernetes_sd_configs?.[0]?.role === "endpoints");
    expect(services).toHaveLength(12);
    expect(services.map((j: any) => j.job_name)).toContain("payment-processor");
  });

  test("gives Prometheus read-only cluster access for service discovery", () => {
    const role = byName("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "prometheus-read");
    const verbs = new Set(role.inputs.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(["get", "list", "watch"]);
    expect(byName("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "prometheus-read").inputs.subjects[0].namespace).toBe("monitoring");
  });

  test("pins every image to a version", () => {
    // Every container, sidecars included (the Thanos sidecar in each Prometheus pod).
    const images = [...ofType(run, K.sts), ...ofType(run, K.deploy), ...ofType(run, K.ds)].flatMap((r) => r.inputs.spec.template.spec.containers.map((c: any) => c.image));
    expect(images).toHaveLength(8);
    for (const image of images) expect(image).toMatch(/:(v?\d+\.\d+\.\d+[\w.-]*)$/);
  });

  test("gives every workload readiness and liveness probes", () => {
    for (const r of [...ofType(run, K.sts), ...ofType(run, K.deploy), ...ofType(run, K.ds)]) {
      const c = container(r);
      expect(c.readinessProbe.httpGet.path).toMatch(/^\//);
      expect(c.livenessProbe.httpGet.path).toMatch(/^\//);
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(container(byName(K.sts, "prometheus")).readinessProbe.httpGet.path).toBe("/-/ready");
  });

  test("gives node-exporter and cAdvisor host access and tolerates every node", () => {
    const ne = byName(K.ds, "node-exporter").inputs.spec.template.spec;
    expect(ne.hostPID).toBe(true);
    expect(ne.volumes).toContainEqual({ name: "rootfs", hostPath: { path: "/" } });
    const ca = byName(K.ds, "cadvisor").inputs.spec.template.spec;
    expect(ca.containers[0].securityContext.privileged).toBe(true);
    expect(ca.tolerations).toEqual([{ operator: "Exists" }]);
  });

  test("puts credentials only in Secret resources, never in ConfigMaps or env literals", () => {
    const needles = [...Object.values(TEST_SECRETS), generated("grafana-admin")];
    const holders = (n: string) => run.resources.filter((r) => JSON.stringify(r.inputs).includes(n)).map((r) => `${r.type} ${r.name}`);
    // Front-door passwords are never deployed at all: nginx gets only their bcrypt hashes.
    expect(holders(generated("basic-auth-ops"))).toEqual([]);
    for (const n of needles) {
      const found = holders(n);
      expect(found.length).toBeGreaterThan(0); // positive control: the value is deployed somewhere
      expect(found.filter((h) => !h.startsWith(`${K.secret} `))).toEqual([]);
    }
    for (const s of ofType(run, K.secret)) expect(s.secretPaths).toContain("stringData");
    expect(byName(K.secret, "alertmanager-secrets").inputs.stringData["secrets__pagerduty-routing-key"]).toBe(TEST_SECRETS.pagerdutyRoutingKey);
    const am = byName(K.cm, "alertmanager-files").inputs.data["alertmanager.yml"];
    expect(am).toContain("routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key");
    expect(am).toContain("api_url_file: /etc/alertmanager/secrets/slack-webhook-url");
  });

  test("exposes only the front door outside the cluster, keeping client IPs for rate limiting", () => {
    const external = ofType(run, K.svc).filter((s) => ["LoadBalancer", "NodePort"].includes(s.inputs.spec.type));
    expect(external.map((s) => s.name)).toEqual(["nginx"]);
    expect(external[0].inputs.spec.externalTrafficPolicy).toBe("Local");
    expect(external[0].inputs.spec.ports.map((p: any) => p.port).sort()).toEqual([443, 80]);
    for (const d of [...ofType(run, K.sts), ...ofType(run, K.deploy), ...ofType(run, K.ds)]) {
      for (const p of container(d).ports) expect(p.hostPort).toBeUndefined();
    }
  });

  test("lets only the front door and Prometheus reach Grafana", () => {
    const np = byName("kubernetes:networking.k8s.io/v1:NetworkPolicy", "grafana-ingress").inputs.spec;
    expect(np.ingress[0].from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]).sort()).toEqual(["nginx", "prometheus"]);
  });

  test("loads rules and dashboards from ConfigMaps projected into each component's directory", () => {
    const promFiles = Object.keys(byName(K.cm, "prometheus-files").inputs.data);
    expect(promFiles.some((k) => k.startsWith("rules__"))).toBe(true);
    const grafanaFiles = Object.keys(byName(K.cm, "grafana-files").inputs.data);
    expect(grafanaFiles.some((k) => k.startsWith("dashboards__") && k.endsWith(".json"))).toBe(true);
    const sources = (type: string, name: string) =>
      byName(type, name).inputs.spec.template.spec.volumes.find((v: any) => v.name === "files").projected.sources.map((s: any) => Object.keys(s)[0]).sort();
    expect(sources(K.sts, "alertmanager")).toEqual(["configMap", "secret"]);
    // Prometheus has secret files only with remote-write basic auth: no (empty) Secret without.
    expect(sources(K.sts, "prometheus")).toEqual(["configMap"]);
    expect(ofType(run, K.secret).map((r) => r.name).sort()).toEqual(["alertmanager-secrets", "grafana-secrets", "nginx-secrets"]);
  });

  test("validates every Kubernetes object against the API schemas", () => {
    const k8sObjects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8sObjects.length).toBeGreaterThan(30);
    const failures = k8sObjects.map((r) => validateKubernetesObject(r)).filter((e): e is string => e !== null);
    expect(failures).toEqual([]);
  });

  test("the schema check rejects an object the API server would reject", () => {
    const sts = byName(K.sts, "prometheus");
    const broken = JSON.parse(JSON.stringify(sts));
    broken.inputs.spec.template.spec.containers[0].ports[0].containerPort = "ninety";
    expect(validateKubernetesObject(broken)).toMatch(/containerPort/);
  });

  test("enforces Pod Security: restricted in the stack's namespace, privileged only for the node agents", () => {
    const labels = (name: string) => ofType(run, K.ns).find((n) => n.inputs.metadata.name === name)!.inputs.metadata.labels;
    for (const mode of ["enforce", "warn", "audit"]) {
      expect(labels("monitoring")[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      expect(labels("monitoring-node-agents")[`pod-security.kubernetes.io/${mode}`]).toBe("privileged");
    }
    const nsOf = (r: MockResource) => r.inputs.metadata.namespace;
    expect(WORKLOADS().filter((r) => nsOf(r) === "monitoring-node-agents").map((r) => r.name).sort()).toEqual(["cadvisor", "node-exporter"]);
    // The node agents' pods are discovered where they run.
    const jobs = prometheusYml().scrape_configs.filter((j: any) => ["node-exporter", "cadvisor"].includes(j.job_name));
    expect(jobs.map((j: any) => j.kubernetes_sd_configs[0].namespaces.names)).toEqual([["monitoring-node-agents"], ["monitoring-node-agents"]]);
  });

  test("runs every pod of the main namespace as the restricted profile demands (the API server's own check is in tests/engine)", () => {
    const main = WORKLOADS().filter((r) => r.inputs.metadata.namespace === "monitoring");
    expect(main.map((r) => r.name).sort()).toEqual(["alertmanager", "grafana", "nginx", "prometheus", "thanos-query"]);
    for (const r of main) {
      const pod = r.inputs.spec.template.spec;
      const ctx = `${r.name}`;
      expect([ctx, pod.securityContext.runAsNonRoot]).toEqual([ctx, true]);
      expect([ctx, pod.securityContext.runAsUser]).not.toEqual([ctx, 0]);
      expect([ctx, pod.securityContext.seccompProfile]).toEqual([ctx, { type: "RuntimeDefault" }]);
      // Every container, sidecars included (Pod Security judges each one).
      for (const c of pod.containers) {
        const cx = `${r.name}/${c.name}`;
        expect([cx, c.securityContext.allowPrivilegeEscalation, c.securityContext.capabilities]).toEqual([cx, false, { drop: ["ALL"] }]);
      }
      expect([ctx, pod.hostPID ?? false, pod.hostNetwork ?? false, pod.volumes.filter((v: any) => v.hostPath)]).toEqual([ctx, false, false, []]);
    }
    // nginx binds 80/443 as uid 101 through the one namespaced sysctl that allows it.
    const nginx = byName(K.deploy, "nginx").inputs.spec.template.spec;
    expect(nginx.securityContext.runAsUser).toBe(101);
    expect(nginx.securityContext.sysctls).toEqual([{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]);
    expect(container(byName(K.deploy, "nginx")).securityContext.readOnlyRootFilesystem).toBe(true);
    expect(nginx.volumes).toContainEqual({ name: "scratch-0", emptyDir: {} });
  });

  test("spreads the Prometheus pair, the Alertmanager trio and the front door over nodes (hard) and zones (soft)", () => {
    for (const [type, name] of [[K.sts, "prometheus"], [K.sts, "alertmanager"], [K.deploy, "nginx"]]) {
      const tsc = byName(type, name).inputs.spec.template.spec.topologySpreadConstraints;
      expect(tsc.map((t: any) => [t.topologyKey, t.whenUnsatisfiable, t.maxSkew])).toEqual([
        ["kubernetes.io/hostname", "DoNotSchedule", 1],
        ["topology.kubernetes.io/zone", "ScheduleAnyway", 1],
      ]);
      expect(tsc[0].labelSelector.matchLabels["app.kubernetes.io/name"]).toBe(name);
    }
    expect(byName(K.deploy, "grafana").inputs.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test("keeps each component's files in an immutable, auto-named ConfigMap and Secret (a change is a new object, created before the old goes)", () => {
    for (const r of [...ofType(run, K.cm), ...ofType(run, K.secret)]) {
      expect([r.name, r.inputs.metadata.name, r.inputs.immutable]).toEqual([r.name, undefined, true]);
    }
  });

  describe("NetworkPolicies (evaluated with the specification's rules; nothing enforces them without a CNI)", () => {
    const policies = () => ofType(run, K.netpol).map((r) => r.inputs as NetworkPolicyObject);
    const pod = (type: string, name: string): PodIdentity => {
      const r = byName(type, name);
      return { namespace: r.inputs.metadata.namespace, labels: r.inputs.spec.template.metadata.labels };
    };
    const who = () => ({
      prometheus: pod(K.sts, "prometheus"),
      alertmanager: pod(K.sts, "alertmanager"),
      grafana: pod(K.deploy, "grafana"),
      nginx: pod(K.deploy, "nginx"),
      cadvisor: pod(K.ds, "cadvisor"),
      "thanos-query": pod(K.deploy, "thanos-query"),
      "another pod in monitoring": { namespace: "monitoring", labels: { app: "debug" } },
      "a pod in payments": { namespace: "payments", labels: { "app.kubernetes.io/name": "prometheus" } },
    });
    type Who = keyof ReturnType<typeof who>;
    /** Everyone else (not the target's own pods) that may connect to `to` on `port`. */
    const reachers = (to: Who, port: number, protocol: "TCP" | "UDP" = "TCP") =>
      Object.entries(who())
        .filter(([n, from]) => n !== to && allowed(policies(), from, who()[to], port, protocol))
        .map(([n]) => n)
        .sort();

    test("nobody but its peer replica reaches Prometheus' API (no POST /-/quit); only Thanos Query reaches the sidecar's StoreAPI", () => {
      // Grafana reads the deduplicating querier (the global view is on for prod).
      expect(reachers("prometheus", 9090)).toEqual([]);
      expect(allowed(policies(), who().prometheus, who().prometheus, 9090)).toBe(true);
      expect(reachers("prometheus", 10901)).toEqual(["thanos-query"]);
      expect(reachers("prometheus", 10902)).toEqual([]);
    });
    test("only Prometheus reaches Alertmanager; only the Alertmanager peers reach the gossip port, TCP and UDP", () => {
      const am = who().alertmanager;
      expect(reachers("alertmanager", 9093)).toEqual(["prometheus"]);
      expect(allowed(policies(), am, am, 9094, "TCP")).toBe(true);
      expect(allowed(policies(), am, am, 9094, "UDP")).toBe(true);
      expect(reachers("alertmanager", 9094)).toEqual([]);
      expect(reachers("alertmanager", 9094, "UDP")).toEqual([]);
    });
    test("only the front door and Prometheus reach Grafana; the front door is open to anyone", () => {
      expect(reachers("grafana", 3000)).toEqual(["nginx", "prometheus"]);
      expect(reachers("nginx", 443)).toEqual(["a pod in payments", "alertmanager", "another pod in monitoring", "cadvisor", "grafana", "prometheus", "thanos-query"]);
    });
    test("only Prometheus (from the stack's namespace) reaches cAdvisor in the node agents' namespace", () => {
      expect(reachers("cadvisor", 8080)).toEqual(["prometheus"]);
    });
    test("the model can fail: without the default deny and Prometheus' policy, everyone reaches Prometheus", () => {
      const open = policies().filter((p) => p.metadata.name !== "default-deny-ingress" && p.metadata.name !== "prometheus-ingress");
      expect(Object.values(who()).filter((f) => allowed(open, f, who().prometheus, 9090)).length).toBe(Object.keys(who()).length);
    });
  });

  test("the front door keeps 30 r/s per client IP across its two replicas: each enforces half", () => {
    expect(byName(K.deploy, "nginx").inputs.spec.replicas).toBe(2);
    const conf = byName(K.cm, "nginx-files").inputs.data["nginx.conf"];
    expect(conf).toContain("rate=15r/s;");
    expect(conf).toContain("burst=10 nodelay;");
  });

  test("exports the Grafana admin password as a secret output", () => {
    expect(run.outputs.grafanaAdminPassword).toBe(generated("grafana-admin"));
    expect(run.outputs.grafanaUrl).toBe("https://grafana.internal.example.com");
  });
});

/**
 * The addresses the rendered configs and container args use all come from platform/addresses.ts,
 * and each must name an object the Kubernetes adapter created: a Service with that port, a
 * StatefulSet pod under its governing Service, or a headless Service with that named port.
 */
describe("every in-cluster address the stack uses names an object it creates", () => {
  const ADDRESS = /(dnssrv\+_([a-z0-9-]+)\._tcp\.)?([a-z0-9.-]+)\.svc\.cluster\.local(?::(\d+))?/g;
  const used = () => {
    const texts = [
      ...ofType(run, K.cm).flatMap((cm) => Object.values(cm.inputs.data ?? {}) as string[]),
      ...WORKLOADS().flatMap((w) => w.inputs.spec.template.spec.containers.flatMap((c: any) => [...(c.args ?? []), ...(c.command ?? [])])),
    ];
    return [...new Set(texts.flatMap((t) => [...t.matchAll(ADDRESS)].map((m) => m[0])))].sort();
  };
  const services = () => ofType(run, K.svc).map((s) => s.inputs);
  const service = (name: string, ns: string) => services().find((s) => s.metadata.name === name && s.metadata.namespace === ns);

  /** Why `address` points at nothing the stack created, or null when it resolves. */
  const unresolved = (address: string): string | null => {
    const m = /^(?:dnssrv\+_([a-z0-9-]+)\._tcp\.)?([a-z0-9.-]+)\.svc\.cluster\.local(?::(\d+))?$/.exec(address)!;
    const [, srvPort, host, port] = m;
    const parts = host.split(".");
    if (parts.length === 2) {
      const [name, ns] = parts;
      const svc = service(name, ns);
      if (!svc) return `no Service ${ns}/${name}`;
      if (srvPort) return svc.spec.clusterIP === "None" && svc.spec.ports.some((p: any) => p.name === srvPort) ? null : `Service ${ns}/${name} is not headless with a port named ${srvPort}`;
      return svc.spec.ports.some((p: any) => p.port === Number(port)) ? null : `Service ${ns}/${name} has no port ${port}`;
    }
    if (parts.length === 3) {
      const [pod, governing, ns] = parts;
      const [, workload, ordinal] = /^(.*)-(\d+)$/.exec(pod) ?? [];
      const sts = ofType(run, K.sts).find((s) => s.inputs.metadata.name === workload && s.inputs.metadata.namespace === ns);
      if (!sts) return `no StatefulSet ${ns}/${workload}`;
      if (sts.inputs.spec.serviceName !== governing || !service(governing, ns)) return `StatefulSet ${workload} is not governed by a Service ${governing}`;
      if (Number(ordinal) >= sts.inputs.spec.replicas) return `StatefulSet ${workload} has ${sts.inputs.spec.replicas} replicas, no pod ${ordinal}`;
      const ports = sts.inputs.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
      return ports.includes(Number(port)) ? null : `pod ${pod} has no port ${port}`;
    }
    return `cannot read ${address}`;
  };

  test("the addresses are there to check (Alertmanager members, Services, SRV records)", () => {
    const all = used();
    expect(all.some((a) => a.startsWith("alertmanager-2.alertmanager-peers."))).toBe(true);
    expect(all.some((a) => a.startsWith("dnssrv+_grpc._tcp.prometheus-headless."))).toBe(true);
    expect(all.some((a) => a.startsWith("grafana.monitoring.svc.cluster.local:"))).toBe(true);
  });

  test("each resolves to a Service, a StatefulSet pod or a headless Service's named port", () => {
    expect(used().map((a) => [a, unresolved(a)]).filter(([, why]) => why !== null)).toEqual([]);
  });

  test("and the check reports an address that resolves to nothing", () => {
    expect(unresolved("alertmanager-3.alertmanager-peers.monitoring.svc.cluster.local:9094")).toBe("StatefulSet alertmanager has 3 replicas, no pod 3");
    expect(unresolved("dnssrv+_grpc._tcp.prometheus.monitoring.svc.cluster.local")).toBe("Service monitoring/prometheus is not headless with a port named grpc");
    expect(unresolved("grafana.monitoring.svc.cluster.local:9999")).toBe("Service monitoring/grafana has no port 9999");
    expect(unresolved("grafana.elsewhere.svc.cluster.local:3000")).toBe("no Service elsewhere/grafana");
  });
});
