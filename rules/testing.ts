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
import { execFile, execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, readStackFile } from "../config/load";
import { durationSeconds } from "../config/validate";
import type { StackConfig } from "../config/schema";
import { dockerTopology, kubernetesTopology, localTopology, type Topology } from "../render/topology";
import { renderRuleFiles, ruleGroups } from "./index";
import { toYaml } from "../render/yaml";
import { instanceCgroup } from "../local/cgroups";
import { isExecutable, optional, requireTool, type ToolId } from "../scripts/tools/find";

/** Where the hand-written promtool unit tests live. */
export const TESTS_DIR = path.join(__dirname, "tests");
export const RUNBOOKS_DIR = path.resolve(__dirname, "..", "docs", "runbooks");

/**
 * The stacks under test. `local` is the dev config on loopback with its services in cgroups
 * under cAdvisor (the normal local stack); `local-process` is the local stack's fallback when
 * cgroups cannot be created (memory/CPU from the services' process metrics).
 */
export type StackName = "dev" | "prod" | "local" | "local-process";
export const STACK_NAMES: StackName[] = ["dev", "prod", "local", "local-process"];

/** The config and topology of a stack under test; local is the dev config on loopback. */
export function stackUnderTest(name: StackName): { cfg: StackConfig; topo: Topology } {
  const file = readStackFile(name === "prod" ? "prod" : "dev");
  const cfg = parseStackConfig(file.raw, { present: new Set(), required: false }, name);
  const stateDir = path.join(os.tmpdir(), "local-stack");
  const topo =
    name === "dev" ? dockerTopology(cfg)
    : name === "prod" ? kubernetesTopology(cfg)
    : localTopology(cfg, stateDir, undefined, { serviceCgroups: name === "local" ? instanceCgroup(stateDir, {}) : null });
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
 * Which `<topic>.<tag>.test.yml` files each stack runs; `<topic>.test.yml` runs on the two
 * deployed stacks (dev, prod). `cadvisor` timelines — container memory, CPU and OOM kills, from the same cAdvisor input —
 * run on every stack whose containers cAdvisor measures: all but the local fallback. The local
 * stack's rule files are dev's byte for byte apart from addresses (rules/stacks.test.ts), so
 * dev's other timelines, and the untagged ones, are not run a second time on it (nor on the
 * process fallback, which differs from them only in the `service-resources` group). Each run is
 * 10-40 s of promtool per engine version: on 2 cores this is minutes of CI.
 */
export const TEST_TAGS: Record<StackName, string[]> = {
  dev: ["dev", "cadvisor"],
  prod: ["prod", "cadvisor"],
  local: ["local", "cadvisor"],
  "local-process": ["local-process"],
};

/** The stacks that run the untagged `<topic>.test.yml` files (see TEST_TAGS). */
export const UNTAGGED_ON: StackName[] = ["dev", "prod"];

/** Unit-test files for a stack (see TEST_TAGS). */
export function testFilesFor(name: StackName): string[] {
  return fs
    .readdirSync(TESTS_DIR)
    .filter((f) => f.endsWith(".test.yml"))
    .filter((f) => {
      const parts = f.split(".");
      return parts.length === 3 ? UNTAGGED_ON.includes(name) : TEST_TAGS[name].includes(parts[parts.length - 3]);
    })
    .sort();
}

/** The latest `eval_time` in a timeline file: how much simulated time promtool replays, in seconds. */
export function timelineSpanSeconds(file: string): number {
  const doc = yaml.load(fs.readFileSync(path.join(TESTS_DIR, file), "utf8")) as { tests?: Array<{ promql_expr_test?: Array<{ eval_time: string }>; alert_rule_test?: Array<{ eval_time: string }> }> };
  const times = (doc.tests ?? []).flatMap((t) => [...(t.promql_expr_test ?? []), ...(t.alert_rule_test ?? [])].map((x) => durationSeconds(x.eval_time)));
  if (!times.length || times.some((t) => !Number.isFinite(t))) throw new Error(`${file}: every test needs an eval_time promtool parses`);
  return Math.max(...times);
}

/**
 * Timelines that replay a day or more (the 6x/3x/1x tiers over a week, the 1d/3d windows from
 * hourly sums, the slow tiers' history guard over 26 h) run on one promtool, the image's (3.5:
 * what dev and prod evaluate those alerts with), and on Debian's 2.42 only when 3.5 is not
 * built. The trade-off: they are half the CPU of the timelines (measured 2026-12-01 on 2.42,
 * a loaded host: burn-days 356 s, slo-history-slow 447 s, slo-windows 86 s of the 1,728 s of all
 * 21 runs; 3.5 alike), and 2.42 runs the local stack, which lives for minutes to hours, with rule files
 * that are dev's byte for byte (rules/stacks.test.ts). What differs between the two versions
 * is the engine (3.0 made range selections left-open), and every construct the long
 * timelines use (rate, last_over_time and sum_over_time windows, offset, the hour tiling)
 * is replayed on both by the shorter ones (slo-period, slo-history, burn-minutes, ...).
 * A CI run timed out with both: one of these took over 30 minutes on a contended host.
 */
export const ONE_VERSION_FROM_S = 86_400;

