import type { RuleCheck } from "./check";

/**
 * Every group evaluates at the stack's evaluation interval: the burn-rate windows, `for:`
 * durations and the detection times the drills assert are computed for that interval
 * (rules/slo-math.ts), and a group on its own clock would drift from them unnoticed.
 */
export const groupInterval: RuleCheck = {
  id: "group/interval",
  why: "groups evaluate at the stack's evaluation interval, which the detection times assume",
  group: (g, { cfg }) => (g.interval === cfg.scrape.evaluationInterval ? [] : [`interval ${g.interval}, not the stack's ${cfg.scrape.evaluationInterval}`]),
};
