/**
 * A realistic week of the fleet as scrapes, for the backtest (rules/backtest/run.ts) and for
 * anything else that needs days of plausible history (rule-evaluation benchmarks at 12 or 120
 * services: pass a scaled config, more days, another seed).
 *
 * What is in it, per service (the stack config's services with their demo-fleet profiles):
 * - traffic with a daily shape (trough 35% at 03:00, peak at 15:00) and weekends at 60%,
 *   Poisson noise per scrape;
 * - for a service with SLOs, background errors and slow requests at 10-50% of each SLO's budget
 *   (drawn per service from the seed), binomial per scrape; other services their fleet profile;
 * - deploys on weekdays between 09:00 and 18:00 (0-2 a day): one missed scrape, counters and
 *   memory reset, a blip of 0.3-2 seconds' worth of failed requests and slow cold starts;
 * - one- to two-minute latency spikes (2-10% of requests slow), about three a week per service;
 * - container memory as a GC sawtooth (30-55% of the limit, 3-10% teeth, 1.5-10 min period);
 * - three hosts at 15-40% CPU following traffic, host 0 at 70-80% during a nightly batch
 *   (01:30-03:00), memory 50-70%, disks growing 1-2% a day and trimmed at 00:30 (log rotation);
 * - Prometheus' and Alertmanager's own health series, healthy.
 *
 * And on top, the incidents of the run (rules/backtest/incidents.ts).
 *
 * Series carry the labels the stack's scrape configs give them (render/prometheus.ts: job,
 * instance, service, team, tier; cAdvisor's relabelled service/pod; node-exporter's instance).
 * Before `fullFromS` only the SLO services' request and latency counters exist (the warm-up the
 * 1d and 3d windows need); everything else starts there.
 */
import type { StackConfig } from "../../config/schema";
import { HTTP_DURATION_BUCKETS, JOBS, METRICS, PORTS } from "../../config/conventions";
import { DOCKER_NETWORK, serviceAddress } from "../../platform/addresses";
import { dockerTopology } from "../../render/topology";
import { FLEET } from "../../services/fleet";
import { errorBudget } from "../slo-math";
import { fmtLabels, leText, lognormal, type Family, type Labels } from "../../dashboards/testing/model";
import { binomial, normal, poisson, uniform } from "./random";
import { hostInstance, type WeekIncident } from "./incidents";

/** What to generate. */
export interface WeekOptions {
  cfg: StackConfig;
  /** First scrape of the warm-up and of the full fleet, and the last scrape (epoch seconds, multiples of stepS). */
  warmupFromS: number;
  fullFromS: number;
  endS: number;
  stepS: number;
  seed: number;
  incidents: WeekIncident[];
  /** Hosts (node-exporter instances); default 3. */
  hosts?: number;
}

/** One simulated service: profile plus the per-service draws. */
export interface WeekService {
  name: string;
  team: string;
  tier: string;
  instance: string;
  language: "node" | "python";
  rps: number;
  errorStatus: string;
  /** Background share of 5xx and of requests over the latency SLO's threshold. */
  errorShare: number;
  slowShare: number;
  /** Latency of ordinary requests, and of slow ones (over the threshold). */
  bulk: { medianS: number; p99S: number };
  slow: { medianS: number; p99S: number };
  hasSlo: boolean;
  memLimit: number;
  cpuLimit: number;
}

const DAY = 86400;
const MIB = 2 ** 20;

