/**
 * Golden files: every file each stack renders (secrets as placeholders), one golden file
 * per rendered file so a change shows up as a narrow diff. Besides dev and prod, the variant
 * prod-long-term-storage (a config fixture: Thanos object storage, remote_write with basic
 * auth, a bearer token and a tenant header) pins what the optional features render. `npm run golden:update`
 * regenerates them; any drift fails here.
 */
import * as fs from "fs";
import * as path from "path";
import { placeholderSecrets, renderConfigFiles, renderSecretFiles } from "../render/stack";
import { topologyFor } from "../render/topology";
import { RENDERED_STACKS, stackConfig } from "./helpers/render-tmp";

const GOLDEN = path.join(__dirname, "golden");
const update = process.env.UPDATE_GOLDEN === "1";

function renderAll(stack: string): Map<string, string> {
  const cfg = stackConfig(stack);
  const files = [...renderConfigFiles(cfg, topologyFor(cfg)), ...renderSecretFiles(cfg, placeholderSecrets(cfg))];
  return new Map(files.map((f) => [`${f.owner}/${f.path}`, f.content]));
}

/** A variant's golden set holds only the files that differ from its base stack's (prod-x -> prod). */
function rendered(stack: string): Map<string, string> {
  const all = renderAll(stack);
  const base = stack.includes("-") ? stack.split("-")[0] : null;
  if (!base) return all;
  const baseFiles = renderAll(base);
  return new Map([...all].filter(([rel, content]) => baseFiles.get(rel) !== content));
}

function listFiles(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]));
}

describe.each([...RENDERED_STACKS])("golden files of the %s stack", (stack) => {
  const dir = path.join(GOLDEN, stack);
  const files = rendered(stack);

  if (update) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [rel, content] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
  }

  test("the set of rendered files matches the golden set", () => {
    expect([...files.keys()].sort()).toEqual(listFiles(dir).sort());
  });

  test.each([...files.keys()].sort())("%s matches its golden file", (rel) => {
    const golden = fs.readFileSync(path.join(dir, rel), "utf8");
    expect(files.get(rel)).toBe(golden);
  });
});
