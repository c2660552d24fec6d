/**
 * index.ts as an Automation API inline program, with the driver's test-only adjustments.
 *
 * There is no `pulumi-language-nodejs` on this machine (the Go module proxy does not serve it),
 * so `pulumi preview` cannot start the program itself. An inline program turns it around: this
 * Node process hosts the language runtime, the CLI connects to it, and the program runs exactly
 * as `pulumi` would run it (same index.ts, same stack config, same engine, same providers).
 *
 * Adjustments, each applied by a stack transformation and nowhere in the program:
 * - provider versions: every Kubernetes resource asks for the provider build this machine has
 *   (toolchain.ts), and RandomPassword for the stand-in, instead of the SDKs' own versions;
 * - `skipAwait` (only with --skip-await): workloads, Services and claims get the provider's
 *   `pulumi.com/skipAwait` annotation, because a loopback API server has no kubelet or
 *   scheduler and their pods never become ready. Namespaces, ConfigMaps, Secrets, RBAC and
 *   policies keep the provider's normal await (including waiting for deletion on destroy).
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { PROJECT_ROOT } from "../scripts/tools/find";

/** Kinds whose readiness needs nodes; the only ones annotated with skipAwait. */
export const SKIP_AWAIT_KINDS = ["apps/v1:Deployment", "apps/v1:StatefulSet", "apps/v1:DaemonSet", "core/v1:Service", "core/v1:PersistentVolumeClaim"];

export interface ProgramAdjustments {
  /** Version every `kubernetes:` resource is pinned to. */
  kubernetesVersion: string;
  /** Version every `random:` resource is pinned to (the stand-in); undefined = the SDK's. */
  randomVersion?: string;
  skipAwait: boolean;
}

/** The transformation (exported for its unit test). */
export function adjust(args: pulumi.ResourceTransformationArgs, a: ProgramAdjustments): pulumi.ResourceTransformationResult | undefined {
  const [pkg, rest] = [args.type.split(":")[0], args.type.slice(args.type.indexOf(":") + 1)];
  if (pkg === "random" && a.randomVersion) return { props: args.props, opts: { ...args.opts, version: a.randomVersion } };
  if (pkg !== "kubernetes") return undefined;
  let props = args.props;
  if (a.skipAwait && SKIP_AWAIT_KINDS.includes(rest)) {
    const meta = props.metadata;
    if (meta === undefined || (typeof meta === "object" && !pulumi.Output.isInstance(meta))) {
      const ann = meta?.annotations;
      const skip = { "pulumi.com/skipAwait": "true" };
      const annotations = pulumi.Output.isInstance(ann) ? (ann as pulumi.Output<Record<string, string>>).apply((x) => ({ ...x, ...skip })) : { ...(ann ?? {}), ...skip };
      props = { ...props, metadata: { ...(meta ?? {}), annotations } };
    } else {
      throw new Error(`${args.name}: metadata is an Output; the driver cannot annotate it with pulumi.com/skipAwait`);
    }
  }
  return { props, opts: { ...args.opts, version: a.kubernetesVersion } };
}

/** The inline program: registers the adjustments, then runs index.ts and returns its exports. */
export function inlineProgram(a: ProgramAdjustments): () => Promise<Record<string, unknown>> {
  return async () => {
    pulumi.runtime.registerStackTransformation((args) => adjust(args, a));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(PROJECT_ROOT, "index")) as Record<string, unknown>;
    return { ...mod };
  };
}
