#!/usr/bin/env node
// Prints per-suite counts, the time each phase of `npm test` took, and the final
// "N passed, N failed" line from jest JSON and pytest JUnit XML reports. Skipped tests are
// counted and named (a skip never passes silently). Exits 1 if anything failed, a report is
// missing or broken, or setup failed.
//
//   summarize-tests.js <dir> [--phases <phases.tsv>] [--setup-failed]
"use strict";
const fs = require("fs");
const path = require("path");

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith("--")) || "test-results";
const phasesAt = args.indexOf("--phases");
const phasesFile = phasesAt >= 0 ? args[phasesAt + 1] : null;
const setupFailed = args.includes("--setup-failed");

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames = [];
const rows = [];

for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
  const p = path.join(dir, f);
  // Reports only: jest-*.json and JUnit *.xml (suites also leave figures, e.g. ha-figures.json).
  if (/^jest-.*\.json$/.test(f)) {
    const r = JSON.parse(fs.readFileSync(p, "utf8"));
    // A suite that failed to run (syntax error, crash) has no assertion results: count it.
    const broken = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
    const p1 = r.numPassedTests;
    const f1 = r.numFailedTests + broken;
    const s1 = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    for (const s of r.testResults) for (const a of s.assertionResults) if (a.status === "pending" || a.status === "skipped" || a.status === "todo") skippedNames.push(`${path.relative(process.cwd(), s.name)}: ${a.fullName}`);
    rows.push([f, p1, f1, s1]);
    passed += p1;
    failed += f1;
    skipped += s1;
  } else if (f.endsWith(".xml")) {
    const xml = fs.readFileSync(p, "utf8");
    const tag = /<testsuite\b[^>]*>/.exec(xml);
    if (!tag) throw new Error(`${p}: not a JUnit report`);
    const attr = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(tag[0]) || [0, 0])[1]);
    const [errors, failures, skips, tests] = ["errors", "failures", "skipped", "tests"].map(attr);
    const f1 = errors + failures;
    const p1 = tests - f1 - skips;
    rows.push([f, p1, f1, skips]);
    passed += p1;
    failed += f1;
    skipped += skips;
    for (const m of xml.matchAll(/<testcase\b[^>]*name="([^"]*)"[^>]*>\s*<skipped\b[^>]*message="([^"]*)"/g)) skippedNames.push(`${f}: ${m[1]} (${m[2]})`);
  }
}
if (setupFailed) failed += 1;
else if (rows.length === 0) {
  console.log("no test reports found");
  failed += 1;
}

console.log("");
for (const [f, p, x, s] of rows) console.log(`  ${f.padEnd(22)} ${String(p).padStart(5)} passed ${String(x).padStart(4)} failed${s ? ` ${String(s).padStart(4)} skipped` : ""}`);
if (skippedNames.length) {
  console.log(`\nskipped (${skippedNames.length}):`);
  for (const n of skippedNames) console.log(`  - ${n}`);
}

if (phasesFile && fs.existsSync(phasesFile)) {
  const fmt = (s) => `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const phases = fs.readFileSync(phasesFile, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const w = Math.max(...phases.map((p) => p[0].length));
  console.log("\nphase".padEnd(w + 3) + "   time  result");
  for (const [name, secs, result] of phases) console.log(`  ${name.padEnd(w)}  ${fmt(Number(secs)).padStart(6)}  ${result ?? ""}`);
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? ` (${skipped} skipped, listed above)` : ""}`);
process.exit(failed > 0 ? 1 : 0);