/** The services of the config with their fleet profiles and seeded background rates. */
export function weekServices(cfg: StackConfig, seed: number): WeekService[] {
  return cfg.services.map((svc, i) => {
    const fleet = FLEET.find((f) => f.name === svc.name.replace(/-copy\d+$/, ""));
    if (!fleet) throw new Error(`backtest: service "${svc.name}" has no profile in services/fleet.ts`);
    const slos = cfg.slos.filter((s) => s.service === svc.name);
    const avail = slos.find((s) => s.indicator.type === "availability");
    const lat = slos.find((s) => s.indicator.type === "latency");
    const share = (slo: typeof avail, key: string) => (slo ? errorBudget(slo) * (0.1 + 0.4 * uniform(seed, `${svc.name}/${key}`, 0)) : 0);
    const threshold = lat && lat.indicator.type === "latency" ? lat.indicator.thresholdSeconds : null;
    const bulk = { medianS: fleet.profile.latency.medianMs / 1000, p99S: fleet.profile.latency.p99Ms / 1000 };
    return {
      name: svc.name,
      team: svc.team,
      tier: svc.tier,
      instance: svc.targets?.[0] ?? serviceAddress(DOCKER_NETWORK, svc.name, PORTS.service),
      language: fleet.language,
      rps: fleet.trafficRps,
      errorStatus: String(fleet.profile.errorStatus),
      errorShare: avail ? share(avail, "errors") : fleet.profile.errorRatio,
      slowShare: threshold ? share(lat, "slow") : 0,
      // With a latency SLO the bulk stays well under the threshold and the slow share is explicit.
      bulk: threshold ? { medianS: Math.min(bulk.medianS, threshold / 8), p99S: Math.min(bulk.p99S, threshold / 2) } : bulk,
      slow: threshold ? { medianS: 3 * threshold, p99S: 8 * threshold } : { medianS: 4 * bulk.p99S, p99S: 12 * bulk.p99S },
      hasSlo: slos.length > 0,
      memLimit: 256 * MIB * (1 + (i % 3)),
      cpuLimit: [0.5, 1, 2][i % 3],
    };
  });
}

/** Traffic multiplier at time t: daily shape and weekends (UTC). */
export function trafficShape(t: number): number {
  const hour = ((t % DAY) + DAY) % DAY / 3600;
  const daily = 0.35 + 0.65 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 3)) / 24));
  const weekday = new Date(t * 1000).getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.6 : 1);
}

/** Deploy times of a service (weekdays, 09:00-18:00, 0-2 a day), seeded. */
export function deploys(seed: number, service: string, fromS: number, endS: number): number[] {
  const out: number[] = [];
  for (let day = Math.floor(fromS / DAY); day * DAY <= endS; day++) {
    const wd = new Date(day * DAY * 1000).getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const n = Math.floor(uniform(seed, `${service}/deploys`, day) * 3);
    for (let j = 0; j < n; j++) {
      const t = day * DAY + 9 * 3600 + Math.floor(uniform(seed, `${service}/deploy${j}`, day) * 9 * 3600);
      if (t >= fromS && t <= endS) out.push(t);
    }
  }
  return out.sort((a, b) => a - b);
}

/** One- to two-minute latency spikes, about three a week, seeded. */
export function spikes(seed: number, service: string, fromS: number, endS: number): Array<{ fromS: number; toS: number; slowShare: number }> {
  const out: Array<{ fromS: number; toS: number; slowShare: number }> = [];
  for (let day = Math.floor(fromS / DAY); day * DAY <= endS; day++) {
    if (uniform(seed, `${service}/spike`, day) > 3 / 7) continue;
    const t = day * DAY + Math.floor(uniform(seed, `${service}/spikeAt`, day) * DAY);
    const len = 60 + Math.floor(uniform(seed, `${service}/spikeLen`, day) * 60);
    if (t >= fromS && t + len <= endS) out.push({ fromS: t, toS: t + len, slowShare: 0.02 + 0.08 * uniform(seed, `${service}/spikeShare`, day) });
  }
  return out;
}

/** Per-step state of one service: arrays indexed by step from warmupFromS. */
export interface ServiceSeries {
  up: Uint8Array;
  ok: Float64Array;
  errors: Float64Array;
  /** Cumulative histogram counts per bucket (HTTP_DURATION_BUCKETS then +Inf), and sum. */
  buckets: Float64Array[];
  sum: Float64Array;
  inflight: Float64Array;
  memRatio: Float64Array;
  cpuSeconds: Float64Array;
}

