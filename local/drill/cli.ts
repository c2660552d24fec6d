/**
 * `npm run drill -- memory [--full]`, `npm run drill -- oom`, `npm run drill -- outage` and
 * `npm run drill -- outage --runs 5 --services payment-processor,merchant-api` (five outages in
 * turn, each timed to its page).
 *
 * Against the local stack by default (ports from the same env as `npm start`; --ha or LOCAL_HA=1
 * for `npm start -- --ha`, watched through Thanos Query as Grafana would). For dev/prod
 * pass the endpoints: --prometheus URL --admin-url URL (e.g. through `kubectl port-forward`)
 * and --no-receivers (PagerDuty/Slack are real there: confirm the page in PagerDuty).
 * Exits 0 only if every check passes; writes the report to drill-reports/<scenario>-<time>/.
 */
import * as path from "path";
import { parseArgs } from "node:util";
import { adminPort, defaultOptions, localStackConfig } from "../config";
import { DEFAULT_DRILL, memoryDrill, oomDrill, outageDrill, outageRuns, type DrillOptions } from "./scenarios";
import { writeReport } from "./report";
import type { DrillEvent, Timeline } from "./timeline";
import type { DrillEndpoints } from "./observer";

function printEvent(e: DrillEvent, t: Timeline): void {
  const clock = new Date(e.at).toISOString().slice(11, 19);
  process.stdout.write(`${clock} +${t.rel(e.at).toFixed(0).padStart(4)}s  ${e.kind.padEnd(17)} ${e.text}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      full: { type: "boolean" },
      prometheus: { type: "string" },
      "admin-url": { type: "string" },
      receivers: { type: "string" },
      "no-receivers": { type: "boolean" },
      service: { type: "string" },
      services: { type: "string" },
      runs: { type: "string" },
      out: { type: "string" },
      ha: { type: "boolean" },
      "hold-after-page": { type: "string" },
    },
  });
  const scenario = positionals[0];
  if (scenario !== "memory" && scenario !== "oom" && scenario !== "outage") throw new Error(`usage: npm run drill -- <memory [--full] | oom | outage [--runs N --services a,b --hold-after-page S]> [--ha] [--prometheus URL --admin-url URL --no-receivers]; got "${scenario ?? ""}"`);
  // --ha (or LOCAL_HA=1): the local HA stack, observed through its deduplicating querier.
  const local = { ...defaultOptions(), ...(values.ha ? { ha: true } : {}) };
  const { cfg, topo } = localStackConfig(local);
  const runs = values.runs === undefined ? 1 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs: got "${values.runs}"; allowed: a whole number from 1 to 20`);
  const hold = Number(values["hold-after-page"] ?? 0);
  if (!Number.isFinite(hold) || hold < 0) throw new Error(`--hold-after-page: got "${values["hold-after-page"]}"; allowed: seconds, 0 or more`);
  const services = values.services ? values.services.split(",").map((s) => s.trim()).filter(Boolean) : [values.service ?? DEFAULT_DRILL.service];
  const o: DrillOptions = { ...DEFAULT_DRILL, full: values.full ?? false, service: values.service ?? services[0], runs, services, holdAfterPageSeconds: hold, timeoutSeconds: Math.max(DEFAULT_DRILL.timeoutSeconds, runs * 10 * 60) };
  const ep: DrillEndpoints = {
    prometheusUrl: values.prometheus ?? `http://${topo.thanos?.query ?? topo.prometheus}`,
    receiversUrl: values["no-receivers"] ? null : (values.receivers ?? `http://127.0.0.1:${local.ports.pagerduty}`),
    adminUrl: values["admin-url"] ?? `http://127.0.0.1:${adminPort(local, o.service)}`,
    // The supervisor's records and the cgroups exist only on a local stack.
    stateDir: values.prometheus ? null : local.stateDir,
  };
  const adminUrlFor = (service: string) => (values["admin-url"] && service === o.service ? values["admin-url"] : `http://127.0.0.1:${adminPort(local, service)}`);
  const t =
    scenario === "memory"
      ? await memoryDrill(cfg, ep, o, printEvent)
      : scenario === "oom"
        ? await oomDrill(cfg, ep, o, printEvent)
        : runs > 1 || services.length > 1
          ? await outageRuns(cfg, ep, adminUrlFor, o, printEvent)
          : await outageDrill(cfg, ep, o, printEvent);
  const dir = values.out ?? path.join("drill-reports", `${scenario}${o.full ? "-full" : ""}${runs > 1 ? `-x${runs}` : ""}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const files = await writeReport(t, dir, scenario === "outage" ? null : cfg.alerts.memory.threshold / 100);
  process.stdout.write(`\nFigures: ${Object.entries(t.figures).map(([k, v]) => `${k}=${v}`).join("  ")}\n`);
  for (const c of t.checks) process.stdout.write(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name} — ${c.detail}\n`);
  process.stdout.write(`\n${t.ok ? "DRILL PASSED" : "DRILL FAILED"}; report: ${files.md}\n`);
  process.exit(t.ok ? 0 : 1);
}

main().catch((e: Error) => {
  process.stderr.write(`drill error: ${e.message}\n`);
  process.exit(2);
});
