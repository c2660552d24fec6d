/**
 * The shape of one rule-lint check (rules/lint/*.ts): one convention per module, named like
 * pint's checks (`alerts/labels`, `rule/name`, ...), each with a passing and a failing case in
 * rules/lint/checks.test.ts. A check reads one group, one recording rule or one alerting rule;
 * it returns one message per problem, never throws.
 */
import type { StackConfig } from "../../config/schema";
import type { Topology } from "../../render/topology";
import type { AlertingRule, RecordingRule, RuleGroup } from "../model";

/** What every check may read besides the rule: the stack, and where the runbooks live. */
export interface LintContext {
  cfg: StackConfig;
  topo: Topology;
  /** docs/runbooks (a runbook file per alert). */
  runbooksDir: string;
  /** Every series name the rules record (rules/names.ts RECORDED). */
  recorded: ReadonlySet<string>;
}

/** One convention. At least one of the three readers is set. */
export interface RuleCheck {
  /** pint-style name, printed with every problem so it can be looked up. */
  id: string;
  /** The convention and why it holds, one sentence (for the README and the failing message). */
  why: string;
  group?(g: RuleGroup, ctx: LintContext): string[];
  recording?(r: RecordingRule, ctx: LintContext): string[];
  alerting?(r: AlertingRule, ctx: LintContext): string[];
}

/** The names a rule reads that look recorded (`level:metric:operations`). */
export function recordedNamesIn(expr: string): string[] {
  return expr.match(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g) ?? [];
}
