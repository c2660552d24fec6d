/**
 * Renders a stack's files into a temporary directory with the topology's roots moved
 * there (only paths change, as for the local stack), so the real tools can read them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, readStackFile } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import { placeholderSecrets, renderConfigFiles, renderSecretFiles } from "../../render/stack";
import { topologyFor, type Topology } from "../../render/topology";

export interface RenderedTree {
  dir: string;
  cfg: StackConfig;
  topo: Topology;
  /** Absolute path of a rendered file. */
  at(owner: keyof Topology["roots"], rel: string): string;
}

/**
 * A shipped stack ("dev", "prod") or a variant: a *.good.yaml config fixture named without its
 * suffix (e.g. "prod-long-term-storage"), its overrides applied to its stack's file.
 */
export function stackConfig(stack: string): StackConfig {
  const fixture = path.join(__dirname, "..", "fixtures", "config", `${stack}.good.yaml`);
  if (fs.existsSync(fixture)) {
    const fx = yaml.load(fs.readFileSync(fixture, "utf8")) as { stack: string; overrides?: Record<string, unknown> };
    const f = readStackFile(fx.stack);
    return parseStackConfig({ ...f.raw, ...(fx.overrides ?? {}) }, { present: f.secretKeys, required: false }, stack);
  }
  const f = readStackFile(stack);
  return parseStackConfig(f.raw, { present: f.secretKeys, required: false }, stack);
}

/** The stacks and variants whose rendered files are golden and checked by the real tools. */
export const RENDERED_STACKS = ["dev", "prod", "prod-long-term-storage"] as const;

export function renderToTmp(stack: string): RenderedTree {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `render-${stack}-`));
  const cfg = stackConfig(stack);
  const base = topologyFor(cfg);
  const topo: Topology = { ...base, roots: { prometheus: `${dir}/prometheus`, alertmanager: `${dir}/alertmanager`, grafana: `${dir}/grafana`, nginx: `${dir}/nginx`, thanos: `${dir}/thanos` } };
  for (const f of [...renderConfigFiles(cfg, topo), ...renderSecretFiles(cfg, placeholderSecrets(cfg))]) {
    const p = path.join(topo.roots[f.owner], f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.content, { mode: f.secret ? 0o600 : 0o644 });
  }
  return { dir, cfg, topo, at: (owner, rel) => path.join(topo.roots[owner], rel) };
}
