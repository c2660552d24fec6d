/**
 * Starts the local stack once for every e2e suite (real binaries on loopback).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLocalStack } from "../../local/stack";
import { e2eOptions, saveStackInfo } from "./stack-env";

export default async function globalSetup(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "monitoring-stack-e2e-"));
  const o = e2eOptions(stateDir);
  const t0 = Date.now();
  const log = (p: unknown) => fs.appendFileSync(path.join(stateDir, "start.log"), `${JSON.stringify(p)}\n`);
  await startLocalStack(o, log);
  process.stdout.write(`\ne2e: local stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s, state ${stateDir}\n`);
  saveStackInfo(o, Date.now());
}
