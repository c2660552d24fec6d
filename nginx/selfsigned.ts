/**
 * Self-signed TLS certificate for the dev/local front door and the tests, made with the
 * system `openssl` CLI (Debian's openssl 3).
 *
 * Production uses a real certificate from a Secret; this exists so dev and local still run
 * the exact same TLS configuration. The certificate is a proper end-entity certificate
 * (CA:FALSE, serverAuth), because browsers refuse a CA certificate used as a server
 * certificate, which is what `openssl req -x509` makes with Debian's default config.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SECRET_FILES } from "../config/conventions";
import { mkdirWithParents } from "../local/fs";

/** Where generateSelfSignedCert put the certificate and its key. */
export interface SelfSignedCert {
  /** PEM certificate (`tls.crt`). */
  certPath: string;
  /** PEM private key (`tls.key`), mode 0600. */
  keyPath: string;
}

/** Validity of the generated certificate, in days. */
export const SELF_SIGNED_DAYS = 365;

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Our own openssl config, so no system default (like CA:TRUE from Debian's v3_ca) leaks in. */
function opensslConfig(hostname: string): string {
  const names = [...new Set([hostname, "localhost"])].map((n) => `DNS:${n}`);
  return [
    "[req]",
    "distinguished_name = dn",
    "x509_extensions = ext",
    "prompt = no",
    "[dn]",
    `CN = ${hostname}`,
    "[ext]",
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature",
    "extendedKeyUsage = serverAuth",
    `subjectAltName = ${[...names, "IP:127.0.0.1"].join(", ")}`,
    "subjectKeyIdentifier = hash",
    "",
  ].join("\n");
}

/**
 * Writes `tls.crt` and `tls.key` (P-256, SHA-256, one year, SAN = hostname + localhost +
 * 127.0.0.1) into `dir`, creating it with mode 0700 if needed. Overwrites existing files.
 */
export async function generateSelfSignedCert(dir: string, hostname: string): Promise<SelfSignedCert> {
  if (!DNS_NAME.test(hostname)) {
    throw new Error(`generateSelfSignedCert: hostname ${JSON.stringify(hostname)} is not a lowercase DNS name`);
  }
  mkdirWithParents(dir, 0o700);
  const certPath = path.join(dir, SECRET_FILES.tlsCert);
  const keyPath = path.join(dir, SECRET_FILES.tlsKey);
  // Create the key file 0600 before openssl writes into it, so it is never readable by others.
  fs.rmSync(keyPath, { force: true });
  fs.closeSync(fs.openSync(keyPath, "wx", 0o600));
  // A file, not /dev/stdin: Node's stdio pipes are sockets, which openssl cannot fopen().
  const configPath = path.join(dir, ".selfsigned-openssl.cnf");
  fs.writeFileSync(configPath, opensslConfig(hostname), { mode: 0o600 });
  const args = [
    "req", "-x509", "-new", "-noenc", "-sha256",
    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-days", String(SELF_SIGNED_DAYS),
    "-config", configPath,
    "-keyout", keyPath, "-out", certPath,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile("openssl", args, (err, _stdout, stderr) => {
        if (err) reject(new Error(`generateSelfSignedCert: openssl failed for ${hostname} in ${dir}: ${stderr || err.message}`));
        else resolve();
      });
    });
  } finally {
    fs.rmSync(configPath, { force: true });
  }
  fs.chmodSync(keyPath, 0o600);
  return { certPath, keyPath };
}
