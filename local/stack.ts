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
import { SECRET_FILES, SUBDIRS } from "../config/conventions";
import { createHash } from "crypto";
import * as os from "os";
import { blockingPath, lookupIdentity, mkdirWithParents, type WorkerIdentity } from "./fs";
import type { StandInInfo } from "./grafana-stand-in/page";
import { localStackConfig, servicePort, type LocalStackOptions } from "./config";
import { haConfigFiles, haDataDirs, haPlan, haUrls, startWaves } from "./ha";
import { openCgroups, type CgroupTree } from "./cgroups";
import { dataDir, localPlan } from "./plan";
import { loadOrCreateCredentials, secretValues, type LocalCredentials } from "./secrets";
import { assertBinaries, assertPortsFree, runningFromPidFile, Supervisor, type ProcessSpec, type SupervisorEvent } from "./supervisor";

/** A progress event for the console (or a test's log). */
export type Progress =
  | { kind: "step"; message: string }
  | { kind: "wave-start"; wave: number; waves: number; names: string[] }
  | { kind: "wave-healthy"; wave: number; waves: number; count: number; ms: number; slowest: { name: string; ms: number } }
  | { kind: "note"; message: string };

/** A running local stack. */
export interface LocalStack {
  options: LocalStackOptions;
  cfg: StackConfig;
  topo: Topology;
  credentials: LocalCredentials;
  processes: ProcessSpec[];
  /** The services' cgroups, or null in the process-metrics fallback. */
  cgroups: CgroupTree | null;
  urls: Array<{ what: string; url: string }>;
  /** The supervisor of its processes (exit events, for the foreground `npm start`). */
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/** What the local stack cannot run, said at start-up. */
export const NOT_AVAILABLE_LOCALLY = [
  "Grafana is not packaged by Debian: the front door (real nginx: TLS, basic auth, rate limit) proxies to a local STAND-IN that says what runs where and lists the provisioned dashboards with each panel's query linked to Prometheus; the dashboards themselves are checked by running their queries against Prometheus (tests/e2e).",
];

/** Said at start-up when the services cannot get cgroups: what differs from dev/prod, and why. */
export function cgroupFallbackNote(why: string): string {
  return `no cgroups (${why}): the services run without enforced limits, cAdvisor is not started, and memory/CPU come from each service's own process metrics against the limit it is told (process_resident_memory_bytes / service_memory_limit_bytes) — the one rule group that then differs from dev/prod (rules/recording.ts). Run as root with a writable /sys/fs/cgroup for the real path.`;
}

/** One line for a supervisor event (a service exited, was restarted). */
export function describeSupervisorEvent(e: SupervisorEvent): string {
  if (e.kind === "restarted") return `${e.name} restarted (pid ${e.pid}, restart ${e.restarts})`;
  const how = e.exit.signal ? `signal ${e.exit.signal}` : `code ${e.exit.code}`;
  return `${e.name} exited: ${e.exit.reason} (${how}); ${e.restartInMs === null ? "not restarted" : `restarting in ${e.restartInMs / 1000}s`}`;
}

/**
 * Writes every rendered file where the topology says: secrets 0600 in 0700 directories, the rest
 * 0644 in 0755 ones (parents created 0755: local/fs.ts says why that matters).
 */
export function writeFiles(topo: Topology, files: RenderedFile[]): void {
  for (const f of files) {
    const p = path.join(topo.roots[f.owner], f.path);
    const dir = path.dirname(p);
    if (!fs.existsSync(dir)) mkdirWithParents(dir, f.secret ? 0o700 : 0o755);
    fs.writeFileSync(p, f.content, { mode: f.secret ? 0o600 : 0o644 });
    fs.chmodSync(p, f.secret ? 0o600 : 0o644);
  }
}

/**
 * Where nginx's files go when root starts the stack (its workers drop to `worker`): under the
 * state dir when the worker can reach it, else a runtime directory it can (the state dir below a
 * 0700 home such as /root). Null when nginx runs as the invoking user (no privilege drop).
 */
export function nginxHomeFor(stateDir: string, worker: WorkerIdentity | null): string | undefined {
  if (!worker) return undefined;
  const blocked = blockingPath(stateDir, worker);
  if (!blocked) return undefined;
  const id = createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 12);
  const base = fs.existsSync("/run") && fs.statSync("/run").isDirectory() ? "/run" : os.tmpdir();
  return path.join(base, "monitoring-stack", `nginx-${id}`);
}

/**
 * When root starts nginx its workers run as `worker`: they open htpasswd on every request and
 * write the temp dir. Only those two are handed over (the TLS key is read by the root master);
 * then the whole way to htpasswd is checked, so a permission problem fails start-up with the
 * directory to fix instead of a 500 on every login.
 */
