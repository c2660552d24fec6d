/**
 * The global view on prod, under Pulumi's mock runtime: Grafana's default datasource is Thanos
 * Query, which reads every Prometheus pod's sidecar through the headless Service's SRV record;
 * images pinned, probes, resources, a PodDisruptionBudget, and only what must reach the querier
 * and the sidecars' StoreAPI can. With long-term storage (a config fixture) the sidecars upload
 * with the object storage config from a Pulumi secret (in Secrets only), and a Store Gateway and
 * a singleton Compactor run. Every object is validated against the Kubernetes API schemas.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ofType, runProgram, TEST_SECRETS, type MockResource, type ProgramRun } from "./helpers/pulumi-program";
import { validateKubernetesObject } from "./helpers/kubernetes-schema";
import { queryEndpoints } from "../render/thanos";

const K = {
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  svc: "kubernetes:core/v1:Service",
  sts: "kubernetes:apps/v1:StatefulSet",
  deploy: "kubernetes:apps/v1:Deployment",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

const fixture = yaml.load(fs.readFileSync(path.join(__dirname, "fixtures", "config", "prod-long-term-storage.good.yaml"), "utf8")) as { overrides: Record<string, unknown> };
/** An S3 bucket config, as a user would set it with `pulumi config set --secret thanosObjstoreConfig`. */
const OBJSTORE = "type: S3\nconfig:\n  bucket: fintech-metrics\n  endpoint: s3.eu-west-1.amazonaws.com\n  access_key: AKIATESTOBJSTORE\n  secret_key: objstore-secret-key-value\n";

