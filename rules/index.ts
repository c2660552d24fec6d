/**
 * Rule files loaded by every Prometheus of every stack: file name -> YAML (render/stack.ts
 * writes them under rules/ of Prometheus' config root).
 *
 * Also the catalogue the end-to-end drills and the benchmark use: every alert with its
 * labels and `for`, and (rules/detection.ts) the time each needs to fire.
 */
import { RULE_FILES } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { toYaml } from "../render/yaml";
import { applicationGroups, sloBurnRules } from "./application";
import { containerGroups } from "./containers";
import { infrastructureGroups } from "./infrastructure";
import { metaGroups } from "./meta";
import { isAlert, type AlertingRule, type RuleGroup } from "./model";
import { recordingGroups } from "./recording";
import { sloGroups } from "./slo-recording";

export { RECORDED, ALERTS, SLO_WINDOWS } from "./names";

/** The rule groups of each file. */
export function ruleGroups(cfg: StackConfig, topo: Topology): Record<string, RuleGroup[]> {
  return {
    [RULE_FILES.recording]: recordingGroups(cfg, topo),
    [RULE_FILES.slo]: sloGroups(cfg, (slo) => sloBurnRules(cfg, topo, slo)),
    [RULE_FILES.infrastructure]: [...infrastructureGroups(cfg, topo), ...containerGroups(cfg, topo)],
    [RULE_FILES.application]: applicationGroups(cfg, topo),
    [RULE_FILES.meta]: metaGroups(cfg, topo),
  };
}

/** Renders every rule file (each starts with the DO NOT EDIT header). */
export function renderRuleFiles(cfg: StackConfig, topo: Topology): Record<string, string> {
  return Object.fromEntries(
    Object.entries(ruleGroups(cfg, topo)).map(([file, groups]) => [file, toYaml({ groups }, "rules/index.ts")]),
  );
}

/** One alerting rule and where it lives. */
export interface CatalogEntry {
  file: string;
  group: string;
  rule: AlertingRule;
}

/** Every alerting rule of the stack (several rules may share a name, e.g. per severity or per SLO tier). */
export function alertCatalog(cfg: StackConfig, topo: Topology): CatalogEntry[] {
  return Object.entries(ruleGroups(cfg, topo)).flatMap(([file, groups]) =>
    groups.flatMap((g) => g.rules.filter(isAlert).map((rule) => ({ file, group: g.name, rule }))),
  );
}
