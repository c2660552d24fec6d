/**
 * The one tool finder: where every binary the project runs or tests with lives.
 *
 * Debian's packages (what the local stack runs) sit at fixed paths; the tools built from the
 * Go module proxy live in the cache outside the clone (scripts/tools/build.sh), keyed by the
 * versions in scripts/tools/versions.env, which this module parses so the two never disagree.
 * An environment variable per tool overrides the location (for a user's own build).
 *
 * In CI (CI=true) a missing built tool is an error naming the command that builds it, never a
 * silent skip; outside CI, `optional()` lets a suite say "skipped: <tool> not built" instead.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** Parses versions.env (KEY=VALUE lines, # comments). */
export function readVersions(file = path.join(__dirname, "versions.env")): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  return out;
}

export const VERSIONS = readVersions();

/** Root of the tool cache: $MONITORING_STACK_TOOLS, else ~/.cache/monitoring-stack/tools. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MONITORING_STACK_TOOLS ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "monitoring-stack", "tools");
}

/** One tool: a binary, the version it stands for, and how to get it when missing. */
export interface Tool {
  /** Human label, e.g. "promtool 3.5.0 (image)". */
  label: string;
  path: string;
}

interface Spec {
  label: string;
  env: string;
  /** Candidate paths in order; the first executable wins. */
  paths: () => string[];
  /** What to run when it is missing. */
  fix: string;
}

const built = (dir: string, bin: string) => () => [path.join(toolsDir(), dir, bin)];
const build = (what: string) => `bash scripts/tools/build.sh ${what}`;
const V = VERSIONS;

/** Every tool by id. */
export const TOOLS = {
  // Debian's (apt; scripts/setup.sh)
  promtoolDebian: { label: "promtool 2.42 (Debian)", env: "PROMTOOL", paths: () => ["/usr/bin/promtool"], fix: "apt-get install prometheus (npm run setup)" },
  amtoolDebian: { label: "amtool 0.25 (Debian)", env: "AMTOOL", paths: () => ["/usr/bin/amtool"], fix: "apt-get install prometheus-alertmanager (npm run setup)" },
  prometheusDebian: { label: "prometheus 2.42 (Debian)", env: "PROMETHEUS", paths: () => ["/usr/bin/prometheus"], fix: "apt-get install prometheus (npm run setup)" },
  alertmanagerDebian: { label: "alertmanager 0.25 (Debian)", env: "ALERTMANAGER", paths: () => ["/usr/bin/prometheus-alertmanager"], fix: "apt-get install prometheus-alertmanager (npm run setup)" },
  nodeExporter: { label: "node-exporter (Debian)", env: "NODE_EXPORTER", paths: () => ["/usr/bin/prometheus-node-exporter"], fix: "apt-get install prometheus-node-exporter (npm run setup)" },
  nginx: { label: "nginx (Debian)", env: "NGINX", paths: () => ["/usr/sbin/nginx"], fix: "apt-get install nginx-light (npm run setup)" },
  etcd: { label: "etcd 3.4 (Debian)", env: "ETCD", paths: () => ["/usr/bin/etcd"], fix: "apt-get install etcd-server (npm run setup)" },
  chromium: { label: "Chromium (Debian)", env: "CHROMIUM", paths: () => ["/usr/bin/chromium"], fix: "apt-get install chromium (npm run setup)" },
  // built from the Go module proxy (scripts/tools/build.sh), at the images' versions
  promtool: { label: `promtool ${V.PROMETHEUS_VERSION} (image)`, env: "PROMTOOL3", paths: built(`promtool-${V.PROMETHEUS_VERSION}`, "promtool"), fix: build("promtool") },
  prometheus: { label: `prometheus ${V.PROMETHEUS_VERSION} (image)`, env: "PROMETHEUS3", paths: built(`prometheus-${V.PROMETHEUS_VERSION}`, "prometheus"), fix: build("prometheus") },
  amtool: { label: `amtool ${V.ALERTMANAGER_VERSION} (image)`, env: "AMTOOL28", paths: built(`alertmanager-${V.ALERTMANAGER_VERSION}`, "amtool"), fix: build("alertmanager") },
  alertmanager: { label: `alertmanager ${V.ALERTMANAGER_VERSION} (image)`, env: "ALERTMANAGER28", paths: built(`alertmanager-${V.ALERTMANAGER_VERSION}`, "alertmanager"), fix: build("alertmanager") },
  pulumi: { label: `pulumi ${V.PULUMI_VERSION}`, env: "PULUMI_CLI", paths: built(`pulumi-${V.PULUMI_VERSION}`, "pulumi"), fix: build("pulumi") },
  pulumiKubernetes: { label: `pulumi-resource-kubernetes ${V.PULUMI_KUBERNETES_PROVIDER_VERSION}`, env: "PULUMI_KUBERNETES_PROVIDER", paths: built(`pulumi-kubernetes-${V.PULUMI_KUBERNETES_PROVIDER_VERSION}`, "pulumi-resource-kubernetes"), fix: build("pulumi-kubernetes") },
  kubeApiserver: { label: `kube-apiserver ${V.KUBERNETES_VERSION}`, env: "KUBE_APISERVER", paths: built(`kubernetes-${V.KUBERNETES_VERSION}`, "kube-apiserver"), fix: build("kubernetes") },
  kubeControllerManager: { label: `kube-controller-manager ${V.KUBERNETES_VERSION}`, env: "KUBE_CONTROLLER_MANAGER", paths: built(`kubernetes-${V.KUBERNETES_VERSION}`, "kube-controller-manager"), fix: build("kubernetes") },
  thanos: { label: `thanos ${V.THANOS_VERSION}`, env: "THANOS", paths: built(`thanos-${V.THANOS_VERSION}`, "thanos"), fix: build("thanos") },
  ruleReplay: { label: `rule-replay (Prometheus ${V.PROMETHEUS_VERSION} rule engine, rules/backtest/replay)`, env: "RULE_REPLAY", paths: () => [path.join(toolsDir(), `rule-replay-${ruleReplayKey()}`, "rule-replay"), ...keyedCandidates(`rule-replay-${V.PROMETHEUS_VERSION}-`, "rule-replay")], fix: build("rule-replay") },
  cadvisor: { label: `cadvisor ${V.CADVISOR_VERSION} (library, local/cadvisor main)`, env: "CADVISOR", paths: () => cadvisorCandidates(), fix: build("cadvisor") },
} satisfies Record<string, Spec>;

