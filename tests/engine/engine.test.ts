/**
 * The prod stack under the REAL Pulumi engine (CLI 3.248.0, Automation API inline program
 * running index.ts with Pulumi.prod.yaml) against a REAL kube-apiserver 1.33 + etcd +
 * kube-controller-manager on loopback, started and stopped here.
 *
 * Stand-ins and substitutions, all named in the test output and the README ("The real engine"):
 * the Kubernetes provider is the build this machine can make (4.25.0-f47bc2d6f199, not the
 * npm SDK's 4.34.2; the driver pins it); RandomPassword comes from a test-only stand-in
 * provider (tests/engine/random-standin); workloads carry pulumi.com/skipAwait because there
 * is no kubelet or scheduler; NetworkPolicies are stored by the API server but evaluated by a
 * model of the specification (tests/helpers/netpol.ts), since nothing enforces them here.
 *
 * Order matters (one stack, one cluster): preview, up, admission, policies, a failed up with
 * invalid config, the no-change preview, the PR-check previews, destroy; then a second stack
 * rendering YAML. Figures go to test-results/figures/engine.json and the console.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { EngineResult, EngineStep } from "../../engine/driver";
import { KUBERNETES_PROVIDER_VERSION, KUBERNETES_SDK_VERSION, RANDOM_STANDIN_VERSION } from "../../engine/toolchain";
import { optional, PROJECT_ROOT, requireTool, skipReason, type ToolId } from "../../scripts/tools/find";
import { allowed, namespaceLabels, type NetworkPolicyObject, type PodIdentity } from "../helpers/netpol";
import { autonamed, runProgram, TEST_SECRETS, type ProgramRun } from "../helpers/pulumi-program";
import { NODE_NAME, startCluster, type Cluster } from "./cluster";
import { changes, cli, engine, initStack, newStack, removeStack, shortType, type EngineStack } from "./harness";

const NEEDED: ToolId[] = ["pulumi", "pulumiKubernetes", "kubeApiserver", "kubeControllerManager"];
const missing = NEEDED.find((id) => !optional(id));
const suite = missing ? describe.skip : describe;
const MAIN = "monitoring";
const AGENTS = "monitoring-node-agents";
const PART_OF = "app.kubernetes.io/part-of=monitoring-stack";

/** Pods each workload should have once its controller ran (one fake node for the DaemonSets). */
const EXPECTED_PODS: Record<string, [string, number]> = {
  prometheus: [MAIN, 2],
  alertmanager: [MAIN, 3],
  grafana: [MAIN, 1],
  nginx: [MAIN, 2],
  "thanos-query": [MAIN, 2],
  "node-exporter": [AGENTS, 1],
  cadvisor: [AGENTS, 1],
};

const figures: Record<string, unknown> = {};
const t0 = Date.now();

