/**
 * Builds a Prometheus TSDB holding hours of synthetic scrapes AND the project's recorded series,
 * so dashboards can be queried as if the stack had been running for those hours:
 *
 *   1. the synthetic scrapes -> `promtool tsdb create-blocks-from openmetrics`;
 *   2. the recording rules renderRuleFiles() deploys -> `promtool tsdb create-blocks-from rules`,
 *      which evaluates each rule over the past range against a running Prometheus.
 *
 * promtool evaluates rules against what the Prometheus already holds, so a rule that reads
 * another rule's output (errors over requests, quantiles over bucket rates, SLO windows over
 * 5m rates) needs that output loaded first. The rules are therefore backfilled in layers:
 * layer 0 reads raw series only, layer n reads layers below n; Prometheus is restarted on the
 * grown TSDB between layers.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import type { StackConfig } from "../../config/schema";
import type { Topology } from "../../render/topology";
import { toYaml } from "../../render/yaml";
import { ruleGroups } from "../../rules";
import { isAlert, type RecordingRule, type RuleGroup } from "../../rules/model";
import type { Incident, SynthService } from "./profiles";
import { PROMTOOL_BIN, withPrometheus } from "./prometheus";
import { writeOpenMetrics } from "./synthetic";

const run = promisify(execFile);

/** What to backfill. */
export interface BackfillOptions {
  /** Scratch directory; the TSDB ends up in <workDir>/data. */
  workDir: string;
  cfg: StackConfig;
  topo: Topology;
  services: SynthService[];
  /** First and last scrape, epoch seconds. */
  startS: number;
  endS: number;
  incidents: Incident[];
  log?: (message: string) => void;
}

/** The recording rules grouped by evaluation layer (layer n reads only layers below n). */
export function ruleLayers(groups: RuleGroup[]): RuleGroup[][] {
  const recording = groups.map((g) => ({ ...g, rules: g.rules.filter((r): r is RecordingRule => !isAlert(r)) }));
  const rules = recording.flatMap((g) => g.rules);
  const names = new Set(rules.map((r) => r.record));
  // Recorded names contain colons, so a name is delimited by anything but [A-Za-z0-9_:].
  const deps = (r: RecordingRule) => [...names].filter((n) => new RegExp(`(^|[^\\w:])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w:])`).test(r.expr));
  // Layer of a name: the highest layer of the rules recording it; iterate to a fixed point.
  const layerOfName = new Map<string, number>();
  const layerOf = (r: RecordingRule) => Math.max(-1, ...deps(r).map((d) => layerOfName.get(d) ?? 0)) + 1;
  for (let round = 0, changed = true; changed; round++) {
    if (round > rules.length) throw new Error("recording rules: a cycle between recorded names");
    changed = false;
    for (const r of rules) {
      const l = layerOf(r);
      if (l > (layerOfName.get(r.record) ?? 0)) {
        layerOfName.set(r.record, l);
        changed = true;
      }
    }
  }
  const layers: RuleGroup[][] = [];
  for (const g of recording)
    for (const r of g.rules) {
      const l = layerOf(r);
      layers[l] ??= [];
      let group = layers[l].find((x) => x.name === g.name);
      if (!group) layers[l].push((group = { ...g, rules: [] }));
      group.rules.push(r);
    }
  return layers.filter(Boolean);
}

/** Moves every block directory from `from` into `to`. */
function moveBlocks(from: string, to: string): number {
  const blocks = fs.readdirSync(from).filter((d) => fs.existsSync(path.join(from, d, "meta.json")));
  for (const b of blocks) fs.renameSync(path.join(from, b), path.join(to, b));
  return blocks.length;
}

/** Builds <workDir>/data (removing what was there) and returns its path. */
export async function buildTsdb(o: BackfillOptions): Promise<string> {
  const log = o.log ?? (() => undefined);
  const data = path.join(o.workDir, "data");
  fs.rmSync(data, { recursive: true, force: true });
  fs.mkdirSync(data, { recursive: true });
  const om = path.join(o.workDir, "scrapes.om");
  const written = await writeOpenMetrics(om, { services: o.services, startS: o.startS, endS: o.endS, stepS: 15, incidents: o.incidents });
  log(`synthetic scrapes: ${written.samples} samples, ${(written.bytes / 2 ** 20).toFixed(0)} MiB`);
  await run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "-q", om, data], { maxBuffer: 1 << 26 });
  fs.rmSync(om);
  const layers = ruleLayers(Object.values(ruleGroups(o.cfg, o.topo)).flat());
  for (const [i, groups] of layers.entries()) {
    const file = path.join(o.workDir, `rules-layer-${i}.yml`);
    fs.writeFileSync(file, toYaml({ groups }, "dashboards/testing/backfill.ts"));
    const out = path.join(o.workDir, `rules-layer-${i}`);
    fs.rmSync(out, { recursive: true, force: true });
    await withPrometheus(data, (p) =>
      run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "rules", "-q", `--url=${p.url}`, `--start=${o.startS}`, `--end=${o.endS}`,
        `--output-dir=${out}`, `--eval-interval=${o.cfg.scrape.evaluationInterval}`, file], { maxBuffer: 1 << 26, timeout: 30 * 60_000 }),
    );
    log(`rules layer ${i}: ${groups.reduce((a, g) => a + g.rules.length, 0)} rules, ${moveBlocks(out, data)} blocks`);
    fs.rmSync(out, { recursive: true, force: true });
  }
  return data;
}
