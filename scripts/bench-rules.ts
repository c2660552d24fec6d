/**
 * `npm run bench:rules`: rule-evaluation time per group, on the local stack (12 services)
 * and on a 10x fleet (120 service targets), with 0 errors. Goal: < 1 s per cycle.
 *
 * The 10x fleet is real data, not synthetic: a second Prometheus (Debian's, same version as
 * the local stack) scrapes each of the 12 running services as 10 distinct targets (instance
 * r0..r9), i.e. 10 pods per service, with the same rendered rules. Both Prometheus servers
 * report each group's `evaluationTime` after every cycle; we sample them for a few minutes.
 *
 *   npm run bench:rules [-- --minutes 6]
 *
 * Starts its own local stack on offset ports in a temporary directory and stops everything it
 * started. Loopback only.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { defaultOptions, localStackConfig } from "../local/config";
import { BINARIES } from "../local/plan";
import { startLocalStack } from "../local/stack";
import { Supervisor } from "../local/supervisor";
import { renderPrometheusConfig } from "../render/prometheus";
import { renderRuleFiles } from "../rules";

const minutes = Number(process.argv[process.argv.indexOf("--minutes") + 1] || 6);
const REPLICAS = 10;

async function rules(url: string): Promise<Array<{ name: string; seconds: number; errors: number; rules: number }>> {
  const d = (await (await fetch(`${url}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) })).json()) as any;
  return d.data.groups.map((g: any) => ({ name: g.name, seconds: g.evaluationTime, errors: g.rules.filter((r: any) => r.health !== "ok").length, rules: g.rules.length }));
}

async function series(url: string): Promise<number> {
  const d = (await (await fetch(`${url}/api/v1/query?query=prometheus_tsdb_head_series`)).json()) as any;
  return Number(d.data.result[0]?.value[1] ?? 0);
}

/** prometheus.yml of the 10x fleet: every service job scrapes its target as 10 instances. */
function tenfoldConfig(text: string): string {
  const doc = yaml.load(text) as any;
  // Measure evaluation only: the copy must not send alerts to the stack's Alertmanager.
  delete doc.alerting;
  for (const job of doc.scrape_configs) {
    const sc = job.static_configs?.[0];
    if (!sc?.labels?.service) continue;
    job.static_configs = Array.from({ length: REPLICAS }, (_, k) => ({ targets: sc.targets, labels: { ...sc.labels, instance: `${sc.targets[0]}/r${k}` } }));
  }
  return yaml.dump(doc, { lineWidth: -1 });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rules-"));
  const o = defaultOptions({ LOCAL_PORT_OFFSET: "40000", LOCAL_STATE_DIR: path.join(dir, "stack"), LOCAL_TRAFFIC_DURATION: `${minutes + 5}m` });
  process.stdout.write(`starting the local stack (offset 40000) in ${dir} ...\n`);
  const stack = await startLocalStack(o);
  const sup = new Supervisor(path.join(dir, "x10"));
  try {
    const { cfg, topo } = localStackConfig(o);
    const root = path.join(dir, "x10", "etc");
    const topo10 = { ...topo, roots: { ...topo.roots, prometheus: root }, prometheusSelf: `127.0.0.1:${o.ports.prometheus + 1}` };
    fs.mkdirSync(path.join(root, "rules"), { recursive: true });
    fs.writeFileSync(path.join(root, "prometheus.yml"), tenfoldConfig(renderPrometheusConfig(cfg, topo10)));
    for (const [f, content] of Object.entries(renderRuleFiles(cfg, topo10))) fs.writeFileSync(path.join(root, "rules", f), content);
    const url10 = `http://127.0.0.1:${o.ports.prometheus + 1}`;
    const spec = {
      name: "prometheus-x10",
      command: BINARIES.prometheus,
      args: [`--config.file=${path.join(root, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "x10", "data")}`, `--web.listen-address=127.0.0.1:${o.ports.prometheus + 1}`],
      ports: [o.ports.prometheus + 1],
      healthUrl: `${url10}/-/ready`,
    };
    sup.start(spec);
    await sup.waitHealthy(spec, 60_000);
    const url1 = `http://127.0.0.1:${o.ports.prometheus}`;
    const samples: Record<string, Record<string, number[]>> = { "12 services": {}, "120 targets": {} };
    const errors: Record<string, number> = { "12 services": 0, "120 targets": 0 };
    const end = Date.now() + minutes * 60_000;
    process.stdout.write(`sampling rule evaluation for ${minutes} minutes (one sample per 15 s cycle) ...\n`);
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 15_000));
      for (const [label, url] of [["12 services", url1], ["120 targets", url10]] as const) {
        for (const g of await rules(url)) {
          (samples[label][g.name] ??= []).push(g.seconds * 1000);
          errors[label] = Math.max(errors[label], g.errors);
        }
      }
    }
    const s1 = await series(url1);
    const s10 = await series(url10);
    process.stdout.write(`\nhead series: 12 services ${s1}, 120 targets ${s10}\n\n`);
    process.stdout.write(`${"group".padEnd(38)} ${"12 svc p50/max ms".padStart(20)} ${"120 tgt p50/max ms".padStart(20)}\n`);
    const groups = Object.keys(samples["120 targets"]);
    let tot1 = 0;
    let tot10 = 0;
    for (const g of groups) {
      const a = samples["12 services"][g] ?? [0];
      const b = samples["120 targets"][g];
      tot1 += Math.max(...a);
      tot10 += Math.max(...b);
      process.stdout.write(`${g.padEnd(38)} ${`${pct(a, 50).toFixed(1)} / ${Math.max(...a).toFixed(1)}`.padStart(20)} ${`${pct(b, 50).toFixed(1)} / ${Math.max(...b).toFixed(1)}`.padStart(20)}\n`);
    }
    process.stdout.write(`${"all groups, worst cycle (sum of max)".padEnd(38)} ${tot1.toFixed(1).padStart(20)} ${tot10.toFixed(1).padStart(20)}\n`);
    process.stdout.write(`rules with errors: 12 services ${errors["12 services"]}, 120 targets ${errors["120 targets"]}\n`);
    process.stdout.write(`goal < 1000 ms per cycle with 0 errors: ${tot10 < 1000 && errors["120 targets"] === 0 && errors["12 services"] === 0 ? "MET" : "MISSED"}\n`);
  } finally {
    await sup.stopAll();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:rules failed: ${e.message}\n`);
  process.exit(1);
});
