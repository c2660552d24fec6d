/**
 * The local HA plan (local/ha.ts), without starting anything: which processes, on which
 * loopback ports, with which flags; and that the default plan is untouched.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { defaultOptions, localStackConfig } from "./config";
import { haConfigFiles, haPlan, haTopology, replicaTopology, startWaves } from "./ha";
import { localPlan } from "./plan";
import { alertingReplicas, renderPrometheusConfig } from "../render/prometheus";
import { queryEndpoints } from "../render/thanos";

const tokens = { slack: "/dev/null", pagerduty: "/dev/null", heartbeat: "/dev/null" };
const STAND_IN = "/dev/null";
let stateDir: string;
const savedThanos = process.env.THANOS;
beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-plan-"));
  // The plan only names the binary: a stand-in executable keeps these tests independent of the build.
  const fake = path.join(stateDir, "thanos");
  fs.writeFileSync(fake, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  process.env.THANOS = fake;
});
afterAll(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
  if (savedThanos === undefined) delete process.env.THANOS;
  else process.env.THANOS = savedThanos;
});

const options = (ha: boolean, offset = 0) => ({ ...defaultOptions({ LOCAL_STATE_DIR: stateDir, LOCAL_PORT_OFFSET: String(offset) }), ha });
const arg = (args: string[], flag: string) => args.filter((a) => a.startsWith(`${flag}=`)).map((a) => a.slice(flag.length + 1));

describe("local HA plan", () => {
  test("runs 2 Prometheus with a sidecar each, a querier, and 3 clustered Alertmanagers, all on loopback", () => {
    const o = options(true);
    const { cfg, topo } = localStackConfig(o);
    const plan = haPlan(o, cfg, topo, localPlan(o, cfg, topo, tokens, STAND_IN));
    const names = plan.map((s) => s.name);
    expect(names.filter((n) => /^(prometheus|alertmanager|thanos)/.test(n)).sort()).toEqual(
      ["alertmanager-0", "alertmanager-1", "alertmanager-2", "prometheus-0", "prometheus-1", "thanos-query", "thanos-sidecar-0", "thanos-sidecar-1"],
    );
    expect(names).not.toContain("prometheus");
    const byName = (n: string) => plan.find((s) => s.name === n)!;
    // Own data dirs and config files; replica 1's file differs only in its self-scrape and replica label.
    expect(arg(byName("prometheus-0").args, "--storage.tsdb.path")).toEqual([path.join(stateDir, "data", "prometheus-0")]);
    expect(arg(byName("prometheus-1").args, "--storage.tsdb.path")).toEqual([path.join(stateDir, "data", "prometheus-1")]);
    expect(arg(byName("prometheus-1").args, "--config.file")[0]).toMatch(/prometheus-1\.yml$/);
    expect(arg(byName("prometheus-1").args, "--web.listen-address")).toEqual(["127.0.0.1:9091"]);
    // Sidecars read their own replica's TSDB; the querier deduplicates on `replica` over both.
    expect(arg(byName("thanos-sidecar-1").args, "--tsdb.path")).toEqual([path.join(stateDir, "data", "prometheus-1")]);
    expect(arg(byName("thanos-sidecar-1").args, "--prometheus.url")).toEqual(["http://127.0.0.1:9091"]);
    expect(queryEndpoints(byName("thanos-query").args)).toEqual(["127.0.0.1:10911", "127.0.0.1:10921"]);
    expect(arg(byName("thanos-query").args, "--query.replica-label")).toEqual(["replica"]);
    expect(arg(byName("thanos-query").args, "--http-address")).toEqual(["127.0.0.1:10902"]);
    // A real gossip cluster: every node lists all three peers and advertises its own loopback port.
    for (const [i, port] of [9094, 9096, 9098].entries()) {
      const a = byName(`alertmanager-${i}`).args;
      expect(arg(a, "--cluster.peer")).toEqual(["127.0.0.1:9094", "127.0.0.1:9096", "127.0.0.1:9098"]);
      expect(arg(a, "--cluster.listen-address")).toEqual([`127.0.0.1:${port}`]);
      expect(arg(a, "--cluster.advertise-address")).toEqual([`127.0.0.1:${port}`]);
    }
    // Every process binds distinct ports.
    const ports = plan.flatMap((s) => s.ports);
    expect(new Set(ports).size).toBe(ports.length);
  });

  test("LOCAL_PORT_OFFSET moves every HA port too", () => {
    const o = options(true, 12000);
    const { cfg, topo } = localStackConfig(o);
    const plan = haPlan(o, cfg, topo, localPlan(o, cfg, topo, tokens, STAND_IN));
    const base = haPlan(options(true), cfg, localStackConfig(options(true)).topo, localPlan(options(true), cfg, localStackConfig(options(true)).topo, tokens, STAND_IN));
    const moved = plan.flatMap((s) => s.ports);
    expect(moved).toEqual(base.flatMap((s) => s.ports).map((p) => p + 12000));
    expect(arg(plan.find((s) => s.name === "thanos-query")!.args, "--http-address")).toEqual(["127.0.0.1:22902"]);
  });

  test("starts in waves: services, then Alertmanagers, then Prometheus, then sidecars, then the querier", () => {
    const o = options(true);
    const { cfg, topo } = localStackConfig(o);
    const waves = startWaves(haPlan(o, cfg, topo, localPlan(o, cfg, topo, tokens, STAND_IN))).map((w) => w.map((s) => s.name));
    expect(waves).toHaveLength(5);
    expect(waves[1]).toEqual(expect.arrayContaining(["alertmanager-0", "alertmanager-1", "alertmanager-2", "traffic", "nginx"]));
    expect(waves.slice(2)).toEqual([["prometheus-0", "prometheus-1"], ["thanos-sidecar-0", "thanos-sidecar-1"], ["thanos-query"]]);
  });

  test("a single Prometheus drops the replica label from alerts; an HA pair keeps it (one copy per replica in Alertmanager)", () => {
    const single = localStackConfig(options(false));
    const ha = localStackConfig(options(true));
    expect(alertingReplicas(single.cfg, single.topo)).toBe(1);
    expect(alertingReplicas(ha.cfg, ha.topo)).toBe(2);
    expect((yaml.load(renderPrometheusConfig(single.cfg, single.topo)) as any).alerting.alert_relabel_configs).toEqual([{ regex: "replica", action: "labeldrop" }]);
  });

  test("both replicas' prometheus.yml send to all three Alertmanagers and scrape both replicas and both sidecars, each with its own replica label", () => {
    const o = options(true);
    const { cfg, topo } = localStackConfig(o);
    const files = [renderPrometheusConfig(cfg, topo), ...haConfigFiles(cfg, topo).map((f) => f.content)].map((c) => yaml.load(c) as any);
    expect(files).toHaveLength(2);
    for (const [i, doc] of files.entries()) {
      expect(doc.global.external_labels.replica).toBe(`prometheus-${i}`);
      expect(doc.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["127.0.0.1:9093", "127.0.0.1:9095", "127.0.0.1:9097"]);
      // Alerts keep the replica label: one copy per replica in Alertmanager (render/prometheus.ts alertingReplicas).
      expect(doc.alerting.alert_relabel_configs).toBeUndefined();
      const job = (name: string) => doc.scrape_configs.find((j: any) => j.job_name === name).static_configs[0].targets;
      expect(job("prometheus")).toEqual(["127.0.0.1:9090", "127.0.0.1:9091"]);
      expect(job("thanos-sidecar")).toEqual(["127.0.0.1:10912", "127.0.0.1:10922"]);
      expect(job("thanos-query")).toEqual(["127.0.0.1:10902"]);
    }
    // Nothing else differs between the two replicas' files.
    const strip = (doc: any) => ({ ...doc, global: { ...doc.global, external_labels: { ...doc.global.external_labels, replica: "x" } } });
    expect(strip(files[1])).toEqual(strip(files[0]));
    expect(replicaTopology(topo, 1).thanos).toEqual(topo.thanos);
  });

  test("the default local stack is unchanged: one Prometheus, one Alertmanager, no global view", () => {
    const o = options(false);
    const { cfg, topo } = localStackConfig(o);
    expect(topo.thanos).toBeNull();
    expect(topo.alertmanagers).toEqual(["127.0.0.1:9093"]);
    const plan = localPlan(o, cfg, topo, tokens, STAND_IN);
    expect(plan.filter((s) => /^(prometheus|alertmanager|thanos)/.test(s.name)).map((s) => s.name).sort()).toEqual(["alertmanager", "prometheus"]);
    expect(plan.find((s) => s.name === "alertmanager")!.args).toContain("--cluster.listen-address=");
    const waves = startWaves(plan).map((w) => w.map((s) => s.name));
    expect(waves).toHaveLength(3);
    expect(waves[2]).toEqual(["prometheus"]);
    expect(waves[1].sort()).toEqual(["alertmanager", "cadvisor", "nginx", "node-exporter", "traffic"]);
    expect(waves[0]).toContain("receivers");
  });

  test("without the Thanos binary, --ha fails naming the command that builds it", () => {
    const o = options(true);
    const { cfg, topo } = localStackConfig(o);
    const saved = { THANOS: process.env.THANOS, MONITORING_STACK_TOOLS: process.env.MONITORING_STACK_TOOLS };
    process.env.MONITORING_STACK_TOOLS = path.join(stateDir, "no-tools");
    delete process.env.THANOS;
    try {
      expect(() => haPlan(o, cfg, topo, localPlan(o, cfg, topo, tokens, STAND_IN))).toThrow(/thanos 0\.42\.4 not found .*bash scripts\/tools\/build\.sh thanos/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});

describe("haTopology", () => {
  test("Grafana's datasource on the local HA stack is the querier", () => {
    const o = options(true);
    const { topo } = localStackConfig(o);
    expect(topo.thanos?.query).toBe("127.0.0.1:10902");
    expect(haTopology(localStackConfig(options(false)).topo, o.ports).thanos?.endpoints).toEqual(["127.0.0.1:10911", "127.0.0.1:10921"]);
  });
});
