/**
 * The two drills, as timelines with checks:
 *
 * memory  — last month's incident on purpose: grow payment-processor's memory gradually past
 *           90% of its limit, hold, release. Default: stop once the under-3-minute page and
 *           its resolve are proven. --full: also hold until HighMemoryUsage fires after its
 *           real 10-minute `for`, then release and prove it resolves.
 * outage  — 100% errors on payment-processor through the traffic generator's injection;
 *           goal: a page within 60 s; then recovery and the resolve.
 *
 * Production rules, real time, no scaled copies.
 */
import type { StackConfig } from "../../config/schema";
import { durationSeconds } from "../../config/validate";
import { RECORDED } from "../../rules/names";
import { clearFault, injectFault, memoryStatus, releaseMemoryChaos, startMemoryChaos } from "../../services/traffic/inject";
import { Observer, queryValue, type DrillEndpoints } from "./observer";
import { evaluate } from "./verdict";
import { Timeline, type DrillEvent } from "./timeline";

/** Knobs of a drill run. */
export interface DrillOptions {
  service: string;
  /** memory: ratio to ramp to, and how long the ramp takes. */
  targetRatio: number;
  rampSeconds: number;
  /** Poll period of the observer. */
  pollMs: number;
  /** memory --full: hold until HighMemoryUsage fires. */
  full: boolean;
  /** outage: how long the 100% error injection lasts at most (it is cleared once paged). */
  outageSeconds: number;
  /** Hard limit of the whole drill. */
  timeoutSeconds: number;
}

export const DEFAULT_DRILL: DrillOptions = {
  service: "payment-processor",
  targetRatio: 0.92,
  rampSeconds: 120,
  pollMs: 2000,
  full: false,
  outageSeconds: 180,
  timeoutSeconds: 45 * 60,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `done` is true or `seconds` pass; returns whether `done` became true. */
async function until(obs: Observer, pollMs: number, seconds: number, done: () => boolean): Promise<boolean> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await obs.poll();
    if (done()) return true;
    await sleep(pollMs);
  }
  return false;
}

const isPage = (service: string) => (e: DrillEvent) => e.data?.receiver === "pagerduty" && e.data?.action === "trigger" && e.data?.service === service;
/** Every firing alert of the drill has been resolved, and (with receivers) every resolve delivered. */
function allResolved(t: Timeline, obs: Observer, withReceivers: boolean): boolean {
  const firing = [...obs.everFiring.values()];
  const resolved = firing.every((a) => t.events.some((e) => e.kind === "alert_resolved" && e.data?.key === a.key));
  if (!resolved || !withReceivers) return resolved;
  return firing.every((a) => t.events.some((e) => e.kind === "notification" && e.data?.alertname === a.name && (e.data?.action === "resolve" || e.data?.action === "resolved")));
}

