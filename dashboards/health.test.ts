/**
 * The color logic: thresholds from the SLOs of the stack config, Grafana's threshold
 * semantics, and a service's overall color from its tiles.
 */
import type { StackConfig } from "../config/schema";
import { colorOf, NO_SLO_DEFAULTS, serviceHealth, serviceThresholds, worst } from "./health";
import { localStack } from "./testing/fixture";

const { cfg } = localStack();

describe("thresholds from the SLOs", () => {
  test("payment-processor's error tile is red at its 99.9% SLO's 0.1% budget and yellow from 0.075%", () => {
    const t = serviceThresholds(cfg, "payment-processor");
    expect([0.0007, 0.00075, 0.00099, 0.001, 0.5].map((v) => colorOf(v, t.errorRatio))).toEqual(["green", "yellow", "yellow", "red", "red"]);
  });

  test("merchant-api's p99 tile is red at its latency SLO's 2 s and yellow from 1.5 s", () => {
    const t = serviceThresholds(cfg, "merchant-api");
    expect([0.4, 1.5, 1.99, 2].map((v) => colorOf(v, t.p99Seconds))).toEqual(["green", "yellow", "yellow", "red"]);
    expect(t.source.p99Seconds).toBe("latency SLO merchant-api-latency");
  });

  test("a service without SLOs is red only at 5% errors or a 5 s p99, and never yellow", () => {
    const t = serviceThresholds(cfg, "webhooks");
    expect([0.02, 0.049, NO_SLO_DEFAULTS.errorRatioRed].map((v) => colorOf(v, t.errorRatio))).toEqual(["green", "green", "red"]);
    expect([4.6, NO_SLO_DEFAULTS.p99SecondsRed].map((v) => colorOf(v, t.p99Seconds))).toEqual(["green", "red"]);
    expect(t.source).toEqual({ errorRatio: "default (no availability SLO)", p99Seconds: "default (no latency SLO)" });
  });

  test("every service's memory tile is red at the HighMemoryUsage threshold and yellow from 75% of it", () => {
    const steps = ["payment-processor", "reporting"].map((s) => serviceThresholds(cfg, s).memoryRatio);
    expect(steps[0]).toEqual(steps[1]);
    expect([0.5, 0.675, 0.89, cfg.alerts.memory.threshold / 100].map((v) => colorOf(v, steps[0]))).toEqual(["green", "yellow", "yellow", "red"]);
  });

  test("of two SLOs of one kind the strictest decides", () => {
    const two: StackConfig = {
      ...cfg,
      slos: [...cfg.slos, { name: "payment-processor-fast", service: "payment-processor", objective: 99, indicator: { type: "latency", thresholdSeconds: 0.25 }, window: "30d" }],
    };
    expect(serviceThresholds(two, "payment-processor").p99Seconds.at(-1)).toEqual({ value: 0.25, color: "red" });
  });
});

describe("Grafana's threshold semantics", () => {
  const steps = serviceThresholds(cfg, "payment-processor").up;

  test("a value takes the color of the last step at or below it; NaN takes the base color", () => {
    expect([0, 0.5, 0.999, 1, NaN].map((v) => colorOf(v, steps))).toEqual(["red", "yellow", "yellow", "green", "red"]);
  });

  test("the worst color wins", () => {
    expect([worst([]), worst(["green", "yellow"]), worst(["yellow", "red", "green"])]).toEqual(["green", "yellow", "red"]);
  });
});

describe("a service's color on the overview", () => {
  const t = serviceThresholds(cfg, "payment-processor");

  test("is green when it is up and within its SLOs", () => {
    expect(serviceHealth(t, { up: 1, errorRatio: 0, p99Seconds: 0.24 })).toBe("green");
  });

  test("is red when it answers everything 5xx, even though it is up and fast", () => {
    expect(serviceHealth(t, { up: 1, errorRatio: 1, p99Seconds: 0.24 })).toBe("red");
  });

  test("is red when its fullest pod reaches the memory alert's threshold, however fast and correct it still is", () => {
    expect(serviceHealth(t, { up: 1, errorRatio: 0, p99Seconds: 0.2, memoryRatio: 0.92 })).toBe("red");
  });

  test("is red when it is down or Prometheus has no up series for it at all", () => {
    expect([serviceHealth(t, { up: 0, errorRatio: 0 }), serviceHealth(t, {})]).toEqual(["red", "red"]);
  });

  test("is not colored by missing traffic alone", () => {
    expect(serviceHealth(t, { up: 1 })).toBe("green");
  });
});
