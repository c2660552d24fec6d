/**
 * Last suite: Prometheus and Alertmanager data survive a restart of the local stack, and
 * stopping it leaves no process and no cgroup behind.
 */
import * as fs from "fs";
import { removeStackCgroups, stackCgroupExists } from "../../local/cgroups";
import { startLocalStack } from "../../local/stack";
import { groupMembers, pidFile, stopFromPidFile } from "../../local/supervisor";
import { FLEET } from "../../services/fleet";
import { getJson, query } from "./api";
import { stackInfo } from "./stack-env";

const { options: o, startedAt, processes } = stackInfo();

function straysOf(stateDir: string): string[] {
  return fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(stateDir);
    } catch {
      return false;
    }
  });
}

async function stopAndCheck(): Promise<void> {
  const records = JSON.parse(fs.readFileSync(pidFile(o.stateDir), "utf8")) as Array<{ name: string; pid: number; cgroup?: string }>;
  expect(records.map((r) => r.name).sort()).toEqual([...processes].sort());
  expect(records.filter((r) => groupMembers(r.pid).length > 0)).toHaveLength(processes.length); // all were running
  expect(records.filter((r) => r.cgroup).map((r) => r.name).sort()).toEqual(FLEET.map((s) => s.name).sort());
  expect(stackCgroupExists(o.stateDir)).toBe(true);
  // What `npm stop` does from another terminal.
  await stopFromPidFile(o.stateDir);
  await removeStackCgroups(o.stateDir);
  expect(records.flatMap((r) => groupMembers(r.pid).map((pid) => `${r.name}:${pid}`))).toEqual([]);
  expect(stackCgroupExists(o.stateDir)).toBe(false);
  // Nothing else started from the stack's state dir runs either (e.g. an orphaned child).
  expect(straysOf(o.stateDir)).toEqual([]);
}

test("stopping the stack leaves nothing; after a restart Prometheus' series and Alertmanager's silences are still there", async () => {
  const before = new Date(Date.now() - 30_000).toISOString();
  const silence = await getJson(`http://127.0.0.1:${o.ports.alertmanager}/api/v2/silences`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ matchers: [{ name: "service", value: "e2e-restart", isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: "e2e", comment: "survives a restart" }),
  });
  await stopAndCheck();

  await startLocalStack(o);
  try {
    // A sample scraped before the restart, read back after it.
    const old = await getJson(`http://127.0.0.1:${o.ports.prometheus}/api/v1/query?query=${encodeURIComponent('up{job="payment-processor"}')}&time=${encodeURIComponent(before)}`);
    expect(old.data.result.map((r: any) => r.value[1])).toEqual(["1"]);
    expect(Date.parse(before)).toBeGreaterThan(startedAt);
    const silences = await getJson(`http://127.0.0.1:${o.ports.alertmanager}/api/v2/silences`);
    expect(silences.map((s: any) => s.id)).toContain(silence.silenceID);
    expect((await query(o, "up")).length).toBeGreaterThan(0);
  } finally {
    await stopAndCheck();
  }
});
