/**
 * The data set the dashboard data tests run on: the dev stack's 12 services as the local stack
 * deploys them (dev config, local topology: each service in its cgroup, CPU and memory from
 * cAdvisor), three hours of scrapes, the recorded series of the real rules, and two incidents
 * in the middle of the last hour so that "before", "during" and "after" can all be checked:
 *
 *   end-45m .. end-30m   payment-processor answers every request 5xx
 *   end-45m .. end-30m   ledger is down (up = 0, no samples)
 *   end-45m .. end-30m   settlement holds 95% of its memory limit
 */
import * as os from "os";
import * as path from "path";
import { parseStackConfig, readStackFile } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import { instanceCgroup } from "../../local/cgroups";
import { localTopology, type Topology } from "../../render/topology";
import { buildTsdb } from "./backfill";
import { synthServices, type Incident } from "./profiles";

/** The stack under test: the dev config on the local topology (as local/ runs it). */
export function localStack(): { cfg: StackConfig; topo: Topology } {
  const cfg = parseStackConfig(readStackFile("dev").raw, { present: new Set(), required: false }, "dev");
  const stateDir = path.join(os.tmpdir(), "dashboards-local-stack");
  return { cfg, topo: localTopology(cfg, stateDir, undefined, { serviceCgroups: instanceCgroup(stateDir, {}) }) };
}

/** A built data set. */
export interface Fixture {
  cfg: StackConfig;
  dataDir: string;
  /** Last scrape, epoch seconds. */
  endS: number;
  incidents: Incident[];
  /** Moments to look at, epoch ms: before, during and after the incidents. */
  at: { before: number; during: number; after: number };
}

/** Builds the data set under `workDir` (about 30 s: promtool does the heavy lifting). */
export async function buildFixture(workDir: string, hours = 3): Promise<Fixture> {
  const { cfg, topo } = localStack();
  const endS = Math.floor(Date.now() / 15_000) * 15;
  const incidents: Incident[] = [
    { service: "payment-processor", kind: "errors", fromS: endS - 45 * 60, toS: endS - 30 * 60 },
    { service: "ledger", kind: "down", fromS: endS - 45 * 60, toS: endS - 30 * 60 },
    { service: "settlement", kind: "memory", fromS: endS - 45 * 60, toS: endS - 30 * 60 },
  ];
  const dataDir = await buildTsdb({ workDir, cfg, topo, services: synthServices(cfg), startS: endS - hours * 3600, endS, incidents });
  const ms = (s: number) => s * 1000;
  return {
    cfg,
    dataDir,
    endS,
    incidents,
    // "during": 10 minutes in, when every 5-minute window lies inside the incident;
    // "after": 30 minutes after the end, when every 5-minute window lies after it.
    at: { before: ms(endS - 50 * 60), during: ms(endS - 35 * 60), after: ms(endS) },
  };
}
