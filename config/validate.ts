/**
 * Cross-field rules the schema cannot express. They run on the configuration with
 * defaults applied, and also (best effort) when the schema already failed, so that
 * one `pulumi preview` reports every problem at once.
 */
import type { ConfigProblem } from "./errors";
import type { StackConfig } from "./schema";

/** Seconds in a Prometheus duration string (1h30m -> 5400); NaN if malformed. */
export function durationSeconds(d: unknown): number {
  if (typeof d !== "string" || d === "") return NaN;
  const units: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let rest = d;
  const re = /^(\d+)(ms|y|w|d|h|m|s)/;
  while (rest.length) {
    const m = re.exec(rest);
    if (!m) return NaN;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** The Pulumi secrets the program reads (by config key). */
export const SECRET_KEYS = {
  pagerdutyRoutingKey: "pagerdutyRoutingKey",
  slackWebhookUrl: "slackWebhookUrl",
  tlsCertificate: "tlsCertificate",
  tlsPrivateKey: "tlsPrivateKey",
} as const;

/** What validation needs to know about secrets without seeing their values. */
export interface SecretPresence {
  /** Config keys that hold a (secret) value. */
  present: ReadonlySet<string>;
  /** True when deploying (pulumi up/preview); false for `npm run render`, which prints placeholders. */
  required: boolean;
}

type Partial = { [K in keyof StackConfig]?: unknown } & Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Returns every cross-field problem; `c` may be partially invalid. */
export function crossFieldProblems(c: Partial, secrets: SecretPresence): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const platform = c.platform;
  const scrape = obj(c.scrape);
  const alerts = obj(c.alerts);

  if (durationSeconds(scrape.timeout) > durationSeconds(scrape.interval)) {
    out.push({ key: "scrape.timeout", value: scrape.timeout, allowed: `at most scrape.interval (${String(scrape.interval)})` });
  }

  const cpu = obj(alerts.cpu);
  const warn = num(obj(cpu.warning).threshold);
  const crit = num(obj(cpu.critical).threshold);
  if (warn >= crit) {
    out.push({ key: "alerts.cpu.warning.threshold", value: obj(cpu.warning).threshold, allowed: `below alerts.cpu.critical.threshold (${crit})` });
  }
  const memPred = obj(alerts.memoryPredictive);
  const memThreshold = num(obj(alerts.memory).threshold);
  if (num(memPred.minPercent) >= memThreshold) {
    out.push({ key: "alerts.memoryPredictive.minPercent", value: memPred.minPercent, allowed: `below alerts.memory.threshold (${memThreshold})` });
  }

  // Services: unique names, exactly one way of being found.
  const services = arr(c.services).map(obj);
  const names = new Set<string>();
  services.forEach((s, i) => {
    if (typeof s.name === "string") {
      if (names.has(s.name)) out.push({ key: `services[${i}].name`, value: s.name, allowed: "a name not used by another service" });
      names.add(s.name);
    }
    const hasTargets = s.targets !== undefined;
    const hasK8s = s.kubernetes !== undefined;
    if (hasTargets === hasK8s) {
      out.push({ key: `services[${i}]`, value: { targets: s.targets, kubernetes: s.kubernetes }, allowed: "exactly one of `targets` (static host:port list) or `kubernetes` (endpoint discovery)" });
    }
    if (hasK8s && platform !== "kubernetes") {
      out.push({ key: `services[${i}].kubernetes`, value: s.kubernetes, allowed: "only on platform kubernetes; use `targets` on docker" });
    }
  });

  // SLOs: known services, unique names, window covered by retention.
  const sloNames = new Set<string>();
  let longest: { seconds: number; text: unknown } = { seconds: 0, text: undefined };
  arr(c.slos)
    .map(obj)
    .forEach((s, i) => {
      if (typeof s.service === "string" && !names.has(s.service)) {
        out.push({ key: `slos[${i}].service`, value: s.service, allowed: `one of the configured services (${[...names].join(", ")})` });
      }
      if (typeof s.name === "string") {
        if (sloNames.has(s.name)) out.push({ key: `slos[${i}].name`, value: s.name, allowed: "a name not used by another SLO" });
        sloNames.add(s.name);
      }
      const w = durationSeconds(s.window ?? "30d");
      if (w < 86400 || w > 90 * 86400) out.push({ key: `slos[${i}].window`, value: s.window, allowed: "between 1d and 90d" });
      else if (w > longest.seconds) longest = { seconds: w, text: s.window ?? "30d" };
    });
  if (durationSeconds(obj(c.retention).time) < longest.seconds) {
    out.push({ key: "retention.time", value: obj(c.retention).time, allowed: `at least the longest SLO window (${String(longest.text)}), or the error budget cannot be computed` });
  }

  // Docker runs on one host: no HA there.
  const replicas = obj(c.replicas);
  if (platform === "docker") {
    for (const k of ["prometheus", "alertmanager"]) {
      if (replicas[k] !== undefined && num(replicas[k]) !== 1) out.push({ key: `replicas.${k}`, value: replicas[k], allowed: "1 on platform docker (HA needs kubernetes)" });
    }
  }

  const frontDoorReplicas = obj(c.frontDoor).replicas;
  if (platform === "docker" && frontDoorReplicas !== undefined && num(frontDoorReplicas) !== 1) {
    out.push({ key: "frontDoor.replicas", value: frontDoorReplicas, allowed: "1 on platform docker (one host port)" });
  }
  if (c.demoFleet === true && platform === "kubernetes") {
    out.push({ key: "demoFleet", value: c.demoFleet, allowed: "false on platform kubernetes (the real services run there); true only on docker" });
  }

  // Volume must hold the size-based retention plus WAL/compaction headroom (20%).
  const storage = obj(c.storage);
  const sizeGB = num(obj(c.retention).sizeGB);
  const volGiB = num(storage.prometheusGiB);
  const needGiB = Math.ceil((sizeGB * 1e9 * 1.2) / 2 ** 30);
  if (volGiB < needGiB) {
    out.push({ key: "storage.prometheusGiB", value: storage.prometheusGiB, allowed: `at least ${needGiB} (retention.sizeGB ${sizeGB} plus 20% headroom for WAL and compaction)` });
  }

  const fd = obj(c.frontDoor);
  if (fd.hostHttpsPort !== undefined && num(fd.hostHttpsPort) === num(fd.hostHttpPort)) {
    out.push({ key: "frontDoor.hostHttpPort", value: fd.hostHttpPort, allowed: "a port different from frontDoor.hostHttpsPort" });
  }

  if (secrets.required) {
    const need: string[] = [];
    if (platform === "kubernetes") need.push(...Object.values(SECRET_KEYS));
    arr(c.remoteWrite)
      .map(obj)
      .forEach((rw) => {
        const ba = obj(rw.basicAuth);
        if (typeof ba.passwordSecret === "string") need.push(ba.passwordSecret);
      });
    for (const key of need) {
      if (!secrets.present.has(key)) {
        out.push({ key, value: undefined, allowed: `a Pulumi secret (pulumi config set --secret ${key} ...); required on platform ${String(platform)}` });
      }
    }
  }
  return out;
}
