/**
 * `npm run render -- --stack <dev|prod> --out <dir>`: writes every file the stack would
 * deploy, through the same code path as the Pulumi program. Secrets are placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, readStackFile } from "../config/load";
import { placeholderSecrets, renderConfigFiles, renderSecretFiles, type RenderedFile } from "./stack";
import { topologyFor } from "./topology";

/**
 * Renders a stack's files into `outDir/<component>/<path>`; returns the files written.
 * `stackDir` holds the Pulumi.<stack>.yaml files (the project root by default). Invalid config
 * throws before anything is written, so a previous render is never half-replaced.
 */
export function renderStackToDir(stack: string, outDir: string, stackDir?: string): string[] {
  const file = readStackFile(stack, stackDir);
  const cfg = parseStackConfig(file.raw, { present: file.secretKeys, required: false }, stack);
  const topo = topologyFor(cfg);
  const files: RenderedFile[] = [...renderConfigFiles(cfg, topo), ...renderSecretFiles(cfg, placeholderSecrets(cfg))];
  fs.rmSync(outDir, { recursive: true, force: true });
  const written: string[] = [];
  for (const f of files) {
    const p = path.join(outDir, f.owner, f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.content, { mode: f.secret ? 0o600 : 0o644 });
    written.push(path.relative(outDir, p));
  }
  return written;
}

function parseArgs(argv: string[]): { stack: string; out: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = get("--stack");
  if (!stack) throw new Error("usage: npm run render -- --stack <dev|prod> [--out <dir>]  (missing --stack)");
  return { stack, out: get("--out") ?? path.join("out", stack) };
}

if (require.main === module) {
  try {
    const { stack, out } = parseArgs(process.argv.slice(2));
    const written = renderStackToDir(stack, out);
    console.log(`rendered ${written.length} files for stack "${stack}" into ${out}/ (secrets are placeholders)`);
    for (const w of written.sort()) console.log(`  ${w}`);
  } catch (e) {
    console.error(`render failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
