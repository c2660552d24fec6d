/**
 * The Thanos components of the global view, as command lines. Pure: config and topology in,
 * flags out; the Kubernetes components and the local HA stack call the same functions.
 *
 *   Prometheus ×N ── sidecar (StoreAPI over its TSDB; uploads 2h blocks when long-term storage is on)
 *                        │ gRPC
 *   Grafana ──HTTP──▶ Thanos Query ──▶ every sidecar [+ Store Gateway ◀── bucket ◀── Compactor]
 *                    (merges; drops the `replica` label and keeps one series per set of
 *                     remaining labels: the two replicas' copies of a series become one)
 *
 * Why deduplicate instead of pinning Grafana to one replica: a pinned replica that restarts
 * leaves a hole in every panel; Thanos' penalty algorithm reads one replica and switches to the
 * other only across a gap, so a panel survives the loss of either replica without a jump.
 */
import * as yaml from "js-yaml";
import { LABELS, PORTS, SECRET_FILES, SUBDIRS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { filePath, type Topology } from "./topology";

/** Where a Thanos process listens (0.0.0.0 in pods, 127.0.0.1 on the local stack). */
export interface ThanosListen {
  grpc: string;
  http: string;
}

const listenFlags = (l: ThanosListen) => [`--grpc-address=${l.grpc}`, `--http-address=${l.http}`];

/** Path of the object storage config a sidecar reads (beside Prometheus' other secrets). */
export function sidecarObjstoreFile(topo: Topology): string {
  return filePath(topo, "prometheus", `${SUBDIRS.secrets}/${SECRET_FILES.thanosObjstore}`);
}

/** Path of the object storage config the Store Gateway and Compactor read. */
export function thanosObjstoreFile(topo: Topology): string {
  return filePath(topo, "thanos", `${SUBDIRS.secrets}/${SECRET_FILES.thanosObjstore}`);
}

/** True when the sidecars upload blocks and the Store Gateway and Compactor run. */
export function longTermStorageOn(cfg: StackConfig): boolean {
  return cfg.thanos.longTermStorage.enabled;
}

/**
 * The sidecar beside one Prometheus: serves its TSDB (and its rules and alerts) over the
 * StoreAPI, and with long-term storage uploads every finished 2-hour block.
 */
export function thanosSidecarArgs(cfg: StackConfig, topo: Topology, p: { tsdbPath: string; prometheusUrl: string; listen: ThanosListen }): string[] {
  return [
    "sidecar",
    `--tsdb.path=${p.tsdbPath}`,
    `--prometheus.url=${p.prometheusUrl}`,
    ...listenFlags(p.listen),
    // Prometheus replays its WAL after a restart before it is ready; wait rather than crash-loop.
    "--prometheus.ready_timeout=10m",
    "--log.level=info",
    ...(longTermStorageOn(cfg) ? [`--objstore.config-file=${sidecarObjstoreFile(topo)}`] : []),
  ];
}

/** Thanos Query: the one deduplicated view Grafana reads. */
export function thanosQueryArgs(cfg: StackConfig, p: { endpoints: string[]; listen: ThanosListen }): string[] {
  return [
    "query",
    ...listenFlags(p.listen),
    // The label that tells the replicas apart; the rest of the labels identify a series.
    `--query.replica-label=${LABELS.replica}`,
    // The StoreAPI endpoints (`--endpoint` is deprecated in 0.42): inline, so there is no extra file to mount.
    `--endpoint.sd-config=${JSON.stringify({ endpoints: p.endpoints.map((address) => ({ address })) })}`,
    // A replica being down must not fail every query: answer from what is up (and say so in warnings).
    "--query.partial-response",
    // Grafana's range queries over months read 5m/1h downsampled blocks when they exist.
    ...(longTermStorageOn(cfg) ? ["--query.auto-downsampling"] : []),
    "--query.timeout=2m",
    "--log.level=info",
  ];
}

/** Store Gateway: serves the bucket's blocks over the StoreAPI (long-term storage). */
export function thanosStoreArgs(topo: Topology, p: { dataDir: string; listen: ThanosListen }): string[] {
  return [
    "store",
    `--data-dir=${p.dataDir}`,
    `--objstore.config-file=${thanosObjstoreFile(topo)}`,
    ...listenFlags(p.listen),
    "--index-cache-size=250MB",
    "--log.level=info",
  ];
}

/**
 * Compactor: the only writer that deletes. A singleton per bucket; compacts the sidecars'
 * 2-hour blocks, merges the replicas' copies (penalty deduplication on `replica`, the same
 * algorithm Query uses, so storage holds one copy), downsamples, and applies retention per
 * resolution.
 */
export function thanosCompactArgs(cfg: StackConfig, topo: Topology, p: { dataDir: string; listen: ThanosListen }): string[] {
  const lts = cfg.thanos.longTermStorage;
  return [
    "compact",
    "--wait",
    "--wait-interval=5m",
    `--data-dir=${p.dataDir}`,
    `--objstore.config-file=${thanosObjstoreFile(topo)}`,
    `--http-address=${p.listen.http}`,
    `--retention.resolution-raw=${lts.retention.raw}`,
    `--retention.resolution-5m=${lts.retention.fiveMinutes}`,
    `--retention.resolution-1h=${lts.retention.oneHour}`,
    ...(lts.downsampling ? [] : ["--downsampling.disable"]),
    `--deduplication.replica-label=${LABELS.replica}`,
    "--deduplication.func=penalty",
    // Blocks marked for deletion stay 48 h so a Store Gateway still serving them is not surprised.
    "--delete-delay=48h",
    "--compact.concurrency=1",
    "--log.level=info",
  ];
}

/**
 * Prometheus flags the sidecar needs for uploads: local compaction off (2h min = max block
 * duration), or the sidecar would ship overlapping blocks.
 */
export function prometheusUploadFlags(cfg: StackConfig): string[] {
  return longTermStorageOn(cfg) ? ["--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"] : [];
}

/** Object storage providers Thanos' objstore library accepts (`type:` of the config). */
export const OBJSTORE_TYPES = ["S3", "GCS", "AZURE", "SWIFT", "COS", "ALIYUNOSS", "BOS", "OCI", "OBS", "FILESYSTEM"] as const;

/**
 * Problems of an object storage config (empty = fine). Run on the secret's value at deploy
 * time, so a typo fails `pulumi up` with the key to fix instead of crash-looping three pods.
 * Never includes the value itself in a message: it holds credentials.
 */
export function objstoreConfigProblems(text: string, secretName: string): string[] {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    return [`Pulumi secret ${secretName}: not valid YAML (${(e as Error).message.split("\n")[0]})`];
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return [`Pulumi secret ${secretName}: expected a YAML mapping with \`type:\` and \`config:\` (Thanos objstore format)`];
  const d = doc as Record<string, unknown>;
  const out: string[] = [];
  if (typeof d.type !== "string" || !(OBJSTORE_TYPES as readonly string[]).includes(d.type.toUpperCase())) {
    out.push(`Pulumi secret ${secretName}: \`type\` must be one of ${OBJSTORE_TYPES.join(", ")}`);
  } else if (d.type.toUpperCase() === "FILESYSTEM") {
    out.push(`Pulumi secret ${secretName}: type FILESYSTEM keeps blocks on one pod's disk, which the sidecars, Store Gateway and Compactor do not share; use an object store (S3, GCS, AZURE, ...)`);
  }
  if (!d.config || typeof d.config !== "object" || Array.isArray(d.config)) out.push(`Pulumi secret ${secretName}: \`config\` must be a mapping (bucket, endpoint, credentials)`);
  return out;
}

/** The Grafana datasource type Thanos Query is read as (its API is Prometheus'). */
export const THANOS_DATASOURCE_TYPE = "Thanos";

/** Ports every Thanos component listens on in a pod. */
export const THANOS_POD_LISTEN: ThanosListen = { grpc: `0.0.0.0:${PORTS.thanosGrpc}`, http: `0.0.0.0:${PORTS.thanosHttp}` };

/** The StoreAPI addresses a Thanos Query command line names (the inverse of thanosQueryArgs, for tests and status). */
export function queryEndpoints(args: string[]): string[] {
  const flag = args.find((a) => a.startsWith("--endpoint.sd-config="));
  if (!flag) return [];
  return (JSON.parse(flag.slice("--endpoint.sd-config=".length)) as { endpoints: Array<{ address: string }> }).endpoints.map((e) => e.address);
}
