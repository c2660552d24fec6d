/**
 * The other families the dashboards read: each service's container as cAdvisor reports it
 * (working set, CPU, limits: the resource source of every stack), the process metrics and
 * limits the services export about themselves (the local stack's no-cgroup fallback reads
 * those), network counters (cAdvisor per pod, node-exporter per host interface), and the
 * business metrics of payment-processor and merchant-api (docs/metrics.md).
 */
import { JOBS, METRICS } from "../../config/conventions";
import { CURRENCIES, CURRENCY_USD_RATES, MERCHANTS, OTHER_MERCHANT } from "../../services/fleet";
import { PAYMENT_AMOUNT_BUCKETS } from "../../services/payment-processor/metrics";
import { fmt, fmtLabels, jitter, lognormal, routeStep, stateAt, type Family, type Labels, type SynthOptions } from "./model";
import type { SynthService } from "./profiles";

const target = (svc: SynthService): Labels => ({ job: svc.name, instance: svc.instance, service: svc.name, team: svc.team, tier: svc.tier });

/** Requests per second of a service at a step (0 when down). */
function rpsAt(o: SynthOptions, svc: SynthService, t: number, k: number): number {
  return svc.routes.reduce((a, r) => a + Object.values(routeStep(o, svc, r, t, k).byStatus).reduce((x, y) => x + y, 0), 0) / o.stepS;
}

/** A family with one series per key, each a counter integrating `perSecond` (null: no sample). */
function counter(name: string, keys: Array<{ labels: Labels; perSecond: (t: number, k: number) => number | null; always?: boolean }>, stepS: number): Family {
  const totals = keys.map(() => 0);
  return {
    name: name.replace(/_total$/, ""),
    type: "counter",
    step: (t, k) =>
      keys
        .map((key, i) => {
          const v = key.perSecond(t, k);
          if (v === null) return "";
          totals[i] += v * stepS;
          return totals[i] > 0 || key.always ? `${name}${fmtLabels(key.labels)} ${fmt(totals[i])} ${t}\n` : "";
        })
        .join(""),
  };
}

function gauge(name: string, keys: Array<{ labels: Labels; value: (t: number, k: number) => number | null }>): Family {
  return {
    name,
    type: "gauge",
    step: (t, k) => keys.map(({ labels, value }) => ((v) => (v === null ? "" : `${name}${fmtLabels(labels)} ${fmt(v)} ${t}\n`))(value(t, k))).join(""),
  };
}

/** The memory limit of every simulated container (payment-processor's in fleetResources). */
const LIMIT_BYTES = 256 * 2 ** 20;
/** Its CPU quota: 0.5 cores over a 100 ms period. */
const CPU_QUOTA = { quotaUs: 50_000, periodUs: 100_000 };

/** A footprint, a slow wave and a little noise: 20-60% of the 256 MiB limit; 95% in a memory incident. */
function memoryBytes(o: SynthOptions, svc: SynthService, t: number, k: number): number | null {
  if (stateAt(o, svc, t).down) return null;
  if (stateAt(o, svc, t).memoryRunaway) return Math.round(0.95 * LIMIT_BYTES);
  // Each service its own footprint (60-140 MiB, from its name), as real services differ.
  const base = 100 * jitter(`${svc.name}footprint`, 0, 0.4);
  return Math.round((base + 10 * Math.sin(t / 3600)) * 2 ** 20 * jitter(`${svc.name}mem`, k, 0.02));
}
const cpuPerSecond = (o: SynthOptions, svc: SynthService, t: number, k: number) => (stateAt(o, svc, t).down ? null : 0.02 + rpsAt(o, svc, t, k) * 0.0004);

/**
 * Each service's container as cAdvisor reports it after the scrape relabelling (service and
 * pod; on the local stack the pod is the service's cgroup, named after it).
 */