function handOverToWorkers(topo: Topology, worker: WorkerIdentity | null): void {
  if (!worker || !topo.stateDir) return;
  const secrets = path.join(topo.roots.nginx, SUBDIRS.secrets);
  const htpasswd = path.join(secrets, SECRET_FILES.htpasswd);
  fs.chownSync(secrets, 0, worker.gid);
  fs.chmodSync(secrets, 0o750);
  fs.chownSync(htpasswd, worker.uid, worker.gid);
  fs.chmodSync(htpasswd, 0o400);
  const paths = localNginxPaths(secrets, topo.stateDir, topo.nginxTempDir);
  for (const d of localNginxDirs(paths)) if (!fs.existsSync(d)) mkdirWithParents(d, 0o755);
  fs.chownSync(paths.tempDir, worker.uid, worker.gid);
  const blocked = blockingPath(htpasswd, worker, { read: true }) ?? blockingPath(paths.tempDir, worker, { write: true });
  if (blocked) {
    throw new Error(`nginx's workers run as "${worker.directive}" and cannot reach ${blocked} (mode ${(fs.statSync(blocked).mode & 0o777).toString(8)}); the front door would answer 500 to every login. Let others search that directory (chmod o+x) or set LOCAL_STATE_DIR to a directory they can reach.`);
  }
}

/** The user nginx's workers drop to when root starts the stack; null when nginx keeps our user. */
export function nginxWorker(): WorkerIdentity | null {
  if (process.getuid?.() !== 0) return null;
  const w = lookupIdentity("nobody", "nogroup") ?? lookupIdentity("nobody", "nobody");
  if (!w) throw new Error("the local stack runs as root but there is no user nobody (with group nogroup or nobody) for nginx's workers; create it or start the stack as a regular user");
  return w;
}

/** The stand-ins read their expected credentials from 0600 files. */
function writeTokenFiles(stateDir: string, c: LocalCredentials): { slack: string; pagerduty: string; heartbeat: string } {
  const dir = path.join(stateDir, "secrets");
  const files = { slack: path.join(dir, "slack-token"), pagerduty: path.join(dir, "pagerduty-routing-key"), heartbeat: path.join(dir, "heartbeat-token") };
  fs.writeFileSync(files.slack, c.slackToken, { mode: 0o600 });
  fs.writeFileSync(files.pagerduty, c.pagerdutyRoutingKey, { mode: 0o600 });
  fs.writeFileSync(files.heartbeat, c.heartbeatToken, { mode: 0o600 });
  return files;
}