/** Simulates every service over the whole range (counters cumulative, reset at restarts). */
export function simulateServices(o: WeekOptions, services: WeekService[]): Map<string, ServiceSeries> {
  const steps = Math.floor((o.endS - o.warmupFromS) / o.stepS) + 1;
  const out = new Map<string, ServiceSeries>();
  for (const svc of services) {
    const s: ServiceSeries = {
      up: new Uint8Array(steps),
      ok: new Float64Array(steps),
      errors: new Float64Array(steps),
      buckets: [...HTTP_DURATION_BUCKETS, Infinity].map(() => new Float64Array(steps)),
      sum: new Float64Array(steps),
      inflight: new Float64Array(steps),
      memRatio: new Float64Array(steps),
      cpuSeconds: new Float64Array(steps),
    };
    const restarts = deploys(o.seed, svc.name, o.warmupFromS, o.endS);
    const sp = spikes(o.seed, svc.name, o.warmupFromS, o.endS);
    const inc = o.incidents.filter((i) => "service" in i && i.service === svc.name);
    // OOM kills at the end of memory incidents restart the container too.
    for (const i of inc) if (i.kind === "memory") restarts.push(i.toS);
    restarts.sort((a, b) => a - b);
    const bulk = lognormal(svc.bulk.medianS, svc.bulk.p99S);
    const slow = lognormal(svc.slow.medianS, svc.slow.p99S);
    const memBase = 0.3 + 0.25 * uniform(o.seed, `${svc.name}/memBase`, 0);
    const memTooth = 0.03 + 0.07 * uniform(o.seed, `${svc.name}/memTooth`, 0);
    const memPeriod = 90 + 510 * uniform(o.seed, `${svc.name}/memPeriod`, 0);
    let ok = 0, errors = 0, sum = 0, cpu = 0, lastRestart = -Infinity;
    const cum = s.buckets.map(() => 0);
    let r = 0;
    for (let k = 0; k < steps; k++) {
      const t = o.warmupFromS + k * o.stepS;
      const key = svc.name;
      // A restart: this scrape fails, counters and memory start again.
      let restarting = false;
      while (r < restarts.length && restarts[r] <= t) {
        if (t - restarts[r] < o.stepS) restarting = true;
        lastRestart = restarts[r];
        r++;
      }
      if (restarting) {
        ok = errors = sum = cpu = 0;
        cum.fill(0);
        s.up[k] = 0;
        continue;
      }
      s.up[k] = 1;
      const active = inc.filter((i) => t > i.fromS && t <= i.toS);
      const sinceRestart = t - lastRestart;
      const n = poisson(o.seed, `${key}/n`, k, svc.rps * trafficShape(t) * o.stepS);
      // Error share: background, a deploy blip (0.3-2 s of traffic failing over 30 s), incidents.
      let errShare = svc.errorShare;
      let slowShare = svc.slowShare;
      if (sinceRestart <= 30) {
        errShare += (0.3 + 1.7 * uniform(o.seed, `${key}/blip`, Math.floor(lastRestart))) / 30;
        slowShare += 0.2;
      }
      for (const x of sp) if (t > x.fromS && t <= x.toS) slowShare += x.slowShare;
      let shifted: ReturnType<typeof lognormal> | null = null;
      for (const i of active) {
        if (i.kind === "outage") errShare = 1;
        if (i.kind === "burn") {
          const slo = o.cfg.slos.find((x) => x.service === svc.name && x.indicator.type === i.indicator);
          if (!slo) throw new Error(`backtest: incident burns ${svc.name}'s ${i.indicator} SLO, which the config does not have`);
          if (i.indicator === "availability") errShare = i.multiple * errorBudget(slo);
          else slowShare = i.multiple * errorBudget(slo);
        }
        if (i.kind === "latency") shifted = lognormal(i.medianS, i.p99S);
      }
      const bad = binomial(o.seed, `${key}/err`, k, n, Math.min(1, errShare));
      const nSlow = shifted ? 0 : binomial(o.seed, `${key}/slow`, k, n, Math.min(1, slowShare));
      const nFast = n - nSlow;
      ok += n - bad;
      errors += bad;
      HTTP_DURATION_BUCKETS.forEach((le, b) => (cum[b] += shifted ? n * shifted.cdf(le) : nFast * bulk.cdf(le) + nSlow * slow.cdf(le)));
      cum[HTTP_DURATION_BUCKETS.length] += n;
      const meanLatency = shifted ? shifted.mean : (nFast * bulk.mean + nSlow * slow.mean) / Math.max(1, n);
      sum += n * meanLatency;
      s.ok[k] = ok;
      s.errors[k] = errors;
      cum.forEach((c, b) => (s.buckets[b][k] = c));
      s.sum[k] = sum;
      s.inflight[k] = Math.round((n / o.stepS) * meanLatency);
      // Memory: GC sawtooth over the base, a little noise; a memory incident overrides it.
      let mem = memBase + memTooth * ((sinceRestart % memPeriod) / memPeriod) + 0.005 * normal(o.seed, `${key}/mem`, k);
      for (const i of active) if (i.kind === "memory") mem = i.from + (i.to - i.from) * Math.min(1, (t - i.fromS) / i.rampS) + 0.003 * normal(o.seed, `${key}/memi`, k);
      s.memRatio[k] = Math.max(0.05, mem);
      cpu += (0.01 + 0.0015 * (n / o.stepS)) * o.stepS * (0.9 + 0.2 * uniform(o.seed, `${key}/cpu`, k));
      s.cpuSeconds[k] = cpu;
    }
    out.set(svc.name, s);
  }
  return out;
}

