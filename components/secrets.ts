/**
 * Every credential of the stack, as secret Outputs: receiver credentials from Pulumi
 * secrets, generated passwords (Grafana admin, front-door users, with bcrypt hashes)
 * from @pulumi/random, and the front door's TLS certificate (a Pulumi secret on prod,
 * a self-signed certificate for the stack's host name on dev).
 *
 * Values only ever leave this component inside secret Outputs, which end up in Secret
 * resources (kubernetes) or 0400 uploaded files (docker).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { StackConfig } from "../config/schema";
import { SECRET_KEYS } from "../config/validate";
import { stableBcryptHash } from "../nginx/hash";
import type { SecretValues } from "../render/stack";
import { objstoreConfigProblems } from "../render/thanos";
import { componentType } from "./common";

/** Where Pulumi secrets come from (a pulumi.Config in the program, a map in tests). */
export interface SecretSource {
  getSecret(key: string): pulumi.Output<string> | undefined;
}

export interface StackSecretsArgs {
  config: StackConfig;
  source: SecretSource;
}

export class StackSecrets extends pulumi.ComponentResource {
  /** All values the secret files are rendered from. */
  readonly values: pulumi.Output<SecretValues>;
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** Front-door user -> password (for people; hashes go to nginx). */
  readonly basicAuthPasswords: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("StackSecrets"), name, {}, opts);
    const { config: cfg, source } = args;
    const child = { parent: this };

    const admin = new random.RandomPassword("grafana-admin", { length: 32, special: false }, child);
    const users = cfg.frontDoor.basicAuthUsers.map((user) => ({
      user,
      pw: new random.RandomPassword(`basic-auth-${user}`, { length: 32, special: false }, child),
    }));

    const fromConfig = (key: string, devFallback: string): pulumi.Output<string> => {
      const v = source.getSecret(key);
      if (v) return v;
      // Validation already failed on kubernetes if this is missing; on docker it is optional.
      pulumi.log.warn(`secret "${key}" is not set: notifications that need it will not be delivered (pulumi config set --secret ${key} ...)`, this);
      return pulumi.secret(devFallback);
    };

    let cert: pulumi.Output<string>;
    let key: pulumi.Output<string>;
    const cfgCert = source.getSecret(SECRET_KEYS.tlsCertificate);
    const cfgKey = source.getSecret(SECRET_KEYS.tlsPrivateKey);
    if (cfgCert && cfgKey) {
      cert = cfgCert;
      key = cfgKey;
    } else {
      const pk = new tls.PrivateKey("front-door", { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
      const self = new tls.SelfSignedCert(
        "front-door",
        {
          privateKeyPem: pk.privateKeyPem,
          subject: { commonName: cfg.frontDoor.hostname, organization: "monitoring-stack (self-signed)" },
          dnsNames: [cfg.frontDoor.hostname, "localhost"],
          ipAddresses: ["127.0.0.1"],
          validityPeriodHours: 24 * 365,
          earlyRenewalHours: 24 * 30,
          allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
        },
        child,
      );
      cert = self.certPem;
      key = pulumi.secret(pk.privateKeyPem);
    }

    const remoteWrite = cfg.remoteWrite
      .filter((rw) => rw.basicAuth)
      .map((rw) => pulumi.all([rw.name, fromConfig(rw.basicAuth!.passwordSecret, "")]));
    const remoteWriteTokens = cfg.remoteWrite
      .filter((rw) => rw.bearerToken)
      .map((rw) => pulumi.all([rw.name, fromConfig(rw.bearerToken!.tokenSecret, "")]));
    // Long-term storage: the object storage config, checked at deploy time (a bad one would
    // crash-loop the sidecars, Store Gateway and Compactor); messages never include the value.
    const lts = cfg.thanos.longTermStorage;
    const objstore: pulumi.Output<string | undefined> = lts.enabled
      ? fromConfig(lts.objstoreConfigSecret, "").apply((text) => {
          const problems = objstoreConfigProblems(text, lts.objstoreConfigSecret);
          if (problems.length) throw new Error(`invalid object storage configuration:\n  - ${problems.join("\n  - ")}`);
          return text;
        })
      : pulumi.output(undefined);

    this.grafanaAdminPassword = pulumi.secret(admin.result);
    this.basicAuthPasswords = pulumi.secret(pulumi.all(users.map((u) => u.pw.result)).apply((pws) => Object.fromEntries(users.map((u, i) => [u.user, pws[i]]))));
    this.values = pulumi.secret(
      pulumi
        .all([
          pulumi.all([
            fromConfig(SECRET_KEYS.pagerdutyRoutingKey, "unset-pagerduty-routing-key"),
            fromConfig(SECRET_KEYS.slackWebhookUrl, "https://hooks.slack.com/services/unset"),
            // Without the secret (dev) the heartbeats fail, which AlertmanagerNotificationsFailing reports.
            fromConfig(SECRET_KEYS.heartbeatUrl, "https://heartbeat.invalid/unset"),
          ]),
          admin.result,
          // Cheap, stable hashes: nginx runs crypt() on every request (see nginx/hash.ts).
          pulumi.all(users.map((u) => u.pw.result.apply((r) => stableBcryptHash(r, `${pulumi.getStack()}/${u.user}`)))),
          cert,
          key,
          pulumi.all(remoteWrite),
          pulumi.all([pulumi.all(remoteWriteTokens), objstore]),
        ])
        .apply(([[pd, slack, heartbeat], adminPw, hashes, certPem, keyPem, rw, [rwTokens, objstoreYaml]]) => ({
          pagerdutyRoutingKey: pd,
          slackWebhookUrl: slack,
          heartbeatUrl: heartbeat,
          grafanaAdminPassword: adminPw,
          basicAuth: users.map((u, i) => ({ user: u.user, bcryptHash: hashes[i] })),
          tlsCertificate: certPem,
          tlsPrivateKey: keyPem,
          remoteWritePasswords: Object.fromEntries(rw),
          remoteWriteTokens: Object.fromEntries(rwTokens),
          ...(objstoreYaml !== undefined ? { thanosObjstoreConfig: objstoreYaml } : {}),
        })),
    );
    this.registerOutputs({});
  }
}
