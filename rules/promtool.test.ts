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
import { BURN_TIERS } from "./slo-math";
import { STACK_NAMES, TESTS_DIR, promtools, renderLayout, run, testFilesFor, type StackName } from "./testing";

let dir: string;
const roots = {} as Record<StackName, string>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-promtool-"));
  for (const s of STACK_NAMES) roots[s] = renderLayout(dir, s);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(promtools())("$name", ({ bin }) => {
  describe.each(STACK_NAMES)("stack %s", (stack) => {
    test("every rendered rule file passes `promtool check rules` with all lints", () => {
      const files = Object.values(RULE_FILES).map((f) => path.join(roots[stack], "rules", f));
      const r = run(bin, ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
      expect(r.output).not.toMatch(/FAILED|lint error/);
      expect(r.code).toBe(0);
    });

    test.each(testFilesFor(stack))("unit tests %s pass", (file) => {
      const r = run(bin, ["test", "rules", file], path.join(roots[stack], "tests"), 280_000);
      if (r.code !== 0) throw new Error(`promtool test rules ${file} (${stack}) failed:\n${r.output}`);
      expect(r.output).toMatch(/SUCCESS/);
    }, 300_000);
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
    // Expect the drill's HighMemoryUsage one step before its 10-minute `for` has elapsed.
    const bad = good.replace("eval_time: 17m15s", "eval_time: 17m");
    expect(bad).not.toBe(good);
    fs.writeFileSync(path.join(root, "tests", "broken.test.yml"), bad);
    const r = run(promtools()[0].bin, ["test", "rules", "broken.test.yml"], path.join(root, "tests"));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/HighMemoryUsage/);
  });

  test("the young-Prometheus timelines fail on rules without the history guard, so they test the guard", () => {
    const bare = path.join(dir, "dev-unguarded");
    fs.cpSync(roots.dev, bare, { recursive: true });
    const file = path.join(bare, "rules-unannotated", RULE_FILES.application);
    const guarded = fs.readFileSync(file, "utf8");
    const unguarded = BURN_TIERS.reduce((text, tier) => text.split(` ${historyGuard(tier.long)}`).join(""), guarded);
    expect(unguarded).not.toMatch(/tsdb_history/);
    fs.writeFileSync(file, unguarded);
    const r = run(promtools()[0].bin, ["test", "rules", "slo-history.dev.test.yml"], path.join(bare, "tests"));
    expect(r.code).not.toBe(0);
    // The drill's noise comes back: the 6x page and the 1d/3d tickets on a 30-minute-old stack.
    expect(r.output).toMatch(/long_window="6h"/);
  });
});