/** The memory-runaway drill. */
export async function memoryDrill(cfg: StackConfig, ep: DrillEndpoints, o: DrillOptions, onEvent?: (e: DrillEvent, t: Timeline) => void): Promise<Timeline> {
  const t = new Timeline(o.full ? "memory --full" : "memory", o.service, onEvent);
  const admin = { adminUrl: ep.adminUrl };
  const sel = `{service="${o.service}"}`;
  const obs = new Observer(t, ep, cfg, async () => ({
    serviceValue: ((await memoryStatus(o.service, admin)) as { ratio: number }).ratio,
    prometheusValue: await queryValue(ep.prometheusUrl, `max(${RECORDED.memoryRatio}${sel})`),
  }));
  t.add("drill_start", `memory drill on ${o.service}: ramp to ${(o.targetRatio * 100).toFixed(0)}% of its limit over ${o.rampSeconds}s${o.full ? ", hold until HighMemoryUsage fires" : ""}`);
  const before = await obs.baseline();
  if (before.length) t.add("info", `already active before the drill: ${before.map((a) => `${a.name}(${a.service},${a.state})`).join(", ")}`, { alerts: before });
  await obs.poll();

  const rampStart = t.add("fault_start", "memory ramp started", { targetRatio: o.targetRatio, rampSeconds: o.rampSeconds });
  await startMemoryChaos(o.service, o.targetRatio, o.rampSeconds, admin);
  const threshold = cfg.alerts.memory.threshold / 100;
  let crossed = false;
  const paged = () => !!t.first("notification", isPage(o.service));
  const red = () => t.events.some((e) => e.kind === "overview" && e.data?.colour === "red");
  const highMemoryFiring = () => t.events.some((e) => e.kind === "alert_firing" && e.data?.name === "HighMemoryUsage" && e.data?.service === o.service);
  const holdDone = () => {
    const s = t.samples.at(-1);
    if (!crossed && s?.serviceValue !== undefined && s.serviceValue >= threshold) {
      crossed = true;
      t.add("threshold_crossed", `${o.service} memory crossed ${(threshold * 100).toFixed(0)}% of its limit (${(s.serviceValue * 100).toFixed(1)}%)`, { ratio: s.serviceValue }, s.at);
    }
    const notified = !ep.receiversUrl || paged();
    return crossed && notified && red() && (!o.full || (highMemoryFiring() && t.events.some((e) => e.kind === "notification" && e.data?.alertname === "HighMemoryUsage")));
  };
  // Hold long enough to see the page and the overview turn red (and, --full, HighMemoryUsage's 10-minute `for`).
  const holdLimit = o.rampSeconds + (o.full ? durationSeconds(cfg.alerts.memory.for) + 300 : 300);
  await until(obs, o.pollMs, holdLimit, holdDone);

  t.add("fault_end", "memory released");
  await releaseMemoryChaos(o.service, admin);
  // Resolve notifications go out at the next group_interval after the alerts resolve.
  const settle = durationSeconds(cfg.alerts.memoryPredictive.lookback) + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  await until(obs, o.pollMs, settle, () => allResolved(t, obs, !!ep.receiversUrl) && t.events.filter((e) => e.kind === "overview").at(-1)?.data?.colour === "green");
  t.add("drill_end", "drill finished");
  evaluate(t, obs, cfg, { faultStart: rampStart.at, pageWithinSeconds: 180, expectHighMemory: o.full, withReceivers: !!ep.receiversUrl });
  return t;
}

/** The total-outage drill: 100% errors until paged (at most outageSeconds), then recovery. */
export async function outageDrill(cfg: StackConfig, ep: DrillEndpoints, o: DrillOptions, onEvent?: (e: DrillEvent, t: Timeline) => void): Promise<Timeline> {
  const t = new Timeline("outage", o.service, onEvent);
  const admin = { adminUrl: ep.adminUrl };
  const obs = new Observer(t, ep, cfg, async () => ({
    prometheusValue: await queryValue(ep.prometheusUrl, `max(${RECORDED.errorRatio5m}{service="${o.service}"})`),
  }));
  t.add("drill_start", `outage drill on ${o.service}: 100% errors for up to ${o.outageSeconds}s`);
  const before = await obs.baseline();
  if (before.length) t.add("info", `already active before the drill: ${before.map((a) => `${a.name}(${a.service},${a.state})`).join(", ")}`, { alerts: before });
  const start = t.add("fault_start", "100% error injection started");
  await injectFault(o.service, { errorRatio: 1, latencyMs: 0, durationSeconds: o.outageSeconds }, admin);
  const paged = () => !!t.first("notification", isPage(o.service)) || (!ep.receiversUrl && [...obs.everFiring.values()].some((a) => a.service === o.service && a.severity === "critical"));
  await until(obs, o.pollMs, o.outageSeconds, () => paged() && t.events.some((e) => e.kind === "overview" && e.data?.colour === "red"));
  t.add("fault_end", "error injection cleared");
  await clearFault(o.service, admin);
  const settle = 300 + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  await until(obs, o.pollMs, settle, () => allResolved(t, obs, !!ep.receiversUrl) && t.events.filter((e) => e.kind === "overview").at(-1)?.data?.colour === "green");
  t.add("drill_end", "drill finished");
  evaluate(t, obs, cfg, { faultStart: start.at, pageWithinSeconds: 60, expectHighMemory: false, withReceivers: !!ep.receiversUrl });
  return t;
}
