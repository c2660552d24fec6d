/**
 * Starts the local stack once for every e2e suite (real binaries on loopback).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLocalStack } from "../../local/stack";
import { e2eOptions, saveStackInfo } from "./stack-env";

/**
 * True when every path pattern jest was given selects the HA suites (tests/e2e/ha/), which
 * start their own HA stack on the same ports: then the default stack is not started.
 */
export function onlyHaSuites(globalConfig: { testPathPatterns?: { patterns?: string[] } } | undefined): boolean {
  const patterns = globalConfig?.testPathPatterns?.patterns ?? [];
  return patterns.length > 0 && patterns.every((p) => /e2e\/ha(\/|$)/.test(p));
}

export default async function globalSetup(globalConfig?: { testPathPatterns?: { patterns?: string[] } }): Promise<void> {
  if (onlyHaSuites(globalConfig)) {
    process.stdout.write("\ne2e: only the HA suites are selected; they start their own stack\n");
    return;
  }
  // A state dir created from scratch below a directory like a clone (0755; mkdtemp makes 0700),
  // as `npm start` creates .local/state on a fresh clone: 05-front-door.test.ts checks the result.
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), "monitoring-stack-e2e-"));
  fs.chmodSync(clone, 0o755);
  const stateDir = path.join(clone, ".local", "state");
  const o = e2eOptions(stateDir);
  const t0 = Date.now();
  const log = (p: unknown) => fs.appendFileSync(path.join(clone, "start.log"), `${JSON.stringify(p)}\n`);
  const stack = await startLocalStack(o, log);
  process.stdout.write(`\ne2e: local stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s, state ${stateDir}\n`);
  saveStackInfo(o, Date.now(), stack.processes.map((p) => p.name));
}
