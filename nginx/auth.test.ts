/**
 * Basic auth in front of Grafana, against the real nginx: 401 without or with wrong
 * credentials, 200 with the right ones, the Authorization header never reaches Grafana,
 * and Debian's crypt() verifies every bcrypt flavour we produce.
 */
import * as bcrypt from "bcryptjs";
import { stableBcryptHash } from "./hash";
import { htpasswdLine } from "./htpasswd";
import { headerCount, send } from "./testing/client";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

describe("basic auth in front of Grafana (real nginx)", () => {
  let fd: FrontDoor;
  beforeAll(async () => {
    fd = await startFrontDoor();
  });
  afterAll(async () => fd?.stop());

  const get = (auth?: string, path = "/api/dashboards/home") => send(fd, { tls: true, port: fd.httpsPort, path, auth });

  it("answers 401 with a Basic challenge when no credentials are sent, and Grafana never sees the request", async () => {
    const before = fd.grafana.requests.length;
    const res = await get(undefined);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Basic realm="Grafana"');
    expect(fd.grafana.requests.length).toBe(before);
  });

  it("answers 401 to a wrong password and to an unknown user", async () => {
    const [user] = fd.credentials.split(":");
    expect((await get(`${user}:not-the-password`)).status).toBe(401);
    expect((await get(`intruder:${fd.credentials.split(":")[1]}`)).status).toBe(401);
  });

  it("proxies to Grafana with the right credentials", async () => {
    const res = await get(fd.credentials);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ stand_in: "grafana", url: "/api/dashboards/home" });
  });

  it("strips the Authorization header so Grafana does not mistake it for its own basic auth", async () => {
    const path = `/api/search?probe=${Date.now()}`;
    expect((await get(fd.credentials, path)).status).toBe(200);
    const seen = fd.grafana.requests.find((r) => r.url === path);
    expect(seen).toBeDefined();
    expect(seen!.headers.authorization).toBeUndefined();
  });

  it("sends every security header exactly once, also on a 401, and hides the nginx version", async () => {
    for (const res of [await get(fd.credentials), await get(undefined)]) {
      expect(headerCount(res, "x-frame-options")).toBe(1);
      expect(headerCount(res, "x-content-type-options")).toBe(1);
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
      expect(res.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(res.headers.server).toBe("nginx");
      expect(res.body).not.toMatch(/nginx\/\d/);
    }
  });
});

describe("bcrypt hashes as produced by Pulumi (Go, $2a$), bcryptjs ($2b$) and PHP-style ($2y$)", () => {
  // Cost 10 like RandomPassword.bcryptHash; bcryptjs writes the prefix it finds in the salt.
  const password = "correct horse battery staple 42";
  const salt = bcrypt.genSaltSync(10);
  const hashes = {
    a: bcrypt.hashSync(password, salt.replace(/^\$2b\$/, "$2a$")),
    b: bcrypt.hashSync(password, salt),
    y: bcrypt.hashSync(password, salt.replace(/^\$2b\$/, "$2y$")),
  };
  const longPassword = "k3Xq9vR2mT7wY4zB8nC1pL6s";
  const stableHash = stableBcryptHash(longPassword, "test/stable");
  let fd: FrontDoor;
  beforeAll(async () => {
    fd = await startFrontDoor({
      users: [
        ...Object.entries(hashes).map(([flavour, bcryptHash]) => ({ user: `user-2${flavour}`, bcryptHash })),
        { user: "stable", bcryptHash: stableHash },
      ],
    });
  });
  afterAll(async () => fd?.stop());

  it("really are three different prefixes at cost 10", () => {
    expect(Object.values(hashes).map((h) => h.slice(0, 7))).toEqual(["$2a$10$", "$2b$10$", "$2y$10$"]);
    // htpasswdLine accepts all three (it would throw otherwise).
    Object.entries(hashes).forEach(([f, h]) => expect(htpasswdLine(`user-2${f}`, h)).toBe(`user-2${f}:${h}`));
  });

  it.each(["a", "b", "y"])("nginx (libxcrypt crypt) accepts the right password for a $2%s$ hash", async (flavour) => {
    const res = await send(fd, { tls: true, port: fd.httpsPort, path: "/", auth: `user-2${flavour}:${password}` });
    expect(res.status).toBe(200);
  });

  it("accepts the cheap stable hash the program can use instead ($2a$05$, see hash.ts)", async () => {
    expect(stableHash.startsWith("$2a$05$")).toBe(true);
    expect((await send(fd, { tls: true, port: fd.httpsPort, path: "/", auth: `stable:${longPassword}` })).status).toBe(200);
    expect((await send(fd, { tls: true, port: fd.httpsPort, path: "/", auth: `stable:${longPassword}x` })).status).toBe(401);
  });

  it.each(["a", "b", "y"])("nginx rejects a wrong password for a $2%s$ hash", async (flavour) => {
    const res = await send(fd, { tls: true, port: fd.httpsPort, path: "/", auth: `user-2${flavour}:${password}!` });
    expect(res.status).toBe(401);
  });
});
