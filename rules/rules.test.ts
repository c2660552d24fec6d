/**
 * The rule renderer as a library: conventions (our linter), config-driven generation, the
 * burn-rate arithmetic and the detection times the drills rely on.
 */
import * as yaml from "js-yaml";
import { RULE_FILES } from "../config/conventions";
import { durationSeconds } from "../config/validate";
import { parseStackConfig, readStackFile } from "../config/load";
import { dockerTopology } from "../render/topology";
import { alertCatalog, renderRuleFiles, ruleGroups } from "./index";
import { lintRuleGroups } from "./lint";
import { leMatcher, type RuleGroup } from "./model";
import { ALERTS, RECORDED, allRecordedNames } from "./names";
import { BURN_TIERS, FAST_TIER, errorBudget, pageDetection, pipelineDelaySeconds, tierDetectionSeconds, tierThreshold } from "./slo-math";
import { expectedDetection, memoryRampRuleSeconds } from "./detection";
import { RUNBOOKS_DIR, STACK_NAMES, stackUnderTest } from "./testing";
import { HISTORY_GROUP, historyGuard, periodCoverage } from "./history";
import { sloRecordingRules } from "./slo-recording";

const groupsOf = (name: (typeof STACK_NAMES)[number]) => {
  const { cfg, topo } = stackUnderTest(name);
  return { cfg, topo, groups: Object.values(ruleGroups(cfg, topo)).flat() };
};

describe.each(STACK_NAMES)("the %s stack's rules", (stack) => {
  test("follow every convention of rules/lint.ts", () => {
    const { cfg, topo, groups } = groupsOf(stack);
    expect(lintRuleGroups(groups, cfg, topo, RUNBOOKS_DIR)).toEqual([]);
  });

  test("are five files, each a generated YAML document with the DO NOT EDIT header", () => {
    const { cfg, topo } = stackUnderTest(stack);
    const files = renderRuleFiles(cfg, topo);
    expect(Object.keys(files).sort()).toEqual(Object.values(RULE_FILES).sort());
    for (const content of Object.values(files)) {
      expect(content.startsWith("# DO NOT EDIT")).toBe(true);
      expect((yaml.load(content) as { groups: unknown[] }).groups.length).toBeGreaterThan(0);
    }
  });

  test("record every name of RECORDED, and at least the brief's fifteen outside the SLO series", () => {
    const { groups } = groupsOf(stack);
    const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => ("record" in r ? [r.record] : []))));
    expect([...recorded].sort()).toEqual(allRecordedNames().sort());
    expect([...recorded].filter((n) => !n.startsWith("slo:")).length).toBeGreaterThanOrEqual(15);
  });
});

describe("the linter", () => {
  const { cfg, topo } = stackUnderTest("dev");
  const bad: RuleGroup = {
    name: "bad",
    interval: "1m",
    rules: [
      { record: "job_errors", expr: "sum(rate(x[5m]))" },
      {
        alert: "high_latency" as never,
        expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1 or service:nope:ratio > 1",
        labels: { severity: "page" as never, service: "x", team: "" },
        annotations: { summary: "s", description: "no value here", runbook_url: "https://example.com/x.md", dashboard_url: "https://elsewhere/d/x" },
      },
    ],
  };
  const problems = lintRuleGroups([bad], cfg, topo, RUNBOOKS_DIR).map((p) => p.problem);

  test.each([
    "interval 1m, not the stack's 15s",
    "recorded name is not level:metric:operations",
    "recorded name is not in RECORDED (rules/names.ts)",
    "alert name is not CamelCase",
    'severity "page" is not one of critical|warning|info',
    "no team label",
    "description does not show {{ $value }}",
    "no runbook docs/runbooks/high_latency.md",
    "alert computes a rate itself; read a recorded series",
    "alert reads histogram buckets; read a recorded latency series",
    "reads service:nope:ratio, which no rule records",
  ])("reports %s", (message) => {
    expect(problems.some((p) => p.startsWith(message.split(" ").slice(0, 4).join(" ")))).toBe(true);
  });
});

