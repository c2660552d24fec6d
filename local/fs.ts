/**
 * Directory creation and reachability for the local stack's state directory.
 *
 * `fs.mkdirSync(dir, { recursive: true, mode: 0o700 })` applies the mode to EVERY directory it
 * creates, not only the last: on a fresh clone it made `.local/state` itself 0700, and nginx's
 * unprivileged workers (the stack is started by root, so workers drop to nobody) could no longer
 * reach the htpasswd file below it — every authenticated request through the front door got a
 * 500. So: parents are created world-traversable (0755), only the leaf gets the tight mode, and
 * before start-up we check that the worker user can really reach the files it reads per request.
 */
import * as fs from "fs";
import * as path from "path";

/** Creates `dir` with `mode` (parents that do not exist yet: 0755) and sets `mode` on it. */
export function mkdirWithParents(dir: string, mode: number): void {
  const leaf = path.resolve(dir);
  const missing: string[] = [];
  for (let d = leaf; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode: d === leaf ? mode : 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    // The process umask may have narrowed the mode.
    if (d !== leaf) fs.chmodSync(d, 0o755);
  }
  fs.chmodSync(leaf, mode);
}

/** A user by numeric id, as nginx's workers run. */
export interface WorkerIdentity {
  /** The value of nginx's `user` directive, e.g. "nobody nogroup". */
  directive: string;
  uid: number;
  gid: number;
}

/** Looks up a user and group in /etc/passwd and /etc/group; null if either is missing. */
export function lookupIdentity(user: string, group: string): WorkerIdentity | null {
  const field = (file: string, name: string, col: number) => {
    try {
      const line = fs.readFileSync(file, "utf8").split("\n").find((l) => l.split(":")[0] === name);
      return line ? Number(line.split(":")[col]) : NaN;
    } catch {
      return NaN;
    }
  };
  const uid = field("/etc/passwd", user, 2);
  const gid = field("/etc/group", group, 2);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { directive: `${user} ${group}`, uid, gid } : null;
}

/** True if `who` has permission `bit` (4 read, 2 write, 1 search/execute) on `st`. */
function allowed(st: fs.Stats, who: { uid: number; gid: number }, bit: number): boolean {
  if (who.uid === 0) return true;
  const shift = st.uid === who.uid ? 6 : st.gid === who.gid ? 3 : 0;
  return ((st.mode >> shift) & bit) === bit;
}

/**
 * The first directory on the way to `target` that `who` cannot search, or null when every
 * ancestor (and `target` itself, for `need` on it) lets `who` through. Paths that do not exist
 * yet are skipped: their permissions are ours to choose.
 */
export function blockingPath(target: string, who: { uid: number; gid: number }, need: { read?: boolean; write?: boolean } = {}): string | null {
  const abs = path.resolve(target);
  const parts = abs.split(path.sep).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    if (!fs.existsSync(dir)) return null;
    if (!allowed(fs.statSync(dir), who, 1)) return dir;
  }
  if (fs.existsSync(abs)) {
    const st = fs.statSync(abs);
    if (need.read && !allowed(st, who, 4)) return abs;
    if (need.write && !allowed(st, who, 2)) return abs;
  }
  return null;
}
