/**
 * Our own rule linter: the conventions promtool does not check (pint, which would, cannot be
 * installed here: the Go proxy refuses it). One module per check, pint's way, each shown to pass
 * a conforming rule and to flag a broken one (checks.test.ts); rules/rules.test.ts runs them all
 * on every stack. Pure: rule groups in, problems out.
 */
import type { StackConfig } from "../../config/schema";
import type { Topology } from "../../render/topology";
import { isAlert, type RuleGroup } from "../model";
import { allRecordedNames } from "../names";
import { alertAnnotations } from "./alert-annotations";
import { alertDashboard } from "./alert-dashboard";
import { alertLabels } from "./alert-labels";
import { alertName } from "./alert-name";
import { alertRecordedInput } from "./alert-recorded-input";
import { alertRunbook } from "./alert-runbook";
import type { LintContext, RuleCheck } from "./check";
import { groupInterval } from "./group-interval";
import { recordName } from "./record-name";

export type { LintContext, RuleCheck } from "./check";

/** Every check, in the order problems are reported. */
export const CHECKS: readonly RuleCheck[] = [groupInterval, recordName, alertName, alertLabels, alertAnnotations, alertRunbook, alertDashboard, alertRecordedInput];

/** One convention broken by one rule (`rule` is "-" for the group itself). */
export interface LintProblem {
  group: string;
  rule: string;
  check: string;
  problem: string;
}

/** Runs `checks` over the groups of one stack; `runbooksDir` is docs/runbooks. */
export function lintRuleGroups(groups: RuleGroup[], cfg: StackConfig, topo: Topology, runbooksDir: string, checks: readonly RuleCheck[] = CHECKS): LintProblem[] {
  const ctx: LintContext = { cfg, topo, runbooksDir, recorded: new Set(allRecordedNames()) };
  const out: LintProblem[] = [];
  for (const g of groups) {
    for (const c of checks) for (const problem of c.group?.(g, ctx) ?? []) out.push({ group: g.name, rule: "-", check: c.id, problem });
    for (const r of g.rules) {
      const name = isAlert(r) ? r.alert : r.record;
      for (const c of checks) {
        const found = isAlert(r) ? (c.alerting?.(r, ctx) ?? []) : (c.recording?.(r, ctx) ?? []);
        for (const problem of found) out.push({ group: g.name, rule: name, check: c.id, problem });
      }
    }
  }
  return out;
}