describe("SLOs come from config", () => {
  test("an SLO for a third service is a config change only: its rules, team and runbooks follow", () => {
    const file = readStackFile("dev");
    const raw = { ...file.raw, slos: [...(file.raw.slos as unknown[]), { name: "ledger-availability", service: "ledger", objective: 99.95, indicator: { type: "availability" } }] };
    const cfg = parseStackConfig(raw, { present: new Set(), required: false });
    const topo = dockerTopology(cfg);
    const groups = Object.values(ruleGroups(cfg, topo)).flat();
    expect(groups.map((g) => g.name)).toContain("slo-ledger-availability");
    const ledger = alertCatalog(cfg, topo).filter((e) => e.rule.labels.slo === "ledger-availability");
    expect(ledger.map((e) => e.rule.alert)).toEqual([...BURN_TIERS.map(() => ALERTS.availabilityBurn), ALERTS.budgetExhausted]);
    expect(new Set(ledger.map((e) => e.rule.labels.team))).toEqual(new Set(["core-banking"]));
    expect(lintRuleGroups(groups, cfg, topo, RUNBOOKS_DIR)).toEqual([]);
  });

  test("latency SLIs match the bucket in every spelling clients and Prometheus versions use", () => {
    expect(leMatcher(2)).toBe('le=~"2|2\\\\.0"');
    expect(leMatcher(0.5)).toBe('le=~"0\\\\.5"');
    // The PromQL string "2|2\\.0" is the regex 2|2\.0, anchored as Prometheus anchors it.
    const regex = (m: string) => new RegExp(`^(?:${m.slice(5, -1).replace(/\\\\/g, "\\")})$`);
    expect(["2", "2.0"].every((v) => regex(leMatcher(2)).test(v))).toBe(true);
    expect(["20", "2x0", "0.2"].some((v) => regex(leMatcher(2)).test(v))).toBe(false);
  });

  test("prod's CPU warning override reaches its rules and dev keeps the default", () => {
    const cpuWarning = (s: "dev" | "prod") =>
      alertCatalog(stackUnderTest(s).cfg, stackUnderTest(s).topo).find((e) => e.rule.alert === ALERTS.highCpu && e.rule.labels.severity === "warning")!.rule.expr;
    expect(cpuWarning("dev")).toBe(`${RECORDED.cpuRatio} >= 0.85`);
    expect(cpuWarning("prod")).toBe(`${RECORDED.cpuRatio} >= 0.8`);
  });

  test("every burn-rate alert carries the low-traffic guard on its long window", () => {
    const { cfg, topo } = stackUnderTest("dev");
    const burns = alertCatalog(cfg, topo).filter((e) => e.rule.alert === ALERTS.availabilityBurn || e.rule.alert === ALERTS.latencyBurn);
    expect(burns.length).toBe(cfg.slos.length * BURN_TIERS.length);
    for (const { rule } of burns) {
      const long = rule.labels.long_window as keyof typeof RECORDED.sloRequests;
      expect(rule.expr).toContain(`${RECORDED.sloRequests[long]}{slo="${rule.labels.slo}"} >= ${cfg.alerts.minRequestsPerSecond}`);
    }
  });
});

