/**
 * `npm run backtest [-- --short] [--seed N] [--days N] [--stack dev|prod] [--out DIR]`:
 * a synthetic week of the fleet evaluated by Prometheus' rule engine with the stack's rules,
 * as it is and with five incidents on top (rules/backtest/). Prints pages and warnings per
 * week with each alert's start and duration, and exits 1 when a goal is missed.
 *
 * Needs promtool 3.5 and rule-replay: `bash scripts/tools/build.sh promtool rule-replay`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "node:util";
import { stackUnderTest } from "../rules/testing";
import { backtest, formatReport, runOptions, writeReport } from "../rules/backtest/backtest";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      short: { type: "boolean" },
      seed: { type: "string" },
      days: { type: "string" },
      stack: { type: "string" },
      out: { type: "string" },
    },
  });
  const stack = values.stack ?? "dev";
  if (stack !== "dev" && stack !== "prod") throw new Error(`--stack: got "${stack}"; allowed: dev, prod`);
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: got "${v}"; allowed: a positive number`);
    return n;
  };
  const { cfg, topo } = stackUnderTest(stack);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "backtest-"));
  const t0 = Date.now();
  const log = (m: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${m}\n`);
  try {
    const o = runOptions(cfg, topo, { short: values.short ?? false, seed: num("seed", values.seed), days: num("days", values.days), workDir, log });
    log(`${stack} stack: ${o.days} day(s) judged after ${o.warmupDays} day(s) of SLO history, seed ${o.seed}; two runs (normal, incidents) in parallel`);
    const report = await backtest(o);
    const out = values.out ?? path.join("backtest-reports", `${stack}-${values.short ? "short" : "week"}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const files = writeReport(report, out);
    process.stdout.write(`\n${formatReport(report)}\n\nreport: ${files.txt} (episodes in ${files.json}); ${((Date.now() - t0) / 1000).toFixed(0)}s in all\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`backtest error: ${e.message}\n`);
  process.exit(2);
});
