/**
 * The drills, as timelines with checks:
 *
 * memory  — last month's incident on purpose: grow payment-processor's memory gradually past
 *           90% of its limit, hold, release. Default: stop once the under-3-minute page and
 *           its resolve are proven. --full: also hold until HighMemoryUsage fires after its
 *           real 10-minute `for`, then release and prove it resolves. Memory is the service's
 *           cgroup working set against the limit the kernel enforces (what cAdvisor reports).
 * oom     — what happens at 100%: grow payment-processor's memory past its limit; the kernel
 *           must OOM-kill it, the supervisor restart it, cAdvisor count the kill and
 *           ContainerOOMKilled page; then everything resolves.
 * outage  — 100% errors on payment-processor through the traffic generator's injection;
 *           goal: a page within 60 s; then recovery and the resolve.
 *
 * Production rules, real time, no scaled copies.
 */
import type { StackConfig } from "../../config/schema";
import { durationSeconds } from "../../config/validate";
import { RECORDED } from "../../rules/names";
import { LOWEST_TIMESTAMP } from "../../rules/history";
import { burnTiers } from "../../rules/slo-math";
import { JOBS } from "../../config/conventions";
import { clearFault, injectFault, memoryStatus, releaseMemoryChaos, startMemoryChaos } from "../../services/traffic/inject";
import { fetchIncidents } from "../receivers/client";
import type { MemoryChaosStatus } from "../../services/lib/memory-ballast";
import { LocalView } from "./local-view";
import { ServingWatch } from "./serving";
import { Observer, currentAlerts, queryValue, type DrillEndpoints } from "./observer";
import { drillAlerts, evaluate, evaluateOom, hostAlert, notifiedNames } from "./verdict";
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
  /** oom: ratio of the limit the ramp aims past (the kernel kills before), and its duration. */
  pastLimitRatio: number;
  oomRampSeconds: number;
  /** Hard limit of the whole drill. */
  timeoutSeconds: number;
  /** outage: how many outages, taken in turn by `services` (each waits for its service's last incident to be resolved). */
  runs: number;
  services: string[];
  /**
   * outage: keep the fault this long after the page (default 0: clear it at once). The HA drill
   * holds it so the replica it killed and restarted fires the same alert too.
   */
  holdAfterPageSeconds: number;
}