describe("the history guard", () => {
  const { cfg, topo } = stackUnderTest("dev");
  const burns = alertCatalog(cfg, topo).filter((e) => e.rule.alert === ALERTS.availabilityBurn || e.rule.alert === ALERTS.latencyBurn);

  test("is recorded once per Prometheus from its own TSDB, never negative", () => {
    const groups = ruleGroups(cfg, topo)[RULE_FILES.slo];
    const history = groups.filter((g) => g.name === HISTORY_GROUP);
    expect(history).toHaveLength(1);
    expect(history[0].rules).toEqual([
      { record: RECORDED.tsdbHistory, expr: 'clamp_min(time() - max(prometheus_tsdb_lowest_timestamp_seconds{job="prometheus"}), 0)' },
    ]);
  });

  test("holds every burn tier until the history covers its long window, and counts unknown history as enough", () => {
    expect(historyGuard("6h")).toBe(`and on () (${RECORDED.tsdbHistory} >= 21600 or on () absent(${RECORDED.tsdbHistory}))`);
    expect(burns.length).toBe(cfg.slos.length * BURN_TIERS.length);
    for (const { rule } of burns) {
      expect(rule.expr.endsWith(` ${historyGuard(rule.labels.long_window)}`)).toBe(true);
      expect(rule.expr).toContain(`>= ${durationSeconds(rule.labels.long_window)} `);
    }
  });

  test("makes the budget left count the bad events seen against the whole period's budget", () => {
    expect(periodCoverage("30d")).toBe(`(clamp_max(${RECORDED.tsdbHistory}, 2592000) / 2592000 or on () vector(1))`);
    for (const slo of cfg.slos) {
      const remaining = sloRecordingRules(cfg, slo).find((r) => r.record === RECORDED.sloBudgetRemaining)!;
      expect(remaining.expr).toBe(`1 - ${RECORDED.sloErrorRatioPeriod}{slo="${slo.name}"} / ${errorBudget(slo)} * on () group_left () ${periodCoverage(slo.window)}`);
    }
    // The ticket itself reads that series and needs no guard of its own.
    const exhausted = alertCatalog(cfg, topo).filter((e) => e.rule.alert === ALERTS.budgetExhausted);
    for (const { rule } of exhausted) expect(rule.expr).toBe(`${RECORDED.sloBudgetRemaining}{slo="${rule.labels.slo}"} < 0`);
  });

  test("delays the slow tiers on a young Prometheus and leaves the fast one alone", () => {
    const slo = cfg.slos.find((s) => s.name === "payment-processor-availability")!;
    const tier = (id: string) => BURN_TIERS.find((t) => t.id === id)!;
    // A full outage 30 minutes after the start: the fast tier as on any stack; the 1h and 6h
    // tiers at the moment the history reaches their windows.
    expect(tierDetectionSeconds(cfg, slo, FAST_TIER, 1, { history: 1800 })).toBe(15);
    expect(tierDetectionSeconds(cfg, slo, tier("1h"), 1, { history: 1800 })).toBe(1800);
    expect(tierDetectionSeconds(cfg, slo, tier("6h"), 1, { history: 1800 })).toBe(19800);
    expect(tierDetectionSeconds(cfg, slo, tier("6h"), 1)).toBe(135);
    // rules/tests/slo-history-slow.dev.test.yml: 1% from the first minute, 1-minute steps, the
    // 6x tier fires at 6h1m (one evaluation after the condition).
    expect(tierDetectionSeconds(cfg, slo, tier("6h"), 0.01, { history: 0, step: 60 })! + 60).toBe(6 * 3600 + 60);
  });
});

