/**
 * Validates a mocked Kubernetes resource against the OpenAPI schemas shipped by the
 * kubernetes-models package (offline; no cluster needed).
 */
import type { MockResource } from "./pulumi-program";

/** Maps a Pulumi type token (kubernetes:apps/v1:StatefulSet) to the kubernetes-models module. */
function modelFor(type: string): any {
  const m = /^kubernetes:([^:]+):(\w+)$/.exec(type);
  if (!m) throw new Error(`not a kubernetes type: ${type}`);
  const [group, version] = m[1].includes("/") ? m[1].split("/") : ["core", m[1]];
  const dir = group === "core" ? version : `${group}/${version}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`kubernetes-models/${dir}/${m[2]}`)[m[2]];
}

/** null if valid, otherwise a message naming the resource and the schema error. */
export function validateKubernetesObject(r: MockResource): string | null {
  const Model = modelFor(r.type);
  try {
    new Model(r.inputs).validate();
    return null;
  } catch (e) {
    return `${r.type} ${r.name}: ${(e as Error).message}`;
  }
}
