/**
 * The engine toolchain this machine can run, and how it is put in place.
 *
 * - The Pulumi CLI built from the Go module proxy at the npm SDK's version (3.248.0).
 * - The Kubernetes provider built from the only source the proxy serves: a January 2026 commit
 *   of pulumi-kubernetes (version label 4.25.0-f47bc2d6f199), NOT the 4.34.2 the npm SDK asks
 *   for. It is installed under its own version into a throwaway PULUMI_HOME, and the driver pins
 *   every Kubernetes resource to that version (program.ts), so the engine, its state and every
 *   message say which provider really ran. See README "The real engine" for what this proves.
 * - Optionally (tests only), the RandomPassword stand-in (tests/engine/random-standin), under a
 *   version that names it.
 *
 * Nothing here is used by a real deployment: a user runs `pulumi`, which fetches the real
 * plugins at the SDK's versions.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_ROOT, VERSIONS, requireTool } from "../scripts/tools/find";

const run = promisify(execFile);

/** The provider version label of the built Kubernetes provider (scripts/tools/versions.env). */
export const KUBERNETES_PROVIDER_VERSION = VERSIONS.PULUMI_KUBERNETES_PROVIDER_VERSION;
/** What @pulumi/kubernetes in package.json asks for (and what the built provider is not). */
export const KUBERNETES_SDK_VERSION: string = require("@pulumi/kubernetes/package.json").version;
/** The version the RandomPassword stand-in is installed under (tests only). */
export const RANDOM_STANDIN_VERSION = "0.0.0-monitoring-stack-test-standin";
/** Where the stand-in lives: with the tests, never in the program. */
export const RANDOM_STANDIN_SOURCE = path.join(PROJECT_ROOT, "tests", "engine", "random-standin", "provider.ts");

/** Environment every CLI call gets: local only, no plugin downloads, no update checks. */
export function engineEnv(home: string, backendUrl: string, passphrase: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Only plugins installed into PULUMI_HOME: never one found on PATH, never a download.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    ...extra,
  };
}

/** The CLI laid out as the Automation API expects it (`<root>/bin/pulumi`); returns the root. */
export function cliRoot(home: string): string {
  const pulumi = requireTool("pulumi").path;
  const root = path.join(home, "cli");
  const link = path.join(root, "bin", "pulumi");
  if (!fs.existsSync(link) || fs.realpathSync(link) !== fs.realpathSync(pulumi)) {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(pulumi, link);
  }
  return root;
}

function pluginDir(home: string, name: string, version: string): string {
  return path.join(home, "plugins", `resource-${name}-v${version}`);
}

async function installPlugin(home: string, env: Record<string, string>, name: string, version: string, file: string): Promise<void> {
  if (fs.existsSync(path.join(pluginDir(home, name, version), `pulumi-resource-${name}`))) return;
  const cli = path.join(cliRoot(home), "bin", "pulumi");
  await run(cli, ["plugin", "install", "resource", name, version, "--file", file], { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }).catch((e) => {
    throw new Error(`pulumi plugin install resource ${name} ${version} --file ${file} failed: ${e.stderr || e.message}`);
  });
}

/** An executable that starts the RandomPassword stand-in (written next to PULUMI_HOME). */
function standInLauncher(home: string): string {
  const file = path.join(home, "random-standin-launcher.sh");
  const body = [
    "#!/bin/sh",
    "# TEST-ONLY stand-in for the random provider (tests/engine/random-standin/provider.ts).",
    `cd '${PROJECT_ROOT}' || exit 1`,
    `exec node --import tsx '${RANDOM_STANDIN_SOURCE}' "$@"`,
    "",
  ].join("\n");
  fs.writeFileSync(file, body, { mode: 0o755 });
  return file;
}

/** What the driver installed, for the banner and the tests. */
export interface InstalledPlugins {
  kubernetes: { version: string; binary: string };
  random?: { version: string; source: string };
}

/** Installs the built Kubernetes provider (and the stand-in, if asked) into `home`. */
export async function installPlugins(home: string, env: Record<string, string>, opts: { randomStandIn: boolean }): Promise<InstalledPlugins> {
  fs.mkdirSync(home, { recursive: true });
  const k8s = requireTool("pulumiKubernetes").path;
  await installPlugin(home, env, "kubernetes", KUBERNETES_PROVIDER_VERSION, k8s);
  const out: InstalledPlugins = { kubernetes: { version: KUBERNETES_PROVIDER_VERSION, binary: k8s } };
  if (opts.randomStandIn) {
    await installPlugin(home, env, "random", RANDOM_STANDIN_VERSION, standInLauncher(home));
    out.random = { version: RANDOM_STANDIN_VERSION, source: path.relative(PROJECT_ROOT, RANDOM_STANDIN_SOURCE) };
  }
  return out;
}