describe("burn-rate arithmetic", () => {
  const { cfg } = stackUnderTest("prod");

  test.each(cfg.slos.map((s) => [s.name, s]))("%s: 100%%, 50%% and 20%% bad events page within 3 minutes at the rule level", (_n, slo) => {
    for (const e of [1, 0.5, 0.2]) expect(pageDetection(cfg, slo, e)!.seconds).toBeLessThanOrEqual(180);
    // A full outage reaches a person within 2 minutes, even in the worst case of every delay.
    expect(pageDetection(cfg, slo, 1)!.seconds + durationSeconds(cfg.scrape.evaluationInterval) + pipelineDelaySeconds(cfg)).toBeLessThanOrEqual(120);
  });

  test.each(cfg.slos.map((s) => [s.name, s]))("%s: burning exactly the budget (1x) fires no tier", (_n, slo) => {
    for (const tier of BURN_TIERS) expect(tierDetectionSeconds(cfg, slo, tier, errorBudget(slo))).toBeNull();
  });

  test("the fast tier never asks for less than 10x the budget, and impossible tiers are dropped", () => {
    const file = readStackFile("dev");
    const loose = parseStackConfig({ ...file.raw, slos: [{ name: "reporting-availability", service: "reporting", objective: 95, indicator: { type: "availability" } }] }, { present: new Set(), required: false });
    const slo = loose.slos[0];
    expect(tierThreshold(loose, slo, FAST_TIER)).toBe(0.5);
    expect(tierThreshold(loose, slo, BURN_TIERS[1])).toBe(0.72);
    expect(alertCatalog(loose, dockerTopology(loose)).filter((e) => e.rule.labels.slo === slo.name)).toHaveLength(BURN_TIERS.length + 1);
    const strict = parseStackConfig({ ...file.raw, slos: [{ ...slo, objective: 90 }] }, { present: new Set(), required: false });
    // A 90% SLO: 10x and 14.4x its 10% budget are 100% and 144%, which no error ratio exceeds.
    expect(tierThreshold(strict, strict.slos[0], FAST_TIER)).toBeNull();
    expect(tierThreshold(strict, strict.slos[0], BURN_TIERS[1])).toBeNull();
    const tiers = alertCatalog(strict, dockerTopology(strict)).filter((e) => e.rule.alert === ALERTS.availabilityBurn);
    expect(tiers.map((e) => e.rule.labels.long_window)).toEqual(["6h", "1d", "3d"]);
  });
});

describe("expected detection times for the drills", () => {
  const { cfg, topo } = stackUnderTest("dev");
  const catalog = alertCatalog(cfg, topo);
  const one = (alert: string, labels: Record<string, string> = {}) =>
    catalog.find((e) => e.rule.alert === alert && Object.entries(labels).every(([k, v]) => e.rule.labels[k] === v))!;

  test("the memory drill (10% to 92% in 2 minutes) pages within 3 minutes, HighMemoryUsage after its 10 minutes", () => {
    const ramp = { kind: "memoryRamp" as const, from: 0.1, to: 0.92, seconds: 120 };
    const page = expectedDetection(cfg, one(ALERTS.memoryExhaustion), ramp)!;
    // rules/tests/memory-drill.dev.test.yml: the ramp starts after the 5m sample, the page fires at 7m.
    expect(page.ruleSeconds).toBe(120);
    expect(page.notifySeconds).toBeLessThanOrEqual(180);
    expect(memoryRampRuleSeconds(cfg, 0.1, 0.55, 60)).toBeNull();
    const high = expectedDetection(cfg, one(ALERTS.highMemory, { service: "{{ $labels.service }}" }), ramp)!;
    expect(high.ruleSeconds).toBeGreaterThanOrEqual(600);
  });

  test("100% errors on payment-processor page through the fast tier in 30 s (rules/tests/slo-burn.dev.test.yml)", () => {
    const fast = one(ALERTS.availabilityBurn, { slo: "payment-processor-availability", long_window: "2m" });
    expect(expectedDetection(cfg, fast, { kind: "badRatio", ratio: 1 })!.ruleSeconds).toBe(30);
    expect(expectedDetection(cfg, fast, { kind: "badRatio", ratio: 0.05 })).toBeNull();
  });

  test("on a 30-minute-old stack the drill's outage pages through the fast tier in 30 s and the 6x tier cannot answer for 5h30m", () => {
    const outage = { kind: "badRatio" as const, ratio: 1 };
    const tierOf = (long: string) => one(ALERTS.availabilityBurn, { slo: "payment-processor-availability", long_window: long });
    expect(expectedDetection(cfg, tierOf("2m"), outage, { history: 1800 })!.ruleSeconds).toBe(30);
    expect(expectedDetection(cfg, tierOf("6h"), outage, { history: 1800 })!.ruleSeconds).toBe(19800 + 15);
    expect(expectedDetection(cfg, tierOf("6h"), outage)!.ruleSeconds).toBe(135 + 15);
  });
});