export function containerFamilies(o: SynthOptions): Family[] {
  const labels = (svc: SynthService): Labels => ({ job: JOBS.cadvisor, instance: "127.0.0.1:8088", id: `/monitoring-stack/local-synthetic/${svc.name}`, service: svc.name, pod: svc.name });
  const each = <T>(f: (svc: SynthService) => T) => o.services.map(f);
  const spec = (value: number) => each((svc) => ({ labels: labels(svc), value: (t: number) => (stateAt(o, svc, t).down ? null : value) }));
  return [
    gauge("container_memory_working_set_bytes", each((svc) => ({ labels: labels(svc), value: (t, k) => memoryBytes(o, svc, t, k) }))),
    gauge("container_spec_memory_limit_bytes", spec(LIMIT_BYTES)),
    counter("container_cpu_usage_seconds_total", each((svc) => ({ labels: { ...labels(svc), cpu: "total" }, perSecond: (t, k) => cpuPerSecond(o, svc, t, k), always: true })), o.stepS),
    gauge("container_spec_cpu_quota", spec(CPU_QUOTA.quotaUs)),
    gauge("container_spec_cpu_period", spec(CPU_QUOTA.periodUs)),
  ];
}

/** Resident memory, CPU time and the limits each service reports about itself. */
export function processFamilies(o: SynthOptions): Family[] {
  const up = (svc: SynthService, t: number) => !stateAt(o, svc, t).down;
  const each = <T>(f: (svc: SynthService) => T) => o.services.map(f);
  return [
    gauge("process_resident_memory_bytes", each((svc) => ({ labels: target(svc), value: (t, k) => memoryBytes(o, svc, t, k) }))),
    counter("process_cpu_seconds_total", each((svc) => ({
      labels: target(svc),
      perSecond: (t, k) => cpuPerSecond(o, svc, t, k),
      always: true,
    })), o.stepS),
    gauge(METRICS.memoryLimit, each((svc) => ({ labels: target(svc), value: (t) => (up(svc, t) ? LIMIT_BYTES : null) }))),
    gauge(METRICS.cpuLimit, each((svc) => ({ labels: target(svc), value: (t) => (up(svc, t) ? 1 : null) }))),
  ];
}

/** cAdvisor's per-container counters (services with containerNetwork) and the host's interfaces. */
export function networkFamilies(o: SynthOptions): Family[] {
  const containers = o.services.filter((s) => s.containerNetwork);
  const host = { job: JOBS.nodeExporter, instance: "127.0.0.1:9100" };
  const total = (t: number, k: number) => o.services.reduce((a, svc) => a + rpsAt(o, svc, t, k), 0);
  return (["receive", "transmit"] as const).flatMap((dir) => {
    const bytesPerRequest = dir === "receive" ? 1200 : 2600;
    return [
      counter(`container_network_${dir}_bytes_total`, containers.map((svc) => ({
        labels: { job: JOBS.cadvisor, instance: "127.0.0.1:8088", service: svc.name, pod: svc.name, interface: "eth0" },
        perSecond: (t, k) => (stateAt(o, svc, t).down ? null : rpsAt(o, svc, t, k) * bytesPerRequest),
        always: true,
      })), o.stepS),
      counter(`node_network_${dir}_bytes_total`, ["lo", "eth0"].map((device) => ({
        labels: { ...host, device },
        perSecond: (t, k) => (device === "lo" ? total(t, k) * bytesPerRequest : 50_000 * jitter(device, k, 0.3)),
        always: true,
      })), o.stepS),
    ];
  });
}

const ALL_MERCHANTS = [...MERCHANTS, OTHER_MERCHANT];
// A long tail: merchant i gets a share proportional to 1 / (i + 1).
const MERCHANT_SHARE = ((w) => w.map((x) => x / w.reduce((a, b) => a + b, 0)))(ALL_MERCHANTS.map((_, i) => 1 / (i + 1)));
const OUTCOMES = { success: 0.93, failed: 0.05, timeout: 0.02 } as const;
const CURRENCY_SHARE: Record<string, number> = { USD: 0.6, EUR: 0.2, GBP: 0.1, CAD: 0.06, AUD: 0.04 };
const AMOUNT = lognormal(60, 2500);

