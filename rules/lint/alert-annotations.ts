import type { RuleCheck } from "./check";

const REQUIRED = ["summary", "description", "runbook_url", "dashboard_url"] as const;

/**
 * A page says what broke, how bad it is and where to go next: summary, a description that
 * shows the value that fired it ({{ $value }}), a runbook and a dashboard link.
 */
export const alertAnnotations: RuleCheck = {
  id: "alerts/annotations",
  why: "alerts have summary, description (showing {{ $value }}), runbook_url and dashboard_url",
  alerting: (r) => {
    const ann = (r.annotations ?? {}) as Record<string, string | undefined>;
    return [
      ...REQUIRED.filter((a) => !ann[a]).map((a) => `no ${a} annotation`),
      ...(ann.description && !/\$value/.test(ann.description) ? ["description does not show {{ $value }}"] : []),
    ];
  },
};
