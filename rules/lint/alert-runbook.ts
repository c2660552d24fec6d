import * as fs from "fs";
import * as path from "path";
import type { RuleCheck } from "./check";

/**
 * runbook_url points at docs/runbooks/<Alert>.md under the configured base, and that file
 * exists: a link to a runbook nobody wrote is worse than none at 3 a.m.
 */
export const alertRunbook: RuleCheck = {
  id: "alerts/runbook",
  why: "runbook_url is <alerts.runbookBaseUrl>/<Alert>.md and docs/runbooks/<Alert>.md exists",
  alerting: (r, { cfg, runbooksDir }) => {
    const url = (r.annotations as Record<string, string | undefined> | undefined)?.runbook_url;
    if (!url) return []; // alerts/annotations reports it missing
    const want = `${cfg.alerts.runbookBaseUrl.replace(/\/$/, "")}/${r.alert}.md`;
    return [
      ...(url === want ? [] : [`runbook_url ${url} is not ${want}`]),
      ...(fs.existsSync(path.join(runbooksDir, `${r.alert}.md`)) ? [] : [`no runbook docs/runbooks/${r.alert}.md`]),
    ];
  },
};