export const DEFAULT_DRILL: DrillOptions = {
  service: "payment-processor",
  targetRatio: 0.92,
  rampSeconds: 120,
  pollMs: 2000,
  full: false,
  outageSeconds: 180,
  pastLimitRatio: 1.2,
  oomRampSeconds: 60,
  timeoutSeconds: 45 * 60,
  runs: 1,
  services: ["payment-processor"],
  holdAfterPageSeconds: 0,
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
/**
 * Every alert the fault caused has been resolved, and (with receivers) every resolve delivered.
 * An alert already pending before the fault (say the shared host's CPU) is not waited for.
 */
function allResolved(t: Timeline, obs: Observer, withReceivers: boolean, faultStart: number = t.first("fault_start")?.at ?? 0): boolean {
  const firing = [...obs.everFiring.values()].filter((a) => a.activeAt >= faultStart && !hostAlert(a));
  const resolved = firing.every((a) => t.events.some((e) => e.kind === "alert_resolved" && e.data?.key === a.key));
  if (!resolved || !withReceivers) return resolved;
  return firing.every((a) => t.events.some((e) => e.kind === "notification" && notifiedNames(e).includes(a.name) && (e.data?.action === "resolve" || e.data?.action === "resolved")));
}

/**
 * Waits until Prometheus holds the history the fastest paging burn tier needs (its long
 * window: the rules' history guard keeps a younger Prometheus from paging on it, by design,
 * see rules/history.ts). A drill timed from a fault on a 30-second-old Prometheus would
 * measure the guard, not the pipeline; production Prometheus is not that young.
 */
async function waitForBurnHistory(cfg: StackConfig, ep: DrillEndpoints, t: Timeline, deadline: number): Promise<void> {
  const need = Math.min(...burnTiers(cfg).filter((x) => x.severity === "critical").map((x) => durationSeconds(x.long)));
  const held = async () => queryValue(ep.prometheusUrl, `clamp_min(time() - max(${LOWEST_TIMESTAMP}{job="${JOBS.prometheus}"}), 0)`).catch(() => undefined);
  // A Prometheus seconds old has not scraped itself yet: no gauge is not "enough history" (the
  // CI run that skipped the wait here started its first outage on a 10-second-old Prometheus,
  // whose guard then held the page). Unknown for longer than a few scrapes is treated as the
  // rules treat it (enough): a Prometheus without the gauge pages without the guard.
  const unknownUntil = Date.now() + (3 * durationSeconds(cfg.scrape.interval) + 30) * 1000;
  let h = await held();
  if (h !== undefined && h >= need) return;
  t.add("info", `waiting for Prometheus to hold ${need}s of history (the fastest paging tier's window; it holds ${h === undefined ? "none yet" : `${h.toFixed(0)}s`})`);
  while (h === undefined ? Date.now() < unknownUntil : h < need) {
    if (Date.now() > deadline) throw new Error(`Prometheus did not reach ${need}s of history before the drill's time limit`);
    await sleep(5000);
    h = await held();
  }
  if (h === undefined) t.add("info", `Prometheus reports no ${LOWEST_TIMESTAMP}: its history is unknown, which the rules' guard treats as enough`);
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
  const measured = (await memoryStatus(o.service, admin)) as MemoryChaosStatus;
  t.figures.memoryMeasure = measured.measure;
  t.figures.memoryLimitBytes = measured.limitBytes;
  t.add("info", `${o.service} measures ${measured.measure === "cgroup-working-set" ? "its cgroup's working set" : "its RSS (no cgroup limits it)"} against a limit of ${(measured.limitBytes / 2 ** 20).toFixed(0)} MiB; now ${(measured.ratio * 100).toFixed(1)}%`, { ...measured });
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
    const highMemoryNotified = t.events.some((e) => e.kind === "notification" && ((e.data?.alertnames as string[] | undefined) ?? []).includes("HighMemoryUsage"));
    return crossed && notified && red() && (!o.full || (highMemoryFiring() && (!ep.receiversUrl || highMemoryNotified)));
  };
  // Hold long enough to see the page and the overview turn red (and, --full, HighMemoryUsage's
  // 10-minute `for`, its smoothing, and its notification at the memory group's next flush).
  const holdLimit = o.rampSeconds + (o.full ? durationSeconds(cfg.alerts.memory.for) + durationSeconds(cfg.alerts.memory.smoothing) + durationSeconds(cfg.alertmanager.groupInterval) + 120 : 300);
  await until(obs, o.pollMs, holdLimit, holdDone);

  t.add("fault_end", "memory released");
  await releaseMemoryChaos(o.service, admin);
  // Resolve notifications go out at the next group_interval after the alerts resolve.
  const settle = durationSeconds(cfg.alerts.memoryPredictive.lookback) + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  await until(obs, o.pollMs, settle, () => allResolved(t, obs, !!ep.receiversUrl, rampStart.at) && t.events.filter((e) => e.kind === "overview").at(-1)?.data?.colour === "green");
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
  await waitForBurnHistory(cfg, ep, t, Date.now() + o.timeoutSeconds * 1000);
  const before = await obs.baseline();
  if (before.length) t.add("info", `already active before the drill: ${before.map((a) => `${a.name}(${a.service},${a.state})`).join(", ")}`, { alerts: before });
  const start = t.add("fault_start", "100% error injection started");
  await injectFault(o.service, { errorRatio: 1, latencyMs: 0, durationSeconds: o.outageSeconds }, admin);
  const paged = () => !!t.first("notification", isPage(o.service)) || (!ep.receiversUrl && [...obs.everFiring.values()].some((a) => a.service === o.service && a.severity === "critical"));
  await until(obs, o.pollMs, o.outageSeconds, () => paged() && t.events.some((e) => e.kind === "overview" && e.data?.colour === "red"));
  const held = Math.min(o.holdAfterPageSeconds, Math.max(0, o.outageSeconds - (Date.now() - start.at) / 1000));
  if (held > 0) {
    t.add("info", `holding the fault ${held.toFixed(0)}s after the page`);
    await until(obs, o.pollMs, held, () => false);
  }
  t.add("fault_end", "error injection cleared");
  await clearFault(o.service, admin);
  const settle = 300 + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  await until(obs, o.pollMs, settle, () => allResolved(t, obs, !!ep.receiversUrl, start.at) && t.events.filter((e) => e.kind === "overview").at(-1)?.data?.colour === "green");
  t.add("drill_end", "drill finished");
  evaluate(t, obs, cfg, { faultStart: start.at, pageWithinSeconds: 60, expectHighMemory: false, withReceivers: !!ep.receiversUrl });
  return t;
}

