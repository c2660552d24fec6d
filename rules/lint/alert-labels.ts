import { SEVERITIES } from "../../config/conventions";
import type { RuleCheck } from "./check";

/**
 * Every alert carries a severity Alertmanager routes on (critical pages, warning goes to Slack,
 * info to neither) and the service and team labels that pick the receiver: an alert without
 * them falls through to the default route and pages nobody in particular.
 */
export const alertLabels: RuleCheck = {
  id: "alerts/labels",
  why: "alerts carry severity (critical|warning|info), service and team: the labels routing reads",
  alerting: (r) => {
    const labels = (r.labels ?? {}) as Record<string, string | undefined>;
    return [
      ...((SEVERITIES as readonly (string | undefined)[]).includes(labels.severity) ? [] : [`severity "${labels.severity}" is not one of ${SEVERITIES.join("|")}`]),
      ...["service", "team"].filter((l) => !labels[l]).map((l) => `no ${l} label`),
    ];
  },
};
