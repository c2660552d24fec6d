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
import { ONE_VERSION_FROM_S, RunAhead, STACK_NAMES, TESTS_DIR, promtools, renderLayout, run, runAsync, stackUnderTest, testFilesFor, timelineInputsDigest, timelineSpanSeconds, timelinesFor, type StackName } from "./testing";

let dir: string;
const roots = {} as Record<StackName, string>;

/**
 * Every timeline on every promtool (those of a day or more on the image's only: timelinesFor),
 * each distinct input once (timelineInputsDigest), in test order, PROMTOOL_JOBS at a time
 * (RunAhead, default 1; `npm test` sets 2). Measured alone on 2026-12-01 (CPU seconds, 3.5 /
 * 2.42): slo-history-slow 396 / 439, burn-days 337 / 349, burn-minutes 107 / 112, slo-period
 * 105 / 119, slo-history 96; all 42 runs on both versions, dev and prod each, 3,308 s, which
 * a contended CI host stretched past 90 minutes (one 2.42 burn-days was killed at 30). The
 * kill stays at 30 minutes, and says so.
 */
const KILL_AFTER_MS = 1_800_000;
const tools = promtools();
const timelineRuns = tools.flatMap((tool) => STACK_NAMES.flatMap((stack) => timelinesFor(stack, tool, tools).map((file) => ({ bin: tool.bin, stack, file }))));
/** One promtool process per distinct input (timelineInputsDigest): a run whose bytes an earlier run already read shares its result. */
const byInputs = new Map<string, Promise<{ code: number; output: string }>>();
const shared: string[] = [];
const ahead = new RunAhead(
  timelineRuns.map(({ bin, stack, file }) => () => {
    const tests = path.join(roots[stack], "tests");
    const key = `${bin}\0${timelineInputsDigest(tests, file)}`;
    if (byInputs.has(key)) shared.push(`${stack}/${file}`);
    else byInputs.set(key, runAsync(bin, ["test", "rules", file], tests, KILL_AFTER_MS));
    return byInputs.get(key)!;
  }),
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

describe.each(tools)("$name", (tool) => {
  const { bin } = tool;
  describe.each(STACK_NAMES)("stack %s", (stack) => {
    test("every rendered rule file passes `promtool check rules` with all lints", () => {
      const files = Object.values(RULE_FILES).map((f) => path.join(roots[stack], "rules", f));
      const r = run(bin, ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
      expect(r.output).not.toMatch(/FAILED|lint error/);
      expect(r.code).toBe(0);
    });

    test.each(timelinesFor(stack, tool, tools))("unit tests %s pass", async (file) => {
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

  test("timelines of a day or more run on the image's promtool only; the shorter ones on both versions", () => {
    const all = STACK_NAMES.flatMap((stack) => testFilesFor(stack));
    const long = [...new Set(all.filter((f) => timelineSpanSeconds(f) >= ONE_VERSION_FROM_S))].sort();
    expect(long).toEqual(["burn-days.dev.test.yml", "slo-history-slow.dev.test.yml", "slo-windows.dev.test.yml"]);
    expect(timelineSpanSeconds("slo-period.test.yml")).toBe(3 * 3600 + 29 * 60 + 45); // 3h29m45s: both versions
    const [debian, image] = [tools[0], tools[tools.length - 1]];
    for (const stack of STACK_NAMES) {
      expect(timelinesFor(stack, image, tools)).toEqual(testFilesFor(stack)); // the newest runs every one
      const onDebian = timelinesFor(stack, debian, tools);
      if (tools.length > 1) expect(onDebian).toEqual(testFilesFor(stack).filter((f) => !long.includes(f)));
      else expect(onDebian).toEqual(testFilesFor(stack)); // 3.5 not built: 2.42 runs them all
    }
    // Each version still replays the hour tiling, the burn tiers and the history guard.
    for (const tool of tools) expect(timelinesFor("dev", tool, tools)).toEqual(expect.arrayContaining(["slo-period.test.yml", "burn-minutes.dev.test.yml", "slo-history.dev.test.yml"]));
  });

  test("a timeline whose inputs are byte-identical on two stacks runs once per promtool; any changed rule file makes them run apart", () => {
    // dev and prod render the same SLO rules (their thresholds differ in the infrastructure and meta files).
    for (const f of ["slo-period.test.yml", "slo-recording.test.yml"]) {
      expect(timelineInputsDigest(path.join(roots.prod, "tests"), f)).toBe(timelineInputsDigest(path.join(roots.dev, "tests"), f));
    }
    // The timelines above ran before this test: prod's read dev's result, once per promtool.
    expect(shared.filter((x) => x === "prod/slo-period.test.yml")).toHaveLength(tools.length);
    // A changed byte in any file a timeline reads (here through its "*.yml" glob) parts them.
    const copy = path.join(dir, "prod-changed");
    fs.cpSync(roots.prod, copy, { recursive: true });
    const meta = path.join(copy, "rules-unannotated", RULE_FILES.meta);
    expect(timelineInputsDigest(path.join(copy, "tests"), "containers.cadvisor.test.yml")).toBe(timelineInputsDigest(path.join(roots.prod, "tests"), "containers.cadvisor.test.yml"));
    fs.appendFileSync(meta, "\n");
    expect(timelineInputsDigest(path.join(copy, "tests"), "containers.cadvisor.test.yml")).not.toBe(timelineInputsDigest(path.join(roots.prod, "tests"), "containers.cadvisor.test.yml"));
    expect(timelineInputsDigest(path.join(copy, "tests"), "slo-period.test.yml")).toBe(timelineInputsDigest(path.join(roots.prod, "tests"), "slo-period.test.yml")); // it reads slo.rules.yml only
    fs.appendFileSync(path.join(copy, "rules-unannotated", RULE_FILES.slo), "\n");
    expect(timelineInputsDigest(path.join(copy, "tests"), "slo-period.test.yml")).not.toBe(timelineInputsDigest(path.join(roots.prod, "tests"), "slo-period.test.yml"));
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

  /** Copies the dev layout, rewrites one rendered rule file, runs one timeline (on the promtool that runs it green); returns promtool's result. */
  function mutated(name: string, file: string, change: (text: string) => string, timeline: string) {
    const root = path.join(dir, `dev-${name}`);
    fs.cpSync(roots.dev, root, { recursive: true });
    const f = path.join(root, "rules-unannotated", file);
    const before = fs.readFileSync(f, "utf8");
    const after = change(before);
    expect(after).not.toBe(before);
    fs.writeFileSync(f, after);
    const tool = tools.find((t) => timelinesFor("dev", t, tools).includes(timeline))!;
    return run(tool.bin, ["test", "rules", timeline], path.join(root, "tests"), 280_000);
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
