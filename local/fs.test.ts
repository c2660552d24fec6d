/**
 * The state directory's permissions: parents created traversable, only the leaf private, and
 * the check that nginx's unprivileged workers can reach what they read on every request.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { blockingPath, lookupIdentity, mkdirWithParents } from "./fs";
import { nginxHomeFor } from "./stack";

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const nobody = { uid: 65534, gid: 65534 };
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "local-fs-"));
  fs.chmodSync(tmp, 0o755);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("mkdirWithParents makes missing parents 0755 and only the leaf 0700", () => {
  const leaf = path.join(tmp, ".local", "state", "secrets");
  mkdirWithParents(leaf, 0o700);
  expect([mode(path.join(tmp, ".local")), mode(path.join(tmp, ".local", "state")), mode(leaf)]).toEqual([0o755, 0o755, 0o700]);
});

test("the recursive mkdir it replaces would have closed every parent (why it exists)", () => {
  const leaf = path.join(tmp, "a", "b");
  fs.mkdirSync(leaf, { recursive: true, mode: 0o700 });
  expect(mode(path.join(tmp, "a"))).toBe(0o700);
  expect(blockingPath(path.join(leaf, "file"), nobody)).toBe(path.join(tmp, "a"));
});

test("blockingPath names the first directory an unprivileged user cannot search, and files it cannot read", () => {
  const open = path.join(tmp, "open");
  mkdirWithParents(path.join(open, "inner"), 0o755);
  fs.writeFileSync(path.join(open, "inner", "htpasswd"), "x", { mode: 0o600 });
  expect(blockingPath(path.join(open, "inner", "htpasswd"), nobody)).toBeNull();
  expect(blockingPath(path.join(open, "inner", "htpasswd"), nobody, { read: true })).toBe(path.join(open, "inner", "htpasswd"));
  fs.chmodSync(path.join(open, "inner"), 0o700);
  expect(blockingPath(path.join(open, "inner", "htpasswd"), nobody)).toBe(path.join(open, "inner"));
  // root passes everywhere; the group bit counts for the group
  expect(blockingPath(path.join(open, "inner", "htpasswd"), { uid: 0, gid: 0 }, { read: true })).toBeNull();
  fs.chmodSync(path.join(open, "inner"), 0o750);
  fs.chownSync(path.join(open, "inner"), 0, nobody.gid);
  expect(blockingPath(path.join(open, "inner", "x"), nobody)).toBeNull();
});

test("nginx's files move out of a state dir its workers cannot reach (a clone below a 0700 home), and stay when they can", () => {
  const home = path.join(tmp, "home");
  fs.mkdirSync(home, { mode: 0o700 });
  fs.chmodSync(home, 0o700);
  const state = path.join(home, "clone", ".local", "state");
  const moved = nginxHomeFor(state, { directive: "nobody nogroup", ...nobody });
  expect(moved).toMatch(/monitoring-stack\/nginx-[0-9a-f]{12}$/);
  expect(blockingPath(moved!, nobody)).toBeNull();
  expect(nginxHomeFor(path.join(tmp, "clone", ".local", "state"), { directive: "nobody nogroup", ...nobody })).toBeUndefined();
  expect(nginxHomeFor(state, null)).toBeUndefined(); // nginx keeps the invoking user: nothing to move
});

test("the worker identity is read from the system's user and group files", () => {
  const w = lookupIdentity("root", "root");
  expect(w).toEqual({ directive: "root root", uid: 0, gid: 0 });
  expect(lookupIdentity("no-such-user-here", "root")).toBeNull();
});