/** The families of the whole data set, in the order they are written. */
export function weekFamilies(o: WeekOptions): Family[] {
  const services = weekServices(o.cfg, o.seed);
  const sim = simulateServices(o, services);
  const idx = (t: number) => Math.round((t - o.warmupFromS) / o.stepS);
  const target = (svc: WeekService): Labels => ({ job: svc.name, instance: svc.instance, service: svc.name, team: svc.team, tier: svc.tier });
  /** SLO services' request counters exist from the warm-up, everything else from fullFromS. */
  const live = (svc: WeekService | null, t: number) => t >= o.fullFromS || (svc !== null && svc.hasSlo);
  const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
  const line = (name: string, l: Labels, v: number, t: number) => `${name}${fmtLabels(l)} ${num(v)} ${t}\n`;

  const perService = (name: string, type: Family["type"], each: (svc: WeekService, s: ServiceSeries, k: number, t: number) => string, sloInputs = false): Family => ({
    name,
    type,
    step: (t) => {
      const k = idx(t);
      let lines = "";
      for (const svc of services) {
        if (!(sloInputs ? live(svc, t) : t >= o.fullFromS)) continue;
        lines += each(svc, sim.get(svc.name)!, k, t);
      }
      return lines;
    },
  });

  // `up` is one family: every target's, the services', the hosts' and the stack's own.
  const hosts = Array.from({ length: o.hosts ?? 3 }, (_, h) => hostInstance(h));
  const upFamily: Family = {
    name: "up",
    type: "gauge",
    step: (t) => {
      if (t < o.fullFromS) return "";
      const k = idx(t);
      return (
        services.map((svc) => line("up", target(svc), sim.get(svc.name)!.up[k], t)).join("") +
        hosts.map((instance) => line("up", { job: JOBS.nodeExporter, instance }, 1, t)).join("") +
        [selfInstances(o).prometheus, selfInstances(o).alertmanager, selfInstances(o).cadvisor].map((l) => line("up", l, 1, t)).join("")
      );
    },
  };
  const families: Family[] = [
    upFamily,
    perService(METRICS.httpRequests.replace(/_total$/, ""), "counter", (svc, s, k, t) =>
      s.up[k] ? line(METRICS.httpRequests, { ...target(svc), status: "200" }, s.ok[k], t) + line(METRICS.httpRequests, { ...target(svc), status: svc.errorStatus }, s.errors[k], t) : "", true),
    perService(METRICS.httpDuration, "histogram", (svc, s, k, t) => {
      if (!s.up[k]) return "";
      const l = target(svc);
      let out = "";
      HTTP_DURATION_BUCKETS.forEach((le, b) => (out += line(`${METRICS.httpDuration}_bucket`, { ...l, le: leText(le, svc.language) }, s.buckets[b][k], t)));
      const count = s.buckets[HTTP_DURATION_BUCKETS.length][k];
      return out + line(`${METRICS.httpDuration}_bucket`, { ...l, le: "+Inf" }, count, t) + line(`${METRICS.httpDuration}_count`, l, count, t) + line(`${METRICS.httpDuration}_sum`, l, s.sum[k], t);
    }, true),
    perService(METRICS.httpInFlight, "gauge", (svc, s, k, t) => (s.up[k] ? line(METRICS.httpInFlight, target(svc), s.inflight[k], t) : "")),
    ...cadvisorFamilies(o, services, sim, idx, line),
    ...hostFamilies(o, line),
    ...selfFamilies(o, line),
  ];
  return families;
}

type Line = (name: string, l: Labels, v: number, t: number) => string;

