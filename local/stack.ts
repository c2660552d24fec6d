/**
 * The local stack as a library: render the dev stack's files for loopback, check that
 * every binary exists and every port is free, start the processes in order, waiting for
 * each to be healthy, and stop them all. `npm start`, `npm stop`, the end-to-end tests
 * and the drills call these functions.
 */
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config/schema";
import { renderConfigFiles, renderSecretFiles, type RenderedFile } from "../render/stack";
import type { Topology } from "../render/topology";
import { localNginxDirs, localNginxPaths } from "../nginx/variants";
import { SUBDIRS } from "../config/conventions";
import { localStackConfig, type LocalStackOptions } from "./config";
import { dataDir, localPlan } from "./plan";
import { loadOrCreateCredentials, secretValues, type LocalCredentials } from "./secrets";
import { assertBinaries, assertPortsFree, runningFromPidFile, Supervisor, type ProcessSpec } from "./supervisor";

/** A progress event for the console (or a test's log). */
export type Progress =
  | { kind: "step"; message: string }
  | { kind: "starting"; name: string; index: number; total: number }
  | { kind: "healthy"; name: string; index: number; total: number; ms: number }
  | { kind: "note"; message: string };

/** A running local stack. */
export interface LocalStack {
  options: LocalStackOptions;
  cfg: StackConfig;
  topo: Topology;
  credentials: LocalCredentials;
  processes: ProcessSpec[];
  urls: Array<{ what: string; url: string }>;
  stop(): Promise<void>;
}

/** What the local stack cannot run, said at start-up. */
export const NOT_AVAILABLE_LOCALLY = [
  "Grafana is not packaged by Debian: the front door runs and proxies to 127.0.0.1:<grafana port>, where nothing listens locally; the dashboards are checked by running their queries against Prometheus (npm run local:status, tests/e2e).",
  "cAdvisor is not packaged by Debian: container memory/CPU come from each service's own process metrics against its configured limit (process_resident_memory_bytes / service_memory_limit_bytes), recorded under the same names as cAdvisor's in dev/prod.",
];

/** Writes every rendered file where the topology says; secrets 0600 in 0700 directories. */
export function writeFiles(topo: Topology, files: RenderedFile[]): void {
  for (const f of files) {
    const p = path.join(topo.roots[f.owner], f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: f.secret ? 0o700 : 0o755 });
    fs.writeFileSync(p, f.content, { mode: f.secret ? 0o600 : 0o644 });
    fs.chmodSync(p, f.secret ? 0o600 : 0o644);
  }
}

/** When root starts nginx its workers run as nobody: they must read htpasswd and use the temp dir. */
function handOverToWorkers(topo: Topology): void {
  if (!topo.workerUser || !topo.stateDir) return;
  const NOBODY = 65534;
  const htpasswd = path.join(topo.roots.nginx, SUBDIRS.secrets, "htpasswd");
  fs.chownSync(path.join(topo.roots.nginx, SUBDIRS.secrets), 0, NOBODY);
  fs.chmodSync(path.join(topo.roots.nginx, SUBDIRS.secrets), 0o750);
  fs.chownSync(htpasswd, NOBODY, NOBODY);
  fs.chmodSync(htpasswd, 0o400);
  const paths = localNginxPaths(path.join(topo.roots.nginx, SUBDIRS.secrets), topo.stateDir);
  for (const d of localNginxDirs(paths)) fs.mkdirSync(d, { recursive: true });
  fs.chownSync(paths.tempDir, NOBODY, NOBODY);
}

/** The stand-ins read their expected credentials from 0600 files. */
function writeTokenFiles(stateDir: string, c: LocalCredentials): { slack: string; pagerduty: string } {
  const dir = path.join(stateDir, "secrets");
  const files = { slack: path.join(dir, "slack-token"), pagerduty: path.join(dir, "pagerduty-routing-key") };
  fs.writeFileSync(files.slack, c.slackToken, { mode: 0o600 });
  fs.writeFileSync(files.pagerduty, c.pagerdutyRoutingKey, { mode: 0o600 });
  return files;
}

