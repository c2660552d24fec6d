/**
 * Runs index.ts under the real Pulumi engine (Automation API, inline program) for one stack:
 * preview, up, destroy or refresh, against a local file backend with a passphrase secrets
 * provider, with the toolchain of toolchain.ts. Returns what the engine did, step by step,
 * so tests can assert on it; `engine/cli.ts` is the command-line front (`npm run engine`).
 *
 * Real users do not need any of this: they run `pulumi preview` / `pulumi up` (README).
 */
import { LocalWorkspace, PulumiCommand, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../config/load";
import { PROJECT_ROOT } from "../scripts/tools/find";
import { inlineProgram } from "./program";
import { cliRoot, engineEnv, installPlugins, KUBERNETES_PROVIDER_VERSION, KUBERNETES_SDK_VERSION, RANDOM_STANDIN_VERSION, type InstalledPlugins } from "./toolchain";

export type EngineOp = "preview" | "up" | "destroy" | "refresh";

export interface EngineOptions {
  op: EngineOp;
  stack: string;
  /** Directory with Pulumi.yaml and Pulumi.<stack>.yaml (copied there from the project if absent). */
  workDir: string;
  /** State backend, e.g. file:///tmp/state. */
  backendUrl: string;
  /** PULUMI_HOME: plugins and the CLI link go here (keep it throwaway). */
  pulumiHome: string;
  passphrase: string;
  /** kubeconfig file for the Kubernetes provider (KUBECONFIG). */
  kubeconfig?: string;
  /** Annotate node-dependent kinds with pulumi.com/skipAwait (an API server without nodes). */
  skipAwait?: boolean;
  /** Use the test-only RandomPassword stand-in (tests/engine/random-standin). */
  randomStandIn?: boolean;
  /** preview: fail if anything would change. */
  expectNoChanges?: boolean;
  /** Lines of the CLI's own output, as they come. */
  onOutput?: (line: string) => void;
}

/** One engine step as the tests need it. */
export interface EngineStep {
  op: string;
  urn: string;
  type: string;
  name: string;
  /** Top-level properties that differ. */
  diffs: string[];
  /** Property paths and their kind (update, add, delete, *-replace), from the provider. */
  detailedDiff: Record<string, string>;
  /** Properties whose change forces replacement. */
  replaceKeys: string[];
}

export interface EngineDiagnostic {
  severity: string;
  message: string;
  urn?: string;
}

export interface EngineResult {
  op: EngineOp;
  stack: string;
  ok: boolean;
  /** Counts per operation (create, update, same, replace, delete, ...), as the engine reports them. */
  summary: Record<string, number>;
  steps: EngineStep[];
  diagnostics: EngineDiagnostic[];
  /** Stack outputs after `up` (secret values shown as "[secret]"). */
  outputs?: Record<string, unknown>;
  plugins: InstalledPlugins;
  seconds: number;
  /** The CLI's text output (what `pulumi` would print). */
  log: string;
  error?: string;
}

/**
 * Copies Pulumi.yaml and Pulumi.<stack>.yaml into `workDir` unless they are there. The copied
 * Pulumi.yaml's `main` points back at the project's index.ts (the CLI checks that it exists,
 * relative to Pulumi.yaml, even for an inline program).
 */
export function prepareWorkDir(workDir: string, stack: string): void {
  fs.mkdirSync(workDir, { recursive: true });
  const stackFile = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`unknown stack "${stack}": ${stackFile} does not exist`);
  if (path.resolve(workDir) === PROJECT_ROOT) return;
  const project = path.join(workDir, "Pulumi.yaml");
  if (!fs.existsSync(project)) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
    const main = `main: ${path.join(PROJECT_ROOT, "index.ts")}`;
    const body = /^main:.*$/m.test(text) ? text.replace(/^main:.*$/m, main) : `${text.trimEnd()}\n${main}\n`;
    fs.writeFileSync(project, `# Copied from ${PROJECT_ROOT}/Pulumi.yaml by engine/driver.ts; main points back at the project.\n${body}`);
  }
  const dst = path.join(workDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(dst)) fs.copyFileSync(stackFile, dst);
}

/** The environment of the CLI for these options (also used for `pulumi config set`). */
export function envFor(o: Pick<EngineOptions, "pulumiHome" | "backendUrl" | "passphrase" | "kubeconfig">): Record<string, string> {
  return engineEnv(o.pulumiHome, o.backendUrl, o.passphrase, o.kubeconfig ? { KUBECONFIG: o.kubeconfig } : {});
}

/**
 * Runs the real CLI (e.g. `config set --path ...`, `stack init`) in the work dir with the
 * driver's environment; `--stack <name> --non-interactive` go before any `--`.
 */
