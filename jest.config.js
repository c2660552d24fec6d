/**
 * Jest runs every *.test.ts in the repository (beside the code it tests, as STYLE.md asks).
 * Two suites run apart, each selected by an environment variable and run in band:
 *  - JEST_E2E=1 (`npm run test:e2e`): tests/e2e, which start the local stack;
 *  - JEST_ENGINE=1 (`npm run test:engine`): tests/engine, the prod stack under the real Pulumi
 *    engine against a loopback Kubernetes API server.
 * The unit run ignores both so that `npx jest` stays fast.
 *
 * JEST_PART splits the unit run for `npm test` (scripts/test-all.sh): `timelines` is the rules
 * replayed over time, CPU-bound and with no deadline of their own (rules/promtool.test.ts: the
 * timelines on two promtool versions, spread over both cores; and the backtest,
 * rules/backtest/backtest.test.ts, ~5 minutes); `rest` is everything else. Unset, both run.
 *
 * ts-jest transpiles each file on its own (tsconfig.json `isolatedModules`), without a
 * type-checking language service per worker and lane; the types are checked once, by
 * tests/typecheck.test.ts (tsc --noEmit over the whole repository).
 */
const e2e = process.env.JEST_E2E === "1";
const engine = process.env.JEST_ENGINE === "1";
const apart = ["<rootDir>/tests/e2e/", "<rootDir>/tests/engine/"];
const part = process.env.JEST_PART;
if (part !== undefined && part !== "timelines" && part !== "rest") throw new Error(`JEST_PART must be "timelines" or "rest" (or unset for both), got ${JSON.stringify(part)}`);
const timelines = ["<rootDir>/rules/promtool.test.ts", "<rootDir>/rules/backtest/backtest.test.ts"];
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
  testMatch: e2e ? ["<rootDir>/tests/e2e/**/*.test.ts"] : engine ? ["<rootDir>/tests/engine/**/*.test.ts"] : part === "timelines" ? timelines : ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/out/", "/\\.local/", "/\\.venv/"].concat(e2e || engine ? [] : apart, part === "rest" ? timelines : []),
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/out/", "<rootDir>/.local/"],
  testTimeout: e2e ? 15 * 60 * 1000 : engine ? 10 * 60 * 1000 : 30000,
  ...(e2e
    ? {
        globalSetup: "<rootDir>/tests/e2e/global-setup.ts",
        globalTeardown: "<rootDir>/tests/e2e/global-teardown.ts",
        testSequencer: "<rootDir>/tests/e2e/sequencer.js",
      }
    : {}),
};
