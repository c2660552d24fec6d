/**
 * Thanos Store Gateway (long-term storage only): serves the blocks in object storage to Thanos
 * Query over the StoreAPI, keeping index headers and caches on its volume. A StatefulSet so
 * Query resolves each replica through the headless Service's SRV record.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS, THANOS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { THANOS_POD_LISTEN, thanosStoreArgs } from "../render/thanos";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Store Gateway workload description (exported for tests). */
export function thanosStoreWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: THANOS.store,
    kind: "stateful",
    replicas: cfg.thanos.longTermStorage.storeReplicas,
    image: cfg.images.thanos,
    args: thanosStoreArgs(a.topology, { dataDir: CONTAINER_PATHS.thanosStoreDataDir, listen: THANOS_POD_LISTEN }),
    ports: [
      { name: "http", port: PORTS.thanosHttp },
      { name: "grpc", port: PORTS.thanosGrpc },
    ],
    fileRoot: CONTAINER_PATHS.thanosConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    volume: { mountPath: CONTAINER_PATHS.thanosStoreDataDir, sizeGiB: cfg.storage.thanosStoreGiB },
    // Ready once it has synced the bucket's block list; that can take a while on a big bucket.
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.thanosHttp, initialDelaySeconds: 10 },
    resources: cfg.resources.thanosStore,
    runAsUser: 65534,
    allowFrom: [THANOS.query, "prometheus"],
  };
}

export class ThanosStore extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("ThanosStore"), name, {}, opts);
    args.platform.deploy(thanosStoreWorkload(args), this);
    this.registerOutputs({});
  }
}