/**
 * How long Prometheus keeps re-sending a resolved alert (its rules package's resolvedRetention,
 * 15 minutes, not configurable) plus one resend-delay (1m) of margin.
 */
export const RESOLVED_RESEND_MS = 16 * 60_000;

/**
 * The outage drill N times: 100% errors on each of `services` in turn, cleared as soon as it has
 * paged. Each run starts when its service has no open PagerDuty incident and no active alert
 * (its previous page resolved, so this one opens a new incident and is timed from scratch) and
 * Prometheus no longer re-sends its previous, resolved alert (RESOLVED_RESEND_MS): a fresh outage.
 * Alternating services lets one run while the other waits; five runs on two services take about
 * 40 minutes, most of it that wait.
 * Goal: every page within 60 s of the outage's start; then every incident resolved.
 */
export async function outageRuns(cfg: StackConfig, ep: DrillEndpoints, adminUrlFor: (service: string) => string, o: DrillOptions, onEvent?: (e: DrillEvent, t: Timeline) => void): Promise<Timeline> {
  if (!ep.receiversUrl) throw new Error("outage --runs needs the notification stand-ins (local stack): each run waits for its service's incident to resolve");
  const receivers = ep.receiversUrl;
  const t = new Timeline(`outage x${o.runs}`, o.services.join(","), onEvent);
  const obs = new Observer(t, ep, cfg, async () => ({}), false);
  t.add("drill_start", `outage drill x${o.runs} on ${o.services.join(", ")}: 100% errors until paged, each run after the previous page of its service has resolved`);
  const before = await obs.baseline();
  if (before.length) t.add("info", `already active before the drill: ${before.map((a) => `${a.name}(${a.service},${a.state})`).join(", ")}`, { alerts: before });
  const latencies: Array<{ run: number; service: string; seconds: number | null }> = [];
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  await waitForBurnHistory(cfg, ep, t, deadline);
  for (let run = 1; run <= o.runs; run++) {
    const service = o.services[(run - 1) % o.services.length];
    const admin = { adminUrl: adminUrlFor(service) };
    // Quiet first: no open incident, no alert of the service pending or firing, and no resolved
    // alert of the service that Prometheus still re-sends. Prometheus re-sends a resolved alert
    // every resend-delay for 15 minutes, and Alertmanager opens a group for each one; a new
    // firing alert that lands in such a group waits for the group's next tick (up to the page
    // route's group_interval: see config/schema.ts criticalGroupInterval). A run started there
    // would measure that wait, which the worst-case arithmetic bounds separately (rules/README.md),
    // not the detection of a fresh outage. CI measured it: with the 5m interval then in use, a
    // re-run minutes after the previous resolve was not paged within its 3-minute outage.
    const last = (kind: string) => Math.max(0, ...t.events.filter((e) => e.kind === kind && e.data?.service === service).map((e) => e.at));
    const lastResolved = () => last("alert_resolved");
    const quiet = async () => {
      // The observer first, so an alert that has just gone is recorded as resolved (CI: a run
      // started in the second between Prometheus resolving the alert and the observer's poll,
      // and its page waited 45 s in a reopened group).
      await obs.poll();
      if (last("alert_firing") > lastResolved()) return false;
      return (
        (await fetchIncidents(receivers, { service })).every((i) => i.state === "resolved") &&
        ![...(await currentAlerts(ep.prometheusUrl)).values()].some((a) => a.service === service) &&
        Date.now() - lastResolved() >= RESOLVED_RESEND_MS
      );
    };
    let announced = false;
    while (!(await quiet())) {
      if (Date.now() > deadline) throw new Error(`outage run ${run}: ${service} did not become quiet before the drill's time limit`);
      const r = lastResolved();
      if (!announced && r > 0 && r >= last("alert_firing") && Date.now() - r < RESOLVED_RESEND_MS) {
        announced = true;
        t.add("info", `run ${run} waits until ${new Date(r + RESOLVED_RESEND_MS).toISOString().slice(11, 19)}: Prometheus re-sends ${service}'s resolved alert until 15 minutes after it resolved`);
      }
      await sleep(o.pollMs);
    }
    const start = t.add("fault_start", `run ${run}: 100% error injection on ${service}`, { run, service });
    await injectFault(service, { errorRatio: 1, latencyMs: 0, durationSeconds: o.outageSeconds }, admin);
    const page = () => t.events.find((e) => e.kind === "notification" && e.at >= start.at && e.data?.receiver === "pagerduty" && e.data?.action === "trigger" && e.data?.service === service);
    await until(obs, 1000, o.outageSeconds, () => !!page());
    await clearFault(service, admin);
    const p = page();
    const seconds = p ? Number(((p.at - start.at) / 1000).toFixed(1)) : null;
    latencies.push({ run, service, seconds });
    t.add("fault_end", `run ${run}: error injection on ${service} cleared${seconds === null ? " (no page)" : `, paged after ${seconds}s`}`, { run, service, pageSeconds: seconds });
  }
  // Every incident resolved and its resolve delivered.
  const settle = 300 + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  const resolvedAll = async () => (await Promise.all(o.services.map((s) => fetchIncidents(receivers, { service: s })))).flat().every((i) => i.state === "resolved");
  const end = Date.now() + settle * 1000;
  while (Date.now() < end && !(allResolved(t, obs, true, t.events.find((e) => e.kind === "fault_start")?.at ?? 0) && (await resolvedAll()))) {
    await obs.poll();
    await sleep(o.pollMs);
  }
  t.add("drill_end", "drill finished");

  const got = latencies.map((l) => l.seconds).filter((x): x is number => x !== null).sort((a, b) => a - b);
  t.figures.runs = o.runs;
  t.figures.pageLatenciesSeconds = latencies.map((l) => `${l.service}:${l.seconds ?? "none"}`).join(" ");
  t.figures.pageLatencyMinSeconds = got[0] ?? null;
  t.figures.pageLatencyMedianSeconds = got.length ? got[Math.floor((got.length - 1) / 2)] : null;
  t.figures.pageLatencyMaxSeconds = got.at(-1) ?? null;
  t.check(`every one of the ${o.runs} outages pages within 60s of its start`, got.length === o.runs && got.every((x) => x <= 60), latencies.map((l) => `run ${l.run} ${l.service}: ${l.seconds === null ? "no page" : `${l.seconds}s`}`).join(", "));
  const incidents = (await Promise.all(o.services.map((s) => fetchIncidents(receivers, { service: s })))).flat().filter((i) => Date.parse(i.openedAt) >= t.events[0].at);
  t.check(`one PagerDuty incident per outage (${o.runs})`, incidents.length === o.runs, `${incidents.length} incident(s) opened`);
  t.check("every incident resolved, its resolve delivered", incidents.length > 0 && incidents.every((i) => i.state === "resolved"), incidents.map((i) => `#${i.number} ${i.service} ${i.state}`).join(", "));
  const rejected = obs.notifications.filter((n) => !n.accepted);
  t.check("the stand-ins accepted every notification", rejected.length === 0, rejected.length ? `${rejected.length} rejected` : `${obs.notifications.length} accepted`);
  const fired = drillAlerts(t, [...obs.everFiring.values()].filter((a) => a.activeAt >= t.events[0].at));
  const others = fired.filter((a) => !o.services.includes(a.service) || a.name !== "AvailabilityBudgetBurn");
  t.check("no other alert fired during the drill", others.length === 0, others.length ? others.map((a) => `${a.name}(${a.service}, ${a.severity})`).join(", ") : "none");
  return t;
}

