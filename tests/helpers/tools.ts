/**
 * The real Prometheus/Alertmanager tools the tests run: Debian's (what the local stack
 * runs) and the versions of the dev/prod images (built by scripts/setup.sh). In CI both
 * must exist; a missing tool there is a failure, not a skip.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** One tool binary and the version it stands for. */
export interface Tool {
  label: string;
  path: string;
}

function find(label: string, envVar: string, candidates: string[], required: boolean): Tool | null {
  const p = [process.env[envVar], ...candidates].find((c) => c && fs.existsSync(c));
  if (p) return { label, path: p };
  if (required) throw new Error(`${label} not found (looked at $${envVar}, ${candidates.join(", ")}); run scripts/setup.sh`);
  return null;
}

const inCI = process.env.CI === "true";

/** promtool builds: Debian 2.42 always; the image's 3.5 when built (required in CI). */
export function promtools(): { debian: Tool; image: Tool | null } {
  return {
    debian: find("promtool 2.42 (Debian)", "PROMTOOL", ["/usr/bin/promtool"], true)!,
    image: find("promtool 3.5 (image)", "PROMTOOL3", [path.join(ROOT, ".local/bin/promtool-3.5.0")], inCI),
  };
}

/** amtool builds: Debian 0.25 always; the image's 0.28 when built (required in CI). */
export function amtools(): { debian: Tool; image: Tool | null } {
  return {
    debian: find("amtool 0.25 (Debian)", "AMTOOL", ["/usr/bin/amtool"], true)!,
    image: find("amtool 0.28 (image)", "AMTOOL28", [path.join(ROOT, ".local/bin/amtool-0.28.1")], inCI),
  };
}

/** Runs a tool; returns exit code and combined output. */
export function runTool(tool: Tool, args: string[], cwd?: string): { code: number; output: string; stdout: string } {
  const r = spawnSync(tool.path, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
}

/** Output of a command that must succeed. */
export function mustRun(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" });
}
