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

/** A duration in milliseconds as Prometheus/Alertmanager write it ("7s500ms", "37s500ms", "1m"). */
export function promDuration(ms: number): string {
  const units: Array<[number, string]> = [[3_600_000, "h"], [60_000, "m"], [1000, "s"], [1, "ms"]];
  let rest = Math.round(ms);
  let out = "";
  for (const [size, unit] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out || "0s";
}

/** The Pulumi secrets the program reads (by config key). */
export const SECRET_KEYS = {
  pagerdutyRoutingKey: "pagerdutyRoutingKey",
  slackWebhookUrl: "slackWebhookUrl",
  tlsCertificate: "tlsCertificate",
  tlsPrivateKey: "tlsPrivateKey",
  /** The dead man's switch: the heartbeat service's ping URL (it holds the service's token). */
  heartbeatUrl: "heartbeatUrl",
} as const;

/**
 * Every config key that holds a secret: the fixed ones, the remote-write passwords and bearer
 * tokens named in `raw`, and the object storage config of long-term storage.
 */
export function secretKeyNames(raw: Record<string, unknown>): string[] {
  const named = remoteWriteSecretKeys(raw.remoteWrite).filter((k) => k !== "");
  const objstore = obj(obj(raw.thanos).longTermStorage).objstoreConfigSecret;
  return [...new Set([...Object.values(SECRET_KEYS), ...named, typeof objstore === "string" && objstore !== "" ? objstore : DEFAULT_OBJSTORE_SECRET])];
}

/** The default name of the Pulumi secret holding Thanos' object storage config (config/schema.ts). */
export const DEFAULT_OBJSTORE_SECRET = "thanosObjstoreConfig";

/** True when the user set this dotted key (e.g. "alerts.cpu.critical.threshold") in raw config. */
function userSet(raw: unknown, key: string): boolean {
  let cur: unknown = raw;
  for (const part of key.split(".")) {
    if (!cur || typeof cur !== "object" || !(part in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur !== undefined;
}

/**
 * Of two keys that must agree, the one to name in the problem: the one the user set (a
 * default they never touched is not what they must edit), `primary` when both or neither.
 */
function blame(raw: unknown, primary: string, other: string): string {
  return !userSet(raw, primary) && userSet(raw, other) ? other : primary;
}

const valueOf = (c: unknown, key: string): unknown => key.split(".").reduce<unknown>((o, k) => obj(o)[k], c);

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

/**
 * Returns every cross-field problem; `c` (defaults applied) may be partially invalid. `raw` is
 * what the user wrote, used to name the key they set when two keys disagree.
 */
export function crossFieldProblems(c: Partial, secrets: SecretPresence, raw: unknown = c): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const platform = c.platform;
  /** `low` must stay below (or with `orEqual`, at most) `high`; names the key the user set. */
  const ordered = (low: string, high: string, lowNum: number, highNum: number, orEqual: boolean, what: (v: unknown) => string) => {
    if (Number.isNaN(lowNum) || Number.isNaN(highNum) || (orEqual ? lowNum <= highNum : lowNum < highNum)) return;
    const key = blame(raw, low, high);
    const isLow = key === low;
    const other = isLow ? high : low;
    const rel = isLow ? (orEqual ? "at most" : "below") : orEqual ? "at least" : "above";
    out.push({ key, value: valueOf(c, key), allowed: `${rel} ${other} (${what(valueOf(c, other))})` });
  };

  const fleetServices = obj(obj(c.fleetResources).services);
  const serviceNames = new Set(arr(c.services).map((s) => obj(s).name));
  for (const name of Object.keys(fleetServices)) {
    if (!serviceNames.has(name)) out.push({ key: "fleetResources.services", value: name, allowed: `keys naming configured services (${[...serviceNames].join(", ")})` });
  }

  ordered("scrape.timeout", "scrape.interval", durationSeconds(valueOf(c, "scrape.timeout")), durationSeconds(valueOf(c, "scrape.interval")), true, String);
  ordered("alerts.cpu.warning.threshold", "alerts.cpu.critical.threshold", num(valueOf(c, "alerts.cpu.warning.threshold")), num(valueOf(c, "alerts.cpu.critical.threshold")), false, (v) => String(num(v)));
  ordered("alerts.memoryPredictive.minPercent", "alerts.memory.threshold", num(valueOf(c, "alerts.memoryPredictive.minPercent")), num(valueOf(c, "alerts.memory.threshold")), false, (v) => String(num(v)));

  // Burn-rate tiers: a short window shorter than the long one, one tier per long window (the
  // alert's long_window label tells the tiers apart).
  const longs = new Set<string>();
  arr(obj(obj(c.alerts).burnRate).tiers)
    .map(obj)
    .forEach((t, i) => {
      const key = `alerts.burnRate.tiers[${i}]`;
      if (durationSeconds(t.short) >= durationSeconds(t.long)) out.push({ key: `${key}.short`, value: t.short, allowed: `a window shorter than the tier's long window (${String(t.long)})` });
      if (typeof t.long === "string") {
        if (longs.has(t.long)) out.push({ key: `${key}.long`, value: t.long, allowed: "a long window no other tier uses (it names the tier in the alert's long_window label)" });
        longs.add(t.long);
      }
    });

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
  let longest: { seconds: number; text: unknown; index: number; userSet: boolean } = { seconds: 0, text: undefined, index: -1, userSet: false };
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
      else if (w > longest.seconds) longest = { seconds: w, text: s.window ?? "30d", index: i, userSet: s.window !== undefined };
    });
  if (durationSeconds(obj(c.retention).time) < longest.seconds) {
    if (userSet(raw, "retention.time") || longest.index < 0 || !longest.userSet) {
      out.push({ key: "retention.time", value: obj(c.retention).time, allowed: `at least the longest SLO window (${String(longest.text)}), or the error budget cannot be computed` });
    } else {
      out.push({ key: `slos[${longest.index}].window`, value: longest.text, allowed: `at most retention.time (${String(obj(c.retention).time)}): Prometheus must keep the whole window to compute the error budget` });
    }
  }

  // Docker runs on one host: no HA there.
  const replicas = obj(c.replicas);
  if (platform === "docker") {
    for (const k of ["prometheus", "alertmanager"]) {
      if (replicas[k] !== undefined && num(replicas[k]) !== 1) out.push({ key: `replicas.${k}`, value: replicas[k], allowed: "1 on platform docker (HA needs kubernetes)" });
    }
  }

  // Several Alertmanagers: no flush on an evaluation (render/alertmanager.ts groupWaits), or a
  // resolve that reaches one replica just after its flush and another just before pages again.
  if (num(replicas.alertmanager) > 1) {
    const evalKey = "scrape.evaluationInterval";
    const evalMs = Math.round(durationSeconds(valueOf(c, evalKey)) * 1000);
    const am = obj(c.alertmanager);
    const why = `with replicas.alertmanager above 1 a flush on a rule evaluation (${String(valueOf(c, evalKey))}) can page again after the resolve`;
    // What the evaluation interval must fit, when it is the key the user set (one problem for it).
    const evalMustFit: string[] = [];
    const check = (field: string, ok: (ms: number) => boolean, allowed: string, evalAllowed: string) => {
      const ms = Math.round(durationSeconds(am[field]) * 1000);
      if (!(evalMs > 0) || Number.isNaN(ms) || ok(ms)) return;
      if (blame(raw, `alertmanager.${field}`, evalKey) === evalKey) evalMustFit.push(evalAllowed);
      else out.push({ key: `alertmanager.${field}`, value: am[field], allowed: `${allowed} (${why})` });
    };
    const odd = [1, 3, 5].map((k) => promDuration((k * evalMs) / 2)).join(", ");
    for (const field of ["criticalGroupWait", "warningGroupWait"]) {
      if (am[field] === undefined) continue; // derived: half way by construction
      check(field, (ms) => ms % evalMs === evalMs / 2, `unset, or an odd multiple of half scrape.evaluationInterval: ${odd}, ...`, `whose half goes an odd number of times into alertmanager.${field} (${String(am[field])})`);
    }
    for (const field of ["groupInterval", "criticalGroupInterval"]) {
      check(field, (ms) => ms % evalMs === 0, `a multiple of scrape.evaluationInterval (${String(valueOf(c, evalKey))}) such as ${promDuration(4 * evalMs)} or ${promDuration(20 * evalMs)}`, `that divides alertmanager.${field} (${String(am[field])})`);
    }
    if (evalMustFit.length) out.push({ key: evalKey, value: valueOf(c, evalKey), allowed: `an interval ${evalMustFit.join(" and ")} (${why})` });
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
    if (blame(raw, "storage.prometheusGiB", "retention.sizeGB") === "storage.prometheusGiB") {
      out.push({ key: "storage.prometheusGiB", value: storage.prometheusGiB, allowed: `at least ${needGiB} (retention.sizeGB ${sizeGB} plus 20% headroom for WAL and compaction)` });
    } else {
      const maxGB = Math.floor((volGiB * 2 ** 30) / 1.2 / 1e9);
      out.push({ key: "retention.sizeGB", value: obj(c.retention).sizeGB, allowed: `at most ${maxGB} with storage.prometheusGiB ${volGiB} (20% headroom for WAL and compaction), or raise storage.prometheusGiB to at least ${needGiB}` });
    }
  }

  // Node agents need a namespace of their own (Pod Security "privileged"); the derived name must fit.
  if (platform === "kubernetes" && typeof c.namespace === "string") {
    const agents = typeof c.nodeAgentsNamespace === "string" ? c.nodeAgentsNamespace : `${c.namespace}-node-agents`;
    if (agents === c.namespace) {
      out.push({ key: "nodeAgentsNamespace", value: c.nodeAgentsNamespace, allowed: `a namespace other than namespace (${c.namespace}): it admits privileged pods, the main one only "restricted" ones` });
    } else if (agents.length > 63) {
      out.push({ key: "nodeAgentsNamespace", value: c.nodeAgentsNamespace ?? `${agents} (derived from namespace)`, allowed: "a namespace name of at most 63 characters; set nodeAgentsNamespace explicitly" });
    }
  }

  const fd = obj(c.frontDoor);
  if (fd.hostHttpsPort !== undefined && num(fd.hostHttpsPort) === num(fd.hostHttpPort)) {
    const key = blame(raw, "frontDoor.hostHttpPort", "frontDoor.hostHttpsPort");
    const other = key === "frontDoor.hostHttpPort" ? "frontDoor.hostHttpsPort" : "frontDoor.hostHttpPort";
    out.push({ key, value: valueOf(c, key), allowed: `a port different from ${other}` });
  }

  // remote_write: unique names (they name the password files), one way of authenticating.
  const rwNames = new Set<string>();
  arr(c.remoteWrite)
    .map(obj)
    .forEach((rw, i) => {
      if (typeof rw.name === "string") {
        if (rwNames.has(rw.name)) out.push({ key: `remoteWrite[${i}].name`, value: rw.name, allowed: "a name not used by another remoteWrite target" });
        rwNames.add(rw.name);
      }
      if (rw.basicAuth !== undefined && rw.bearerToken !== undefined) {
        out.push({ key: `remoteWrite[${i}]`, value: "basicAuth and bearerToken", allowed: "at most one of basicAuth or bearerToken (Prometheus sends one Authorization header)" });
      }
    });

  // Thanos long-term storage: kubernetes only; retention the Compactor accepts.
  const lts = obj(obj(c.thanos).longTermStorage);
  const ltsOn = lts.enabled === true || lts.enabled === "true";
  if (ltsOn && platform !== "kubernetes") {
    out.push({ key: "thanos.longTermStorage.enabled", value: lts.enabled, allowed: "false on platform docker (the global view and object storage run on kubernetes)" });
  }
  if (ltsOn) out.push(...ltsRetentionProblems(obj(lts.retention), lts.downsampling !== false && lts.downsampling !== "false"));

  if (secrets.required) {
    const need: string[] = [];
    const heartbeat = obj(obj(c.alertmanager).heartbeat).enabled !== false;
    if (platform === "kubernetes") need.push(...Object.values(SECRET_KEYS).filter((k) => heartbeat || k !== SECRET_KEYS.heartbeatUrl));
    need.push(...remoteWriteSecretKeys(c.remoteWrite));
    // On docker, long-term storage is itself the problem to fix (above); no secret to ask for.
    if (ltsOn && platform === "kubernetes") need.push(typeof lts.objstoreConfigSecret === "string" ? lts.objstoreConfigSecret : DEFAULT_OBJSTORE_SECRET);
    for (const key of need) {
      if (!secrets.present.has(key)) {
        const hint = key === SECRET_KEYS.heartbeatUrl ? " (or alertmanager.heartbeat.enabled: false to deploy without a dead man's switch)" : "";
        out.push({ key, value: undefined, allowed: `a Pulumi secret (pulumi config set --secret ${key} ...); required on platform ${String(platform)}${hint}` });
      }
    }
  }
  return out;
}

/** Names of the Pulumi secrets remote_write targets read (passwords and bearer tokens). */
export function remoteWriteSecretKeys(remoteWrite: unknown): string[] {
  return arr(remoteWrite)
    .map(obj)
    .flatMap((rw) => [obj(rw.basicAuth).passwordSecret, obj(rw.bearerToken).tokenSecret])
    .filter((k): k is string => typeof k === "string");
}

/**
 * The Compactor refuses to start when a resolution's retention is shorter than the block age
 * at which the next resolution is made (raw < 40 h, 5m < 10 d, with downsampling on): data
 * would be deleted before it could be downsampled. Checked here so `pulumi preview` says so
 * instead of a crash-looping pod. "0d" keeps a resolution forever. A coarser resolution kept
 * shorter than a finer one is refused too: it would cost storage and never be read.
 */
function ltsRetentionProblems(r: Record<string, unknown>, downsampling: boolean): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const key = (k: string) => `thanos.longTermStorage.retention.${k}`;
  const raw = durationSeconds(r.raw ?? "90d");
  const five = durationSeconds(r.fiveMinutes ?? "1y");
  const hour = durationSeconds(r.oneHour ?? "2y");
  if (downsampling && raw > 0 && raw < 40 * 3600) out.push({ key: key("raw"), value: r.raw, allowed: "0d (forever) or at least 40h: 5-minute downsampling starts on blocks 40 hours old (or turn downsampling off)" });
  if (downsampling && five > 0 && five < 10 * 86400) out.push({ key: key("fiveMinutes"), value: r.fiveMinutes, allowed: "0d (forever) or at least 10d: 1-hour downsampling starts on blocks 10 days old (or turn downsampling off)" });
  const forever = (s: number) => (s === 0 ? Infinity : s);
  if (downsampling && forever(five) < forever(raw)) out.push({ key: key("fiveMinutes"), value: r.fiveMinutes, allowed: `at least retention.raw (${String(r.raw ?? "90d")}); 5-minute data is what remains once raw data is deleted` });
  if (downsampling && forever(hour) < forever(five)) out.push({ key: key("oneHour"), value: r.oneHour, allowed: `at least retention.fiveMinutes (${String(r.fiveMinutes ?? "1y")})` });
  return out;
}
