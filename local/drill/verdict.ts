/**
 * The pass/fail criteria of a drill, computed from its timeline after the fact, each with
 * the measured figure: page latency, notification delay after firing, HighMemoryUsage's
 * full `for`, overview red during and green after, every alert resolved (and the resolve
 * delivered), and no other alert firing.
 */
import type { StackConfig } from "../../config/schema";
import { durationSeconds } from "../../config/validate";
import type { Observer } from "./observer";
import type { Timeline } from "./timeline";

export interface VerdictOptions {
  faultStart: number;
  /** The page must arrive this soon after the fault starts. */
  pageWithinSeconds: number;
  /** --full: HighMemoryUsage must fire after its whole `for`. */
  expectHighMemory: boolean;
  /** Whether notifications can be checked (local stand-ins). */
  withReceivers: boolean;
}

/** Alerts the drill is expected to cause (anything else firing fails "no other alert"). */
const EXPECTED = new Set(["MemoryExhaustionImminent", "HighMemoryUsage", "AvailabilityBudgetBurn", "ServiceDown"]);

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function evaluate(t: Timeline, obs: Observer, cfg: StackConfig, v: VerdictOptions): void {
  const service = t.service;
  const page = t.events.find((e) => e.kind === "notification" && e.data?.receiver === "pagerduty" && e.data?.action === "trigger" && e.data?.service === service);
  const firstCritical = [...obs.everFiring.values()].filter((a) => a.service === service && a.severity === "critical").sort((a, b) => a.activeAt - b.activeAt)[0];
  const firingEvents = t.events.filter((e) => e.kind === "alert_firing");

  if (v.withReceivers) {
    const ms = page ? page.at - v.faultStart : null;
    t.figures.pageLatencySeconds = ms === null ? null : Number((ms / 1000).toFixed(1));
    t.check(`a page for ${service} arrives within ${v.pageWithinSeconds}s of the fault`, ms !== null && ms <= v.pageWithinSeconds * 1000, ms === null ? "no PagerDuty trigger received" : `PagerDuty trigger after ${secs(ms)} (${String(page!.data?.alertname)})`);
  } else {
    const at = firingEvents.find((e) => e.data?.service === service && e.data?.severity === "critical")?.at;
    t.figures.criticalFiringSeconds = at ? Number(((at - v.faultStart) / 1000).toFixed(1)) : null;
    t.check(`a critical alert for ${service} fires within ${v.pageWithinSeconds}s (receivers not checked)`, !!at && at - v.faultStart <= v.pageWithinSeconds * 1000, at ? `fired after ${secs(at - v.faultStart)}` : "no critical alert fired");
  }
  if (!firstCritical && !page) t.figures.pageLatencySeconds ??= null;

  if (v.withReceivers) {
    // Every firing alert's first notification within 30 s of it firing.
    const delays = firingEvents.map((f) => {
      const n = t.events.find((e) => e.kind === "notification" && e.data?.alertname === f.data?.name && e.at >= f.at - 15_000 && e.data?.action !== "resolve" && e.data?.action !== "resolved");
      return { name: String(f.data?.name), ms: n ? n.at - f.at : null };
    });
    const worst = delays.reduce((m, d) => (d.ms === null ? Infinity : Math.max(m, d.ms)), 0);
    t.figures.worstNotificationDelaySeconds = Number.isFinite(worst) ? Number((worst / 1000).toFixed(1)) : null;
    t.check("each notification arrives within 30s of its alert firing", delays.length > 0 && delays.every((d) => d.ms !== null && d.ms <= 30_000), delays.map((d) => `${d.name}: ${d.ms === null ? "none" : secs(d.ms)}`).join(", ") || "no alert fired");
  }

  if (v.expectHighMemory) {
    const pending = t.events.find((e) => e.kind === "alert_pending" && e.data?.name === "HighMemoryUsage" && e.data?.service === service);
    const firing = firingEvents.find((e) => e.data?.name === "HighMemoryUsage" && e.data?.service === service);
    const forS = durationSeconds(cfg.alerts.memory.for);
    const held = pending && firing ? (firing.at - pending.at) / 1000 : null;
    t.figures.highMemoryPendingToFiringSeconds = held;
    t.check(`HighMemoryUsage fires after its ${cfg.alerts.memory.for} for`, held !== null && held >= forS - 20, held === null ? "HighMemoryUsage did not fire" : `pending ${secs(pending!.at - v.faultStart)} after the ramp started, firing ${held.toFixed(0)}s later`);
  }

  const colours = t.events.filter((e) => e.kind === "overview");
  const end = t.first("fault_end")?.at ?? Infinity;
  const redDuring = colours.some((e) => e.data?.colour === "red" && e.at <= end);
  const last = colours.at(-1)?.data?.colour;
  t.check("the ops overview shows the service red during the fault", redDuring, `colours: ${colours.map((e) => `${String(e.data?.colour)}@${t.rel(e.at).toFixed(0)}s`).join(", ") || "none observed"}`);
  t.check("the ops overview shows the service green after recovery", last === "green", `last colour: ${String(last)}`);

  // Alerts the fault caused (an alert already pending before it is reported, not judged).
  const preExisting = [...obs.everFiring.values()].filter((a) => a.activeAt < v.faultStart);
  if (preExisting.length) t.add("info", `already pending before the fault (not judged): ${preExisting.map((a) => `${a.name}(${a.service})`).join(", ")}`);
  const fired = [...obs.everFiring.values()].filter((a) => a.activeAt >= v.faultStart);
  const unresolved = fired.filter((a) => !t.events.some((e) => e.kind === "alert_resolved" && e.data?.key === a.key));
  t.check("every alert that fired resolved", fired.length > 0 && unresolved.length === 0, unresolved.length ? `still firing: ${unresolved.map((a) => a.name).join(", ")}` : `${fired.length} alert(s) fired and resolved`);
  if (v.withReceivers) {
    const noResolve = fired.filter((a) => !t.events.some((e) => e.kind === "notification" && e.data?.alertname === a.name && (e.data?.action === "resolve" || e.data?.action === "resolved")));
    t.check("every resolve reached the receiver", fired.length > 0 && noResolve.length === 0, noResolve.length ? `no resolve for: ${noResolve.map((a) => a.name).join(", ")}` : "all resolves delivered");
    const rejected = obs.notifications.filter((n) => !n.accepted);
    t.check("the stand-ins accepted every notification", rejected.length === 0, rejected.length ? `${rejected.length} rejected` : `${obs.notifications.length} accepted`);
  }
  const others = fired.filter((a) => a.service !== service || !EXPECTED.has(a.name));
  t.check("no other alert fired during the drill", others.length === 0, others.length ? others.map((a) => `${a.name}(${a.service}, ${a.severity})`).join(", ") : "none");
}
