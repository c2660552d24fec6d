/**
 * Test harness shared by the rules tests: the stacks under test, a fixed temp layout of their
 * rendered rule files, and the promtool binaries to run.
 *
 * Layout, per stack, below one temp dir:
 *   <stack>/rules/*.yml              the rule files exactly as deployed
 *   <stack>/rules-unannotated/*.yml  the same rules without annotations (see below)
 *   <stack>/tests/*.test.yml         copies of rules/tests/ (they name ../rules*, relative paths)
 *   <stack>/tests/fixtures/*.yml     rule files some timelines add (e.g. an old Prometheus)
 *
 * promtool compares an alert's annotations in full, and ours hold stack-specific URLs and long
 * sentences; repeating them in every timeline would bury the timelines. So the timelines run
 * against the unannotated copy (same expressions, `for`, labels) and annotations.dev.test.yml
 * checks every alert's rendered annotations once against the real files.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig, readStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { dockerTopology, kubernetesTopology, localTopology, type Topology } from "../render/topology";
import { renderRuleFiles, ruleGroups } from "./index";
import { toYaml } from "../render/yaml";

/** Where the hand-written promtool unit tests live. */
export const TESTS_DIR = path.join(__dirname, "tests");
export const RUNBOOKS_DIR = path.resolve(__dirname, "..", "docs", "runbooks");

export type StackName = "dev" | "prod" | "local";
export const STACK_NAMES: StackName[] = ["dev", "prod", "local"];

/** The config and topology of a stack under test; local is the dev config on loopback. */
export function stackUnderTest(name: StackName): { cfg: StackConfig; topo: Topology } {
  const file = readStackFile(name === "prod" ? "prod" : "dev");
  const cfg = parseStackConfig(file.raw, { present: new Set(), required: false }, name);
  const topo = name === "dev" ? dockerTopology(cfg) : name === "prod" ? kubernetesTopology(cfg) : localTopology(cfg, path.join(os.tmpdir(), "local-stack"));
  return { cfg, topo };
}

/** Renders the stack's rule files (and the unannotated copy) and copies the unit tests; returns <dir>/<stack>. */
export function renderLayout(dir: string, name: StackName): string {
  const root = path.join(dir, name);
  const { cfg, topo } = stackUnderTest(name);
  write(path.join(root, "rules"), renderRuleFiles(cfg, topo));
  const bare = Object.fromEntries(
    Object.entries(ruleGroups(cfg, topo)).map(([file, groups]) => [
      file,
      toYaml({ groups: groups.map((g) => ({ ...g, rules: g.rules.map((r) => ({ ...r, annotations: undefined })) })) }, "rules/testing.ts"),
    ]),
  );
  write(path.join(root, "rules-unannotated"), bare);
  // Test files and their fixtures/ (shared rule files standing in for scraped series).
  fs.cpSync(TESTS_DIR, path.join(root, "tests"), { recursive: true });
  return root;
}

function write(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
}

/**
 * Unit-test files for a stack: `<topic>.<stack>.test.yml` runs on that stack only,
 * `<topic>.test.yml` on every stack.
 */
export function testFilesFor(name: StackName): string[] {
  return fs
    .readdirSync(TESTS_DIR)
    .filter((f) => f.endsWith(".test.yml"))
    .filter((f) => {
      const parts = f.split(".");
      return parts.length === 3 || parts[parts.length - 3] === name;
    })
    .sort();
}

/** A tool binary and the version it stands for. */
export interface Tool {
  name: string;
  bin: string;
}

const ROOT = path.resolve(__dirname, "..");

/**
 * Debian's build (what the local stack runs) always, and the dev/prod image's version when
 * $<envVar> or .local/bin/<file> (scripts/setup.sh) has it. In CI the image's is required.
 */
function toolPair(debian: Tool, name: string, envVar: string, file: string): Tool[] {
  const found = [process.env[envVar], path.join(ROOT, ".local", "bin", file)].find((c): c is string => !!c && isExecutable(c));
  if (!found && process.env.CI === "true") throw new Error(`${name} not found ($${envVar} or .local/bin/${file}); run scripts/setup.sh`);
  return found ? [debian, { name, bin: found }] : [debian];
}

/** promtool 2.42 (local stack) and 3.5 (dev/prod images): rules must pass both. */
export function promtools(): Tool[] {
  return toolPair({ name: "promtool 2.42", bin: "/usr/bin/promtool" }, "promtool 3.5", "PROMTOOL3", "promtool-3.5.0");
}

/** amtool 0.25 (local stack) and 0.28 (dev/prod images). */
export function amtools(): Tool[] {
  return toolPair({ name: "amtool 0.25", bin: "/usr/bin/amtool" }, "amtool 0.28", "AMTOOL28", "amtool-0.28.1");
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs a tool; returns exit code and combined output instead of throwing. */
export function run(bin: string, args: string[], cwd?: string, timeoutMs = 120_000): { code: number; output: string } {
  try {
    const out = execFileSync(bin, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    return { code: 0, output: out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string; message: string };
    return { code: err.status ?? -1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` || err.message };
  }
}
