/**
 * Safety net: if the teardown suite did not run (a crash, a filtered run), stop the stack.
 */
import { stopFromPidFile } from "../../local/supervisor";
import { clearStackInfo, stackInfo } from "./stack-env";

export default async function globalTeardown(): Promise<void> {
  try {
    const { options } = stackInfo();
    const stopped = await stopFromPidFile(options.stateDir);
    if (stopped.length) process.stdout.write(`e2e teardown: stopped ${stopped.join(", ")}\n`);
  } finally {
    clearStackInfo();
  }
}