/** Starts the whole local stack; on any failure stops what it started and rethrows. */
export async function startLocalStack(o: LocalStackOptions, onProgress: (p: Progress) => void = () => {}): Promise<LocalStack> {
  const already = runningFromPidFile(o.stateDir);
  if (already.length) throw new Error(`a local stack already runs from ${o.stateDir} (${already.map((r) => r.name).join(", ")}); stop it with \`npm stop\` first`);

  const opened = openCgroups(o.stateDir);
  const cgroups = "tree" in opened ? opened.tree : null;
  onProgress({ kind: "step", message: `rendering the dev stack's files for loopback into ${o.stateDir}` });
  // The state dir is traversable (0755); what is secret below it is 0700/0600.
  if (!fs.existsSync(o.stateDir)) mkdirWithParents(o.stateDir, 0o755);
  const worker = nginxWorker();
  const nginxHome = nginxHomeFor(o.stateDir, worker);
  if (nginxHome) {
    onProgress({ kind: "note", message: `nginx's workers (${worker!.directive}) cannot reach ${o.stateDir} (${blockingPath(o.stateDir, worker!)} is closed to them), so the front door's config, htpasswd and temp files go to ${nginxHome}` });
    mkdirWithParents(nginxHome, 0o755);
  }
  const { cfg, topo: base } = localStackConfig(o, { nginxHome, serviceCgroups: cgroups?.root ?? null });
  const topo: Topology = { ...base, workerUser: worker?.directive };
  const credentials = loadOrCreateCredentials(o.stateDir, cfg);
  const secrets = await secretValues(o.stateDir, cfg, credentials, o.ports);
  writeFiles(topo, [...renderConfigFiles(cfg, topo), ...renderSecretFiles(cfg, secrets), ...(o.ha ? haConfigFiles(cfg, topo) : [])]);
  for (const d of ["prometheus", "alertmanager", "receivers"]) if (!fs.existsSync(dataDir(o, d))) mkdirWithParents(dataDir(o, d), 0o755);
  if (o.ha) for (const d of haDataDirs(o)) if (!fs.existsSync(d)) mkdirWithParents(d, 0o755);
  const nginxPaths = localNginxPaths(path.join(topo.roots.nginx, SUBDIRS.secrets), o.stateDir, topo.nginxTempDir);
  for (const d of localNginxDirs(nginxPaths)) if (!fs.existsSync(d)) mkdirWithParents(d, 0o755);
  handOverToWorkers(topo, worker);

  const urls = localUrls(o, !!cgroups);
  const notes = [...NOT_AVAILABLE_LOCALLY, ...("unavailable" in opened ? [cgroupFallbackNote(opened.unavailable)] : [])];
  const standInInfo = writeStandInInfo(o, topo, urls, notes);
  const single = localPlan(o, cfg, topo, writeTokenFiles(o.stateDir, credentials), standInInfo);
  const plan = o.ha ? haPlan(o, cfg, topo, single) : single;
  onProgress({ kind: "step", message: "checking binaries and ports" });
  try {
    assertBinaries(plan);
    await assertPortsFree(plan);
  } catch (e) {
    await cgroups?.remove();
    throw e;
  }
  for (const message of notes) onProgress({ kind: "note", message });

  const sup = new Supervisor(o.stateDir, (e) => onProgress({ kind: "note", message: describeSupervisorEvent(e) }));
  const stop = async () => {
    await sup.stopAll();
    await cgroups?.remove();
  };
  try {
    if (cgroups) {
      for (const spec of plan) if (spec.resources) spec.cgroup = cgroups.create(spec.name, spec.resources);
      onProgress({ kind: "step", message: `${cgroups.services.length} services in cgroups under ${cgroups.root} (cgroup v${cgroups.driver.version}), limits from fleetResources` });
    }
    // Start in waves: independent processes together, then wait for all of them.
    const waves = startWaves(plan);
    for (const [i, wave] of waves.entries()) {
      onProgress({ kind: "wave-start", wave: i + 1, waves: waves.length, names: wave.map((s) => s.name) });
      const t0 = Date.now();
      wave.forEach((spec) => sup.start(spec));
      const times = await Promise.all(wave.map(async (spec) => ({ name: spec.name, ms: await sup.waitHealthy(spec, 60_000) })));
      const slowest = times.reduce((a, b) => (b.ms > a.ms ? b : a));
      onProgress({ kind: "wave-healthy", wave: i + 1, waves: waves.length, count: wave.length, ms: Date.now() - t0, slowest });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { options: o, cfg, topo, credentials, processes: plan, cgroups, urls, supervisor: sup, stop };
}

/** What runs where, as start-up prints it and the Grafana stand-in's page shows it. */
export function localUrls(o: LocalStackOptions, cadvisor = true): Array<{ what: string; url: string }> {
  const p = o.ports;
  return [
    { what: "Front door (TLS + basic auth) -> Grafana stand-in", url: `https://127.0.0.1:${p.frontDoorHttps}/` },
    { what: "Front door health (no auth, for load balancers)", url: `https://127.0.0.1:${p.frontDoorHttps}/health` },
    { what: "Prometheus (targets, alerts, graph)", url: `http://127.0.0.1:${p.prometheus}/classic/targets` },
    { what: "Alertmanager", url: `http://127.0.0.1:${p.alertmanager}/` },
    { what: "node-exporter", url: `http://127.0.0.1:${p.nodeExporter}/metrics` },
    ...(cadvisor ? [{ what: "cAdvisor (the services' cgroups)", url: `http://127.0.0.1:${p.cadvisor}/metrics` }] : []),
    { what: "PagerDuty + Slack stand-ins (notifications)", url: `http://127.0.0.1:${p.pagerduty}/` },
    { what: "Dead man's switch stand-in (heartbeat state)", url: `http://127.0.0.1:${p.heartbeat}/api/heartbeat` },
    { what: "Traffic generator (achieved rates)", url: `http://127.0.0.1:${p.traffic}/stats` },
    { what: "payment-processor /metrics", url: `http://127.0.0.1:${servicePort(o, "payment-processor")}/metrics` },
    ...(o.ha ? haUrls(o) : []),
  ];
}

/** The Grafana stand-in's page content (local/grafana-stand-in/page.ts), as a file it reads. */
function writeStandInInfo(o: LocalStackOptions, topo: Topology, urls: Array<{ what: string; url: string }>, notes: string[]): string {
  const info: StandInInfo = {
    urls,
    // Grafana's datasource: the deduplicating querier on the HA stack.
    prometheusUrl: `http://${topo.thanos?.query ?? topo.prometheus}`,
    dashboardsDir: path.join(topo.roots.grafana, SUBDIRS.dashboards),
    notes,
  };
  const file = path.join(o.stateDir, "run", "grafana-stand-in.json");
  if (!fs.existsSync(path.dirname(file))) mkdirWithParents(path.dirname(file), 0o755);
  fs.writeFileSync(file, JSON.stringify(info, null, 2));
  return file;
}
