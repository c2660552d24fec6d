/**
 * Our own rule linter: the conventions promtool does not check (pint, which would, cannot be
 * installed here). Pure: rule groups in, problems out; rules/lint.test.ts runs it on every stack.
 *
 * - recorded names follow `level:metric:operations` and are all in RECORDED (rules/names.ts);
 * - every alert: CamelCase name from ALERTS, severity critical|warning|info, service and team
 *   labels, summary/description/runbook_url/dashboard_url, a description that shows $value, a
 *   runbook file docs/runbooks/<name>.md behind runbook_url, a dashboard link to our Grafana;
 * - alerts read recorded series: no rate()/irate()/increase() and no histogram buckets.
 */
import * as fs from "fs";
import * as path from "path";
import { SEVERITIES } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { isAlert, type RuleGroup } from "./model";
import { ALERTS, allRecordedNames } from "./names";

/** One convention broken by one rule. */
export interface LintProblem {
  group: string;
  rule: string;
  problem: string;
}

const RECORD_NAME = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9_]+$/;
const CAMEL = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/;
const RAW_RANGE_FUNCTIONS = /\b(rate|irate|increase)\s*\(/;
const REQUIRED_ANNOTATIONS = ["summary", "description", "runbook_url", "dashboard_url"] as const;

/** Lints the groups of one stack; `runbooksDir` is docs/runbooks. */
export function lintRuleGroups(groups: RuleGroup[], cfg: StackConfig, topo: Topology, runbooksDir: string): LintProblem[] {
  const out: LintProblem[] = [];
  const recorded = new Set(allRecordedNames());
  const alertNames = new Set<string>(Object.values(ALERTS));
  const runbookBase = cfg.alerts.runbookBaseUrl.replace(/\/$/, "");
  for (const g of groups) {
    const add = (rule: string, problem: string) => out.push({ group: g.name, rule, problem });
    if (g.interval !== cfg.scrape.evaluationInterval) add("-", `interval ${g.interval}, not the stack's ${cfg.scrape.evaluationInterval}`);
    for (const r of g.rules) {
      if (!isAlert(r)) {
        if (!RECORD_NAME.test(r.record)) add(r.record, "recorded name is not level:metric:operations");
        if (!recorded.has(r.record)) add(r.record, "recorded name is not in RECORDED (rules/names.ts)");
        continue;
      }
      const name = r.alert;
      if (!CAMEL.test(name)) add(name, "alert name is not CamelCase");
      if (!alertNames.has(name)) add(name, "alert name is not in ALERTS (rules/names.ts)");
      const labels = (r.labels ?? {}) as Record<string, string>;
      if (!(SEVERITIES as readonly string[]).includes(labels.severity)) add(name, `severity "${labels.severity}" is not one of ${SEVERITIES.join("|")}`);
      for (const l of ["service", "team"]) if (!labels[l]) add(name, `no ${l} label`);
      const ann = (r.annotations ?? {}) as Record<string, string>;
      for (const a of REQUIRED_ANNOTATIONS) if (!ann[a]) add(name, `no ${a} annotation`);
      if (ann.description && !/\$value/.test(ann.description)) add(name, "description does not show {{ $value }}");
      if (ann.runbook_url) {
        if (ann.runbook_url !== `${runbookBase}/${name}.md`) add(name, `runbook_url ${ann.runbook_url} is not ${runbookBase}/${name}.md`);
        if (!fs.existsSync(path.join(runbooksDir, `${name}.md`))) add(name, `no runbook docs/runbooks/${name}.md`);
      }
      if (ann.dashboard_url && !ann.dashboard_url.startsWith(`${topo.grafanaUrl}/d/`)) add(name, `dashboard_url ${ann.dashboard_url} is not a dashboard of ${topo.grafanaUrl}`);
      if (RAW_RANGE_FUNCTIONS.test(r.expr)) add(name, "alert computes a rate itself; read a recorded series");
      if (/_bucket\b/.test(r.expr)) add(name, "alert reads histogram buckets; read a recorded latency series");
      const used = r.expr.match(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g) ?? [];
      for (const u of used) if (!recorded.has(u)) add(name, `reads ${u}, which no rule records`);
    }
  }
  return out;
}
