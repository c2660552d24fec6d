/**
 * The rendered rule files of every stack, checked and unit-tested by the real promtool:
 * Debian's 2.42 (the local stack's Prometheus) and, when built, 3.5 (the dev/prod image).
 * The timelines themselves are rules/tests/*.test.yml.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RULE_FILES } from "../config/conventions";
import { historyGuard } from "./history";
import { burnTiers } from "./slo-math";
import { memoryAbove } from "./infrastructure";
import { generatedFiles } from "./timelines";
import { RECORDED } from "./names";
import { RunAhead, STACK_NAMES, TESTS_DIR, promtools, renderLayout, run, runAsync, stackUnderTest, testFilesFor, type StackName } from "./testing";

let dir: string;
const roots = {} as Record<StackName, string>;

/**
 * Every timeline on every promtool, in test order, PROMTOOL_JOBS at a time (RunAhead, default 1;
 * `npm test` sets 2). The slowest takes ~190 s of one core alone (slo-history-slow; all 42 runs
 * ~1,380 s of CPU, two at a time on this 2-core machine). One timeline took over 600 s beside
 * four starting e2e stacks at normal priority: the kill comes at 30 minutes, and says so.
 */
const KILL_AFTER_MS = 1_800_000;
const timelineRuns = promtools().flatMap(({ bin }) => STACK_NAMES.flatMap((stack) => testFilesFor(stack).map((file) => ({ bin, stack, file }))));
const ahead = new RunAhead(
  timelineRuns.map(({ bin, stack, file }) => () => runAsync(bin, ["test", "rules", file], path.join(roots[stack], "tests"), KILL_AFTER_MS)),
  // In `npm test` this suite runs after the e2e stacks have started (jest runs the backtest and
  // most unit suites first) and beside the one drill lane left, at 1/4 traffic.
  Math.max(1, Math.min(Number(process.env.PROMTOOL_JOBS ?? 1) || 1, os.availableParallelism())),
);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-promtool-"));
  for (const s of STACK_NAMES) roots[s] = renderLayout(dir, s);
});

afterAll(async () => {
  await ahead.settle();
  fs.rmSync(dir, { recursive: true, force: true });
}, KILL_AFTER_MS + 60_000);

