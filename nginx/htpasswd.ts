/**
 * htpasswd lines for nginx basic auth.
 *
 * The hashes are bcrypt, verified by nginx with libc crypt(). Debian's libxcrypt accepts
 * `$2a$`, `$2b$` and `$2y$` (auth.test.ts proves it against the real binary); musl (the Alpine
 * image) has no `$2b$`, so hashes for containers should be `$2a$` (Go's bcrypt, i.e.
 * `RandomPassword.bcryptHash`, and stableBcryptHash) or `$2y$`, never bcryptjs's default `$2b$`.
 * Prefer stableBcryptHash (hash.ts) for its cost. The file only ever holds hashes, and is built
 * at deploy time from secrets; it is never committed.
 */

/** One htpasswd entry: user name and its bcrypt hash. */
export interface HtpasswdEntry {
  user: string;
  bcryptHash: string;
}

/** `$2a$`/`$2b$`/`$2y$`, two-digit cost 04-31, 22 salt + 31 hash characters of bcrypt base64. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** Why `user` cannot be an htpasswd user name, or null if it can. */
export function htpasswdUserProblem(user: string): string | null {
  if (typeof user !== "string" || user.length === 0) return "user name is empty";
  if (user.includes(":")) return `user name ${JSON.stringify(user)} contains ':' (the field separator)`;
  if (/[\r\n\0]/.test(user)) return `user name ${JSON.stringify(user)} contains a line break or NUL`;
  // nginx skips lines starting with '#' as comments: such a user could never log in.
  if (user.startsWith("#")) return `user name ${JSON.stringify(user)} starts with '#' (a comment line)`;
  if (/\s/.test(user)) return `user name ${JSON.stringify(user)} contains white space`;
  return null;
}

/**
 * `user:hash`, without a line break. Throws if the user name could break the file format or
 * the hash is not bcrypt (a plain password here would be accepted by nginx as a crypt() string).
 */
export function htpasswdLine(user: string, bcryptHash: string): string {
  const problem = htpasswdUserProblem(user);
  if (problem) throw new Error(`htpasswd: ${problem}`);
  if (typeof bcryptHash !== "string" || !BCRYPT.test(bcryptHash)) {
    // Never echo the value: if a caller passed the password by mistake, it must not reach a log.
    throw new Error(`htpasswd: hash for user ${JSON.stringify(user)} is not a bcrypt hash ($2a$/$2b$/$2y$, cost 04-31)`);
  }
  return `${user}:${bcryptHash}`;
}

/** A whole htpasswd file, one line per entry, newline-terminated; duplicate users are an error. */
export function htpasswdFile(entries: HtpasswdEntry[]): string {
  if (entries.length === 0) throw new Error("htpasswd: no users (nobody could log in)");
  const seen = new Set<string>();
  const lines = entries.map(({ user, bcryptHash }) => {
    if (seen.has(user)) throw new Error(`htpasswd: user ${JSON.stringify(user)} listed twice`);
    seen.add(user);
    return htpasswdLine(user, bcryptHash);
  });
  return `${lines.join("\n")}\n`;
}