/** The OOM drill: memory past the limit, the kernel's kill, the restart, the alert. */
export async function oomDrill(cfg: StackConfig, ep: DrillEndpoints, o: DrillOptions, onEvent?: (e: DrillEvent, t: Timeline) => void): Promise<Timeline> {
  const t = new Timeline("oom", o.service, onEvent);
  const admin = { adminUrl: ep.adminUrl };
  const sel = `{service="${o.service}"}`;
  const local = ep.stateDir ? new LocalView(ep.stateDir, o.service) : null;
  const serving = new ServingWatch(t, o.service);
  const obs = new Observer(t, ep, cfg, async () => {
    let serviceValue: number | undefined;
    try {
      serviceValue = ((await memoryStatus(o.service, admin)) as MemoryChaosStatus).ratio;
      serving.answered();
    } catch {
      serving.failed();
    }
    return { serviceValue, prometheusValue: await queryValue(ep.prometheusUrl, `max(${RECORDED.memoryRatio}${sel})`) };
  });
  t.add("drill_start", `oom drill on ${o.service}: grow its memory towards ${(o.pastLimitRatio * 100).toFixed(0)}% of its limit over ${o.oomRampSeconds}s; the kernel must kill it at 100%`);
  const status = (await memoryStatus(o.service, admin)) as MemoryChaosStatus;
  t.figures.memoryMeasure = status.measure;
  t.figures.memoryLimitBytes = status.limitBytes;
  const before = await obs.baseline();
  if (before.length) t.add("info", `already active before the drill: ${before.map((a) => `${a.name}(${a.service},${a.state})`).join(", ")}`, { alerts: before });
  const restarts0 = local?.record()?.restarts ?? 0;
  const oom0 = local?.oomKills() ?? null;
  const oomCounted0 = (await queryValue(ep.prometheusUrl, `max(${RECORDED.oomKills}${sel})`)) ?? 0;
  await obs.poll();

  const start = t.add("fault_start", "memory ramp past the limit started", { targetRatio: o.pastLimitRatio, rampSeconds: o.oomRampSeconds, measure: status.measure, limitBytes: status.limitBytes });
  try {
    await startMemoryChaos(o.service, o.pastLimitRatio, o.oomRampSeconds, admin, true);
  } catch (e) {
    t.add("info", `the ramp past the limit was refused: ${(e as Error).message}`);
    t.add("drill_end", "drill finished");
    evaluateOom(t, obs, cfg, { faultStart: start.at, withReceivers: !!ep.receiversUrl, local: !!local });
    return t;
  }
  // Local: the kernel's counter and the supervisor's record, polled with everything else.
  const watchLocal = () => {
    if (!local) return;
    const kills = local.oomKills();
    if (kills !== null && oom0 !== null && kills > oom0 && !t.first("oom_kill")) {
      t.add("oom_kill", `the kernel OOM-killed ${o.service} (oom_kill ${oom0} -> ${kills} in cgroup ${local.cgroupPath()})`, { oomKills: kills, cgroup: local.cgroupPath() });
    }
    const r = local.record();
    if (r && (r.restarts ?? 0) > restarts0 && !t.first("restart")) {
      t.add("restart", `the supervisor restarted ${o.service} (restart ${r.restarts}, last exit ${r.lastExit?.reason} at ${r.lastExit?.at}, new pid ${r.pid})`, { ...r });
    }
  };
  const counted = async () => {
    if (t.first("oom_counted")) return;
    const v = await queryValue(ep.prometheusUrl, `max(${RECORDED.oomKills}${sel})`).catch(() => undefined);
    if (v !== undefined && v > oomCounted0) t.add("oom_counted", `cAdvisor's count of the kill is in Prometheus (${RECORDED.oomKills} = ${v.toFixed(2)})`, { value: v });
  };
  const isKilled = () => !!t.first("oom_kill") || !!t.first("oom_counted");
  const alertFired = () => t.events.some((e) => e.kind === "alert_firing" && e.data?.name === "ContainerOOMKilled" && e.data?.service === o.service);
  const notified = () => !ep.receiversUrl || t.events.some((e) => e.kind === "notification" && e.data?.alertname === "ContainerOOMKilled" && e.data?.action !== "resolve" && e.data?.action !== "resolved");
  const back = () => serving.isAnswering && (!local || !!t.first("restart"));
  const seen = async () => {
    watchLocal();
    await counted();
    return isKilled() && alertFired() && notified() && back() && !!t.first("oom_counted");
  };
  let done = false;
  const end = Date.now() + (o.oomRampSeconds + 300) * 1000;
  while (!done && Date.now() < end) {
    await obs.poll();
    done = await seen();
    if (!done) await sleep(o.pollMs);
  }
  t.add("fault_end", "the service was killed and restarted; its ballast went with it");
  // ContainerOOMKilled resolves once the kill leaves its 5-minute window; the resolve goes out
  // at the next group_interval.
  const settle = 300 + durationSeconds(cfg.alertmanager.groupInterval) + 120;
  const resolvedEnd = Date.now() + settle * 1000;
  while (Date.now() < resolvedEnd) {
    await obs.poll();
    watchLocal();
    if (allResolved(t, obs, !!ep.receiversUrl) && t.events.filter((e) => e.kind === "overview").at(-1)?.data?.colour === "green") break;
    await sleep(o.pollMs);
  }
  t.add("drill_end", "drill finished");
  evaluateOom(t, obs, cfg, { faultStart: start.at, withReceivers: !!ep.receiversUrl, local: !!local });
  return t;
}
