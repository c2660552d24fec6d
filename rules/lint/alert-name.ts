import { ALERTS } from "../names";
import type { RuleCheck } from "./check";

const CAMEL = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/;
const KNOWN = new Set<string>(Object.values(ALERTS));

/**
 * Alert names are CamelCase and listed in ALERTS (rules/names.ts): the runbooks, Alertmanager's
 * inhibit rules and the drills match on them, so each is spelled in one place.
 */
export const alertName: RuleCheck = {
  id: "alerts/name",
  why: "alert names are CamelCase and listed in ALERTS (rules/names.ts)",
  alerting: (r) => [
    ...(CAMEL.test(r.alert) ? [] : ["alert name is not CamelCase"]),
    ...(KNOWN.has(r.alert) ? [] : ["alert name is not in ALERTS (rules/names.ts)"]),
  ],
};
