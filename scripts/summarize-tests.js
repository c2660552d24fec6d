#!/usr/bin/env node
// Prints per-suite counts and the final "N passed, N failed" line from jest JSON and
// pytest JUnit XML reports. Exits 1 if anything failed or a report is missing/broken.
"use strict";
const fs = require("fs");
const path = require("path");

const dir = process.argv[2] || "test-results";
let passed = 0;
let failed = 0;
const rows = [];

for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
  const p = path.join(dir, f);
  if (f.endsWith(".json")) {
    const r = JSON.parse(fs.readFileSync(p, "utf8"));
    // A suite that failed to run (syntax error, crash) has no assertion results: count it.
    const broken = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
    const p1 = r.numPassedTests;
    const f1 = r.numFailedTests + broken;
    rows.push([f, p1, f1]);
    passed += p1;
    failed += f1;
  } else if (f.endsWith(".xml")) {
    const xml = fs.readFileSync(p, "utf8");
    const tag = /<testsuite\b[^>]*>/.exec(xml);
    if (!tag) throw new Error(`${p}: not a JUnit report`);
    const attr = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(tag[0]) || [0, 0])[1]);
    const [errors, failures, skipped, tests] = ["errors", "failures", "skipped", "tests"].map(attr);
    const f1 = errors + failures;
    const p1 = tests - f1 - skipped;
    rows.push([f, p1, f1]);
    passed += p1;
    failed += f1;
  }
}
if (rows.length === 0) {
  console.log("no test reports found");
  failed += 1;
}
for (const [f, p, x] of rows) console.log(`  ${f.padEnd(22)} ${String(p).padStart(5)} passed ${String(x).padStart(4)} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