/** The stack's own targets as the docker stack scrapes them (addresses from its topology). */
function selfInstances(o: WeekOptions): Record<"prometheus" | "alertmanager" | "cadvisor", Labels> {
  const topo = dockerTopology(o.cfg);
  return {
    prometheus: { job: JOBS.prometheus, instance: (topo.prometheusTargets as string[])[0] },
    alertmanager: { job: JOBS.alertmanager, instance: topo.alertmanagers[0] },
    cadvisor: { job: JOBS.cadvisor, instance: topo.cadvisor as string },
  };
}

/** cAdvisor's container series, relabelled as the docker stack's scrape config does (service, pod). */
function cadvisorFamilies(o: WeekOptions, services: WeekService[], sim: Map<string, ServiceSeries>, idx: (t: number) => number, line: Line): Family[] {
  const cadvisor = selfInstances(o).cadvisor;
  const labels = (svc: WeekService): Labels => ({ ...cadvisor, service: svc.name, pod: svc.name });
  const fam = (name: string, type: Family["type"], value: (svc: WeekService, s: ServiceSeries, k: number) => number | null): Family => ({
    name,
    type,
    step: (t) => {
      if (t < o.fullFromS) return "";
      const k = idx(t);
      return services.map((svc) => ((v) => (v === null ? "" : line(name, labels(svc), v, t)))(value(svc, sim.get(svc.name)!, k))).join("");
    },
  });
  return [
    fam("container_memory_working_set_bytes", "gauge", (svc, s, k) => (s.up[k] ? Math.round(s.memRatio[k] * svc.memLimit) : null)),
    fam("container_spec_memory_limit_bytes", "gauge", (svc) => svc.memLimit),
    { ...fam("container_cpu_usage_seconds_total", "counter", (_svc, s, k) => (s.up[k] ? s.cpuSeconds[k] : null)), name: "container_cpu_usage_seconds" },
    fam("container_spec_cpu_quota", "gauge", (svc) => svc.cpuLimit * 100000),
    fam("container_spec_cpu_period", "gauge", () => 100000),
  ];
}

/** node-exporter on each host: CPU by mode, memory, two filesystems. */
function hostFamilies(o: WeekOptions, line: Line): Family[] {
  const hosts = Array.from({ length: o.hosts ?? 3 }, (_, h) => h);
  const ne = (h: number): Labels => ({ job: JOBS.nodeExporter, instance: hostInstance(h) });
  const cpus = [0, 1];
  // CPU busy share of host h at t: traffic-driven base, host 0's nightly batch.
  const busy = (h: number, t: number, k: number) => {
    const hour = (t % DAY) / 3600;
    if (h === 0 && hour >= 1.5 && hour < 3) return 0.7 + 0.1 * uniform(o.seed, `batch`, Math.floor(t / 60));
    return 0.15 + 0.25 * trafficShape(t) + 0.03 * normal(o.seed, `cpu${h}`, k);
  };
  const cpuTotals = new Map<string, number>();
  const fsList = [
    { mountpoint: "/", device: "/dev/sda1", size: 100e9, base: 0.45 },
    { mountpoint: "/var/lib/data", device: "/dev/sdb1", size: 500e9, base: 0.35 },
  ];
  const used = (h: number, fs: (typeof fsList)[number], t: number) => {
    const day = Math.floor(t / DAY);
    const intoDay = t - day * DAY - 1800; // log rotation at 00:30 trims the day's growth
    const growth = (0.01 + 0.01 * uniform(o.seed, `fs${h}${fs.mountpoint}`, 0)) / DAY;
    let u = fs.base + 0.05 * h + growth * ((intoDay + DAY) % DAY);
    for (const i of o.incidents) {
      if (i.kind !== "disk" || i.host !== h || i.mountpoint !== fs.mountpoint || t <= i.fromS || t > i.toS) continue;
      u = Math.min(i.until, u + (i.perMinute * (t - i.fromS)) / 60);
    }
    return u;
  };
  return [
    {
      name: "node_cpu_seconds",
      type: "counter",
      step: (t) => {
        if (t < o.fullFromS) return "";
        const k = Math.round((t - o.fullFromS) / o.stepS);
        let out = "";
        for (const h of hosts)
          for (const cpu of cpus) {
            const b = Math.min(0.98, Math.max(0.02, busy(h, t, k)));
            for (const [mode, share] of [["idle", 1 - b - 0.01], ["iowait", 0.01], ["user", b * 0.7], ["system", b * 0.3]] as const) {
              const key = `${h}/${cpu}/${mode}`;
              const v = (cpuTotals.get(key) ?? 1000) + share * o.stepS;
              cpuTotals.set(key, v);
              out += line("node_cpu_seconds_total", { ...ne(h), cpu: String(cpu), mode }, Math.round(v * 100) / 100, t);
            }
          }
        return out;
      },
    },
    {
      name: "node_memory_MemTotal_bytes",
      type: "gauge",
      step: (t) => (t < o.fullFromS ? "" : hosts.map((h) => line("node_memory_MemTotal_bytes", ne(h), 16 * 2 ** 30, t)).join("")),
    },
    {
      name: "node_memory_MemAvailable_bytes",
      type: "gauge",
      step: (t) => (t < o.fullFromS ? "" : hosts.map((h) => line("node_memory_MemAvailable_bytes", ne(h), Math.round(16 * 2 ** 30 * (1 - (0.5 + 0.15 * trafficShape(t) + 0.05 * h))), t)).join("")),
    },
    ...(["size", "avail"] as const).map((what) => ({
      name: `node_filesystem_${what}_bytes`,
      type: "gauge" as const,
      step: (t: number) =>
        t < o.fullFromS
          ? ""
          : hosts.flatMap((h) => fsList.map((fs) => line(`node_filesystem_${what}_bytes`, { ...ne(h), device: fs.device, mountpoint: fs.mountpoint, fstype: "ext4" }, what === "size" ? fs.size : Math.round(fs.size * (1 - used(h, fs, t))), t))).join(""),
    })),
  ];
}

