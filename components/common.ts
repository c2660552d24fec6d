/**
 * What every workload component receives: the validated config, where things are,
 * the platform that materialises it, and its rendered files.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import type { Platform } from "../platform/workload";
import type { RenderedFile } from "../render/stack";
import type { Topology } from "../render/topology";

/** Arguments shared by the six workload components. */
export interface WorkloadComponentArgs {
  config: StackConfig;
  topology: Topology;
  platform: Platform;
  /** This component's non-secret files (render/stack.ts renderConfigFiles, filtered by owner). */
  files?: RenderedFile[];
  /** This component's secret files, as a secret Output. */
  secretFiles?: pulumi.Output<RenderedFile[]>;
}

/** Pulumi type token of a component, e.g. monitoring-stack:index:Prometheus. */
export const componentType = (name: string) => `monitoring-stack:index:${name}`;
