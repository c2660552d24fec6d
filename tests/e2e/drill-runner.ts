/**
 * Runs `npm run drill -- <scenario>` (the real CLI, as CI and people run it) against the
 * e2e stack and returns its exit code, output and timeline.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { E2E_PORT_OFFSET, stackInfo } from "./stack-env";

const ROOT = path.resolve(__dirname, "../..");

export interface DrillRun {
  code: number | null;
  output: string;
  timeline: { ok: boolean; figures: Record<string, number | string | null>; checks: Array<{ name: string; ok: boolean; detail: string }>; events: Array<{ kind: string; text: string }> };
  dir: string;
}

/** Where and how to run a drill other than against the default e2e stack (the HA suite). */
export interface DrillTarget {
  stateDir?: string;
  /** Extra CLI arguments, e.g. ["--ha", "--hold-after-page", "60"]. */
  args?: string[];
  /** Report directory name below test-results/ (default drill-<scenario>). */
  name?: string;
  /** Called with every line the drill prints (its live timeline). */
  onLine?: (line: string) => void;
  /** Stops the drill (SIGTERM) when aborted, e.g. because the test around it failed. */
  signal?: AbortSignal;
}

export async function runDrill(scenario: string, timeoutMs: number, target?: DrillTarget): Promise<DrillRun> {
  const stateDir = target?.stateDir ?? stackInfo().options.stateDir;
  const dir = path.join(ROOT, "test-results", target?.name ?? `drill-${scenario}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const child = spawn(process.execPath, ["--import", "tsx", "local/drill/cli.ts", scenario, "--out", dir, ...(target?.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_PORT_OFFSET: String(E2E_PORT_OFFSET), LOCAL_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let partial = "";
  child.stdout.on("data", (d) => {
    output += d;
    process.stdout.write(d);
    const lines = (partial + String(d)).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) target?.onLine?.(line);
  });
  child.stderr.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  target?.signal?.addEventListener("abort", () => child.kill("SIGTERM"), { once: true });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  const file = path.join(dir, "timeline.json");
  if (!fs.existsSync(file)) throw new Error(`drill ${scenario} wrote no timeline (exit ${code}):\n${output.slice(-2000)}`);
  return { code, output, timeline: JSON.parse(fs.readFileSync(file, "utf8")), dir };
}
