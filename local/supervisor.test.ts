/**
 * The supervisor's guarantees: it refuses to start when a port is taken or a binary is
 * missing (naming each), and stopping a process group leaves nothing behind.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { assertBinaries, assertPortsFree, groupMembers, runningFromPidFile, stopFromPidFile, Supervisor, type ProcessSpec } from "./supervisor";

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
