/**
 * The benchmark's data sets: `hours` of synthetic scrapes of N services plus their recorded
 * series, built once per (N, hours, rules) and kept under .local/bench-dashboards/, because a
 * 120-service set takes minutes to backfill.
 *
 * A fresh backfill is hundreds of small overlapping blocks (one per rule group and 2-hour
 * window); a Prometheus that has been running for hours has a few compacted ones. So after the
 * backfill, Prometheus runs on the data until its compactor has merged them (it starts about a
 * minute after start-up), and the benchmark queries the compacted TSDB.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../../config/schema";
import { instanceCgroup } from "../../local/cgroups";
import { localTopology } from "../../render/topology";
import { renderRuleFiles } from "../../rules";
import { buildTsdb } from "../testing/backfill";
import { scaledConfig, synthServices } from "../testing/profiles";
import { withPrometheus } from "../testing/prometheus";

/** Bump when the synthetic data changes shape, so old caches are rebuilt. */
const DATA_VERSION = 3;

/** A ready data set. */
export interface BenchData {
  cfg: StackConfig;
  dataDir: string;
  /** Last scrape, epoch seconds. */
  endS: number;
  /** Seconds spent building it now (0 when it came from the cache). */
  builtInS: number;
}

const blockCount = (dir: string) => fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "meta.json"))).length;

/** Runs Prometheus on `dataDir` until the number of blocks stops falling (at most `timeoutMs`). */
async function compact(dataDir: string, log: (m: string) => void, timeoutMs = 10 * 60_000): Promise<void> {
  const before = blockCount(dataDir);
  await withPrometheus(dataDir, async () => {
    const deadline = Date.now() + timeoutMs;
    let last = before;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      const n = blockCount(dataDir);
      if (n !== last) [last, stableSince] = [n, Date.now()];
      // The compactor's first pass comes about a minute after start; then wait for quiet.
      if (n < before && Date.now() - stableSince > 20_000) return;
    }
  });
  log(`compacted ${before} blocks into ${blockCount(dataDir)}`);
}

/** The data set of `count` services over `hours` (plus 10 minutes so the first 5m windows are full). */
export async function benchData(base: StackConfig, count: number, hours: number, cacheRoot: string, log: (m: string) => void): Promise<BenchData> {
  const cfg = count === base.services.length ? base : scaledConfig(base, count);
  const topo = localTopology(cfg, path.join(cacheRoot, "topology"), undefined, { serviceCgroups: instanceCgroup(path.join(cacheRoot, "topology"), {}) });
  const key = createHash("sha256").update(JSON.stringify({ DATA_VERSION, count, hours, rules: renderRuleFiles(cfg, topo) })).digest("hex").slice(0, 12);
  const dir = path.join(cacheRoot, `services-${count}-hours-${hours}-${key}`);
  const marker = path.join(dir, "ready.json");
  if (fs.existsSync(marker)) {
    const { endS } = JSON.parse(fs.readFileSync(marker, "utf8")) as { endS: number };
    log(`${count} services: cached data set ${dir}`);
    return { cfg, dataDir: path.join(dir, "data"), endS, builtInS: 0 };
  }
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const endS = Math.floor(Date.now() / 15_000) * 15;
  log(`${count} services: building ${hours} h of data in ${dir} (minutes for 120 services; cached afterwards)`);
  const dataDir = await buildTsdb({
    workDir: dir, cfg, topo, services: synthServices(cfg), startS: endS - hours * 3600 - 600, endS, incidents: [], log: (m) => log(`  ${m}`),
  });
  await compact(dataDir, (m) => log(`  ${m}`));
  fs.writeFileSync(marker, JSON.stringify({ endS, services: count, hours }));
  return { cfg, dataDir, endS, builtInS: (Date.now() - started) / 1000 };
}
