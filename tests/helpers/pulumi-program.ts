/**
 * Runs index.ts under Pulumi's mock runtime for a stack and records every resource the
 * program registers, with its inputs, so tests can assert on the resource graph.
 */
import * as pulumi from "@pulumi/pulumi";
import bcrypt from "bcryptjs";
import { PROJECT, readStackFile } from "../../config/load";

/** One registered resource. */
export interface MockResource {
  type: string;
  name: string;
  /** Inputs with secret markers removed (values as the provider would receive them). */
  inputs: Record<string, any>;
  /** Dotted paths of the inputs that were marked secret. */
  secretPaths: string[];
}

/** Pulumi's wire marker for a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const isSecret = (v: any) => v && typeof v === "object" && v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(v: any): any {
  if (isSecret(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

function secretPaths(v: any, at = ""): string[] {
  if (isSecret(v)) return [at || "(root)"];
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => secretPaths(x, at ? `${at}.${k}` : k));
  return [];
}

/** What a program run produced. */
export interface ProgramRun {
  resources: MockResource[];
  outputs: Record<string, unknown>;
  error?: Error;
}

/** Known secret values, so tests can prove where they (do not) end up. */
export const TEST_SECRETS = {
  pagerdutyRoutingKey: "pd-test-routing-key-0123456789abcdef",
  slackWebhookUrl: "https://hooks.example.test/services/TEST/SLACK/webhook-secret",
  tlsCertificate: "test-certificate-pem-body",
  tlsPrivateKey: "test-private-key-pem-body",
  heartbeatUrl: "https://hc-ping.example.test/test-heartbeat-uuid",
};

/** Generated values returned by the mocked @pulumi/random and @pulumi/tls providers. */
export const generated = (name: string) => `generated-secret-${name}`;

function computed(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: generated(name), bcryptHash: bcrypt.hashSync(generated(name), 4) };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: generated(`${name}-key`), publicKeyPem: "public" };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { certPem: `self-signed-cert-for-${inputs.subject?.commonName}` };
    case "docker:index/remoteImage:RemoteImage":
      return { imageId: `sha256:${name}`, repoDigest: `${inputs.name}@sha256:0` };
    case "docker:index/image:Image":
      return { imageName: inputs.imageName, repoDigest: `${inputs.imageName}@sha256:0` };
    default:
      // The Kubernetes provider names an object without metadata.name `<logical name>-<8 hex>`
      // (auto-naming); the mock stands in for it with a fixed suffix.
      if (type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
        return { metadata: { ...inputs.metadata, name: autonamed(name) } };
      }
      return {};
  }
}

/** The name the mock gives an auto-named Kubernetes object. */
export const autonamed = (logicalName: string) => `${logicalName}-0000mock`;

/** Flattens the stack file's config the way `pulumi config` hands it to the program. */
function configFor(stack: string, overrides: Record<string, unknown>, secrets: Record<string, string>): { config: Record<string, string>; secretKeys: string[] } {
  const file = readStackFile(stack);
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...file.raw, ...overrides })) {
    if (v === undefined) continue;
    config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  for (const [k, v] of Object.entries(secrets)) config[`${PROJECT}:${k}`] = v;
  return { config, secretKeys: Object.keys(secrets).map((k) => `${PROJECT}:${k}`) };
}

async function settle(resources: MockResource[]): Promise<void> {
  // Registrations happen asynchronously as Outputs resolve; wait until the count is stable.
  let last = -1;
  for (let stable = 0; stable < 5; ) {
    await new Promise((r) => setTimeout(r, 20));
    if (resources.length === last) stable++;
    else {
      stable = 0;
      last = resources.length;
    }
  }
}

/** Runs the program for `stack` with optional config overrides and secrets. */
export async function runProgram(stack: string, opts: { overrides?: Record<string, unknown>; secrets?: Record<string, string> } = {}): Promise<ProgramRun> {
  const resources: MockResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = { ...args.inputs, ...computed(args.type, args.name, args.inputs) };
        resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), secretPaths: secretPaths(args.inputs) });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    false,
  );
  const { config, secretKeys } = configFor(stack, opts.overrides ?? {}, opts.secrets ?? {});
  pulumi.runtime.setAllConfig(config, secretKeys);
  let mod: Record<string, unknown> = {};
  let error: Error | undefined;
  jest.isolateModules(() => {
    try {
      mod = require("../../index");
    } catch (e) {
      error = e as Error;
    }
  });
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) {
    outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((resolve) => (v as pulumi.Output<unknown>).apply(resolve)) : v;
  }
  await settle(resources);
  return { resources, outputs, error };
}

/** Resources of one type (full Pulumi type token). */
export const ofType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
