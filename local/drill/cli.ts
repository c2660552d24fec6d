/**
 * `npm run drill -- memory [--full]` and `npm run drill -- outage`.
 *
 * Against the local stack by default (ports from the same env as `npm start`). For dev/prod
 * pass the endpoints: --prometheus URL --admin-url URL (e.g. through `kubectl port-forward`)
 * and --no-receivers (PagerDuty/Slack are real there: confirm the page in PagerDuty).
 * Exits 0 only if every check passes; writes the report to drill-reports/<scenario>-<time>/.
 */
import * as path from "path";
import { parseArgs } from "node:util";
import { adminPort, defaultOptions, localStackConfig } from "../config";
import { DEFAULT_DRILL, memoryDrill, outageDrill, type DrillOptions } from "./scenarios";
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
      out: { type: "string" },
    },
  });
  const scenario = positionals[0];
  if (scenario !== "memory" && scenario !== "outage") throw new Error(`usage: npm run drill -- <memory [--full] | outage> [--prometheus URL --admin-url URL --no-receivers]; got "${scenario ?? ""}"`);
  const local = defaultOptions();
  const { cfg } = localStackConfig(local);
  const o: DrillOptions = { ...DEFAULT_DRILL, full: values.full ?? false, service: values.service ?? DEFAULT_DRILL.service };
  const ep: DrillEndpoints = {
    prometheusUrl: values.prometheus ?? `http://127.0.0.1:${local.ports.prometheus}`,
    receiversUrl: values["no-receivers"] ? null : (values.receivers ?? `http://127.0.0.1:${local.ports.pagerduty}`),
    adminUrl: values["admin-url"] ?? `http://127.0.0.1:${adminPort(local, o.service)}`,
  };
  const t = scenario === "memory" ? await memoryDrill(cfg, ep, o, printEvent) : await outageDrill(cfg, ep, o, printEvent);
  const dir = values.out ?? path.join("drill-reports", `${scenario}${o.full ? "-full" : ""}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const files = await writeReport(t, dir, scenario === "memory" ? cfg.alerts.memory.threshold / 100 : null);
  process.stdout.write(`\nFigures: ${Object.entries(t.figures).map(([k, v]) => `${k}=${v}`).join("  ")}\n`);
  for (const c of t.checks) process.stdout.write(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name} — ${c.detail}\n`);
  process.stdout.write(`\n${t.ok ? "DRILL PASSED" : "DRILL FAILED"}; report: ${files.md}\n`);
  process.exit(t.ok ? 0 : 1);
}

main().catch((e: Error) => {
  process.stderr.write(`drill error: ${e.message}\n`);
  process.exit(2);
});
