/**
 * Last suite: stopping the local stack leaves no process behind.
 */
import { groupMembers, pidFile, stopFromPidFile } from "../../local/supervisor";
import * as fs from "fs";
import { stackInfo } from "./stack-env";

test("stopping the local stack leaves no process behind", async () => {
  const { options } = stackInfo();
  const records = JSON.parse(fs.readFileSync(pidFile(options.stateDir), "utf8")) as Array<{ name: string; pid: number }>;
  expect(records.length).toBe(18);
  const before = records.filter((r) => groupMembers(r.pid).length > 0).map((r) => r.name);
  expect(before).toHaveLength(18); // everything was still running
  await stopFromPidFile(options.stateDir);
  const leftovers = records.flatMap((r) => groupMembers(r.pid).map((pid) => `${r.name}:${pid}`));
  expect(leftovers).toEqual([]);
  // Nothing else from the stack's state dir runs either (e.g. an orphaned child).
  const strays = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(options.stateDir);
    } catch {
      return false;
    }
  });
  expect(strays).toEqual([]);
});
