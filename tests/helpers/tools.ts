/**
 * The real Prometheus/Alertmanager tools the tests run: Debian's (what the local stack
 * runs) and the versions of the dev/prod images (scripts/tools/build.sh, found by
 * scripts/tools/find.ts). In CI both
 * must exist; a missing tool there is a failure, not a skip.
 */
import { execFileSync, spawnSync } from "child_process";
import { optional, requireTool, type Tool } from "../../scripts/tools/find";

export type { Tool };

/** promtool builds: Debian 2.42 always; the image's 3.5 when built (required in CI). */
export function promtools(): { debian: Tool; image: Tool | null } {
  return { debian: requireTool("promtoolDebian"), image: optional("promtool") };
}

/**
 * amtool at the image's version (0.28), when built (required in CI). Debian's 0.25 cannot load
 * the stack's alertmanager.yml: the heartbeat receiver reads its URL from a file (url_file,
 * Alertmanager 0.26+), so it is not a check of anything the stack runs.
 */
export function amtools(): { image: Tool | null } {
  return { image: optional("amtool") };
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
