/**
 * Stack config: defaults -> parse -> validate, every problem at once. Fixtures in
 * tests/fixtures/config: *.bad.yaml list the exact messages expected, *.good.yaml the
 * values expected after defaults.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, formatProblem } from "../config/errors";
import { parseStackConfig, readStackFile, stackFileFromConfig } from "../config/load";
import { durationSeconds } from "../config/validate";
import { runProgram, TEST_SECRETS } from "./helpers/pulumi-program";

interface Fixture {
  stack: string;
  overrides?: Record<string, unknown>;
  secrets?: string[];
  requireSecrets?: boolean;
  expect?: string[];
  expectValues?: Record<string, unknown>;
}

const dir = path.join(__dirname, "fixtures", "config");
const fixtures = (suffix: string) => fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => [f, yaml.load(fs.readFileSync(path.join(dir, f), "utf8")) as Fixture] as const);

function parseFixture(fx: Fixture) {
  const file = readStackFile(fx.stack);
  const present = new Set(fx.secrets ?? []);
  return parseStackConfig({ ...file.raw, ...(fx.overrides ?? {}) }, { present, required: fx.requireSecrets ?? false }, fx.stack);
}

describe("stack config fixtures", () => {
  test.each(fixtures(".bad.yaml"))("%s is rejected with exactly the expected problems", (_name, fx) => {
    let err: unknown;
    try {
      parseFixture(fx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const got = (err as ConfigError).problems.map(formatProblem).sort();
    expect(got).toEqual([...(fx.expect ?? [])].sort());
    // One error, one message listing them all.
    for (const line of fx.expect ?? []) expect((err as ConfigError).message).toContain(line);
  });

  test.each(fixtures(".good.yaml"))("%s is accepted with defaults filled in", (_name, fx) => {
    const cfg = parseFixture(fx) as unknown as Record<string, unknown>;
    for (const [key, want] of Object.entries(fx.expectValues ?? {})) {
      const got = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], cfg);
      expect({ key, value: got }).toEqual({ key, value: want });
    }
  });

  test("both shipped stacks are valid, with the brief's defaults", () => {
    for (const stack of ["dev", "prod"]) {
      const f = readStackFile(stack);
      const cfg = parseStackConfig(f.raw, { present: f.secretKeys, required: false }, stack);
      expect(cfg.services).toHaveLength(12);
      expect(cfg.scrape.interval).toBe("15s");
      expect(cfg.retention).toEqual({ time: "30d", sizeGB: 10 });
      expect(cfg.slos.map((s) => `${s.service}:${s.objective}`)).toEqual(["payment-processor:99.9", "payment-processor:99", "merchant-api:99.5", "merchant-api:99"]);
      expect(cfg.alerts.memory).toEqual({ threshold: 90, for: "10m" });
      expect(cfg.alertmanager.resolveTimeout).toBe("5m");
    }
  });

  test("secure values in a stack file count as present secrets and are never read as config", () => {
    const f = stackFileFromConfig({ "monitoring-stack:platform": "docker", "monitoring-stack:pagerdutyRoutingKey": { secure: "v1:abc" }, "kubernetes:context": "x" });
    expect(f.raw).toEqual({ platform: "docker" });
    expect([...f.secretKeys]).toEqual(["pagerdutyRoutingKey"]);
  });

  test("an unknown stack name says which stacks exist", () => {
    expect(() => readStackFile("staging")).toThrow(/unknown stack "staging".*known stacks: dev, prod/);
  });

  test("durations are converted to seconds and malformed ones are NaN", () => {
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("30d")).toBe(2592000);
    expect(durationSeconds("15 s")).toBeNaN();
  });
});

describe("the program with invalid config", () => {
  test("throws one ConfigError before registering any resource", async () => {
    const run = await runProgram("prod", { overrides: { alerts: { cpu: { warning: { threshold: 99 } } } }, secrets: { pagerdutyRoutingKey: "x" } });
    expect(run.error).toBeInstanceOf(Error);
    expect(run.error!.name).toBe("ConfigError");
    expect(run.error!.message).toContain("alerts.cpu.warning.threshold: got 99");
    expect(run.error!.message).toContain("tlsCertificate: got nothing (missing)");
    expect(run.resources).toEqual([]);
  });

  test("deploys when the same stack is given valid config and its secrets", async () => {
    const run = await runProgram("prod", { secrets: TEST_SECRETS });
    expect(run.error).toBeUndefined();
    expect(run.resources.length).toBeGreaterThan(30);
  });
});
