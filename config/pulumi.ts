/**
 * Reads the stack configuration the Pulumi way (pulumi.Config, project namespace) and
 * validates it before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./load";
import { stackConfigSchema, type StackConfig } from "./schema";
import { SECRET_KEYS } from "./validate";

/** Config keys that are Pulumi secrets: the fixed ones plus remote-write passwords. */
function secretKeys(raw: Record<string, unknown>): string[] {
  const rw = Array.isArray(raw.remoteWrite) ? (raw.remoteWrite as Array<{ basicAuth?: { passwordSecret?: unknown } }>) : [];
  return [...Object.values(SECRET_KEYS), ...rw.map((r) => r.basicAuth?.passwordSecret).filter((k): k is string => typeof k === "string")];
}

/** Loads and validates; throws ConfigError (every problem at once) on bad config. */
export function loadPulumiStackConfig(cfg = new pulumi.Config()): { config: StackConfig; source: { getSecret(key: string): pulumi.Output<string> | undefined } } {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(stackConfigSchema.shape)) {
    const s = cfg.get(key);
    if (s === undefined) continue;
    // Objects and lists arrive as JSON text; plain strings stay strings.
    try {
      raw[key] = JSON.parse(s);
    } catch {
      raw[key] = s;
    }
  }
  const present = new Set(secretKeys(raw).filter((k) => cfg.getSecret(k) !== undefined));
  const config = parseStackConfig(raw, { present, required: true }, pulumi.getStack());
  return { config, source: { getSecret: (k) => cfg.getSecret(k) } };
}
