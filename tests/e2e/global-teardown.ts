/**
 * Safety net: if the teardown suite did not run (a crash, a filtered run), stop the stack.
 */
import { removeStackCgroups } from "../../local/cgroups";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stopFromPidFile } from "../../local/supervisor";
import { clearStackInfo, hasStackInfo, stackInfo } from "./stack-env";

export default async function globalTeardown(): Promise<void> {
  if (!hasStackInfo()) return; // nothing was started (only the HA suites ran; they stop their own stack)
  try {
    const { options } = stackInfo();
    const stopped = await stopFromPidFile(options.stateDir);
    if (stopped.length) process.stdout.write(`e2e teardown: stopped ${stopped.join(", ")}\n`);
    await removeStackCgroups(options.stateDir);
    // The state dir lives in <tmp>/monitoring-stack-e2e-*/.local/state: remove the whole temp
    // clone unless someone wants to read its logs (E2E_KEEP_STATE=1).
    const clone = path.resolve(options.stateDir, "..", "..");
    if (process.env.E2E_KEEP_STATE !== "1" && path.dirname(clone) === os.tmpdir() && path.basename(clone).startsWith("monitoring-stack-e2e-")) {
      fs.rmSync(clone, { recursive: true, force: true });
    } else if (process.env.E2E_KEEP_STATE === "1") {
      process.stdout.write(`e2e teardown: state kept in ${options.stateDir}\n`);
    }
  } finally {
    clearStackInfo();
  }
}
