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
import { RECORDED, RUNNING_SUMS } from "../../rules/names";
import { longWindowDirectExpr, periodRatioExpr } from "../../rules/slo-recording";
import type { Incident, SynthService } from "./profiles";
import { PROMTOOL_BIN, withPrometheus } from "./prometheus";
import { writeOpenMetricsChunks } from "./synthetic";

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
  /** Keep what <workDir>/data holds and add to it (default: start from an empty TSDB). */
  append?: boolean;
  /** Request counts as whole numbers (SynthOptions.integerCounts). */
  integerCounts?: boolean;
  /** Backfill only the recording rules this accepts (default: all of them). */
  rules?: (rule: RecordingRule) => boolean;
}

/** The recording rules grouped by evaluation layer (layer n reads only layers below n). */
export function ruleLayers(groups: RuleGroup[]): RuleGroup[][] {
  const recording = groups.map((g) => ({ ...g, rules: g.rules.filter((r): r is RecordingRule => !isAlert(r)) }));
  const rules = recording.flatMap((g) => g.rules);
  const names = new Set(rules.map((r) => r.record));
  // Recorded names contain colons, so a name is delimited by anything but [A-Za-z0-9_:].
  // A rule reading its own previous value (the period's running sums) is not a dependency.
  const deps = (r: RecordingRule) => [...names].filter((n) => n !== r.record && new RegExp(`(^|[^\\w:])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w:])`).test(r.expr));
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

/**
 * A rule as a backfill can evaluate it. The running sums read their own previous value, which
 * promtool's range queries do not have: they are left out, and the period and the long windows
 * (1d, 3d) are evaluated in their direct form (the same values, rules/tests/slo-period.test.yml
 * and slo-windows.test.yml).
 */
export function forBackfill<R extends RecordingRule | RuleGroup["rules"][number]>(cfg: StackConfig, r: R): R | null {
  if (isAlert(r)) return r;
  if (RUNNING_SUMS.includes(r.record)) return null;
  const slo = cfg.slos.find((x) => x.name === r.labels?.slo);
  if (!slo) return r;
  if (r.record === RECORDED.sloErrorRatioPeriod) return { ...r, expr: periodRatioExpr(slo, "direct") };
  const direct = longWindowDirectExpr(slo, r.record);
  return direct === null ? r : { ...r, expr: direct };
}

/** Moves every block directory from `from` into `to`. */
export function moveBlocks(from: string, to: string): number {
  const blocks = fs.readdirSync(from).filter((d) => fs.existsSync(path.join(from, d, "meta.json")));
  for (const b of blocks) fs.renameSync(path.join(from, b), path.join(to, b));
  return blocks.length;
}

/** Builds <workDir>/data (removing what was there) and returns its path. */
export async function buildTsdb(o: BackfillOptions): Promise<string> {
  const log = o.log ?? (() => undefined);
  const data = path.join(o.workDir, "data");
  if (!o.append) fs.rmSync(data, { recursive: true, force: true });
  fs.mkdirSync(data, { recursive: true });
  // One file per 2-hour block: promtool reads its input once per block it writes.
  const written = await writeOpenMetricsChunks(o.workDir, { services: o.services, startS: o.startS, endS: o.endS, stepS: 15, incidents: o.incidents, integerCounts: o.integerCounts }, {}, 7200,
    async (file) => void (await run(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "-q", file, data], { maxBuffer: 1 << 26 })));
  log(`synthetic scrapes: ${written.samples} samples, ${(written.bytes / 2 ** 20).toFixed(0)} MiB in ${written.chunks} files`);
  const keep = o.rules ?? (() => true);
  const selected = Object.values(ruleGroups(o.cfg, o.topo)).flat().map((g) => ({ ...g, rules: g.rules.filter((r) => isAlert(r) || keep(r)).map((r) => forBackfill(o.cfg, r)).filter((r) => r !== null) }));
  const layers = ruleLayers(selected.filter((g) => g.rules.some((r) => !isAlert(r))));
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
