/**
 * The shared environment contract: defaults, and every problem reported at once with the
 * variable, the value received and what is allowed.
 */
import { EnvError, parseServiceEnv } from "./env";

test("defaults follow the contract: loopback, port 8080, admin 8081, chaos off, metrics on", () => {
  expect(parseServiceEnv({ SERVICE_NAME: "ledger" })).toEqual({
    serviceName: "ledger", host: "127.0.0.1", port: 8080, adminHost: "127.0.0.1", adminPort: 8081,
    chaosEnabled: false, metricsEnabled: true, memoryLimitBytes: undefined, cpuLimitCores: undefined, latencyScale: 1,
  });
});

test("booleans accept true/false, 1/0, yes/no and on/off", () => {
  expect(parseServiceEnv({ SERVICE_NAME: "ledger", CHAOS_ENABLED: "yes", METRICS_ENABLED: "0" })).toMatchObject({ chaosEnabled: true, metricsEnabled: false });
});

test("every invalid variable is reported in one error naming the variable and the value", () => {
  let error: unknown;
  try {
    parseServiceEnv({ SERVICE_NAME: "Bad Name", PORT: "http", CHAOS_ENABLED: "maybe", MEMORY_LIMIT_BYTES: "-1" });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EnvError);
  const problems = (error as EnvError).problems;
  expect(problems).toHaveLength(4);
  expect(problems.find((p) => p.startsWith("SERVICE_NAME="))).toMatch(/"Bad Name".*lowercase/);
  expect(problems.find((p) => p.startsWith("PORT="))).toMatch(/"http"/);
  expect(problems.find((p) => p.startsWith("CHAOS_ENABLED="))).toMatch(/"maybe"/);
  expect(problems.find((p) => p.startsWith("MEMORY_LIMIT_BYTES="))).toMatch(/"-1"/);
});
