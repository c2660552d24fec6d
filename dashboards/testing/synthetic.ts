/**
 * Synthetic scrapes of the simulated fleet as an OpenMetrics file for
 * `promtool tsdb create-blocks-from openmetrics`: the metric and label names the real services
 * and exporters expose (docs/metrics.md, render/prometheus.ts target labels), one sample per
 * series per scrape interval, deterministic (a hash, not a random generator, decides the noise).
 *
 * OpenMetrics wants each family's samples together, and the TSDB wants each series' samples in
 * time order, so the file is written family by family, each family time step by time step.
 * Counters are integrals of the simulated rates; histogram buckets are the request counts times
 * the log-normal latency distribution's CDF at each bound (monotone in time and in `le`).
 */
import * as fs from "fs";
import { httpFamilies } from "./families-http";
import { businessFamilies, networkFamilies, processFamilies } from "./families-other";
import type { Family, SynthOptions } from "./model";

export type { SynthOptions } from "./model";

/** The families of the whole data set. */
export function families(o: SynthOptions): Family[] {
  return [...httpFamilies(o), ...processFamilies(o), ...networkFamilies(o), ...businessFamilies(o)];
}

/** Writes the file; returns how many samples it holds. */
export async function writeOpenMetrics(file: string, o: SynthOptions): Promise<{ samples: number; bytes: number }> {
  const out = fs.createWriteStream(file);
  let buffer = "";
  let samples = 0;
  let bytes = 0;
  const flush = async (force = false) => {
    if (buffer.length < 1 << 20 && !force) return;
    bytes += buffer.length;
    if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
    buffer = "";
  };
  for (const family of families(o)) {
    buffer += `# TYPE ${family.name} ${family.type}\n`;
    for (let t = o.startS, k = 0; t <= o.endS; t += o.stepS, k++) {
      const lines = family.step(t, k);
      samples += lines.length ? lines.split("\n").length - 1 : 0;
      buffer += lines;
      await flush();
    }
  }
  buffer += "# EOF\n";
  await flush(true);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { samples, bytes };
}

