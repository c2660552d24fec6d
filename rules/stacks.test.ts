/**
 * The README's claim, for the rule files: the local, dev and prod stacks load the same rules,
 * and only addresses and paths differ between them. Rules come from the stack config (dev's and
 * prod's thresholds differ on purpose); so for each config, the files rendered for the docker,
 * kubernetes and local topologies must be identical once the topology's addresses are masked —
 * and the local stack as `npm start` renders it (the dev config on loopback, any port offset)
 * must equal dev's.
 *
 * The one documented exception is the local stack without cgroups (local/cgroups.ts): there
 * the service-resources group reads the services' process metrics; the last test pins the
 * difference to exactly that group, so it cannot grow unnoticed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, readStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { instanceCgroup } from "../local/cgroups";
import { defaultOptions, localStackConfig } from "../local/config";
import { dockerTopology, kubernetesTopology, localTopology, type Topology } from "../render/topology";
import { renderRuleFiles } from "./index";

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-stacks-"));
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

const config = (stack: "dev" | "prod"): StackConfig => {
  const f = readStackFile(stack);
  return parseStackConfig(f.raw, { present: new Set(), required: false }, stack);
};

/** Every address and path a topology holds, longest first (a URL before its host). */
function addressesOf(topo: Topology): string[] {
  const values = [topo.grafanaUrl, topo.prometheus, ...(Array.isArray(topo.prometheusTargets) ? topo.prometheusTargets : []), topo.grafana, topo.nodeExporter, topo.cadvisor, topo.serviceCgroups, topo.stateDir, ...topo.alertmanagers, ...Object.values(topo.roots)];
  return [...new Set(values.filter((v): v is string => !!v && v !== "discover"))].sort((a, b) => b.length - a.length);
}

/** The rule files with every address/path of the topology replaced by a placeholder. */
function masked(cfg: StackConfig, topo: Topology): Record<string, string> {
  const files = renderRuleFiles(cfg, topo);
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [name, addressesOf(topo).reduce((t, a) => t.split(a).join("<address>"), text)]));
}

const topologies = (cfg: StackConfig): Record<string, Topology> => ({
  docker: dockerTopology(cfg),
  kubernetes: kubernetesTopology(cfg),
  local: localTopology(cfg, stateDir, undefined, { serviceCgroups: instanceCgroup(stateDir, {}) }),
});

describe("rule files: only addresses and paths differ between the stacks", () => {
  test.each(["dev", "prod"] as const)("the %s config renders the same rules on docker, kubernetes and the local stack", (stack) => {
    const cfg = config(stack);
    const byTopo = Object.entries(topologies(cfg)).map(([name, topo]) => ({ name, files: masked(cfg, topo), raw: renderRuleFiles(cfg, topo) }));
    const [first, ...rest] = byTopo;
    expect(Object.keys(first.files).length).toBe(5);
    for (const other of rest) expect({ topology: other.name, files: other.files }).toEqual({ topology: other.name, files: first.files });
    // The masking is not hiding anything but addresses: the unmasked files differ only where the Grafana URL sits.
    const dockerLines = Object.values(byTopo[0].raw).join("\n").split("\n");
    const kubeLines = Object.values(byTopo[1].raw).join("\n").split("\n");
    const differing = dockerLines.filter((l, i) => l !== kubeLines[i]);
    expect(differing.length).toBeGreaterThan(0);
    for (const l of differing) expect(l).toMatch(/dashboard_url: https:\/\//);
  });

  test.each([["the default ports", {}], ["LOCAL_PORT_OFFSET=13000", { LOCAL_PORT_OFFSET: "13000" }]] as const)("the local stack as npm start renders it (%s) loads dev's rules", (_what, env) => {
    const o = defaultOptions({ ...env, LOCAL_STATE_DIR: stateDir });
    const local = localStackConfig(o);
    expect(local.topo.resourceSource).toBe("cadvisor");
    const dev = config("dev");
    expect(masked(local.cfg, local.topo)).toEqual(masked(dev, dockerTopology(dev)));
  });

  test("the fallback without cgroups differs in exactly one group: service-resources (process metrics)", () => {
    const dev = config("dev");
    const withCgroups = renderRuleFiles(dev, localTopology(dev, stateDir, undefined, { serviceCgroups: instanceCgroup(stateDir, {}) }));
    const fallback = renderRuleFiles(dev, localTopology(dev, stateDir, undefined, { serviceCgroups: null }));
    const differingGroups: string[] = [];
    for (const file of Object.keys(withCgroups)) {
      const a = (yaml.load(withCgroups[file]) as { groups: Array<{ name: string }> }).groups;
      const b = (yaml.load(fallback[file]) as { groups: Array<{ name: string }> }).groups;
      expect(b.map((g) => g.name)).toEqual(a.map((g) => g.name));
      a.forEach((g, i) => {
        if (JSON.stringify(g) !== JSON.stringify(b[i])) differingGroups.push(`${file}:${g.name}`);
      });
    }
    expect(differingGroups).toEqual(["recording.rules.yml:service-resources"]);
    expect(fallback["recording.rules.yml"]).toMatch(/process_resident_memory_bytes/);
    expect(withCgroups["recording.rules.yml"]).not.toMatch(/process_resident_memory_bytes/);
  });
});