/** payment_transactions_total, payment_amount, payment_amount_usd_total and merchant_api_calls_total. */
export function businessFamilies(o: SynthOptions): Family[] {
  const pp = o.services.find((s) => s.name === "payment-processor");
  const ma = o.services.find((s) => s.name === "merchant-api");
  const out: Family[] = [];
  if (pp) {
    const payRoute = pp.routes.find((r) => r.method === "POST" && r.route === "/payments") ?? pp.routes[0];
    // Payments reach the acquirer only when the request was valid and the service did not fail.
    const attempts = (t: number, k: number) => (routeStep(o, pp, payRoute, t, k).byStatus["200"] ?? 0) / o.stepS;
    out.push(counter(METRICS.paymentTransactions, Object.entries(OUTCOMES).flatMap(([status, share]) =>
      ALL_MERCHANTS.map((merchant, i) => ({ labels: { ...target(pp), status, merchant }, perSecond: (t: number, k: number) => attempts(t, k) * share * MERCHANT_SHARE[i], always: true }))), o.stepS));
    const success = (t: number, k: number) => attempts(t, k) * OUTCOMES.success;
    const cum = new Map<string, number[]>();
    out.push({
      name: METRICS.paymentAmount,
      type: "histogram",
      step: (t, k) => CURRENCIES.map((currency) => {
        const n = success(t, k) * o.stepS * (CURRENCY_SHARE[currency] ?? 0);
        const c = cum.get(currency) ?? PAYMENT_AMOUNT_BUCKETS.map(() => 0).concat([0, 0]);
        PAYMENT_AMOUNT_BUCKETS.forEach((le, i) => (c[i] += n * AMOUNT.cdf(le)));
        c[PAYMENT_AMOUNT_BUCKETS.length] += n;
        c[PAYMENT_AMOUNT_BUCKETS.length + 1] += n * AMOUNT.mean;
        cum.set(currency, c);
        const l = { ...target(pp), currency };
        const count = c[PAYMENT_AMOUNT_BUCKETS.length];
        if (count <= 0) return "";
        return PAYMENT_AMOUNT_BUCKETS.map((le, i) => `${METRICS.paymentAmount}_bucket${fmtLabels({ ...l, le: String(le) })} ${fmt(c[i])} ${t}\n`).join("")
          + `${METRICS.paymentAmount}_bucket${fmtLabels({ ...l, le: "+Inf" })} ${fmt(count)} ${t}\n`
          + `${METRICS.paymentAmount}_count${fmtLabels(l)} ${fmt(count)} ${t}\n`
          + `${METRICS.paymentAmount}_sum${fmtLabels(l)} ${fmt(c[PAYMENT_AMOUNT_BUCKETS.length + 1])} ${t}\n`;
      }).join(""),
    });
    const usdPerPayment = AMOUNT.mean * CURRENCIES.reduce((a, c) => a + (CURRENCY_SHARE[c] ?? 0) * CURRENCY_USD_RATES[c], 0);
    out.push(counter("payment_amount_usd_total", ALL_MERCHANTS.map((merchant, i) => ({
      labels: { ...target(pp), merchant }, perSecond: (t: number, k: number) => success(t, k) * MERCHANT_SHARE[i] * usdPerPayment, always: true,
    })), o.stepS));
  }
  if (ma) {
    out.push(counter(METRICS.merchantApiCalls, ma.routes.flatMap((r) => ["200", ma.errorStatus, r.clientErrorStatus].flatMap((status) =>
      ALL_MERCHANTS.map((merchant, i) => ({
        labels: { ...target(ma), merchant, endpoint: r.endpoint ?? r.route, status },
        perSecond: (t: number, k: number) => ((routeStep(o, ma, r, t, k).byStatus[status] ?? 0) / o.stepS) * MERCHANT_SHARE[i],
        always: status === "200",
      })))), o.stepS));
  }
  return out;
}
