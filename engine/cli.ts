/**
 * `npm run engine -- <preview|up|destroy|refresh> --stack <name> [options]`
 * `npm run engine -- config <pulumi config args...> --stack <name> [options]`
 *
 * Runs index.ts under the real Pulumi engine on a machine without the Node.js language host
 * (see engine/driver.ts). Real users run `pulumi` instead; this is how the tests (and anyone
 * on a machine like this one) run the engine.
 *
 * Options:
 *   --stack <name>          required (dev, prod)
 *   --work-dir <dir>        where Pulumi.yaml and Pulumi.<stack>.yaml live; default
 *                           .local/engine/work (copied from the project on first use, so the
 *                           encryption salt and `config set` never touch the tracked files);
 *                           `--work-dir .` uses the project's own files
 *   --backend <url>         state backend; default $PULUMI_BACKEND_URL, else file://.local/engine/state
 *   --pulumi-home <dir>     default .local/engine/pulumi-home (plugins are installed here)
 *   --kubeconfig <file>     cluster for the Kubernetes provider; default $KUBECONFIG
 *   --skip-await            annotate workloads/Services/claims with pulumi.com/skipAwait
 *                           (an API server without nodes, as in the tests)
 *   --random-standin        TEST ONLY: RandomPassword from tests/engine/random-standin
 *   --expect-no-changes     preview: exit 1 if anything would change
 *   --json <file>           write the result (steps, summary, diagnostics) as JSON
 * Environment: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is required.
 * Exit status: 0 on success, 1 on an engine or program error, 2 on bad usage.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../scripts/tools/find";
import { pulumiCli, runEngine, type EngineOp, type EngineOptions } from "./driver";

const OPS: EngineOp[] = ["preview", "up", "destroy", "refresh"];
const FLAGS = new Set(["--skip-await", "--random-standin", "--expect-no-changes"]);
const VALUED = new Set(["--stack", "--work-dir", "--backend", "--pulumi-home", "--kubeconfig", "--json"]);

class UsageError extends Error {}

/** Splits argv into the command, the driver's options and (for `config`) the pass-through rest. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): { command: string; options: EngineOptions; rest: string[]; json?: string } {
  const [command, ...args] = argv;
  if (!command || (!OPS.includes(command as EngineOp) && command !== "config")) {
    throw new UsageError(`first argument: got ${JSON.stringify(command ?? "")}; allowed: ${[...OPS, "config"].join(", ")}`);
  }
  const v: Record<string, string> = {};
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (VALUED.has(a)) {
      if (args[i + 1] === undefined) throw new UsageError(`${a}: needs a value`);
      v[a] = args[++i];
    } else if (FLAGS.has(a)) flags.add(a);
    else if (command === "config") rest.push(a);
    else throw new UsageError(`unknown option ${a}; allowed: ${[...VALUED, ...FLAGS].join(", ")}`);
  }
  if (!v["--stack"]) throw new UsageError("--stack: required (e.g. --stack prod)");
  const passphrase = env.PULUMI_CONFIG_PASSPHRASE ?? (env.PULUMI_CONFIG_PASSPHRASE_FILE ? fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").trim() : undefined);
  if (passphrase === undefined) throw new UsageError("PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): required by the local backend's passphrase secrets provider");
  const local = (p: string) => path.join(PROJECT_ROOT, ".local", "engine", p);
  const options: EngineOptions = {
    op: (command === "config" ? "preview" : command) as EngineOp,
    stack: v["--stack"],
    workDir: path.resolve(v["--work-dir"] ?? local("work")),
    backendUrl: v["--backend"] ?? env.PULUMI_BACKEND_URL ?? `file://${local("state")}`,
    pulumiHome: path.resolve(v["--pulumi-home"] ?? local("pulumi-home")),
    passphrase,
    kubeconfig: v["--kubeconfig"] ?? env.KUBECONFIG,
    skipAwait: flags.has("--skip-await"),
    randomStandIn: flags.has("--random-standin"),
    expectNoChanges: flags.has("--expect-no-changes"),
  };
  return { command, options, rest, json: v["--json"] };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`engine: ${e.message}\nusage: npm run engine -- <preview|up|destroy|refresh|config ...> --stack <name> [options] (see engine/cli.ts)`);
    return 2;
  }
  const { command, options, rest, json } = parsed;
  if (options.backendUrl.startsWith("file://")) fs.mkdirSync(options.backendUrl.slice("file://".length), { recursive: true });
  if (command === "config") {
    const { prepareWorkDir } = await import("./driver");
    prepareWorkDir(options.workDir, options.stack);
    const r = await pulumiCli(options, ["config", ...rest]).catch((e: Error) => e);
    if (r instanceof Error) {
      console.error(r.message);
      return 1;
    }
    process.stdout.write(r.stdout);
    return 0;
  }
  const result = await runEngine({ ...options, onOutput: (l) => console.log(l) });
  if (json) fs.writeFileSync(json, JSON.stringify(result, null, 2));
  const counts = Object.entries(result.summary).map(([k, n]) => `${k} ${n}`).join(", ");
  if (!result.ok) {
    console.error(`[engine] ${command} FAILED after ${result.seconds}s: ${result.error}`);
    return 1;
  }
  console.log(`[engine] ${command} of stack ${options.stack}: ${counts} (${result.seconds}s)`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(1);
    },
  );
}
