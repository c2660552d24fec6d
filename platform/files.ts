/**
 * Helpers both adapters use to carry rendered files.
 */
import { createHash } from "crypto";
import type { RenderedFile } from "../render/stack";

/**
 * ConfigMap/Secret keys may only hold [-._a-zA-Z0-9]; a file's relative path
 * (rules/slo.rules.yml) becomes a key (rules__slo.rules.yml) and is projected back
 * to its path by the volume's `items`.
 */
export function configKey(relPath: string): string {
  const key = relPath.replace(/\//g, "__");
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new Error(`file "${relPath}" cannot be stored in a ConfigMap: only letters, digits, '-', '_', '.' and '/' are allowed`);
  return key;
}

/** Stable digest of a set of files (path and content), for roll-on-change annotations. */
export function contentHash(files: RenderedFile[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(f.path).update("\0").update(f.content).update("\0");
  return h.digest("hex").slice(0, 16);
}
