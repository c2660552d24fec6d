/**
 * The prod stack (Kubernetes) under Pulumi's mock runtime: the resource graph, HA,
 * retention, scrape targets, probes, volumes, where credentials live, what is exposed,
 * and every object validated against the Kubernetes API schemas (kubernetes-models).
 */
import * as yaml from "js-yaml";
import { ofType, runProgram, TEST_SECRETS, generated, type ProgramRun, type MockResource } from "./helpers/pulumi-program";
import { validateKubernetesObject } from "./helpers/kubernetes-schema";

const K = {
  ns: "kubernetes:core/v1:Namespace",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  svc: "kubernetes:core/v1:Service",
  sts: "kubernetes:apps/v1:StatefulSet",
  deploy: "kubernetes:apps/v1:Deployment",
  ds: "kubernetes:apps/v1:DaemonSet",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
};

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", { secrets: TEST_SECRETS });
  if (run.error) throw run.error;
});

const byName = (type: string, name: string): MockResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have: ${ofType(run, type).map((x) => x.name).join(", ")}`);
  return r;
};
const container = (r: MockResource) => r.inputs.spec.template.spec.containers[0];
const prometheusYml = () => yaml.load(byName(K.cm, "prometheus-files").inputs.data["prometheus.yml"]) as any;

describe("prod stack on Kubernetes", () => {
  test("creates the namespace and one workload of the right kind per component", () => {
    expect(ofType(run, K.ns).map((r) => r.inputs.metadata.name)).toEqual(["monitoring"]);
    expect(ofType(run, K.sts).map((r) => r.name).sort()).toEqual(["alertmanager", "prometheus"]);
    expect(ofType(run, K.deploy).map((r) => r.name).sort()).toEqual(["grafana", "nginx"]);
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
    expect(prometheusYml().alerting.alert_relabel_configs).toContainEqual({ regex: "replica", action: "labeldrop" });
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
    const images = [...ofType(run, K.sts), ...ofType(run, K.deploy), ...ofType(run, K.ds)].map((r) => container(r).image);
    expect(images).toHaveLength(6);
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
    const vol = byName(K.sts, "prometheus").inputs.spec.template.spec.volumes.find((v: any) => v.name === "files");
    expect(vol.projected.sources.map((s: any) => Object.keys(s)[0]).sort()).toEqual(["configMap", "secret"]);
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

  test("exports the Grafana admin password as a secret output", () => {
    expect(run.outputs.grafanaAdminPassword).toBe(generated("grafana-admin"));
    expect(run.outputs.grafanaUrl).toBe("https://grafana.internal.example.com");
  });
});
