/**
 * TLS termination and the HTTP->HTTPS redirect, against the real nginx.
 *
 * The TLS 1.0/1.1 refusal is only meaningful if the client really offers those versions:
 * OpenSSL 3 clients refuse them at the default security level, so the legacy client runs at
 * SECLEVEL=0, and a control handshake against a permissive Node TLS server proves it completes
 * TLS 1.0/1.1 when the server allows it. The refusal then has to come from nginx.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import type { AddressInfo } from "net";
import { send } from "./testing/client";
import { generateSelfSignedCert } from "./selfsigned";
import { FrontDoor, startFrontDoor, TEST_SERVER_NAME } from "./testing/frontDoor";

/** Outcome of one handshake: the negotiated protocol or the error code. */
interface Handshake {
  protocol?: string | null;
  cipher?: string;
  authorized?: boolean;
  reused?: boolean;
  session?: Buffer;
  error?: string;
}

function handshake(port: number, opts: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    let session: Buffer | undefined;
    const socket = tls.connect({ host: "127.0.0.1", port, ...opts }, () => {
      const result = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name,
        authorized: socket.authorized,
        reused: socket.isSessionReused(),
      };
      // TLS 1.2 sessions are known right after the handshake; give the "session" event a moment.
      setTimeout(() => {
        resolve({ ...result, session: session ?? socket.getSession() });
        socket.end();
      }, 20);
    });
    socket.on("session", (s) => (session = s));
    socket.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

/** Output of `openssl s_client` offering only the version `flag` selects (a second, independent client). */
function sClient(port: number, flag: string): Promise<string> {
  const args = ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", TEST_SERVER_NAME, flag, "-cipher", "DEFAULT@SECLEVEL=0"];
  return new Promise((resolve) => {
    const child = execFile("openssl", args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
    child.stdin?.end();
  });
}

/** A client that offers exactly one legacy version, at a security level where OpenSSL 3 allows it. */
const legacyOnly = (v: tls.SecureVersion): tls.ConnectionOptions => ({
  minVersion: v,
  maxVersion: v,
  ciphers: "DEFAULT@SECLEVEL=0",
  rejectUnauthorized: false,
});

describe("TLS termination (real nginx)", () => {
  let fd: FrontDoor;
  const trusted = () => ({ ca: fd.ca, servername: fd.serverName });
  beforeAll(async () => {
    fd = await startFrontDoor();
  });
  afterAll(async () => fd?.stop());

  it.each(["TLSv1.2", "TLSv1.3"] as const)("completes a %s handshake with a certificate valid for the server name", async (v) => {
    const h = await handshake(fd.httpsPort, { ...trusted(), minVersion: v, maxVersion: v });
    expect(h).toMatchObject({ protocol: v, authorized: true });
    // Forward-secret AEAD only: TLS 1.3 suites, or ECDHE + GCM/ChaCha20 on 1.2.
    expect(h.cipher).toMatch(v === "TLSv1.3" ? /^TLS_/ : /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20-POLY1305)/);
  });

  it.each(["TLSv1", "TLSv1.1"] as const)("refuses a client that offers only %s with a protocol-version alert", async (v) => {
    const h = await handshake(fd.httpsPort, legacyOnly(v));
    expect(h.protocol).toBeUndefined();
    expect(h.error).toBe("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
  });

  it.each([
    ["-tls1_1", /tlsv1 alert protocol version.*SSL alert number 70/],
    ["-tls1_2", /Protocol\s*: TLSv1\.2/],
  ])("Debian's openssl s_client %s at SECLEVEL=0 gets the same verdict", async (flag, expected) => {
    const out = await sClient(fd.httpsPort, flag);
    expect(out).toMatch(expected);
  });

  it("lets the same legacy-capable client in once it may also offer TLS 1.2", async () => {
    const h = await handshake(fd.httpsPort, { ...legacyOnly("TLSv1"), maxVersion: "TLSv1.2" });
    expect(h.protocol).toBe("TLSv1.2");
  });

  it("refuses a TLS 1.2 client that offers only CBC ciphers without forward-secret AEAD", async () => {
    const h = await handshake(fd.httpsPort, { ...trusted(), maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA:AES128-SHA" });
    expect(h.error).toBe("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE");
  });

  it("resumes TLS 1.2 sessions from the shared session cache", async () => {
    const first = await handshake(fd.httpsPort, { ...trusted(), maxVersion: "TLSv1.2" });
    const second = await handshake(fd.httpsPort, { ...trusted(), maxVersion: "TLSv1.2", session: first.session });
    expect([first.reused, second.reused]).toEqual([false, true]);
  });

  it("redirects plain HTTP to the configured HTTPS name and port, keeping path and query", async () => {
    const res = await send(fd, { tls: false, port: fd.httpPort, path: "/d/ops-overview?orgId=1&refresh=30s" });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://${fd.serverName}:${fd.httpsPort}/d/ops-overview?orgId=1&refresh=30s`);
    expect(fd.grafana.requests.length).toBe(0);
  });

  it("uses the configured name, not the request's Host header, as the redirect target", async () => {
    const res = await send(fd, { tls: false, port: fd.httpPort, path: "/login", headers: { Host: "evil.example.net" } });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://${fd.serverName}:${fd.httpsPort}/login`);
  });
});

describe("control: the legacy client really speaks TLS 1.0/1.1", () => {
  let server: tls.Server;
  let port: number;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-control-"));
    const { certPath, keyPath } = await generateSelfSignedCert(dir, TEST_SERVER_NAME);
    const [cert, key] = [certPath, keyPath].map((p) => fs.readFileSync(p));
    fs.rmSync(dir, { recursive: true, force: true });
    server = tls.createServer({ cert, key, minVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" }, (s) => s.end());
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(["TLSv1", "TLSv1.1"] as const)("completes %s with a server that allows it", async (v) => {
    expect((await handshake(port, legacyOnly(v))).protocol).toBe(v);
  });
});