/** Starts the whole local stack; on any failure stops what it started and rethrows. */
export async function startLocalStack(o: LocalStackOptions, onProgress: (p: Progress) => void = () => {}): Promise<LocalStack> {
  const already = runningFromPidFile(o.stateDir);
  if (already.length) throw new Error(`a local stack already runs from ${o.stateDir} (${already.map((r) => r.name).join(", ")}); stop it with \`npm stop\` first`);

  onProgress({ kind: "step", message: `rendering the dev stack's files for loopback into ${o.stateDir}` });
  const { cfg, topo: base } = localStackConfig(o);
  const topo: Topology = { ...base, workerUser: process.getuid?.() === 0 ? "nobody nogroup" : undefined };
  const credentials = loadOrCreateCredentials(o.stateDir, cfg);
  const secrets = await secretValues(o.stateDir, cfg, credentials, o.ports.slack);
  writeFiles(topo, [...renderConfigFiles(cfg, topo), ...renderSecretFiles(cfg, secrets)]);
  for (const d of ["prometheus", "alertmanager", "receivers"]) fs.mkdirSync(dataDir(o, d), { recursive: true });
  const nginxPaths = localNginxPaths(path.join(topo.roots.nginx, SUBDIRS.secrets), o.stateDir);
  for (const d of localNginxDirs(nginxPaths)) fs.mkdirSync(d, { recursive: true });
  handOverToWorkers(topo);

  const plan = localPlan(o, cfg, topo, writeTokenFiles(o.stateDir, credentials));
  onProgress({ kind: "step", message: "checking binaries and ports" });
  assertBinaries(plan);
  await assertPortsFree(plan);
  for (const message of NOT_AVAILABLE_LOCALLY) onProgress({ kind: "note", message });

  const sup = new Supervisor(o.stateDir);
  try {
    // Start in waves: independent processes together, then wait for all of them.
    const waves = [plan.filter((s) => s.name === "receivers" || !["traffic", "prometheus", "alertmanager", "node-exporter", "nginx"].includes(s.name)), plan.filter((s) => ["traffic", "alertmanager", "node-exporter", "nginx"].includes(s.name)), plan.filter((s) => s.name === "prometheus")];
    let index = 0;
    for (const wave of waves) {
      const started = wave.map((spec) => {
        index += 1;
        onProgress({ kind: "starting", name: spec.name, index, total: plan.length });
        sup.start(spec);
        return { spec, index };
      });
      await Promise.all(started.map(async ({ spec, index: i }) => onProgress({ kind: "healthy", name: spec.name, index: i, total: plan.length, ms: await sup.waitHealthy(spec, 60_000) })));
    }
  } catch (e) {
    await sup.stopAll();
    throw e;
  }
  const p = o.ports;
  const urls = [
    { what: "Prometheus (targets, alerts, graph)", url: `http://127.0.0.1:${p.prometheus}/classic/targets` },
    { what: "Alertmanager", url: `http://127.0.0.1:${p.alertmanager}/` },
    { what: "node-exporter", url: `http://127.0.0.1:${p.nodeExporter}/metrics` },
    { what: "Front door (TLS, basic auth; /health)", url: `https://127.0.0.1:${p.frontDoorHttps}/health` },
    { what: "PagerDuty + Slack stand-ins (notifications)", url: `http://127.0.0.1:${p.pagerduty}/` },
    { what: "Traffic generator (achieved rates)", url: `http://127.0.0.1:${p.traffic}/` },
    { what: "payment-processor /metrics", url: `http://127.0.0.1:${plan.find((s) => s.name === "payment-processor")!.ports[0]}/metrics` },
  ];
  return { options: o, cfg, topo, credentials, processes: plan, urls, stop: () => sup.stopAll() };
}
