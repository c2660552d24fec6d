/**
 * The tool finder: an environment variable overrides a tool's place, a missing tool is null (or
 * an error naming the command that provides it), and the versions come from versions.env.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { locate, pathOf, readVersions, requireTool, TOOLS, toolsDir, VERSIONS } from "./find";

let dir: string;
let fake: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "find-test-"));
  fake = path.join(dir, "prometheus");
  fs.writeFileSync(fake, "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "not-executable"), "", { mode: 0o644 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the tool's environment variable wins when it names an executable", () => {
  expect(locate("prometheusDebian", { PROMETHEUS: fake })).toEqual({ label: TOOLS.prometheusDebian.label, path: fake });
  expect(pathOf("prometheusDebian", { PROMETHEUS: fake })).toBe(fake);
});

test("a variable naming a file that is not executable is passed over", () => {
  const notExecutable = path.join(dir, "not-executable");
  const found = locate("prometheusDebian", { PROMETHEUS: notExecutable });
  expect(found?.path).not.toBe(notExecutable);
});

test("a missing built tool is null, and requireTool names the command that builds it", () => {
  const env = { MONITORING_STACK_TOOLS: path.join(dir, "empty-cache") };
  expect(toolsDir(env)).toBe(env.MONITORING_STACK_TOOLS);
  const saved = process.env.MONITORING_STACK_TOOLS;
  process.env.MONITORING_STACK_TOOLS = env.MONITORING_STACK_TOOLS;
  try {
    expect(locate("thanos", {})).toBeNull();
    expect(() => requireTool("thanos")).toThrow(/thanos .* not found .*get it with: bash scripts\/tools\/build\.sh thanos/);
    // pathOf still answers: where the tool would be, so a spawn fails naming that path.
    expect(pathOf("thanos", {})).toBe(path.join(env.MONITORING_STACK_TOOLS, `thanos-${VERSIONS.THANOS_VERSION}`, "thanos"));
  } finally {
    if (saved === undefined) delete process.env.MONITORING_STACK_TOOLS;
    else process.env.MONITORING_STACK_TOOLS = saved;
  }
});

test("versions.env is parsed: KEY=VALUE lines, quotes stripped, comments ignored", () => {
  const file = path.join(dir, "versions.env");
  fs.writeFileSync(file, '# a comment\nPROMETHEUS_VERSION=3.5.0\nTHANOS_VERSION="0.42.4"\n\n  NOT A LINE\n');
  expect(readVersions(file)).toEqual({ PROMETHEUS_VERSION: "3.5.0", THANOS_VERSION: "0.42.4" });
  expect(VERSIONS.PROMETHEUS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
});
