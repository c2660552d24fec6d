/**
 * The type check, once for the whole repository. Jest compiles each file on its own
 * (tsconfig.json `isolatedModules`: ts-jest transpiles, it does not type-check), which takes
 * a fraction of the CPU of a type-checking language service per test file; the types are
 * checked here instead, by the compiler the project pins, over every .ts file tsconfig.json
 * covers (program, renderers, services, tests, scripts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const TSC = require.resolve("typescript/bin/tsc");

function tsc(project: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, "--noEmit", "-p", project], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

test("every .ts file in the repository type-checks (tsc --noEmit -p tsconfig.json)", () => {
  const r = tsc(path.join(ROOT, "tsconfig.json"));
  if (r.code !== 0) throw new Error(`tsc found type errors (exit ${r.code}):\n${r.output}`);
  expect(r.output.trim()).toBe("");
}, 600_000);

test("the same compiler options reject a type error and a re-export isolatedModules cannot compile, so a green check means something", () => {
  const dir = fs.mkdtempSync(path.join(ROOT, ".typecheck-"));
  try {
    fs.writeFileSync(path.join(dir, "types.ts"), "export interface Shape { kind: string }\n");
    // A number where a string is declared (strict), and a type re-exported as a value:
    // transpiled alone, the second would leave a dangling export at run time.
    fs.writeFileSync(path.join(dir, "bad.ts"), 'import { Shape } from "./types";\nexport const s: Shape = { kind: 1 };\nexport { Shape } from "./types";\n');
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.json", include: ["./*.ts"], exclude: [], compilerOptions: { types: ["node"] } }));
    const r = tsc(path.join(dir, "tsconfig.json"));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/bad\.ts\(2,\d+\): error TS2322/); // number is not assignable to string
    expect(r.output).toMatch(/bad\.ts\(3,\d+\): error TS1205/); // re-exporting a type needs `export type`
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test("tsconfig.json keeps isolatedModules on, the setting jest's per-file compile relies on", () => {
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
  expect(cfg.compilerOptions.isolatedModules).toBe(true);
});
