/**
 * Every lint check passes a conforming rule (taken from the dev stack's own rules) and flags a
 * broken copy of it with exactly the expected messages: a check that cannot fail proves nothing,
 * and one that flags good rules would be switched off. A check without cases here fails the
 * last test.
 */
import { ruleGroups } from "../index";
import { isAlert, type AlertingRule, type RecordingRule, type RuleGroup } from "../model";
import { RUNBOOKS_DIR, stackUnderTest } from "../testing";
import { CHECKS, lintRuleGroups, type RuleCheck } from "./index";

const { cfg, topo } = stackUnderTest("dev");
const groups = Object.values(ruleGroups(cfg, topo)).flat();
const goodGroup = groups.find((g) => g.rules.some(isAlert))!;
const goodAlert = goodGroup.rules.find(isAlert)!;
const goodRecord = groups.flatMap((g) => g.rules).find((r): r is RecordingRule => !isAlert(r))!;
const alertIn = (r: AlertingRule): RuleGroup => ({ ...goodGroup, rules: [r] });
const recordIn = (r: RecordingRule): RuleGroup => ({ ...goodGroup, rules: [r] });
const ann = (patch: Record<string, string | undefined>) => ({ ...goodAlert, annotations: { ...goodAlert.annotations, ...patch } as AlertingRule["annotations"] });

interface Case {
  pass: RuleGroup;
  fail: RuleGroup;
  expected: string[];
}

const CASES: Record<string, Case> = {
  "group/interval": {
    pass: goodGroup,
    fail: { ...goodGroup, interval: "1m" },
    expected: [`interval 1m, not the stack's ${cfg.scrape.evaluationInterval}`],
  },
  "record/name": {
    pass: recordIn(goodRecord),
    fail: recordIn({ ...goodRecord, record: "job_errors" }),
    expected: ["recorded name is not level:metric:operations", "recorded name is not in RECORDED (rules/names.ts)"],
  },
  "alerts/name": {
    pass: alertIn(goodAlert),
    fail: alertIn({ ...goodAlert, alert: "high_latency" as never }),
    expected: ["alert name is not CamelCase", "alert name is not in ALERTS (rules/names.ts)"],
  },
  "alerts/labels": {
    pass: alertIn(goodAlert),
    fail: alertIn({ ...goodAlert, labels: { ...goodAlert.labels, severity: "page" as never, team: "" } }),
    expected: ['severity "page" is not one of critical|warning|info', "no team label"],
  },
  "alerts/annotations": {
    pass: alertIn(goodAlert),
    fail: alertIn(ann({ summary: undefined, description: "no value here" })),
    expected: ["no summary annotation", "description does not show {{ $value }}"],
  },
  "alerts/runbook": {
    pass: alertIn(goodAlert),
    fail: alertIn({ ...ann({ runbook_url: "https://example.com/x.md" }), alert: "NoSuchAlert" as never }),
    expected: [`runbook_url https://example.com/x.md is not ${cfg.alerts.runbookBaseUrl.replace(/\/$/, "")}/NoSuchAlert.md`, "no runbook docs/runbooks/NoSuchAlert.md"],
  },
  "alerts/dashboard": {
    pass: alertIn(goodAlert),
    fail: alertIn(ann({ dashboard_url: "https://elsewhere/d/x" })),
    expected: [`dashboard_url https://elsewhere/d/x is not a dashboard of ${topo.grafanaUrl}`],
  },
  "alerts/recorded-input": {
    pass: alertIn(goodAlert),
    fail: alertIn({ ...goodAlert, expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1 or service:nope:ratio > 1" }),
    expected: ["alert computes a rate itself; read a recorded series", "alert reads histogram buckets; read a recorded latency series", "reads service:nope:ratio, which no rule records"],
  },
};

const run = (check: RuleCheck, g: RuleGroup) => lintRuleGroups([g], cfg, topo, RUNBOOKS_DIR, [check]);

describe.each(CHECKS.map((c) => [c.id, c] as const))("%s", (id, check) => {
  test("passes a conforming rule of the dev stack", () => {
    expect(CASES[id]).toBeDefined();
    expect(run(check, CASES[id].pass)).toEqual([]);
  });

  test("flags a broken one with exactly the expected problems, naming itself", () => {
    const problems = run(check, CASES[id].fail);
    expect(problems.map((p) => p.problem)).toEqual(CASES[id].expected);
    expect(new Set(problems.map((p) => p.check))).toEqual(new Set([id]));
  });
});

test("every check has its cases, and every case a check", () => {
  expect(Object.keys(CASES).sort()).toEqual(CHECKS.map((c) => c.id).sort());
});

test("check ids are unique and each says why it exists", () => {
  expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
  for (const c of CHECKS) expect(c.why.length).toBeGreaterThan(20);
});
