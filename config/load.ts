/**
 * defaults -> parse -> validate. The single entry point that turns raw stack config
 * (from Pulumi, from a Pulumi.<stack>.yaml file, or from a test) into a StackConfig,
 * or throws one ConfigError listing every problem.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, problemsFromZod, REDACTED, type ConfigProblem } from "./errors";
import { stackConfigSchema, type StackConfig } from "./schema";
import { crossFieldProblems, secretKeyNames, type SecretPresence } from "./validate";

/** The Pulumi project name, and so the config namespace (`monitoring-stack:platform`). */
export const PROJECT = "monitoring-stack";

/**
 * Parses and validates; throws ConfigError with every problem found.
 *
 * Both entry points end here with the same `raw` object: the render CLI from the stack file
 * (readStackFile) and the Pulumi program from the engine's config map (config/pulumi.ts), each
 * through stackInputFromEntries, so a typo one of them rejects the other rejects too.
 */
export function parseStackConfig(raw: unknown, secrets: SecretPresence, stack?: string): StackConfig {
  const { rest, problems } = plainSecretProblems(raw);
  const parsed = stackConfigSchema.safeParse(rest);
  if (!parsed.success) problems.push(...problemsFromZod(parsed.error.issues, rest));
  const forCrossChecks = parsed.success ? parsed.data : defaultsWherePossible(rest);
  // One problem per key: a value the schema already rejected is not also judged against its neighbours.
  const seen = new Set(problems.map((p) => p.key));
  problems.push(...crossFieldProblems(forCrossChecks, secrets, rest).filter((p) => !seen.has(p.key)));
  if (problems.length > 0) throw new ConfigError(problems, stack);
  return parsed.data as StackConfig;
}

/**
 * A secret key (routing key, webhook URL, TLS pair, remote-write passwords) set as plain config
 * would be stored unencrypted in Pulumi.<stack>.yaml: reject it without echoing the value, and
 * keep it out of the schema's way (it is not a schema key, so it would read as a typo).
 */
function plainSecretProblems(raw: unknown): { rest: unknown; problems: ConfigProblem[] } {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { rest: raw, problems: [] };
  const rest = { ...(raw as Record<string, unknown>) };
  const problems: ConfigProblem[] = [];
  for (const key of secretKeyNames(rest)) {
    if (!(key in rest)) continue;
    delete rest[key];
    problems.push({ key, value: REDACTED, allowed: `a Pulumi secret: pulumi config rm ${key}, then pulumi config set --secret ${key} ...` });
  }
  return { rest, problems };
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
  return stackInputFromEntries(config, (_k, v) => !!v && typeof v === "object" && "secure" in (v as object));
}

/**
 * The one way both entry points turn a config map into validation input: every key of the
 * project namespace (not only the schema's, so a misspelt top-level key is reported, never
 * dropped), secret keys set aside by name without their values, provider keys such as
 * kubernetes:context ignored.
 */
export function stackInputFromEntries(entries: Record<string, unknown>, isSecret: (fullKey: string, value: unknown) => boolean): StackFile {
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const prefix = `${PROJECT}:`;
  for (const [k, v] of Object.entries(entries)) {
    if (!k.startsWith(prefix)) continue; // provider config such as kubernetes:context
    const key = k.slice(prefix.length);
    if (isSecret(k, v)) secretKeys.add(key);
    else raw[key] = v;
  }
  return { raw, secretKeys };
}
