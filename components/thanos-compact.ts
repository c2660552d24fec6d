/**
 * Thanos Compactor (long-term storage only): compacts the sidecars' 2-hour blocks, merges the
 * two replicas' copies, downsamples to 5m and 1h, and deletes by retention per resolution.
 * The only component that deletes from the bucket, so exactly one replica ever runs (upstream:
 * "must be deployed as a singleton against a bucket"); a StatefulSet of 1 with a scratch volume.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, PORTS, THANOS } from "../config/conventions";
import type { Workload } from "../platform/workload";
import { THANOS_POD_LISTEN, thanosCompactArgs } from "../render/thanos";
import { componentType, type WorkloadComponentArgs } from "./common";

/** The Compactor workload description (exported for tests). */
export function thanosCompactWorkload(a: WorkloadComponentArgs): Workload {
  const cfg = a.config;
  return {
    name: THANOS.compact,
    kind: "stateful",
    replicas: 1,
    image: cfg.images.thanos,
    args: thanosCompactArgs(cfg, a.topology, { dataDir: CONTAINER_PATHS.thanosCompactDataDir, listen: THANOS_POD_LISTEN }),
    ports: [{ name: "http", port: PORTS.thanosHttp }],
    fileRoot: CONTAINER_PATHS.thanosConfigDir,
    files: a.files ?? [],
    secretFiles: a.secretFiles,
    volume: { mountPath: CONTAINER_PATHS.thanosCompactDataDir, sizeGiB: cfg.storage.thanosCompactGiB },
    health: { path: "/-/healthy", readyPath: "/-/ready", port: PORTS.thanosHttp, initialDelaySeconds: 10 },
    resources: cfg.resources.thanosCompact,
    runAsUser: 65534,
    // Nothing calls it but Prometheus' scrape (its bucket UI is reachable with kubectl port-forward).
    allowFrom: ["prometheus"],
  };
}

export class ThanosCompact extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("ThanosCompact"), name, {}, opts);
    args.platform.deploy(thanosCompactWorkload(args), this);
    this.registerOutputs({});
  }
}
