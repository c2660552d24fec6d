/**
 * `npm run rules:timelines`: writes the burn-multiple timelines (rules/tests/burn-*.dev.test.yml)
 * and the detection table into rules/README.md and README.md (rules/timelines.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { generatedFiles } from "./timelines";
import { stackUnderTest } from "./testing";

const root = path.resolve(__dirname, "..");
const files = generatedFiles(stackUnderTest("dev").cfg, root, (f) => fs.readFileSync(f, "utf8"));
for (const [rel, content] of Object.entries(files)) {
  const file = path.join(root, rel);
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (before !== content) fs.writeFileSync(file, content);
  process.stdout.write(`${before === content ? "unchanged" : "wrote    "} ${rel}\n`);
}
