/**
 * Picks the adapter the stack config asks for.
 */
import type { StackConfig } from "../config/schema";
import { DockerPlatform } from "./docker";
import { KubernetesPlatform } from "./kubernetes";
import type { Platform } from "./workload";

export function createPlatform(cfg: StackConfig): Platform {
  return cfg.platform === "kubernetes" ? new KubernetesPlatform(cfg) : new DockerPlatform(cfg);
}

export type { Platform, Workload } from "./workload";
