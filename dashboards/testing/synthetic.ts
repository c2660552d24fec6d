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
import { businessFamilies, containerFamilies, networkFamilies, processFamilies } from "./families-other";
import type { Family, SynthOptions } from "./model";

export type { SynthOptions } from "./model";

/** The families of the whole data set. */
export function families(o: SynthOptions): Family[] {
  return [...httpFamilies(o), ...containerFamilies(o), ...processFamilies(o), ...networkFamilies(o), ...businessFamilies(o)];
}

/**
 * Which part of the data set to write (default: all of it). The steady-state benchmark writes
 * 30 days of only the series its long windows read (rules/bench/history.ts) and the full fleet
 * for the last hours: same model, same values, fewer lines.
 */
export interface Selection {
  /** Keep this family at all (by family name, e.g. "http_requests"). */
  family?: (name: string) => boolean;
  /** Keep this sample line (`name{labels} value timestamp`). */
  line?: (line: string) => boolean;
}

/** Writes the file; returns how many samples it holds. */
export async function writeOpenMetrics(file: string, o: SynthOptions, select: Selection = {}): Promise<{ samples: number; bytes: number }> {
  const fams = families(o).filter((f) => !select.family || select.family(f.name));
  return writeRange(file, o, fams, select, o.startS, o.endS);
}

/**
 * Writes the data set as one file per `chunkS` of time (boundaries at multiples of chunkS, as
 * the TSDB's 2-hour blocks are) and hands each to `onChunk` before writing the next; the file is
 * removed afterwards. `promtool tsdb create-blocks-from openmetrics` reads its whole input once
 * per block it writes, so 30 days in one file are read 360 times; in 2-hour files, once. The
 * families are created once and stepped on across files: counters continue, nothing resets.
 */
export async function writeOpenMetricsChunks(
  dir: string, o: SynthOptions, select: Selection, chunkS: number, onChunk: (file: string, fromS: number, toS: number) => Promise<void>,
): Promise<{ samples: number; bytes: number; chunks: number }> {
  const fams = families(o).filter((f) => !select.family || select.family(f.name));
  let samples = 0;
  let bytes = 0;
  let chunks = 0;
  for (let from = o.startS; from <= o.endS; ) {
    const next = (Math.floor(from / chunkS) + 1) * chunkS;
    const to = Math.min(o.endS, next - o.stepS);
    const file = `${dir}/chunk-${from}.om`;
    const w = await writeRange(file, o, fams, select, from, to);
    samples += w.samples;
    bytes += w.bytes;
    chunks++;
    await onChunk(file, from, to);
    fs.rmSync(file, { force: true });
    from = to + o.stepS;
  }
  return { samples, bytes, chunks };
}

/** Writes the steps of [fromS, toS] of `fams` (stepped in time order) to `file`. */
async function writeRange(file: string, o: SynthOptions, fams: Family[], select: Selection, fromS: number, toS: number): Promise<{ samples: number; bytes: number }> {
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
  for (const family of fams) {
    buffer += `# TYPE ${family.name} ${family.type}\n`;
    for (let t = fromS, k = Math.round((fromS - o.startS) / o.stepS); t <= toS; t += o.stepS, k++) {
      let lines = family.step(t, k);
      if (select.line && lines) lines = lines.split("\n").filter((l) => l && select.line!(l)).map((l) => `${l}\n`).join("");
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
