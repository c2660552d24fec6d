/**
 * Footprint of a Prometheus on day N, from the running server and its data directory: bytes per
 * sample on disk (compacted blocks of the full fleet: their size over their samples), head
 * series, ingestion (samples appended per second, scrapes and rule outputs), RSS, WAL size; and
 * what follows from them (disk per day, days until the size cap, projections).
 */
import * as fs from "fs";
import * as path from "path";
import { scalar } from "./run";

/** Bytes of a directory tree. */
export function duBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? duBytes(p) : fs.statSync(p).size;
  }
  return total;
}

interface BlockMeta { minTime: number; maxTime: number; stats: { numSamples: number; numSeries: number } }

/** Blocks of a TSDB directory with their size. */
export function blocksOf(dataDir: string): Array<BlockMeta & { bytes: number; dir: string }> {
  return fs.readdirSync(dataDir)
    .filter((d) => fs.existsSync(path.join(dataDir, d, "meta.json")))
    .map((d) => ({ ...(JSON.parse(fs.readFileSync(path.join(dataDir, d, "meta.json"), "utf8")) as BlockMeta), bytes: duBytes(path.join(dataDir, d)), dir: d }));
}

/** Bytes per sample of the blocks starting at or after `fromMs` (the full-fleet part). */
export function bytesPerSample(dataDir: string, fromMs: number): { bytesPerSample: number; blocks: number; samples: number; bytes: number } {
  const blocks = blocksOf(dataDir).filter((b) => b.minTime >= fromMs);
  const samples = blocks.reduce((a, b) => a + b.stats.numSamples, 0);
  const bytes = blocks.reduce((a, b) => a + b.bytes, 0);
  return { bytesPerSample: samples ? bytes / samples : NaN, blocks: blocks.length, samples, bytes };
}

/** Live figures of a running server. */
export interface LiveFootprint {
  headSeries: number;
  samplesPerSecond: number;
  walBytes: number;
  headChunksBytes: number;
}

export async function liveFootprint(url: string, dataDir: string): Promise<LiveFootprint> {
  const size = (d: string) => (fs.existsSync(path.join(dataDir, d)) ? duBytes(path.join(dataDir, d)) : 0);
  return {
    headSeries: await scalar(url, "prometheus_tsdb_head_series"),
    samplesPerSecond: await scalar(url, "sum(rate(prometheus_tsdb_head_samples_appended_total[2m]))"),
    walBytes: size("wal"),
    headChunksBytes: size("chunks_head"),
  };
}
