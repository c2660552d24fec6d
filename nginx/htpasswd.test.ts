/**
 * The htpasswd helpers and the stable cheap bcrypt hash, as pure functions
 * (auth.test.ts checks the same hashes against the real nginx).
 */
import * as bcrypt from "bcryptjs";
import { stableBcryptHash } from "./hash";
import { htpasswdFile, htpasswdLine } from "./htpasswd";

const HASH = bcrypt.hashSync("a-long-random-password-123", 4);

describe("htpasswdLine", () => {
  it("joins user and hash with a colon and no line break", () => {
    expect(htpasswdLine("ops", HASH)).toBe(`ops:${HASH}`);
  });

  it.each([
    ["", "empty"],
    ["a:b", "contains ':'"],
    ["ops\nroot", "line break"],
    ["ops\r", "line break"],
    ["#ops", "starts with '#'"],
    ["o ps", "white space"],
  ])("rejects the user name %j (%s)", (user, why) => {
    expect(() => htpasswdLine(user, HASH)).toThrow(why);
  });

  it.each([
    ["a plain password", "hunter2"],
    ["an MD5 apr1 hash", "$apr1$abc$0123456789abcdefghijkl"],
    ["a bcrypt hash with cost 3", HASH.replace(/^\$2b\$04\$/, "$2b$03$")],
    ["a truncated bcrypt hash", HASH.slice(0, -1)],
    ["a bcrypt hash with a trailing newline", `${HASH}\n`],
  ])("rejects %s as the hash without echoing it", (_what, hash) => {
    let message = "";
    try {
      htpasswdLine("ops", hash);
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/is not a bcrypt hash/);
    expect(message).not.toContain(hash.trim() || "\u0000");
  });
});

describe("htpasswdFile", () => {
  it("writes one newline-terminated line per user", () => {
    expect(htpasswdFile([{ user: "ops", bcryptHash: HASH }, { user: "sre", bcryptHash: HASH }])).toBe(`ops:${HASH}\nsre:${HASH}\n`);
  });

  it("refuses duplicate users and an empty list", () => {
    expect(() => htpasswdFile([{ user: "ops", bcryptHash: HASH }, { user: "ops", bcryptHash: HASH }])).toThrow("listed twice");
    expect(() => htpasswdFile([])).toThrow("no users");
  });
});

describe("stableBcryptHash", () => {
  const pw = "Zr8uT3kQ1xW6yP0aL5mN9bV2";

  it("gives the same $2a$05$ hash for the same password and context, so deployments do not churn", () => {
    const h = stableBcryptHash(pw, "prod/ops");
    // $2a$, not $2b$: musl's crypt() (Alpine image) rejects $2b$.
    expect(h).toMatch(/^\$2a\$05\$[./A-Za-z0-9]{53}$/);
    expect(stableBcryptHash(pw, "prod/ops")).toBe(h);
  });

  it("loses nothing by using $2a$: for an ASCII password it is the same hash as $2b$", () => {
    const salt22 = bcrypt.getSalt(stableBcryptHash(pw, "prod/ops")).slice(-22);
    const [a, b] = ["$2a$05$", "$2b$05$"].map((p) => bcrypt.hashSync(pw, `${p}${salt22}`).slice(7));
    expect(a).toBe(b);
  });

  it("gives a different salt for a different context", () => {
    expect(bcrypt.getSalt(stableBcryptHash(pw, "prod/ops"))).not.toBe(bcrypt.getSalt(stableBcryptHash(pw, "dev/ops")));
  });

  it("verifies with bcrypt and only with the right password", () => {
    const h = stableBcryptHash(pw, "prod/ops");
    expect(bcrypt.compareSync(pw, h)).toBe(true);
    expect(bcrypt.compareSync(`${pw}x`, h)).toBe(false);
  });

  it("refuses short passwords (a cheap hash is only safe for long random ones) and over-long ones", () => {
    expect(() => stableBcryptHash("short-password", "prod/ops")).toThrow("shorter than 20");
    expect(() => stableBcryptHash("x".repeat(73), "prod/ops")).toThrow("longer than 72 bytes");
  });
});
