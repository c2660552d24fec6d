/**
 * The steady-state benchmark's pure parts: which lines the old part keeps, the window parser,
 * the 10x fleet with its SLOs, the footprint projection, and the live fleet endpoint.
 */
import { localStack } from "../../dashboards/testing/fixture";
import { startLiveFleet } from "../../dashboards/testing/live";
import { scaledConfig, synthServices } from "../../dashboards/testing/profiles";
import { longestWindowS, sloInputFilter } from "./history";
import { sumConcurrently } from "./run";
import { footprintRows, type SizeFigures } from "./steady";

const { cfg } = localStack();

describe("samples per cycle", () => {
  // Answers that come back out of order, as 8 concurrent stats queries do.
  const items = Array.from({ length: 50 }, (_, i) => i + 1);
  const slow = (n: number) => new Promise<number>((r) => setTimeout(() => r(n), (n * 7) % 5));

  it("the sum over rules queried 8 at a time is the sum of every answer", async () => {
    expect(await sumConcurrently(items, 8, slow)).toBe(1275);
    expect(await sumConcurrently([], 8, slow)).toBe(0);
  });

  it("the pattern it replaces (total += await in each worker) loses additions on the same answers", async () => {
    let total = 0;
    const queue = [...items];
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) total += await slow(n);
    }));
    expect(total).toBeLessThan(1275);
  });
});

describe("steady-state history", () => {
  it("keeps exactly the raw lines the SLO rules read", () => {
    const keep = sloInputFilter(cfg);
    const svc = (s: string) => `job="${s}",instance="x",service="${s}",team="t",tier="tier-1"`;
    // payment-processor: availability and latency (0.5 s threshold, Node spelling).
    expect(keep(`http_requests_total{${svc("payment-processor")},method="POST",route="/payments",status="201"} 5 1`)).toBe(true);
    expect(keep(`http_request_duration_seconds_count{${svc("payment-processor")},method="POST",route="/payments",status="201"} 5 1`)).toBe(true);
    expect(keep(`http_request_duration_seconds_bucket{${svc("payment-processor")},method="POST",route="/payments",status="201",le="0.5"} 5 1`)).toBe(true);
    expect(keep(`http_request_duration_seconds_bucket{${svc("payment-processor")},method="POST",route="/payments",status="201",le="0.25"} 5 1`)).toBe(false);
    expect(keep(`http_request_duration_seconds_sum{${svc("payment-processor")},method="POST",route="/payments",status="201"} 5 1`)).toBe(false);
    // merchant-api: 2 s threshold in Python's spelling.
    expect(keep(`http_request_duration_seconds_bucket{${svc("merchant-api")},method="GET",route="/m",status="200",le="2.0"} 5 1`)).toBe(true);
    // a service without SLOs, and a family no SLO reads
    expect(keep(`http_requests_total{${svc("ledger")},method="GET",route="/x",status="200"} 5 1`)).toBe(false);
    expect(keep(`http_requests_in_flight{${svc("payment-processor")}} 5 1`)).toBe(false);
  });

  it("finds the longest range selector of an expression", () => {
    expect(longestWindowS("sum(rate(x[5m])) / sum(rate(y[6h]))")).toBe(6 * 3600);
    expect(longestWindowS("sum_over_time(x[30d])")).toBe(30 * 86400);
    expect(longestWindowS("vector(1)")).toBe(0);
  });

  it("a 10x fleet with cloned SLOs has 10x the SLOs, each on its own copy", () => {
    const big = scaledConfig(cfg, 120, { cloneSlos: true });
    expect(big.services).toHaveLength(120);
    expect(big.slos).toHaveLength(cfg.slos.length * 10);
    for (const slo of big.slos) expect(big.services.some((s) => s.name === slo.service)).toBe(true);
    expect(new Set(big.slos.map((s) => s.name)).size).toBe(big.slos.length);
    expect(scaledConfig(cfg, 120).slos).toEqual(cfg.slos); // the dashboards benchmark's fleet is unchanged
  });
});

describe("footprint projection", () => {
  const fig = (services: number, headSeries: number, sps: number, rss: number): SizeFigures =>
    ({
      services, slos: 4, history: { startS: 0, endS: 0, recentFromS: 0, blocks: 1, builtInS: 0 },
      steady: { label: "", groups: [], cycleSumMs: { n: 1, min: 0, median: 0, max: 0 }, sumOfWorstMs: 0, failures: 0, rss: { n: 1, min: rss, median: rss, max: rss } },
      disk: { bytesPerSample: 1.5, blocks: 1, samples: 1, bytes: 1 },
      live: { headSeries, samplesPerSecond: sps, walBytes: 0, headChunksBytes: 0 }, tsdbBytes: 0,
    }) as SizeFigures;

  it("fits a + b x services through the measured sizes and derives disk and the size cap", () => {
    const rows = footprintRows([fig(12, 2000, 150, 100e6), fig(120, 16000, 1100, 400e6)], 10e9, [1200]);
    const p = rows[2];
    expect(p.projected).toBe(true);
    expect(p.headSeries).toBeCloseTo(2000 + (14000 / 108) * 1188, 6);
    expect(p.samplesPerSecond).toBeCloseTo(150 + (950 / 108) * 1188, 6);
    expect(p.diskPerDayBytes).toBeCloseTo(p.samplesPerSecond * 86400 * 1.5, 3);
    expect(p.daysInSizeCap).toBeCloseTo(10e9 / p.diskPerDayBytes, 6);
    expect(rows[0].projected).toBe(false);
  });
});

describe("live synthetic fleet", () => {
  it("serves the fleet as OpenMetrics without timestamps, with the stack's target labels, and stops", async () => {
    const fleet = await startLiveFleet(synthServices(cfg).slice(0, 3));
    try {
      const res = await fetch(fleet.url);
      expect(res.headers.get("content-type")).toMatch(/openmetrics/);
      const text = await res.text();
      expect(text.trimEnd().endsWith("# EOF")).toBe(true);
      const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
      expect(samples.length).toBeGreaterThan(10);
      for (const l of samples) expect(l).toMatch(/^[a-z_:]+\{[^}]*\} [0-9.e+-]+$/); // name{labels} value, no timestamp
      expect(samples.some((l) => l.startsWith("http_requests_total{") && l.includes('service="') && l.includes('job="'))).toBe(true);
    } finally {
      await fleet.stop();
    }
    await expect(fetch(fleet.url)).rejects.toThrow();
  });
});
