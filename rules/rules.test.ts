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
import { lintRuleGroups } from "./lint/index";
import { leMatcher } from "./model";
import { ALERTS, RECORDED, allRecordedNames } from "./names";
import { burnTiers, errorBudget, firstDetection, outagePageWorstCaseSeconds, pageDetection, pipelineDelaySeconds, tierDetectionSeconds, tierThreshold } from "./slo-math";
import { expectedDetection, memoryRampRuleSeconds } from "./detection";
import { RUNBOOKS_DIR, STACK_NAMES, stackUnderTest } from "./testing";
import { HISTORY_GROUP, historyGuard, periodCoverage } from "./history";
import { sloRecordingRules } from "./slo-recording";

const groupsOf = (name: (typeof STACK_NAMES)[number]) => {
  const { cfg, topo } = stackUnderTest(name);
  return { cfg, topo, groups: Object.values(ruleGroups(cfg, topo)).flat() };
};

describe.each(STACK_NAMES)("the %s stack's rules", (stack) => {
  test("follow every convention of rules/lint (each check shown to pass and fail in rules/lint/checks.test.ts)", () => {
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
    // The local fallback without cgroups has no limit to be OOM-killed at, so no OOM series (rules/recording.ts).
    const expected = allRecordedNames().filter((n) => !(stack === "local-process" && n === RECORDED.oomKills));
    expect([...recorded].sort()).toEqual(expected.sort());
    expect([...recorded].filter((n) => !n.startsWith("slo:")).length).toBeGreaterThanOrEqual(15);
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
    expect(ledger.map((e) => e.rule.alert).sort()).toEqual([...burnTiers(cfg).map(() => ALERTS.availabilityBurn), ALERTS.budgetExhausted].sort());
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

  test("every burn-rate alert needs the minimum of bad events in its short window, and sits in its SLO's recording group", () => {
    const { cfg, topo } = stackUnderTest("dev");
    const burns = alertCatalog(cfg, topo).filter((e) => e.rule.alert === ALERTS.availabilityBurn || e.rule.alert === ALERTS.latencyBurn);
    expect(burns.length).toBe(cfg.slos.length * burnTiers(cfg).length);
    for (const { rule, group } of burns) {
      const short = rule.labels.short_window as keyof typeof RECORDED.sloRequests;
      expect(rule.expr).toContain(`(${RECORDED.sloErrorRatio[short]}{slo="${rule.labels.slo}"} * on (slo) ${RECORDED.sloRequests[short]}{slo="${rule.labels.slo}"}) * ${durationSeconds(short)} >= ${cfg.alerts.burnRate.minBadEvents}`);
      expect(group).toBe(`slo-${rule.labels.slo}`);
    }
    // Recordings first: the alert reads this evaluation's ratios.
    const group = ruleGroups(cfg, topo)[RULE_FILES.slo].find((g) => g.name === "slo-payment-processor-availability")!;
    const firstAlert = group.rules.findIndex((r) => "alert" in r);
    expect(group.rules.slice(firstAlert).every((r) => "alert" in r)).toBe(true);
    expect(group.rules.slice(0, firstAlert).some((r) => "record" in r && r.record === RECORDED.sloErrorRatio["5m"])).toBe(true);
  });

  test("tiers come from alerts.burnRate.tiers: a stack can page on 1h/5m at 14.4x instead", () => {
    const file = readStackFile("dev");
    const raw = { ...file.raw, alerts: { burnRate: { tiers: [{ long: "1h", short: "5m", burnRate: 14.4, severity: "critical" }, { long: "3d", short: "6h", burnRate: 1, severity: "warning" }] } } };
    const cfg = parseStackConfig(raw, { present: new Set(), required: false });
    const tiers = alertCatalog(cfg, dockerTopology(cfg)).filter((e) => e.rule.alert === ALERTS.availabilityBurn && e.rule.labels.slo === "payment-processor-availability");
    expect(tiers.map((e) => [e.rule.labels.long_window, e.rule.labels.severity])).toEqual([["1h", "critical"], ["3d", "warning"]]);
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
    const g = 'prometheus_tsdb_lowest_timestamp_seconds{job="prometheus"}';
    expect(historyGuard("6h")).toBe(`and on () (clamp_min(time() - max(${g}), 0) >= 21600 or on () absent(${g}))`);
    expect(burns.length).toBe(cfg.slos.length * burnTiers(cfg).length);
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

  test("delays the slow tiers on a young Prometheus; the 5m tier waits only its 5 minutes", () => {
    const slo = cfg.slos.find((s) => s.name === "payment-processor-availability")!;
    const tier = (id: string) => burnTiers(cfg).find((t) => t.id === id)!;
    const step = 15;
    // A full outage 30 minutes after the start: the 5m tier as on any stack; the 6h tier the
    // moment the history reaches its window.
    expect(tierDetectionSeconds(slo, tier("5m"), 1, { history: 1800, step })).toBe(15);
    expect(tierDetectionSeconds(slo, tier("6h"), 1, { history: 1800, step })).toBe(19800);
    expect(tierDetectionSeconds(slo, tier("6h"), 1, { step })).toBe(135);
    // A Prometheus started with the outage: the 5m tier at 5 minutes.
    expect(tierDetectionSeconds(slo, tier("5m"), 1, { history: 0, step })).toBe(300);
    // rules/tests/slo-history-slow.dev.test.yml: 1% from the first minute, 1-minute steps, the
    // 6x tier fires at 6h.
    expect(tierDetectionSeconds(slo, tier("6h"), 0.01, { history: 0, step: 60 })).toBe(6 * 3600);
  });
});

describe("burn-rate arithmetic", () => {
  const { cfg } = stackUnderTest("prod");
  const budgetOf = (slo: (typeof cfg.slos)[number]) => errorBudget(slo);

  test.each(cfg.slos.map((s) => [s.name, s]))("%s: 14.4x and more page within 5 minutes, young or old; 6x within 6 hours", (_n, slo) => {
    for (const m of [14.4, 20, 50, 100]) {
      for (const history of [undefined, 0]) expect(pageDetection(cfg, slo, m * budgetOf(slo), { history })!.seconds).toBeLessThanOrEqual(300);
    }
    expect(pageDetection(cfg, slo, 6 * budgetOf(slo))!.seconds).toBeLessThanOrEqual(6 * 3600);
    // Just under 14.4x takes the 6h tier: the 5m tier needs the multiple.
    expect(pageDetection(cfg, slo, 14 * budgetOf(slo))!.tier.id).toBe("6h");
  });

  test.each(cfg.slos.map((s) => [s.name, s]))("%s: 3x and 1x open a ticket and never page; 0.5x stays silent", (_n, slo) => {
    for (const m of [3, 1]) {
      expect(pageDetection(cfg, slo, m * budgetOf(slo))).toBeNull();
      expect(firstDetection(cfg, slo, m * budgetOf(slo), "warning")).not.toBeNull();
    }
    for (const severity of ["critical", "warning"] as const) expect(firstDetection(cfg, slo, 0.5 * budgetOf(slo), severity)).toBeNull();
  });

  test("a total outage of payment-processor reaches PagerDuty within 60 s at worst: 4.3 s of errors, a scrape, an evaluation, half an evaluation of group_wait", () => {
    const slo = cfg.slos.find((s) => s.name === "payment-processor-availability")!;
    // rules/README.md "From fault to page": 0.0144 x 300 s + 15 + 15 + 7.5.
    expect(outagePageWorstCaseSeconds(cfg, slo)).toBeCloseTo(41.82, 2);
    expect(pipelineDelaySeconds(cfg)).toBe(37.5);
    // Availability SLOs: a total outage pages within the 60 s goal; latency (every request slow) within 90 s.
    for (const s of cfg.slos) expect(outagePageWorstCaseSeconds(cfg, s)!).toBeLessThanOrEqual(s.indicator.type === "availability" ? 60 : 90);
  });

  test("impossible tiers are dropped: 14.4x of a 90% SLO's 10% budget is 144%", () => {
    const file = readStackFile("dev");
    const strict = parseStackConfig({ ...file.raw, slos: [{ name: "reporting-availability", service: "reporting", objective: 90, indicator: { type: "availability" } }] }, { present: new Set(), required: false });
    const tier = (id: string) => burnTiers(strict).find((t) => t.id === id)!;
    expect(tierThreshold(strict.slos[0], tier("5m"))).toBeNull();
    expect(tierThreshold(strict.slos[0], tier("6h"))).toBe(0.6);
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

  test("100% errors on payment-processor page through the 5m tier at the first evaluation that sees them (rules/tests/slo-history.dev.test.yml)", () => {
    const tier = one(ALERTS.availabilityBurn, { slo: "payment-processor-availability", long_window: "5m" });
    expect(expectedDetection(cfg, tier, { kind: "badRatio", ratio: 1 })!.ruleSeconds).toBe(15);
    expect(expectedDetection(cfg, tier, { kind: "badRatio", ratio: 0.01 })).toBeNull();
  });

  test("on a 30-minute-old stack the drill's outage pages through the 5m tier in 15 s and the 6x tier cannot answer for 5h30m", () => {
    const outage = { kind: "badRatio" as const, ratio: 1 };
    const tierOf = (long: string) => one(ALERTS.availabilityBurn, { slo: "payment-processor-availability", long_window: long });
    expect(expectedDetection(cfg, tierOf("5m"), outage, { history: 1800 })!.ruleSeconds).toBe(15);
    expect(expectedDetection(cfg, tierOf("6h"), outage, { history: 1800 })!.ruleSeconds).toBe(19800);
    expect(expectedDetection(cfg, tierOf("6h"), outage)!.ruleSeconds).toBe(135);
  });
});
