/**
 * The real-engine suite's plumbing: a throwaway work dir (Pulumi.yaml + the real
 * Pulumi.prod.yaml, copied), local backend and PULUMI_HOME per stack; the driver run as
 * `npm run engine` runs it (a child process per operation, so every run loads index.ts
 * fresh, exactly like `pulumi` would); `pulumi config set` through the real CLI.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineResult } from "../../engine/driver";
import { prepareWorkDir, pulumiCli } from "../../engine/driver";
import { generateSelfSignedCert } from "../../nginx/selfsigned";
import { PROJECT_ROOT } from "../../scripts/tools/find";
import { TEST_SECRETS } from "../helpers/pulumi-program";

export interface EngineStack {
  stack: string;
  root: string;
  workDir: string;
  backendUrl: string;
  pulumiHome: string;
  passphrase: string;
  kubeconfig?: string;
  /** Extra driver flags every operation gets. */
  flags: string[];
}

/** A fresh work dir, backend and home for `stack`; `pulumiHome` may be shared (plugins install once). */
export function newStack(stack: string, opts: { kubeconfig?: string; pulumiHome?: string; skipAwait?: boolean } = {}): EngineStack {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `ms-engine-${stack}-`));
  const backend = path.join(root, "state");
  fs.mkdirSync(backend);
  const s: EngineStack = {
    stack,
    root,
    workDir: path.join(root, "work"),
    backendUrl: `file://${backend}`,
    pulumiHome: opts.pulumiHome ?? path.join(root, "pulumi-home"),
    passphrase: "engine-test-passphrase",
    kubeconfig: opts.kubeconfig,
    flags: ["--random-standin", ...(opts.skipAwait ? ["--skip-await"] : [])],
  };
  prepareWorkDir(s.workDir, stack);
  return s;
}

/** `pulumi <args>` (real CLI) in the stack's work dir. */
export const cli = (s: EngineStack, args: string[]) => pulumiCli(s, args);

/** `pulumi stack init` + the five required secrets (TLS from a fresh self-signed certificate). */
export async function initStack(s: EngineStack): Promise<void> {
  await cli(s, ["stack", "init", "--secrets-provider", "passphrase"]);
  const cert = await generateSelfSignedCert(path.join(s.root, "tls"), "grafana.internal.example.com");
  const secrets: Record<string, string> = {
    pagerdutyRoutingKey: TEST_SECRETS.pagerdutyRoutingKey,
    slackWebhookUrl: TEST_SECRETS.slackWebhookUrl,
    heartbeatUrl: TEST_SECRETS.heartbeatUrl,
    tlsCertificate: fs.readFileSync(cert.certPath, "utf8"),
    tlsPrivateKey: fs.readFileSync(cert.keyPath, "utf8"),
  };
  for (const [k, v] of Object.entries(secrets)) await cli(s, ["config", "set", "--secret", k, "--", v]);
}

/** Runs `npm run engine -- <op> ...` for the stack and returns the driver's JSON result. */
export async function engine(s: EngineStack, op: "preview" | "up" | "destroy" | "refresh", extra: string[] = [], timeoutMs = 8 * 60_000): Promise<EngineResult> {
  const json = path.join(s.root, `result-${op}-${Date.now()}.json`);
  const args = [
    "--import", "tsx", path.join(PROJECT_ROOT, "engine", "cli.ts"), op,
    "--stack", s.stack, "--work-dir", s.workDir, "--backend", s.backendUrl, "--pulumi-home", s.pulumiHome,
    ...(s.kubeconfig ? ["--kubeconfig", s.kubeconfig] : []), ...s.flags, ...extra, "--json", json,
  ];
  const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: s.passphrase, KUBECONFIG: s.kubeconfig ?? path.join(s.root, "no-kubeconfig") };
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => output.push(String(d)));
    child.stderr.on("data", (d) => output.push(String(d)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`engine ${op} timed out after ${timeoutMs / 1000}s:\n${output.join("").slice(-3000)}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c ?? -1);
    });
  });
  if (!fs.existsSync(json)) throw new Error(`engine ${op} exited ${code} without a result:\n${output.join("").slice(-3000)}`);
  const result = JSON.parse(fs.readFileSync(json, "utf8")) as EngineResult;
  if ((code === 0) !== result.ok) throw new Error(`engine ${op}: exit ${code} but ok=${result.ok}`);
  return result;
}

/** Steps that change something (everything but `same`), as "op type name". */
export const changes = (r: EngineResult) => r.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${shortType(s.type)} ${s.name}`).sort();

/** kubernetes:apps/v1:StatefulSet -> StatefulSet; other types unchanged. */
export const shortType = (t: string) => (t.startsWith("kubernetes:") ? t.split(":").pop()! : t);

/** Removes the stack's temp dirs (not a shared PULUMI_HOME outside it). */
export function removeStack(s: EngineStack): void {
  fs.rmSync(s.root, { recursive: true, force: true });
}