describe.each(promtools())("$name", ({ bin }) => {
  describe.each(STACK_NAMES)("stack %s", (stack) => {
    test("every rendered rule file passes `promtool check rules` with all lints", () => {
      const files = Object.values(RULE_FILES).map((f) => path.join(roots[stack], "rules", f));
      const r = run(bin, ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
      expect(r.output).not.toMatch(/FAILED|lint error/);
      expect(r.code).toBe(0);
    });

    test.each(testFilesFor(stack))("unit tests %s pass", async (file) => {
      const r = await ahead.get(timelineRuns.findIndex((t) => t.bin === bin && t.stack === stack && t.file === file));
      if (r.code !== 0) throw new Error(`promtool test rules ${file} (${stack}) failed (exit ${r.code}${r.code === -1 ? `, killed after ${KILL_AFTER_MS / 1000} s` : ""}):\n${r.output}`);
      expect(r.output).toMatch(/SUCCESS/);
    }, KILL_AFTER_MS + 60_000);
  });
});

describe("the unit-test files", () => {
  test("each test file runs on at least one stack, and stack-specific ones name a known stack", () => {
    const files = fs.readdirSync(TESTS_DIR).filter((f) => f.endsWith(".yml")); // not fixtures/
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f).toMatch(/\.test\.yml$/);
      expect(STACK_NAMES.some((s) => testFilesFor(s).includes(f))).toBe(true);
    }
  });

  test("a broken expectation makes promtool fail, so a green run means something", () => {
    const root = roots.dev;
    const good = fs.readFileSync(path.join(root, "tests", "memory-drill.dev.test.yml"), "utf8");
    // Expect the drill's HighMemoryUsage two steps before its 10-minute `for` has elapsed.
    const bad = good.replace("eval_time: 17m45s", "eval_time: 17m15s");
    expect(bad).not.toBe(good);
    fs.writeFileSync(path.join(root, "tests", "broken.test.yml"), bad);
    const r = run(promtools()[0].bin, ["test", "rules", "broken.test.yml"], path.join(root, "tests"));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/HighMemoryUsage/);
  });

  test("the period timeline fails when the hourly sums leave out the running hour, so it tests the tiling", () => {
    const bare = path.join(dir, "dev-period-broken");
    fs.cpSync(roots.dev, bare, { recursive: true });
    const file = path.join(bare, "rules-unannotated", RULE_FILES.slo);
    const good = fs.readFileSync(file, "utf8");
    const broken = good.split(`+ ${RECORDED.sloErrorsSinceHour}{`).join(`+ 0 * ${RECORDED.sloErrorsSinceHour}{`);
    expect(broken).not.toBe(good);
    fs.writeFileSync(file, broken);
    const r = run(promtools()[0].bin, ["test", "rules", "slo-period.test.yml"], path.join(bare, "tests"));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/ratio_period/);
  });

  test("the long-window timeline fails without the running sum of a window ago, so it tests the exact windows", () => {
    // Without `- sinceHour offset w` the oldest hour counts whole: the 1d and 3d windows are up to
    // an hour too long, which the comparisons after the first day (and only those) catch.
    const r = mutated("windows-unoffset", RULE_FILES.slo, (t) => t.replace(/ - \(slo:sli_errors:sum_since_hour\{[^}]*\} offset (1d|3d) or [^)]*\)/g, ""), "slo-windows.dev.test.yml");
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/ratio_rate1d.*time: 1d5m/);
    expect(r.output).not.toMatch(/time: (1h|23h55m|1d),/);
  }, 300_000);

  test("the young-Prometheus timelines fail on rules without the history guard, so they test the guard", () => {
    const { cfg } = stackUnderTest("dev");
    // The burn tiers live in the SLO groups (slo.rules.yml).
    const r = mutated("unguarded", RULE_FILES.slo, (t) => burnTiers(cfg).reduce((x, tier) => x.split(` ${historyGuard(tier.long)}`).join(""), t), "slo-history.dev.test.yml");
    expect(r.code).not.toBe(0);
    // The drill's noise comes back: the 6x page and the 1d/3d tickets on a 30-minute-old stack.
    expect(r.output).toMatch(/long_window="6h"/);
  }, 300_000);

  /** Copies the dev layout, rewrites one rendered rule file, runs one timeline; returns promtool's result. */
  function mutated(name: string, file: string, change: (text: string) => string, timeline: string) {
    const root = path.join(dir, `dev-${name}`);
    fs.cpSync(roots.dev, root, { recursive: true });
    const f = path.join(root, "rules-unannotated", file);
    const before = fs.readFileSync(f, "utf8");
    const after = change(before);
    expect(after).not.toBe(before);
    fs.writeFileSync(f, after);
    return run(promtools()[0].bin, ["test", "rules", timeline], path.join(root, "tests"), 280_000);
  }

  test("the noisy-memory timeline fails when HighMemoryUsage judges each sample, so it tests the median", () => {
    const { cfg } = stackUnderTest("dev");
    const r = mutated("per-sample-memory", RULE_FILES.infrastructure, (t) => t.split(memoryAbove(cfg, RECORDED.memoryRatio)).join(`${RECORDED.memoryRatio} >= 0.9`), "memory-drill.dev.test.yml");
    expect(r.code).not.toBe(0);
    // The dip restarts the `for` (HighMemoryUsage missing at 17m45s) and resolves the page.
    expect(r.output).toMatch(/alertname: HighMemoryUsage, time: 17m45s/);
    expect(r.output).toMatch(/alertname: MemoryExhaustionImminent, time: 17m15s/);
  }, 300_000);

  test("the quiet-service timeline fails without the bad-event minimum, so it tests the minimum", () => {
    const { cfg } = stackUnderTest("dev");
    const r = mutated("no-min-bad", RULE_FILES.slo, (t) => t.split(`>= ${cfg.alerts.burnRate.minBadEvents} and on ()`).join(">= 0 and on ()"), "slo-quiet.dev.test.yml");
    expect(r.code).not.toBe(0);
    // promtool names the failing expression and time, not the test group: the quiet group's
    // "no burn alert, ever" check is the one that fails (six failed requests page), beside the
    // outage group's page coming 30 s early.
    expect(r.output).toMatch(/last_over_time\(ALERTS\{alertname=\\"AvailabilityBudgetBurn\\"\}\[90m\]\)\)", time: 1h30m,/);
  }, 300_000);
});

describe("the generated burn-multiple timelines and detection table", () => {
  test("are what `npm run rules:timelines` writes from the current rules (run it after changing them)", () => {
    const root = path.resolve(__dirname, "..");
    const files = generatedFiles(stackUnderTest("dev").cfg, root, (f) => fs.readFileSync(f, "utf8"));
    for (const [rel, content] of Object.entries(files)) {
      expect({ file: rel, upToDate: fs.readFileSync(path.join(root, rel), "utf8") === content }).toEqual({ file: rel, upToDate: true });
    }
  });
});
