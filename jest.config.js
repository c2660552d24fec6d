/**
 * Jest runs every *.test.ts in the repository (beside the code it tests, as STYLE.md asks).
 * End-to-end suites that start the local stack live in tests/e2e and are selected with
 * `npm run test:e2e`; the unit run ignores them so that `npx jest` stays fast.
 */
const e2e = process.env.JEST_E2E === "1";
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
  testMatch: e2e ? ["<rootDir>/tests/e2e/**/*.test.ts"] : ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/out/", "/\\.local/", "/\\.venv/"].concat(e2e ? [] : ["<rootDir>/tests/e2e/"]),
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/out/", "<rootDir>/.local/"],
  testTimeout: e2e ? 15 * 60 * 1000 : 30000,
  ...(e2e
    ? {
        globalSetup: "<rootDir>/tests/e2e/global-setup.ts",
        globalTeardown: "<rootDir>/tests/e2e/global-teardown.ts",
        testSequencer: "<rootDir>/tests/e2e/sequencer.js",
      }
    : {}),
};
