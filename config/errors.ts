/**
 * Config problems are collected, never thrown one at a time: a user who runs
 * `pulumi preview` with three mistakes sees three lines, each naming the key,
 * the value received and what is allowed.
 */
import type { z } from "zod";

/** One problem with the stack configuration. */
export interface ConfigProblem {
  /** Dotted key as used with `pulumi config set --path`, e.g. alerts.cpu.warning.threshold. */
  key: string;
  /** The value received (undefined when missing). */
  value: unknown;
  /** What would have been accepted. */
  allowed: string;
}

/** Thrown before any resource is registered; lists every problem. */
export class ConfigError extends Error {
  constructor(
    public readonly problems: ConfigProblem[],
    stack?: string,
  ) {
    super(
      `invalid stack configuration${stack ? ` for stack "${stack}"` : ""} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.key}: got ${formatValue(p.value)}; allowed: ${p.allowed}`;
}

/** Stands for a value that must not be echoed (a secret set as plain config). */
export const REDACTED: unique symbol = Symbol("redacted");

function formatValue(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  if (v === REDACTED) return "a plain (unencrypted) value, not shown";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Dotted path with array indexes, e.g. services[3].name. */
export function keyOf(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

/** Reads the raw value at a path, tolerating any shape. */
export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part as string];
  }
  return cur;
}

const DEFAULT_MESSAGE = /^(Invalid input|Too big|Too small|Invalid option|Unrecognized key|Invalid string|Invalid discriminator|Invalid URL)/;

/** Turns zod issues into problems phrased as "what is allowed". */
export function problemsFromZod(issues: z.core.$ZodIssue[], raw: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        out.push({ key: keyOf([...issue.path, k]), value: valueAt(raw, [...issue.path, k]), allowed: "no such key (check the spelling against config/schema.ts)" });
      }
      continue;
    }
    const value = valueAt(raw, issue.path);
    out.push({ key: keyOf(issue.path), value, allowed: allowedFor(issue, value) });
  }
  return out;
}

function allowedFor(issue: z.core.$ZodIssue, value: unknown): string {
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? `a ${issue.expected} (this key is required)` : `a ${issue.expected}`;
    case "too_big":
      return `${issue.origin === "array" ? "at most" : issue.inclusive ? "at most" : "below"} ${String(issue.maximum)}${issue.origin === "array" ? " items" : ""}`;
    case "too_small":
      return `${issue.origin === "array" ? "at least" : issue.inclusive ? "at least" : "above"} ${String(issue.minimum)}${issue.origin === "array" ? " item(s)" : ""}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator) return `an object whose "${String(issue.discriminator)}" is one of the allowed kinds`;
      return "one of the documented forms";
    case "invalid_format":
      return `a valid ${issue.format}`;
    default:
      return issue.message;
  }
}
