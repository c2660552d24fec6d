/**
 * Reads the stack configuration the Pulumi way and validates it before any resource is
 * registered.
 *
 * Every key of the project namespace is read (pulumi.runtime.allConfig), not only the schema's:
 * a misspelt `alert:` next to `alerts:` is reported exactly as `npm run render` reports it,
 * instead of being silently dropped while the user believes the override is active.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackInputFromEntries, parseStackConfig } from "./load";
import type { StackConfig } from "./schema";

/** The engine's own record of which config keys are secrets (PULUMI_CONFIG_SECRET_KEYS). */
function secretKeyTest(): (fullKey: string) => boolean {
  // `isConfigSecret` is exported by the SDK's runtime but marked internal in its typings.
  const rt = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  if (typeof rt.isConfigSecret !== "function") {
    throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret; config/pulumi.ts cannot tell secret keys apart (pin @pulumi/pulumi as package.json does)");
  }
  return rt.isConfigSecret;
}

/** Objects and lists arrive from the engine as JSON text; plain strings stay strings. */
function fromEngine(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Loads and validates; throws ConfigError (every problem at once) on bad config. */
export function loadPulumiStackConfig(cfg = new pulumi.Config()): { config: StackConfig; source: { getSecret(key: string): pulumi.Output<string> | undefined } } {
  const isSecret = secretKeyTest();
  const all = pulumi.runtime.allConfig();
  const entries = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, isSecret(k) ? undefined : fromEngine(v)]));
  const input = stackInputFromEntries(entries, (k) => isSecret(k));
  const config = parseStackConfig(input.raw, { present: input.secretKeys, required: true }, pulumi.getStack());
  return { config, source: { getSecret: (k) => cfg.getSecret(k) } };
}