export type ToolId = keyof typeof TOOLS;

/**
 * cAdvisor is keyed by version + a hash of our main (build.sh cadvisor_key: the *.go files in
 * byte order, then go.mod and go.sum), so a build of other sources is never picked up.
 */
export function cadvisorKey(dir = path.join(ROOT, "local", "cadvisor")): string {
  const files = [...fs.readdirSync(dir).filter((f) => f.endsWith(".go")).sort(), "go.mod", "go.sum"];
  const hash = createHash("sha256");
  for (const f of files) hash.update(fs.readFileSync(path.join(dir, f)));
  return `${V.CADVISOR_VERSION}-${hash.digest("hex").slice(0, 10)}`;
}

function cadvisorCandidates(): string[] {
  return [path.join(toolsDir(), `cadvisor-${cadvisorKey()}`, "cadvisor")];
}

/** build.sh's rule_replay_key: the engine's version and a hash of our main's sources. */
export function ruleReplayKey(): string {
  const dir = path.join(ROOT, "rules", "backtest", "replay");
  const files = [...fs.readdirSync(dir).filter((f) => f.endsWith(".go")).sort(), "go.mod"];
  const hash = createHash("sha256");
  for (const f of files) hash.update(fs.readFileSync(path.join(dir, f)));
  return `${V.PROMETHEUS_VERSION}-${hash.digest("hex").slice(0, 10)}`;
}

/**
 * Tools built from our own Go main are keyed by version + a hash of its source (build.sh): the
 * build of the current source when there is one, else the newest build (a stale one still
 * runs; `bash scripts/tools/build.sh <tool>` brings it up to date).
 */
function keyedCandidates(prefix: string, bin: string): string[] {
  const dir = toolsDir();
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d.startsWith(prefix) && fs.existsSync(path.join(dir, d, ".complete")))
    .map((d) => path.join(dir, d, bin))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The tool's path, or null. */
export function locate(id: ToolId, env: NodeJS.ProcessEnv = process.env): Tool | null {
  const spec: Spec = TOOLS[id];
  const p = [env[spec.env], ...spec.paths()].find((c): c is string => !!c && isExecutable(c));
  return p ? { label: spec.label, path: p } : null;
}

/**
 * The tool's path when found, else the first place it is looked for: for module-level constants
 * of tools that are always installed (Debian's), where a missing one fails at spawn, naming it.
 */
export function pathOf(id: ToolId, env: NodeJS.ProcessEnv = process.env): string {
  return locate(id, env)?.path ?? env[TOOLS[id].env] ?? TOOLS[id].paths()[0];
}

/** The tool, or an error naming where it was looked for and the command that provides it. */
export function require_(id: ToolId): Tool {
  const t = locate(id);
  if (t) return t;
  const spec: Spec = TOOLS[id];
  throw new Error(`${spec.label} not found ($${spec.env}, ${spec.paths().join(", ") || "cache"}); get it with: ${spec.fix}`);
}
export { require_ as requireTool };

/**
 * A tool a suite can run without: null outside CI when missing (the suite then reports itself
 * skipped, naming the tool); in CI a missing tool throws, because CI must run everything.
 */
export function optional(id: ToolId): Tool | null {
  if (process.env.CI === "true") return require_(id);
  return locate(id);
}

/** Why a suite skips when `optional(id)` returned null: goes into the test name. */
export function skipReason(id: ToolId): string {
  const spec: Spec = TOOLS[id];
  return `SKIPPED: ${spec.label} not built (${spec.fix})`;
}

/** Project root, for callers that build paths next to the tools. */
export const PROJECT_ROOT = ROOT;
