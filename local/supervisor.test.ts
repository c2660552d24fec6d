/**
 * The supervisor's guarantees: it refuses to start when a port is taken or a binary is
 * missing (naming each), stopping a process group leaves nothing behind, and a process that
 * fails after it was healthy is restarted (the OOM-kill case runs in real cgroups:
 * local/cgroups.test.ts).
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { assertBinaries, assertPortsFree, classifyExit, groupMembers, logFile, restartDelayMs, runningFromPidFile, stopFromPidFile, Supervisor, type PidRecord, type ProcessSpec, type SupervisorEvent } from "./supervisor";

const spec = (over: Partial<ProcessSpec>): ProcessSpec => ({ name: "x", command: "/bin/sh", args: [], ports: [], healthUrl: null, ...over });

describe("local stack supervisor", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "supervisor-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("fails fast naming every port that is already taken and who needs it", async () => {
    const holder = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => holder.once("listening", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      await expect(assertPortsFree([spec({ name: "prometheus", ports: [port] })])).rejects.toThrow(`127.0.0.1:${port} (needed by prometheus)`);
    } finally {
      holder.close();
    }
    await expect(assertPortsFree([spec({ name: "prometheus", ports: [port] })])).resolves.toBeUndefined();
  });

  test("fails fast naming every missing binary and how to install it", () => {
    expect(() => assertBinaries([spec({ command: "/usr/bin/no-such-prometheus" }), spec({ command: "/bin/sh" })])).toThrow(/missing executable\(s\): \/usr\/bin\/no-such-prometheus\. Run `npm run setup`/);
  });

  test("stops a process group with its children, and the pid file with it", async () => {
    const sup = new Supervisor(dir);
    // A parent that starts a child which ignores SIGTERM: the group must still end (SIGKILL after the grace).
    const child = sup.start(spec({ name: "tree", args: ["-c", "sh -c 'trap \"\" TERM; sleep 60' & sleep 60"] }));
    await new Promise((r) => setTimeout(r, 300));
    expect(groupMembers(child.pid!).length).toBeGreaterThanOrEqual(2);
    expect(runningFromPidFile(dir).map((r) => r.name)).toEqual(["tree"]);
    await sup.stopAll(1500);
    expect(groupMembers(child.pid!)).toEqual([]);
    expect(fs.existsSync(path.join(dir, "run", "pids.json"))).toBe(false);
  });

  test("npm stop stops a stack started by another process, from its pid file", async () => {
    const sup = new Supervisor(dir);
    const child = sup.start(spec({ name: "sleeper", args: ["-c", "sleep 60"] }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopFromPidFile(dir)).toEqual(["sleeper"]);
    expect(groupMembers(child.pid!)).toEqual([]);
    expect(await stopFromPidFile(dir)).toEqual([]);
  });

  test("reports a process that dies during start-up with the end of its log", async () => {
    const sup = new Supervisor(dir);
    const s = spec({ name: "crasher", args: ["-c", "echo 'bind: address already in use' >&2; exit 3"], healthUrl: "http://127.0.0.1:9/none" });
    sup.start(s);
    await expect(sup.waitHealthy(s, 10_000)).rejects.toThrow(/crasher exited with code 3[\s\S]*address already in use/);
    await sup.stopAll(500);
  });
});

describe("supervisor restart policy", () => {
  test("restarts crashes and OOM kills; a deliberate signal or a clean exit is not restarted", () => {
    expect(classifyExit(null, "SIGKILL", true)).toEqual({ exit: { reason: "OOMKilled", code: null, signal: "SIGKILL" }, restart: true });
    expect(classifyExit(1, null, false)).toEqual({ exit: { reason: "Error", code: 1, signal: null }, restart: true });
    expect(classifyExit(0, null, false).restart).toBe(false);
    expect(classifyExit(null, "SIGTERM", false).restart).toBe(false);
    expect(classifyExit(null, "SIGKILL", false)).toEqual({ exit: { reason: "Signaled", code: null, signal: "SIGKILL" }, restart: false });
    expect([0, 1, 2, 3, 6, 9].map(restartDelayMs)).toEqual([0, 10_000, 20_000, 40_000, 300_000, 300_000]);
  });

  test("a process that crashes after it was healthy is restarted; one that finishes is not", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "supervisor-restart-"));
    const events: SupervisorEvent[] = [];
    const sup = new Supervisor(dir, (e) => events.push(e));
    try {
      const crash = { name: "crasher", command: "/bin/sh", args: ["-c", "sleep 0.3; exit 7"], ports: [], healthUrl: null };
      const done = { name: "job", command: "/bin/sh", args: ["-c", "sleep 0.3; exit 0"], ports: [], healthUrl: null };
      const first = sup.start(crash).pid;
      sup.start(done);
      await Promise.all([sup.waitHealthy(crash, 5000), sup.waitHealthy(done, 5000)]);
      await waitFor(() => events.some((e) => e.kind === "restarted" && e.name === "crasher"), 5000);
      const pids = JSON.parse(fs.readFileSync(path.join(dir, "run", "pids.json"), "utf8")) as PidRecord[];
      const crasher = pids.find((r) => r.name === "crasher")!;
      expect(crasher.pid).not.toBe(first);
      expect(crasher.restarts).toBe(1);
      expect(crasher.lastExit).toMatchObject({ reason: "Error", code: 7 });
      await waitFor(() => events.some((e) => e.kind === "exited" && e.name === "job"), 5000);
      expect(events.find((e) => e.kind === "exited" && e.name === "job")).toMatchObject({ exit: { reason: "Completed" }, restartInMs: null });
      expect(fs.readFileSync(logFile(dir, "crasher"), "utf8")).toMatch(/exited: Error \(code 7, signal null\); restarting in 0s/);
    } finally {
      await sup.stopAll(1000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("`npm stop` from another process is a stop, not a failure: nothing is restarted", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "supervisor-stop-"));
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor(dir, (e) => events.push(e));
  try {
    // Exits 3 on SIGTERM: a crash by its code, but the stop asked for it.
    const s = { name: "grumpy", command: "/bin/sh", args: ["-c", "trap 'exit 3' TERM; sleep 60 & wait"], ports: [], healthUrl: null };
    const child = sup.start(s);
    await sup.waitHealthy(s, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopFromPidFile(dir)).toEqual(["grumpy"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual([]);
    expect(groupMembers(child.pid!)).toEqual([]);
    expect(fs.existsSync(path.join(dir, "run", "pids.json"))).toBe(false);
  } finally {
    await sup.stopAll(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