/** The timelines a promtool runs for a stack: all of testFilesFor(stack) on the last (newest) of `tools`; on the others, those under ONE_VERSION_FROM_S. */
export function timelinesFor(stack: StackName, tool: Tool, tools: Tool[]): string[] {
  const files = testFilesFor(stack);
  return tool.bin === tools[tools.length - 1].bin ? files : files.filter((f) => timelineSpanSeconds(f) < ONE_VERSION_FROM_S);
}

/**
 * A digest of everything `promtool test rules <file>` reads, run in `testsDir`: the timeline
 * and each rule file its `rule_files` names (globs resolved, as promtool does, in order).
 * Two runs with the same digest on the same promtool are the same computation: dev and prod
 * render byte-identical SLO rule files, so the untagged timelines that read only those run
 * once for both (rules/promtool.test.ts), and run twice again the day the files differ.
 */
export function timelineInputsDigest(testsDir: string, file: string): string {
  const text = fs.readFileSync(path.join(testsDir, file), "utf8");
  const h = createHash("sha256").update(text);
  for (const pattern of ((yaml.load(text) as { rule_files?: string[] }).rule_files ?? [])) {
    const dir = path.resolve(testsDir, path.dirname(pattern));
    const base = path.basename(pattern);
    const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
    const names = base.includes("*") || base.includes("?") ? fs.readdirSync(dir).filter((n) => re.test(n)).sort() : [base];
    if (!names.length) throw new Error(`${file}: rule_files pattern ${pattern} matches nothing in ${dir}`);
    for (const n of names) h.update(`\0${n}\0`).update(fs.readFileSync(path.join(dir, n)));
  }
  return h.digest("hex");
}

/** A tool binary and the version it stands for. */
export interface Tool {
  name: string;
  bin: string;
}


/**
 * Debian's build (what the local stack runs) always, and the dev/prod image's version when
 * built (scripts/tools/find.ts; required in CI).
 */
function toolPair(debian: ToolId, image: ToolId, name: [string, string]): Tool[] {
  const d = requireTool(debian);
  const i = optional(image);
  return i ? [{ name: name[0], bin: d.path }, { name: name[1], bin: i.path }] : [{ name: name[0], bin: d.path }];
}

/** promtool 2.42 (local stack) and 3.5 (dev/prod images): rules must pass both. */
export function promtools(): Tool[] {
  return toolPair("promtoolDebian", "promtool", ["promtool 2.42", "promtool 3.5"]);
}

/**
 * amtool 0.28, the images' version and, since the dead man's switch, the local stack's too:
 * the heartbeat URL is read from a file (url_file), which 0.25 does not know. Empty when not
 * built (outside CI; the suite then says it skipped).
 */
export function amtools(): Tool[] {
  const t = optional("amtool");
  return t ? [{ name: "amtool 0.28", bin: t.path }] : [];
}

export { isExecutable };

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

/** run() without blocking the test process: the same result, as a promise that never rejects. */
export function runAsync(bin: string, args: string[], cwd?: string, timeoutMs = 120_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, output: stdout });
      // A kill (timeout) has no exit code: -1, as run() reports it.
      resolve({ code: typeof err.code === "number" ? err.code : -1, output: `${stdout}${stderr}` || err.message });
    });
  });
}

/**
 * Long tool runs, started ahead of the tests that read them. Jest runs the tests of a file one
 * after another, so a file of promtool timelines keeps one core busy however many there are.
 * RunAhead keeps `width` jobs running, in order, while each test still reads its own result:
 * when a job ends the next one starts, up to `lookahead` jobs past the last one a test asked for
 * (a long job does not hold the other core idle, and a filtered run, `jest -t`, starts at most
 * `lookahead` jobs it never reads). settle() waits for the ones running (call it before
 * removing their files).
 */
export class RunAhead<T> {
  private readonly started = new Map<number, Promise<T>>();
  private running = 0;
  private next = 0;
  private asked = -1;

  constructor(private readonly jobs: (() => Promise<T>)[], private readonly width: number, private readonly lookahead = 8) {
    if (!Number.isInteger(width) || width < 1) throw new Error(`RunAhead width must be an integer >= 1, got ${width}`);
    if (!Number.isInteger(lookahead) || lookahead < width - 1) throw new Error(`RunAhead lookahead must be an integer >= width - 1 (${width - 1}), got ${lookahead}`);
  }

  get(i: number): Promise<T> {
    if (!Number.isInteger(i) || i < 0 || i >= this.jobs.length) throw new Error(`RunAhead: no job ${i} (${this.jobs.length} jobs)`);
    this.asked = Math.max(this.asked, i);
    // Jobs before i that were never started belong to tests that did not run (filtered).
    if (!this.started.has(i)) this.start(i);
    this.next = Math.max(this.next, i + 1);
    this.pump();
    return this.started.get(i)!;
  }

  /** How many jobs have been started so far. */
  get startedCount(): number {
    return this.started.size;
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.started.values());
  }

  private start(i: number): void {
    this.running++;
    const p = this.jobs[i]();
    this.started.set(i, p);
    const done = () => {
      this.running--;
      this.pump();
    };
    p.then(done, done);
  }

  private pump(): void {
    const end = Math.min(this.jobs.length, this.asked + 1 + this.lookahead);
    while (this.running < this.width && this.next < end) {
      if (!this.started.has(this.next)) this.start(this.next);
      this.next++;
    }
  }
}
