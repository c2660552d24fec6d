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
  timeline: { ok: boolean; figures: Record<string, number | null>; checks: Array<{ name: string; ok: boolean; detail: string }>; events: Array<{ kind: string; text: string }> };
  dir: string;
}

export async function runDrill(scenario: string, timeoutMs: number): Promise<DrillRun> {
  const { options } = stackInfo();
  const dir = path.join(ROOT, "test-results", `drill-${scenario}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const child = spawn(process.execPath, ["--import", "tsx", "local/drill/cli.ts", scenario, "--out", dir], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_PORT_OFFSET: String(E2E_PORT_OFFSET), LOCAL_STATE_DIR: options.stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
    process.stdout.write(d);
  });
  child.stderr.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  const file = path.join(dir, "timeline.json");
  if (!fs.existsSync(file)) throw new Error(`drill ${scenario} wrote no timeline (exit ${code}):\n${output.slice(-2000)}`);
  return { code, output, timeline: JSON.parse(fs.readFileSync(file, "utf8")), dir };
}