/** type -> count. */
function countByType(types: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of types) out[t] = (out[t] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

/** One line per resource the engine would touch: "replace ConfigMap prometheus-files" etc. */
function plan(r: EngineResult): Record<string, { op: string; deleteFirst?: boolean; paths: string[] }> {
  const byUrn = new Map<string, EngineStep[]>();
  for (const s of r.steps) if (s.op !== "same") byUrn.set(s.urn, [...(byUrn.get(s.urn) ?? []), s]);
  const out: Record<string, { op: string; deleteFirst?: boolean; paths: string[] }> = {};
  for (const steps of byUrn.values()) {
    const ops = steps.map((s) => s.op);
    const key = `${shortType(steps[0].type)} ${steps[0].name}`;
    const paths = [...new Set(steps.flatMap((s) => Object.keys(s.detailedDiff)))].sort();
    if (ops.some((o) => ["replace", "create-replacement", "delete-replaced"].includes(o))) {
      out[key] = { op: "replace", deleteFirst: ops.indexOf("delete-replaced") >= 0 && ops.indexOf("delete-replaced") < ops.indexOf("create-replacement"), paths };
    } else out[key] = { op: ops.join("+"), paths };
  }
  return out;
}

/** Fails the test with the engine's own words when an operation did not succeed. */
function mustSucceed(r: EngineResult): EngineResult {
  if (!r.ok) throw new Error(`engine ${r.op} failed: ${r.error ?? ""}\n${r.log.split("\n").slice(-40).join("\n")}`);
  return r;
}

/** (kind, namespace, name) of an object; auto-named ones by their logical name. */
const objectKey = (kind: string, ns: string | undefined, name: string) => `${kind} ${ns ?? "-"} ${name.replace(/-[0-9a-z]{8}$/, "").replace(/-0000mock$/, "")}`;

suite(missing ? `real engine: ${skipReason(missing)}` : "prod under the real Pulumi engine and a loopback Kubernetes API server", () => {
  let cluster: Cluster;
  let prod: EngineStack;
  let mock: ProgramRun;
  let mockObjects: string[];
  let created = 0;

  beforeAll(async () => {
    requireTool("etcd");
    cluster = await startCluster();
    figures.apiServerReadySeconds = Math.round(cluster.readySeconds * 10) / 10;
    prod = newStack("prod", { kubeconfig: cluster.kubeconfig, skipAwait: true });
    await initStack(prod);
    mock = await runProgram("prod", { secrets: TEST_SECRETS });
    if (mock.error) throw mock.error;
    mockObjects = mock.resources
      .filter((r) => r.type.startsWith("kubernetes:"))
      .map((r) => objectKey(r.type.split(":").pop()!, r.inputs.metadata.namespace, r.inputs.metadata.name ?? autonamed(r.name)))
      .sort();
  }, 5 * 60_000);

  afterAll(async () => {
    figures.suiteSeconds = Math.round((Date.now() - t0) / 1000);
    fs.mkdirSync(path.join(PROJECT_ROOT, "test-results", "figures"), { recursive: true });
    fs.writeFileSync(path.join(PROJECT_ROOT, "test-results", "figures", "engine.json"), JSON.stringify(figures, null, 2));
    console.log(`[engine figures] ${JSON.stringify(figures)}`);
    await cluster?.stop();
    if (prod) removeStack(prod);
  }, 60_000);

  test(`preview of prod with its real Pulumi.prod.yaml succeeds and would create exactly the program's resources (Kubernetes provider ${KUBERNETES_PROVIDER_VERSION} pinned, not the SDK's ${KUBERNETES_SDK_VERSION}; RandomPassword from the test stand-in)`, async () => {
    const r = await engine(prod, "preview");
    mustSucceed(r);
    figures.previewCreateSeconds = r.seconds;
    expect([...new Set(r.steps.map((s) => s.op))]).toEqual(["create"]);
    const expected = countByType([...mock.resources.map((m) => m.type), "pulumi:pulumi:Stack", "pulumi:providers:kubernetes", "pulumi:providers:random"]);
    expect(countByType(r.steps.map((s) => s.type))).toEqual(expected);
    // The change summary counts everything but the default providers.
    expect(r.summary.create).toBe(r.steps.filter((s) => !s.type.startsWith("pulumi:providers:")).length);
    created = r.steps.length;
    figures.resources = created;
    figures.resourcesByType = countByType(r.steps.map((s) => s.type));
    // The banner says what really runs.
    expect(r.log).toContain(`Kubernetes provider ${KUBERNETES_PROVIDER_VERSION}`);
    expect(r.log).toContain("TEST-ONLY STAND-IN: RandomPassword");
  });

  test("the README's \"What each stack deploys\" lists exactly the engine's resources for prod", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const block = /<!-- resources:prod:begin[^>]*-->([\s\S]*?)<!-- resources:prod:end -->/.exec(readme);
    expect(block).not.toBeNull();
    const rows = [...block![1].matchAll(/^\| `([^`]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(Object.fromEntries(rows)).toEqual(figures.resourcesByType);
    const total = /\*\*total\*\*[^|]*\| \*\*(\d+)\*\*/.exec(block![1]);
    expect(Number(total?.[1])).toBe(created);
  });

  test("up against the API server creates every object, with no warning from the engine or the API server (Pod Security warn level included)", async () => {
    const r = await engine(prod, "up");
    mustSucceed(r);
    figures.upSeconds = r.seconds;
    expect(r.summary.create).toBe(created - 2);
    const warnings = r.diagnostics.filter((d) => d.severity === "warning" || d.severity === "error");
    // One warning is the API server's own, not about our objects: its ClusterIP repair controller
    // (pkg/registry/core/service/ipallocator/controller/repairip.go, 1.33) reads Services and
    // IPAddresses from two informer caches, and when the Service's event arrives before its
    // IPAddress's (a loaded 2-core host) it reports "not allocated; repairing", tries to create
    // the IPAddress and gets AlreadyExists. Accepted only when the IP really is allocated, to
    // that Service: the IPAddress object exists and names it.
    const repairRace = /^ClusterIPNotAllocated: Cluster IP \[IPv[46]\]: (\S+) is not allocated; repairing$/;
    for (const w of warnings) {
      const ip = repairRace.exec(w.message)?.[1];
      if (ip === undefined) continue;
      const address = await cluster.api("GET", `/apis/networking.k8s.io/v1/ipaddresses/${ip}`);
      expect(address.status).toBe(200);
      const ref = address.body.spec.parentRef;
      expect(ref.resource).toBe("services");
      const service = await cluster.api("GET", `/api/v1/namespaces/${ref.namespace}/services/${ref.name}`);
      expect(service.body.spec.clusterIPs).toContain(ip);
    }
    expect(warnings.map((d) => d.message).filter((m) => !repairRace.test(m))).toEqual([]);
    // The state says which provider builds ran (the honest record of the substitution).
    const state = JSON.parse((await cli(prod, ["stack", "export"])).stdout);
    const providers = state.deployment.resources.filter((x: any) => x.type.startsWith("pulumi:providers:")).map((x: any) => `${x.type} ${x.inputs.version}`);
    expect(providers.sort()).toEqual([`pulumi:providers:kubernetes ${KUBERNETES_PROVIDER_VERSION}`, `pulumi:providers:random ${RANDOM_STANDIN_VERSION}`]);
  });

  test("the API server holds the same objects the mock-runtime tests assert (kind, namespace, name)", async () => {
    const kinds: Array<[string, string]> = [
      ["Namespace", "/api/v1/namespaces"],
      ["ConfigMap", "/api/v1/configmaps"],
      ["Secret", "/api/v1/secrets"],
      ["Service", "/api/v1/services"],
      ["ServiceAccount", "/api/v1/serviceaccounts"],
      ["PersistentVolumeClaim", "/api/v1/persistentvolumeclaims"],
      ["StatefulSet", "/apis/apps/v1/statefulsets"],
      ["Deployment", "/apis/apps/v1/deployments"],
      ["DaemonSet", "/apis/apps/v1/daemonsets"],
      ["NetworkPolicy", "/apis/networking.k8s.io/v1/networkpolicies"],
      ["PodDisruptionBudget", "/apis/policy/v1/poddisruptionbudgets"],
      ["ClusterRole", "/apis/rbac.authorization.k8s.io/v1/clusterroles"],
      ["ClusterRoleBinding", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"],
    ];
    const live: string[] = [];
    for (const [kind, url] of kinds) {
      for (const o of await cluster.list(`${url}?labelSelector=${encodeURIComponent(PART_OF)}`)) {
        // Claims made by the StatefulSet controller from volumeClaimTemplates are not the program's objects.
        if (kind === "PersistentVolumeClaim" && o.metadata.ownerReferences === undefined && /^data-/.test(o.metadata.name)) continue;
        live.push(objectKey(kind, o.metadata.namespace, o.metadata.name));
      }
    }
    expect(live.sort()).toEqual(mockObjects);
  });

  test("every pod the controllers create passes Pod Security Admission: restricted in monitoring, privileged only in monitoring-node-agents", async () => {
    for (const [ns, level] of [[MAIN, "restricted"], [AGENTS, "privileged"]]) {
      const labels = (await cluster.api("GET", `/api/v1/namespaces/${ns}`)).body.metadata.labels;
      expect(labels["pod-security.kubernetes.io/enforce"]).toBe(level);
    }
    const deadline = Date.now() + 120_000;
    let counts: Record<string, number> = {};
    let failures: string[] = [];
    while (Date.now() < deadline) {
      counts = {};
      for (const ns of [MAIN, AGENTS]) {
        for (const p of await cluster.list(`/api/v1/namespaces/${ns}/pods`)) {
          const name = p.metadata.labels["app.kubernetes.io/name"];
          counts[`${ns}/${name}`] = (counts[`${ns}/${name}`] ?? 0) + 1;
        }
        const events = await cluster.list(`/api/v1/namespaces/${ns}/events?fieldSelector=reason%3DFailedCreate`);
        failures = [...failures, ...events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`)];
      }
      const done = Object.entries(EXPECTED_PODS).every(([n, [ns, want]]) => counts[`${ns}/${n}`] === want);
      if (done || failures.length) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect([...new Set(failures)]).toEqual([]);
    expect(counts).toEqual(Object.fromEntries(Object.entries(EXPECTED_PODS).map(([n, [ns, c]]) => [`${ns}/${n}`, c])));
    figures.podsAdmitted = Object.values(counts).reduce((a, b) => a + b, 0);
  }, 180_000);

  test("Pod Security Admission is really enforcing: a privileged pod is refused in monitoring and admitted in monitoring-node-agents", async () => {
    const pod = (ns: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "psa-probe", namespace: ns },
      spec: { nodeName: NODE_NAME, containers: [{ name: "c", image: "busybox:1.36.1", securityContext: { privileged: true } }] },
    });
    const refused = await cluster.api("POST", `/api/v1/namespaces/${MAIN}/pods`, pod(MAIN));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/violates PodSecurity "restricted:v1\.33"/);
    const admitted = await cluster.api("POST", `/api/v1/namespaces/${AGENTS}/pods`, pod(AGENTS));
    expect(admitted.status).toBe(201);
    expect((await cluster.api("DELETE", `/api/v1/namespaces/${AGENTS}/pods/psa-probe?gracePeriodSeconds=0`)).status).toBe(200);
  });

  test("the NetworkPolicies the API server stored admit only what must reach Prometheus, Alertmanager, Grafana and cAdvisor (evaluated by the specification's rules; no CNI enforces them here)", async () => {
    const policies: NetworkPolicyObject[] = [
      ...(await cluster.list(`/apis/networking.k8s.io/v1/namespaces/${MAIN}/networkpolicies`)),
      ...(await cluster.list(`/apis/networking.k8s.io/v1/namespaces/${AGENTS}/networkpolicies`)),
    ];
    const podOf = async (ns: string, name: string): Promise<PodIdentity> => {
      const pods = await cluster.list(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${name}`)}`);
      return { namespace: ns, labels: pods[0].metadata.labels };
    };
    const who: Record<string, PodIdentity> = {};
    for (const [n, [ns]] of Object.entries(EXPECTED_PODS)) if (n !== "node-exporter") who[n] = await podOf(ns, n);
    who["a pod in payments"] = { namespace: "payments", labels: { app: "payment-processor" } };
    who["another pod in monitoring"] = { namespace: MAIN, labels: { app: "debug" } };
    const nsLabels = (ns: string) => namespaceLabels(ns);
    const reachers = (to: string, port: number, proto: "TCP" | "UDP" = "TCP") =>
      Object.keys(who).filter((f) => f !== to && allowed(policies, who[f], who[to], port, proto, nsLabels)).sort();
    // Grafana reads Thanos Query (the global view is on for prod): nobody else reaches Prometheus'
    // API (its peer replica is its own pods), and only the querier the sidecar's StoreAPI.
    expect(reachers("prometheus", 9090)).toEqual([]);
    expect(reachers("prometheus", 10901)).toEqual(["thanos-query"]);
    expect(reachers("alertmanager", 9093)).toEqual(["prometheus"]);
    expect(allowed(policies, who.alertmanager, who.alertmanager, 9094, "UDP")).toBe(true);
    expect(reachers("alertmanager", 9094, "UDP")).toEqual([]);
    expect(reachers("grafana", 3000)).toEqual(["nginx", "prometheus"]);
    expect(reachers("cadvisor", 8080)).toEqual(["prometheus"]);
    expect(reachers("nginx", 443)).toEqual(Object.keys(who).filter((w) => w !== "nginx").sort());
  });

  describe("with invalid config", () => {
    let saved: string;
    const file = () => path.join(prod.workDir, "Pulumi.prod.yaml");
    beforeAll(() => (saved = fs.readFileSync(file(), "utf8")));
    afterAll(() => fs.writeFileSync(file(), saved));

    test("up fails with the one-message error naming every problem, and changes nothing", async () => {
      const before = (await cluster.list(`/api/v1/namespaces/${MAIN}/configmaps?labelSelector=${encodeURIComponent(PART_OF)}`)).map((c) => c.metadata.resourceVersion).sort();
      await cli(prod, ["config", "set", "--path", "alerts.cpu.warning.threshold", "99"]);
      await cli(prod, ["config", "set", "--path", "retention.sizeGB", "50"]);
      const r = await engine(prod, "up");
      expect(r.ok).toBe(false);
      const text = `${r.error}\n${r.log}`;
      expect(text).toContain('invalid stack configuration for stack "prod" (2 problems)');
      expect(text).toContain("alerts.cpu.warning.threshold: got 99; allowed: below alerts.cpu.critical.threshold (95)");
      expect(text).toContain("storage.prometheusGiB: got 15; allowed: at least 56");
      expect(r.steps.filter((s) => s.op !== "same")).toEqual([]);
      const after = (await cluster.list(`/api/v1/namespaces/${MAIN}/configmaps?labelSelector=${encodeURIComponent(PART_OF)}`)).map((c) => c.metadata.resourceVersion).sort();
      expect(after).toEqual(before);
    });
  });

  test("a second preview right after up shows no changes (no perpetual diffs; --expect-no-changes)", async () => {
    const r = await engine(prod, "preview", ["--expect-no-changes"]);
    mustSucceed(r);
    expect(changes(r)).toEqual([]);
    expect(r.summary.same).toBe(created - 2);
    figures.previewNoChangeSeconds = r.seconds;
  });

  describe("the PR-check contract: `pulumi config set` then `preview` shows exactly the expected changes", () => {
    let saved: string;
    const file = () => path.join(prod.workDir, "Pulumi.prod.yaml");
    beforeEach(() => (saved = fs.readFileSync(file(), "utf8")));
    afterEach(() => fs.writeFileSync(file(), saved));

    test("alerts.cpu.warning.threshold 80 -> 75: the rules ConfigMap and the deep-dive dashboard's ConfigMap are replaced (new before old goes), Prometheus and Grafana roll through their pod templates, nothing else", async () => {
      await cli(prod, ["config", "set", "--path", "alerts.cpu.warning.threshold", "75"]);
      const r = await engine(prod, "preview");
      mustSucceed(r);
      const p = plan(r);
      expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.op + (v.deleteFirst ? " (delete first)" : "")]))).toEqual({
        "ConfigMap prometheus-files": "replace",
        "StatefulSet prometheus": "update",
        // The deep-dive dashboard colours CPU at the warning threshold (dashboards/), so it follows.
        "ConfigMap grafana-files": "replace",
        "Deployment grafana": "update",
      });
      for (const k of ["StatefulSet prometheus", "Deployment grafana"]) {
        expect([k, p[k].paths.filter((x) => !x.startsWith("spec.template."))]).toEqual([k, []]);
      }
      figures.prCheckPreviewSeconds = r.seconds;
    });

    test("setting the value already in effect (alerts.cpu.warning.threshold 80) changes nothing", async () => {
      await cli(prod, ["config", "set", "--path", "alerts.cpu.warning.threshold", "80"]);
      const r = mustSucceed(await engine(prod, "preview", ["--expect-no-changes"]));
      expect(changes(r)).toEqual([]);
    });

    test(`storage.prometheusGiB 15 -> 20: plans to replace the Prometheus StatefulSet, deleting it first (claim templates are immutable, the name is fixed); with the ${KUBERNETES_PROVIDER_VERSION} build the preview's dry run then fails (pulumi-kubernetes#4328, fixed in 4.29)`, async () => {
      await cli(prod, ["config", "set", "--path", "storage.prometheusGiB", "20"]);
      const r = await engine(prod, "preview");
      expect(plan(r)).toEqual({ "StatefulSet prometheus": { op: "replace", deleteFirst: true, paths: ["spec.volumeClaimTemplates[0].spec.resources.requests.storage"] } });
      if (!r.ok) {
        // The provider build dry-runs the replacement as a create under the same name, which the
        // API server treats as an update of the existing StatefulSet and refuses. Upstream reports
        // this reproducing on 4.25 and not on 4.29+; the npm SDK pins 4.34.2. Accepted here only
        // for a provider build older than 4.29, so a newer build makes this test demand success.
        expect(r.error).toContain("updates to statefulset spec for fields other than");
        const [major, minor] = KUBERNETES_PROVIDER_VERSION.split(".").map(Number);
        expect(major === 4 && minor < 29).toBe(true);
      }
    });

    test("retention.time 30d -> 45d: only the Prometheus StatefulSet's container args change", async () => {
      await cli(prod, ["config", "set", "--path", "retention.time", "45d"]);
      const r = await engine(prod, "preview");
      mustSucceed(r);
      const p = plan(r);
      expect(Object.keys(p)).toEqual(["StatefulSet prometheus"]);
      expect(p["StatefulSet prometheus"].op).toBe("update");
      expect(p["StatefulSet prometheus"].paths.every((x) => x.startsWith("spec.template.spec.containers[0].args"))).toBe(true);
    });

    test("images.prometheus v3.5.0 -> v3.5.1: only the Prometheus StatefulSet's image changes", async () => {
      await cli(prod, ["config", "set", "--path", "images.prometheus", "prom/prometheus:v3.5.1"]);
      const r = await engine(prod, "preview");
      mustSucceed(r);
      const p = plan(r);
      expect(p).toEqual({ "StatefulSet prometheus": { op: "update", paths: ["spec.template.spec.containers[0].image"] } });
    });
  });

  test("destroy removes everything: nothing labelled part-of=monitoring-stack is left, both namespaces are gone (garbage collector and namespace controller running)", async () => {
    const r = await engine(prod, "destroy");
    mustSucceed(r);
    figures.destroySeconds = r.seconds;
    expect(r.summary.delete).toBe(created - 2);
    const leftovers = async () => {
      const out: string[] = [];
      for (const ns of [MAIN, AGENTS]) {
        const s = (await cluster.api("GET", `/api/v1/namespaces/${ns}`)).status;
        if (s !== 404) out.push(`namespace ${ns} (${s})`);
      }
      for (const url of ["/api/v1/pods", "/api/v1/persistentvolumeclaims", "/api/v1/configmaps", "/api/v1/secrets", "/api/v1/services", "/apis/apps/v1/replicasets", "/apis/apps/v1/controllerrevisions", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"]) {
        for (const o of await cluster.list(`${url}?labelSelector=${encodeURIComponent(PART_OF)}`)) out.push(`${url} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
      }
      return out;
    };
    const deadline = Date.now() + 60_000;
    let left = await leftovers();
    while (left.length && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 1000));
      left = await leftovers();
    }
    expect(left).toEqual([]);
  }, 10 * 60_000);

  test("up with kubernetes:renderYamlToDirectory writes manifests whose objects are exactly the mock-runtime's", async () => {
    const render = newStack("prod", { pulumiHome: prod.pulumiHome });
    try {
      await initStack(render);
      const out = path.join(render.root, "manifests");
      await cli(render, ["config", "set", "kubernetes:renderYamlToDirectory", out]);
      const r = await engine(render, "up");
      mustSucceed(r);
      figures.renderUpSeconds = r.seconds;
      const files: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name));
      };
      walk(out);
      const docs = files.flatMap((f) => yaml.loadAll(fs.readFileSync(f, "utf8")).filter(Boolean) as any[]);
      expect(docs.map((d) => objectKey(d.kind, d.metadata.namespace, d.metadata.name)).sort()).toEqual(mockObjects);
      // And the rendered workloads are the ones the mocks saw (spot check: pod security of every workload).
      for (const d of docs.filter((x) => ["StatefulSet", "Deployment", "DaemonSet"].includes(x.kind))) {
        const m = mock.resources.find((x) => x.type.endsWith(`:${d.kind}`) && x.name === d.metadata.name)!;
        expect([d.metadata.name, d.spec.template.spec.securityContext]).toEqual([d.metadata.name, m.inputs.spec.template.spec.securityContext]);
      }
      figures.renderedManifests = docs.length;
    } finally {
      removeStack(render);
    }
  });
});