const find = (run: ProgramRun, type: string, name: string): MockResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have: ${ofType(run, type).map((x) => x.name).join(", ")}`);
  return r;
};
const containers = (r: MockResource): any[] => r.inputs.spec.template.spec.containers;
const containerNamed = (r: MockResource, name: string) => {
  const c = containers(r).find((x) => x.name === name);
  if (!c) throw new Error(`${r.name} has no container ${name}`);
  return c;
};
const labelsOf = (r: MockResource) => r.inputs.spec.template.metadata.labels;
const selects = (svc: MockResource, pods: MockResource) => Object.entries(svc.inputs.spec.selector).every(([k, v]) => labelsOf(pods)[k] === v);

describe("prod: Grafana reads the deduplicating querier", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod", { secrets: TEST_SECRETS });
    if (run.error) throw run.error;
  });

  test("Grafana's default datasource is Thanos Query's Service, and that Service selects the querier's pods", () => {
    const ds = yaml.load(find(run, K.cm, "grafana-files").inputs.data["provisioning__datasources__prometheus.yml"]) as any;
    expect(ds.datasources).toHaveLength(1); // no second, per-replica datasource
    expect(ds.datasources[0]).toMatchObject({ uid: "prometheus", isDefault: true, url: "http://thanos-query.monitoring.svc.cluster.local:10902", jsonData: { prometheusType: "Thanos" } });
    const svc = find(run, K.svc, "thanos-query");
    expect(svc.inputs.spec.type).toBe("ClusterIP");
    expect(svc.inputs.spec.ports).toContainEqual({ name: "http", port: 10902, targetPort: 10902 });
    expect(selects(svc, find(run, K.deploy, "thanos-query"))).toBe(true);
    expect(run.outputs.datasourceUrl).toBe("http://thanos-query.monitoring.svc.cluster.local:10902");
  });

  test("Thanos Query runs 2 replicas deduplicating on `replica`, fanning out to every Prometheus pod through the headless Service's SRV record", () => {
    const q = find(run, K.deploy, "thanos-query");
    expect(q.inputs.spec.replicas).toBe(2);
    const args: string[] = containers(q)[0].args;
    expect(args[0]).toBe("query");
    expect(args).toContain("--query.replica-label=replica");
    expect(queryEndpoints(args)).toEqual(["dnssrv+_grpc._tcp.prometheus-headless.monitoring.svc.cluster.local"]);
    // The SRV name resolves: the governing Service is headless and has a port named grpc.
    const headless = find(run, K.svc, "prometheus-headless").inputs.spec;
    expect(headless.clusterIP).toBe("None");
    expect(headless.ports).toContainEqual({ name: "grpc", port: 10901, targetPort: 10901 });
    expect(selects(find(run, K.svc, "prometheus-headless"), find(run, K.sts, "prometheus"))).toBe(true);
  });

  test("each Prometheus pod has a Thanos sidecar reading its TSDB from the shared volume, probed, with resources", () => {
    const sts = find(run, K.sts, "prometheus");
    expect(containers(sts).map((c) => c.name)).toEqual(["prometheus", "thanos-sidecar"]);
    const side = containerNamed(sts, "thanos-sidecar");
    expect(side.args).toEqual(expect.arrayContaining(["sidecar", "--tsdb.path=/prometheus", "--prometheus.url=http://localhost:9090", "--grpc-address=0.0.0.0:10901"]));
    expect(side.volumeMounts).toContainEqual({ name: "data", mountPath: "/prometheus" });
    expect(side.readinessProbe.httpGet).toMatchObject({ path: "/-/ready", port: 10902 });
    expect(side.livenessProbe.httpGet).toMatchObject({ path: "/-/healthy", port: 10902 });
    expect(side.resources.limits.memory).toBeDefined();
    // Without long-term storage: no upload, Prometheus compacts its own blocks.
    expect(side.args.some((a: string) => a.startsWith("--objstore"))).toBe(false);
    expect(containerNamed(sts, "prometheus").args.some((a: string) => a.includes("block-duration"))).toBe(false);
  });

  test("images pinned, probes and limits on the querier; a PodDisruptionBudget keeps one querier up", () => {
    const c = containers(find(run, K.deploy, "thanos-query"))[0];
    expect(c.image).toBe("quay.io/thanos/thanos:v0.42.4");
    expect(containerNamed(find(run, K.sts, "prometheus"), "thanos-sidecar").image).toBe("quay.io/thanos/thanos:v0.42.4");
    expect(c.readinessProbe.httpGet).toMatchObject({ path: "/-/ready", port: 10902 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: "/-/healthy", port: 10902 });
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    const pdb = find(run, K.pdb, "thanos-query").inputs.spec;
    expect(pdb.maxUnavailable).toBe(1);
    expect(pdb.selector.matchLabels["app.kubernetes.io/name"]).toBe("thanos-query");
  });

  test("only Grafana and Prometheus may reach the querier; only the querier may reach the sidecars' StoreAPI, only the peer replica Prometheus and the sidecar's metrics", () => {
    const from = (np: string) => find(run, K.np, np).inputs.spec.ingress[0].from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]).sort();
    const ports = (np: string) => find(run, K.np, np).inputs.spec.ingress[0].ports.map((p: any) => p.port).sort();
    expect(from("thanos-query-ingress")).toEqual(["grafana", "prometheus"]);
    expect(ports("thanos-query-ingress")).toEqual([10901, 10902]);
    const rules = find(run, K.np, "prometheus-ingress").inputs.spec.ingress.map((r: any) => ({
      from: r.from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]).sort(),
      ports: r.ports.map((p: any) => p.port).sort(),
    }));
    expect(rules).toEqual([
      { from: ["thanos-query"], ports: [10901] },
      { from: ["prometheus"], ports: [10902, 9090] },
    ]);
  });

  test("Prometheus scrapes the sidecars and the querier; no Store Gateway or Compactor without long-term storage", () => {
    const prom = yaml.load(find(run, K.cm, "prometheus-files").inputs.data["prometheus.yml"]) as any;
    expect(prom.scrape_configs.map((j: any) => j.job_name)).toEqual(expect.arrayContaining(["thanos-sidecar", "thanos-query"]));
    expect(prom.scrape_configs.map((j: any) => j.job_name)).not.toContain("thanos-store");
    expect(ofType(run, K.sts).map((r) => r.name).sort()).toEqual(["alertmanager", "prometheus"]);
    expect(run.resources.some((r) => JSON.stringify(r.inputs).includes("objstore"))).toBe(false);
  });
});

describe("prod with long-term storage (config fixture prod-long-term-storage)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod", { overrides: fixture.overrides, secrets: { ...TEST_SECRETS, mimirPassword: "mimir-pw-value", vmToken: "vm-token-value", thanosObjstoreConfig: OBJSTORE } });
    if (run.error) throw run.error;
  });

  test("the sidecars upload with the object storage config mounted from the Prometheus Secret; Prometheus cuts 2h blocks", () => {
    const sts = find(run, K.sts, "prometheus");
    const side = containerNamed(sts, "thanos-sidecar");
    expect(side.args).toContain("--objstore.config-file=/etc/prometheus/secrets/objstore.yml");
    expect(side.volumeMounts).toContainEqual({ name: "files", mountPath: "/etc/prometheus", readOnly: true });
    expect(containerNamed(sts, "prometheus").args).toEqual(expect.arrayContaining(["--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"]));
    expect(find(run, K.secret, "prometheus-secrets").inputs.stringData["secrets__objstore.yml"]).toBe(OBJSTORE);
  });

  test("the object storage credentials are only in Secrets (never a ConfigMap, env or argument)", () => {
    const holders = run.resources.filter((r) => JSON.stringify(r.inputs).includes("objstore-secret-key-value")).map((r) => `${r.type} ${r.name}`).sort();
    expect(holders).toEqual([`${K.secret} prometheus-secrets`, `${K.secret} thanos-compact-secrets`, `${K.secret} thanos-store-secrets`]);
    for (const name of ["prometheus-secrets", "thanos-store-secrets", "thanos-compact-secrets"]) expect(find(run, K.secret, name).secretPaths).toContain("stringData");
    expect(run.resources.filter((r) => JSON.stringify(r.inputs).includes("vm-token-value")).map((r) => r.name)).toEqual(["prometheus-secrets"]);
  });

  test("a Store Gateway serves the bucket to the querier; a single Compactor downsamples and applies retention per resolution", () => {
    const q: string[] = containers(find(run, K.deploy, "thanos-query"))[0].args;
    expect(queryEndpoints(q)).toEqual(["dnssrv+_grpc._tcp.prometheus-headless.monitoring.svc.cluster.local", "dnssrv+_grpc._tcp.thanos-store-headless.monitoring.svc.cluster.local"]);
    expect(q).toContain("--query.auto-downsampling");
    const store = find(run, K.sts, "thanos-store");
    expect(containers(store)[0].args).toEqual(expect.arrayContaining(["store", "--data-dir=/var/thanos/store", "--objstore.config-file=/etc/thanos/secrets/objstore.yml"]));
    expect(find(run, K.svc, "thanos-store-headless").inputs.spec.ports).toContainEqual({ name: "grpc", port: 10901, targetPort: 10901 });
    expect(store.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
    const compact = find(run, K.sts, "thanos-compact");
    expect(compact.inputs.spec.replicas).toBe(1);
    expect(containers(compact)[0].args).toEqual(
      expect.arrayContaining(["compact", "--wait", "--retention.resolution-raw=30d", "--retention.resolution-5m=180d", "--retention.resolution-1h=2y", "--deduplication.replica-label=replica"]),
    );
    expect(containers(compact)[0].args).not.toContain("--downsampling.disable");
    expect(compact.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("50Gi");
    // A singleton gets no PodDisruptionBudget (it could never be evicted).
    expect(ofType(run, K.pdb).map((p) => p.name)).not.toContain("thanos-compact");
    const from = (np: string) => find(run, K.np, np).inputs.spec.ingress[0].from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]).sort();
    expect(from("thanos-store-ingress")).toEqual(["prometheus", "thanos-query"]);
    expect(from("thanos-compact-ingress")).toEqual(["prometheus"]);
  });

  test("every Kubernetes object of the long-term storage stack passes the API schemas", () => {
    const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects.map((r) => validateKubernetesObject(r)).filter((e) => e !== null)).toEqual([]);
  });
});
