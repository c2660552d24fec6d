/**
 * defaults -> parse -> validate. The single entry point that turns raw stack config
 * (from Pulumi, from a Pulumi.<stack>.yaml file, or from a test) into a StackConfig,
 * or throws one ConfigError listing every problem.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, problemsFromZod, type ConfigProblem } from "./errors";
import { stackConfigSchema, type StackConfig } from "./schema";
import { crossFieldProblems, type SecretPresence } from "./validate";

/** The Pulumi project name, and so the config namespace (`monitoring-stack:platform`). */
export const PROJECT = "monitoring-stack";

/** Parses and validates; throws ConfigError with every problem found. */
export function parseStackConfig(raw: unknown, secrets: SecretPresence, stack?: string): StackConfig {
  const parsed = stackConfigSchema.safeParse(raw);
  const problems: ConfigProblem[] = parsed.success ? [] : problemsFromZod(parsed.error.issues, raw);
  const forCrossChecks = parsed.success ? parsed.data : defaultsWherePossible(raw);
  problems.push(...crossFieldProblems(forCrossChecks, secrets));
  if (problems.length > 0) throw new ConfigError(problems, stack);
  return parsed.data as StackConfig;
}

/**
 * When the whole object fails, parse each top-level section on its own so that
 * cross-field checks still see defaults for the sections that are fine.
 */
function defaultsWherePossible(raw: unknown): Record<string, unknown> {
  const input = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...input };
  for (const [key, schema] of Object.entries(stackConfigSchema.shape)) {
    const r = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(input[key]);
    if (r.success) out[key] = r.data;
  }
  return out;
}

/** What a Pulumi.<stack>.yaml file holds, split into plain config and the names of secret keys. */
export interface StackFile {
  raw: Record<string, unknown>;
  secretKeys: Set<string>;
}

/** Reads `config:` of Pulumi.<stack>.yaml the way Pulumi would present it to the program. */
export function readStackFile(stack: string, dir = path.resolve(__dirname, "..")): StackFile {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(dir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
    throw new Error(`unknown stack "${stack}": ${file} does not exist; known stacks: ${known.join(", ")}`);
  }
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return stackFileFromConfig(doc.config ?? {});
}

/** Strips the project namespace and separates `secure:` values (never decrypted here). */
export function stackFileFromConfig(config: Record<string, unknown>): StackFile {
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const prefix = `${PROJECT}:`;
  for (const [k, v] of Object.entries(config)) {
    if (!k.startsWith(prefix)) continue; // provider config such as kubernetes:context
    const key = k.slice(prefix.length);
    if (v && typeof v === "object" && "secure" in (v as object)) secretKeys.add(key);
    else raw[key] = v;
  }
  return { raw, secretKeys };
}
