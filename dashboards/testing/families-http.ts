/**
 * The HTTP families every instrumented service exposes (docs/metrics.md): up (from the scrape),
 * http_requests_total, http_request_duration_seconds and http_requests_in_flight, with the
 * target labels the scrape config adds (job, instance, service, team, tier).
 */
import { HTTP_DURATION_BUCKETS, METRICS } from "../../config/conventions";
import { fmt, fmtLabels, leText, routeStep, stateAt, type Family, type Labels, type SynthOptions } from "./model";
import type { SynthService } from "./profiles";

/** up, http_requests_total, http_request_duration_seconds, http_requests_in_flight. */
export function httpFamilies(o: SynthOptions): Family[] {
  const count = (v: number) => (o.integerCounts ? String(Math.floor(v)) : fmt(v));
  const target = (svc: SynthService): Labels => ({ job: svc.name, instance: svc.instance, service: svc.name, team: svc.team, tier: svc.tier });
  // Cumulative state per series key; a series exists from its first non-zero increment on.
  const counts = new Map<string, number>();
  const buckets = new Map<string, number[]>();
  const sums = new Map<string, number>();
  const requests: Family = {
    name: METRICS.httpRequests.replace(/_total$/, ""),
    type: "counter",
    step: (t, k) => {
      let lines = "";
      for (const svc of o.services)
        for (const r of svc.routes) {
          const st = routeStep(o, svc, r, t, k);
          if (st.down) continue;
          for (const [status, n] of Object.entries(st.byStatus)) {
            const key = `${svc.name} ${r.method} ${r.route} ${status}`;
            const total = (counts.get(key) ?? 0) + n;
            if (total <= 0) continue;
            counts.set(key, total);
            lines += `${METRICS.httpRequests}${fmtLabels({ ...target(svc), method: r.method, route: r.route, status })} ${count(total)} ${t}\n`;
          }
        }
      return lines;
    },
  };
  const duration: Family = {
    name: METRICS.httpDuration,
    type: "histogram",
    step: (t, k) => {
      let lines = "";
      for (const svc of o.services)
        for (const r of svc.routes) {
          const st = routeStep(o, svc, r, t, k);
          if (st.down) continue;
          for (const [status, n] of Object.entries(st.byStatus)) {
            const key = `${svc.name} ${r.method} ${r.route} ${status}`;
            const cum = buckets.get(key) ?? HTTP_DURATION_BUCKETS.map(() => 0).concat([0]);
            HTTP_DURATION_BUCKETS.forEach((le, i) => (cum[i] += n * st.latency.cdf(le)));
            cum[HTTP_DURATION_BUCKETS.length] += n;
            const sum = (sums.get(key) ?? 0) + n * st.latency.mean;
            if (cum[HTTP_DURATION_BUCKETS.length] <= 0) continue;
            buckets.set(key, cum);
            sums.set(key, sum);
            const l = { ...target(svc), method: r.method, route: r.route, status };
            const keep = o.bucketFilter;
            HTTP_DURATION_BUCKETS.forEach((le, i) => {
              const text = leText(le, svc.language);
              if (!keep || keep(svc.name, text)) lines += `${METRICS.httpDuration}_bucket${fmtLabels({ ...l, le: text })} ${count(cum[i])} ${t}\n`;
            });
            if (!keep || keep(svc.name, "+Inf")) lines += `${METRICS.httpDuration}_bucket${fmtLabels({ ...l, le: "+Inf" })} ${count(cum[HTTP_DURATION_BUCKETS.length])} ${t}\n`;
            lines += `${METRICS.httpDuration}_count${fmtLabels(l)} ${count(cum[HTTP_DURATION_BUCKETS.length])} ${t}\n`;
            if (!keep) lines += `${METRICS.httpDuration}_sum${fmtLabels(l)} ${fmt(sum)} ${t}\n`;
          }
        }
      return lines;
    },
  };
  const gauge = (name: string, value: (svc: SynthService, t: number, k: number) => number | null): Family => ({
    name,
    type: "gauge",
    step: (t, k) =>
      o.services
        .map((svc) => {
          const v = value(svc, t, k);
          return v === null ? "" : `${name}${fmtLabels(target(svc))} ${fmt(v)} ${t}\n`;
        })
        .join(""),
  });
  return [
    gauge("up", (svc, t) => (stateAt(o, svc, t).down ? 0 : 1)),
    requests,
    duration,
    // Little's law: requests in flight = arrival rate x mean time in the system.
    gauge(METRICS.httpInFlight, (svc, t, k) => {
      if (stateAt(o, svc, t).down) return null;
      return Math.round(svc.routes.reduce((a, r) => a + routeStep(o, svc, r, t, k).latency.mean * (svc.rps * r.weight), 0) / svc.routes.reduce((a, r) => a + r.weight, 0));
    }),
  ];
}

