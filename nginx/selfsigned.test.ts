/**
 * generateSelfSignedCert with Debian's openssl: what the certificate contains, and that the
 * key is private from the moment it exists.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateSelfSignedCert, SELF_SIGNED_DAYS } from "./selfsigned";

describe("generateSelfSignedCert", () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "selfsigned-")), "secrets");
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it("writes tls.crt and a 0600 tls.key into a 0700 directory it creates, and nothing else", async () => {
    const { certPath, keyPath } = await generateSelfSignedCert(dir, "grafana.internal.example.com");
    expect([path.basename(certPath), path.basename(keyPath)]).toEqual(["tls.crt", "tls.key"]);
    expect(fs.statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir).sort()).toEqual(["tls.crt", "tls.key"]);
  });

  it("is valid for the host name, localhost and 127.0.0.1, for one year, as a P-256 end-entity certificate", async () => {
    const { certPath, keyPath } = await generateSelfSignedCert(dir, "grafana.internal.example.com");
    const cert = new crypto.X509Certificate(fs.readFileSync(certPath));
    expect(cert.subject).toBe("CN=grafana.internal.example.com");
    expect(cert.subjectAltName).toBe("DNS:grafana.internal.example.com, DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkHost("grafana.internal.example.com")).toBe("grafana.internal.example.com");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("evil.example.com")).toBeUndefined();
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBe(SELF_SIGNED_DAYS);
    expect(Math.abs(Date.parse(cert.validFrom) - Date.now())).toBeLessThan(120_000);
    // Browsers refuse a CA certificate used as a server certificate.
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyPath)))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it("replaces an existing pair with a new key", async () => {
    const first = await generateSelfSignedCert(dir, "localhost");
    const before = fs.readFileSync(first.keyPath, "utf8");
    const second = await generateSelfSignedCert(dir, "localhost");
    expect(fs.readFileSync(second.keyPath, "utf8")).not.toBe(before);
    expect(new crypto.X509Certificate(fs.readFileSync(second.certPath)).subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
  });

  it.each(["Grafana.example.com", "evil/CN=x", "a b", "x,DNS:evil.com", ""])("refuses the host name %j before running openssl", async (name) => {
    await expect(generateSelfSignedCert(dir, name)).rejects.toThrow("is not a lowercase DNS name");
    expect(fs.existsSync(dir)).toBe(false);
  });
});