/** Prometheus' and Alertmanager's own series: healthy, and the TSDB's age (the history guard). */
function selfFamilies(o: WeekOptions, line: Line): Family[] {
  const { prometheus: prom, alertmanager: am } = selfInstances(o);
  const gauge = (name: string, l: Labels, v: (t: number) => number, fromWarmup = false): Family => ({
    name,
    type: "gauge",
    step: (t) => (t < (fromWarmup ? o.warmupFromS : o.fullFromS) ? "" : line(name, l, v(t), t)),
  });
  const counter = (name: string, l: Labels, perSecond: number): Family => ({
    name: name.replace(/_total$/, ""),
    type: "counter",
    step: (t) => (t < o.fullFromS ? "" : line(name, l, Math.round((t - o.fullFromS) * perSecond), t)),
  });
  return [
    // The TSDB holds data from the warm-up's first scrape.
    gauge("prometheus_tsdb_lowest_timestamp_seconds", prom, () => o.warmupFromS, true),
    counter("prometheus_rule_evaluation_failures_total", { ...prom, rule_group: "slo.rules.yml;slo" }, 0),
    counter("prometheus_rule_group_iterations_missed_total", { ...prom, rule_group: "slo.rules.yml;slo" }, 0),
    counter("prometheus_notifications_sent_total", { ...prom, alertmanager: `http://${am.instance}/api/v2/alerts` }, 0.1),
    counter("prometheus_notifications_errors_total", { ...prom, alertmanager: `http://${am.instance}/api/v2/alerts` }, 0),
    counter("prometheus_notifications_dropped_total", prom, 0),
    gauge("prometheus_notifications_alertmanagers_discovered", prom, () => 1),
    gauge("prometheus_config_last_reload_successful", prom, () => 1),
    counter("prometheus_tsdb_compactions_failed_total", prom, 0),
    gauge("prometheus_tsdb_storage_blocks_bytes", prom, (t) => Math.round(2e9 + ((t - o.fullFromS) / DAY) * 0.2e9)),
    gauge("prometheus_tsdb_wal_storage_size_bytes", prom, () => 0.3e9),
    gauge("prometheus_tsdb_retention_limit_bytes", prom, () => o.cfg.retention.sizeGB * 1e9),
    counter("alertmanager_notifications_total", { ...am, integration: "pagerduty" }, 0.001),
    counter("alertmanager_notifications_failed_total", { ...am, integration: "pagerduty" }, 0),
    gauge("alertmanager_config_last_reload_successful", am, () => 1),
  ];
}
