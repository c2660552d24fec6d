/**
 * The nginx process the way the local runner starts it (`nginx -p <prefix> -c <file>
 * -g 'daemon off;'`): it stays in the foreground, keeps its files under the prefix, and
 * stopping it leaves no master or worker behind.
 */
import * as fs from "fs";
import { isAlive, nginxChildren } from "./testing/nginxProcess";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

describe("nginx process lifecycle (real nginx)", () => {
  let fd: FrontDoor;
  beforeAll(async () => {
    fd = await startFrontDoor({ workers: 2 });
  });
  afterAll(async () => fd?.stop());

  it("runs in the foreground as our child, with the configured number of workers", () => {
    expect(fd.nginx.workerPids).toHaveLength(2);
    expect(nginxChildren(fd.nginx.masterPid).sort()).toEqual([...fd.nginx.workerPids].sort());
  });

  it("writes its pid and creates its temp directories under the prefix only", () => {
    const { pid, tempDir } = fd.options.paths;
    expect(pid.startsWith(fd.dir)).toBe(true);
    expect(fs.readFileSync(pid, "utf8").trim()).toBe(String(fd.nginx.masterPid));
    expect(fs.readdirSync(tempDir).sort()).toEqual(["client_body", "fastcgi", "proxy", "scgi", "uwsgi"]);
  });

  it("leaves no master or worker process behind when stopped", async () => {
    const pids = [fd.nginx.masterPid, ...fd.nginx.workerPids];
    expect(pids.every(isAlive)).toBe(true);
    await fd.nginx.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    // nginx removes its pid file on a clean exit.
    expect(fs.existsSync(fd.options.paths.pid)).toBe(false);
  });
});
