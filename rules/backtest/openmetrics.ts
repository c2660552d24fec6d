/**
 * Streams families of samples to an OpenMetrics file for `promtool tsdb create-blocks-from
 * openmetrics`: each family's samples together (OpenMetrics forbids interleaving families),
 * within a family time step by time step (each series in time order, as the TSDB wants), in
 * 1 MiB writes with back-pressure, so a month of a large fleet never sits in memory.
 */
import * as fs from "fs";
import type { Family } from "../../dashboards/testing/model";

/** Writes `families` over [fromS, toS] every stepS seconds; returns the sample and byte counts. */
export async function writeFamilies(file: string, families: Family[], fromS: number, toS: number, stepS: number): Promise<{ samples: number; bytes: number }> {
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.once("finish", () => resolve());
    out.once("error", reject);
  });
  let buffer = "";
  let samples = 0;
  let bytes = 0;
  const flush = async (force = false) => {
    if (buffer.length < 1 << 20 && !force) return;
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
    buffer = "";
  };
  for (const family of families) {
    buffer += `# TYPE ${family.name} ${family.type}\n`;
    for (let t = fromS, k = 0; t <= toS; t += stepS, k++) {
      const lines = family.step(t, k);
      if (lines) {
        buffer += lines;
        for (let i = 0; i < lines.length; i++) if (lines.charCodeAt(i) === 10) samples++;
      }
      await flush();
    }
  }
  buffer += "# EOF\n";
  await flush(true);
  out.end();
  await done;
  return { samples, bytes };
}
