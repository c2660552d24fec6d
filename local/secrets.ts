/**
 * Credentials of the local stack, generated once and kept under the state directory
 * (mode 0700 dir, 0600 files) so that restarts keep the same passwords. The PagerDuty
 * routing key and Slack webhook token are what the local stand-ins expect.
 */
import bcrypt from "bcryptjs";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config/schema";
import { stableBcryptHash } from "../nginx/hash";
import { generateSelfSignedCert } from "../nginx/selfsigned";
import type { SecretValues } from "../render/stack";
import { mkdirWithParents } from "./fs";

/** Generated once per state directory. */
export interface LocalCredentials {
  pagerdutyRoutingKey: string;
  slackToken: string;
  /** Last segment of the dead man's switch stand-in's ping URL. */
  heartbeatToken: string;
  grafanaAdminPassword: string;
  /** front-door user -> password (hashes are derived, see secretValues). */
  basicAuth: Record<string, string>;
  /** bcrypt hashes, kept so the htpasswd file does not change on every start. */
  basicAuthHashes: Record<string, string>;
}

const secretsDir = (stateDir: string) => path.join(stateDir, "secrets");
/** File people read their front-door and Grafana passwords from (never printed). */
export const credentialsFile = (stateDir: string) => path.join(secretsDir(stateDir), "credentials.json");

const token = (bytes: number) => randomBytes(bytes).toString("hex");

/** Loads the credentials of `stateDir`, creating any that are missing. */
export function loadOrCreateCredentials(stateDir: string, cfg: StackConfig): LocalCredentials {
  mkdirWithParents(secretsDir(stateDir), 0o700);
  const file = credentialsFile(stateDir);
  const existing: Partial<LocalCredentials> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  const creds: LocalCredentials = {
    // PagerDuty integration keys are 32 characters.
    pagerdutyRoutingKey: existing.pagerdutyRoutingKey ?? token(16),
    slackToken: existing.slackToken ?? token(12),
    heartbeatToken: existing.heartbeatToken ?? token(12),
    grafanaAdminPassword: existing.grafanaAdminPassword ?? token(16),
    basicAuth: { ...(existing.basicAuth ?? {}) },
    basicAuthHashes: { ...(existing.basicAuthHashes ?? {}) },
  };
  for (const user of cfg.frontDoor.basicAuthUsers) {
    if (!creds.basicAuth[user]) creds.basicAuth[user] = token(12);
    const hash = creds.basicAuthHashes[user];
    // Cheap, stable hash: nginx runs crypt() on every request (see nginx/hash.ts).
    if (!hash || !hash.startsWith("$2a$05$") || !bcrypt.compareSync(creds.basicAuth[user], hash)) creds.basicAuthHashes[user] = stableBcryptHash(creds.basicAuth[user], `local/${user}`);
  }
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return creds;
}

/** The Slack webhook URL of the local stand-in (its token is a credential, like Slack's). */
export function slackWebhookUrl(port: number, slackToken: string): string {
  return `http://127.0.0.1:${port}/services/T0LOCAL00/B0LOCAL00/${slackToken}`;
}

/** The ping URL of the local dead man's switch stand-in (its token is a credential, like the real services'). */
export function heartbeatUrl(port: number, heartbeatToken: string): string {
  return `http://127.0.0.1:${port}/ping/${heartbeatToken}`;
}

/** Secret values for the render path; the TLS pair is a self-signed certificate made once. */
export async function secretValues(stateDir: string, cfg: StackConfig, creds: LocalCredentials, ports: { slack: number; heartbeat: number }): Promise<SecretValues> {
  const tlsDir = path.join(secretsDir(stateDir), "tls");
  const cert = path.join(tlsDir, "tls.crt");
  const key = path.join(tlsDir, "tls.key");
  if (!fs.existsSync(cert) || !fs.existsSync(key)) await generateSelfSignedCert(tlsDir, cfg.frontDoor.hostname);
  return {
    pagerdutyRoutingKey: creds.pagerdutyRoutingKey,
    slackWebhookUrl: slackWebhookUrl(ports.slack, creds.slackToken),
    heartbeatUrl: heartbeatUrl(ports.heartbeat, creds.heartbeatToken),
    grafanaAdminPassword: creds.grafanaAdminPassword,
    basicAuth: cfg.frontDoor.basicAuthUsers.map((user) => ({ user, bcryptHash: creds.basicAuthHashes[user] })),
    tlsCertificate: fs.readFileSync(cert, "utf8"),
    tlsPrivateKey: fs.readFileSync(key, "utf8"),
    remoteWritePasswords: {},
  };
}