export async function pulumiCli(o: Pick<EngineOptions, "pulumiHome" | "backendUrl" | "passphrase" | "kubeconfig" | "workDir" | "stack">, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const cli = path.join(cliRoot(o.pulumiHome), "bin", "pulumi");
  const dashdash = args.indexOf("--");
  const at = dashdash < 0 ? args.length : dashdash;
  const full = [...args.slice(0, at), "--stack", o.stack, "--non-interactive", ...args.slice(at)];
  return new Promise((resolve, reject) =>
    execFile(cli, full, { cwd: o.workDir, env: { ...process.env, ...envFor(o) }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`pulumi ${args.slice(0, 3).join(" ")} ... failed: ${stderr || err.message}`)) : resolve({ stdout, stderr }),
    ),
  );
}

/** The banner every run prints first: which toolchain really runs, and what is a stand-in. */
export function banner(p: InstalledPlugins, o: Pick<EngineOptions, "skipAwait">): string[] {
  const lines = [
    `[engine] Pulumi CLI ${require("@pulumi/pulumi/package.json").version}, inline program index.ts, local backend`,
    `[engine] Kubernetes provider ${p.kubernetes.version} (built from the Go module proxy), pinned by the driver; the npm SDK ${KUBERNETES_SDK_VERSION} would ask for ${KUBERNETES_SDK_VERSION}`,
  ];
  if (p.random) lines.push(`[engine] TEST-ONLY STAND-IN: RandomPassword from ${p.random.source} (provider version ${p.random.version}); never used by a real deployment`);
  if (o.skipAwait) lines.push("[engine] skipAwait on workloads, Services and claims (no kubelet/scheduler behind this API server)");
  return lines;
}

/** Runs one operation. Never throws for an engine failure: `ok: false` and `error` instead. */
export async function runEngine(o: EngineOptions): Promise<EngineResult> {
  const t0 = Date.now();
  prepareWorkDir(o.workDir, o.stack);
  const env = envFor(o);
  const plugins = await installPlugins(o.pulumiHome, env, { randomStandIn: !!o.randomStandIn });
  const pulumiCommand = await PulumiCommand.get({ root: cliRoot(o.pulumiHome) });

  const steps: EngineStep[] = [];
  const diagnostics: EngineDiagnostic[] = [];
  const logLines: string[] = [];
  const onOutput = (chunk: string) => {
    for (const line of chunk.replace(/\n$/, "").split("\n")) {
      logLines.push(line);
      o.onOutput?.(line);
    }
  };
  for (const l of banner(plugins, o)) onOutput(l);
  const onEvent = (e: EngineEvent) => {
    const m = e.resourcePreEvent?.metadata;
    if (m) {
      steps.push({
        op: m.op,
        urn: m.urn,
        type: m.type,
        name: m.urn.split("::").pop() ?? "",
        diffs: m.diffs ?? [],
        detailedDiff: Object.fromEntries(Object.entries(m.detailedDiff ?? {}).map(([k, v]) => [k, v.diffKind])),
        replaceKeys: m.keys ?? [],
      });
    }
    const d = e.diagnosticEvent;
    // The engine also streams its debug log as diagnostics; keep what `pulumi` would print.
    if (d && (d.severity as string) !== "debug") diagnostics.push({ severity: d.severity, message: d.message.trim(), urn: d.urn });
  };

  const result: EngineResult = { op: o.op, stack: o.stack, ok: false, summary: {}, steps, diagnostics, plugins, seconds: 0, log: "" };
  let stack: Stack | undefined;
  try {
    stack = await LocalWorkspace.createOrSelectStack(
      {
        stackName: o.stack,
        projectName: PROJECT,
        program: inlineProgram({
          kubernetesVersion: KUBERNETES_PROVIDER_VERSION,
          randomVersion: o.randomStandIn ? RANDOM_STANDIN_VERSION : undefined,
          skipAwait: !!o.skipAwait,
        }),
      },
      { workDir: o.workDir, pulumiHome: o.pulumiHome, envVars: env, pulumiCommand, secretsProvider: "passphrase" },
    );
    const common = { onOutput, onEvent, color: "never" as const };
    if (o.op === "preview") {
      const r = await stack.preview({ ...common, diff: true, expectNoChanges: o.expectNoChanges });
      result.summary = r.changeSummary as Record<string, number>;
    } else if (o.op === "up") {
      const r = await stack.up({ ...common, diff: true });
      result.summary = (r.summary.resourceChanges ?? {}) as Record<string, number>;
      result.outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
    } else if (o.op === "destroy") {
      const r = await stack.destroy(common);
      result.summary = (r.summary.resourceChanges ?? {}) as Record<string, number>;
    } else {
      const r = await stack.refresh(common);
      result.summary = (r.summary.resourceChanges ?? {}) as Record<string, number>;
    }
    result.ok = true;
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  }
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  result.log = logLines.join("\n");
  return result;
}
