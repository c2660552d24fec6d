/**
 * The local stack end to end, as a timeline: everything scraped, the brief's traffic
 * visible in Prometheus, every rule group evaluating cleanly, a test alert of each
 * severity delivered exactly once to the right stand-in and resolved, and the /targets
 * page seen by a real Chromium.
 */
import * as fs from "fs";
import * as path from "path";
import { chromium } from "playwright-core";
import { localStackConfig } from "../../local/config";
import { serviceLimits } from "../../local/plan";
import { FLEET } from "../../services/fleet";
import { getJson, notifications, pushAlerts, query, waitFor } from "./api";
import { stackInfo } from "./stack-env";

const { options: o } = stackInfo();
const prom = `http://127.0.0.1:${o.ports.prometheus}`;
const SERVICES = FLEET.map((s) => s.name);
const INFRA = ["prometheus", "alertmanager", "node-exporter", "cadvisor"];
const RESULTS = path.resolve(__dirname, "../../test-results");

// The test alerts use services of their own so they cannot inhibit or be confused with real ones.
const testAlerts = (endsAt?: string) => [
  { labels: { alertname: "E2ERoutingTest", severity: "critical", service: "e2e-critical", team: "platform" }, annotations: { summary: "e2e critical routing test", description: "value 1", runbook_url: "https://example.test/runbook", dashboard_url: "https://example.test/d" }, ...(endsAt ? { endsAt } : {}) },
  { labels: { alertname: "E2ERoutingTest", severity: "warning", service: "e2e-warning", team: "platform" }, annotations: { summary: "e2e warning routing test", description: "value 1", runbook_url: "https://example.test/runbook", dashboard_url: "https://example.test/d" }, ...(endsAt ? { endsAt } : {}) },
];
let pushedAt = 0;

beforeAll(async () => {
  pushedAt = Date.now();
  await pushAlerts(o, testAlerts());
});

test("all 12 service targets and the infrastructure targets are UP within 90 seconds", async () => {
  const up = await waitFor("every target up", 90_000, async () => {
    const d = await getJson(`${prom}/api/v1/targets?state=active`);
    const byJob = new Map<string, string>(d.data.activeTargets.map((t: any) => [t.labels.job, t.health]));
    return [...SERVICES, ...INFRA].every((j) => byJob.get(j) === "up") ? byJob : undefined;
  });
  expect(SERVICES.filter((s) => up.get(s) === "up")).toHaveLength(12);
});

test("cAdvisor reports every service's cgroup with the limits of fleetResources, relabelled to service and pod as on dev", async () => {
  const { cfg } = localStackConfig(o);
  const series = await waitFor("cAdvisor series of all 12 services", 90_000, async () => {
    const limits = await query(o, 'container_spec_memory_limit_bytes{job="cadvisor", service!=""}');
    return limits.length >= 12 ? limits : undefined;
  });
  const got = Object.fromEntries(series.map((r) => [r.metric.service, { pod: r.metric.pod, limit: r.value }]));
  const want = Object.fromEntries(SERVICES.map((s) => [s, { pod: s, limit: serviceLimits(cfg, s).memoryBytes }]));
  expect(got).toEqual(want);
  const quota = await query(o, 'container_spec_cpu_quota{job="cadvisor", service="payment-processor"} / container_spec_cpu_period{job="cadvisor", service="payment-processor"}');
  expect(quota.map((r) => r.value)).toEqual([serviceLimits(cfg, "payment-processor").cpuCores]);
  // The recorded series the alerts and dashboards read, for every service, from the working set.
  const ratios = await waitFor("service_pod:memory_usage:ratio for all 12", 90_000, async () => {
    const r = await query(o, "service_pod:memory_usage:ratio");
    return r.length >= 12 ? r : undefined;
  });
  expect(ratios.map((r) => r.metric.service).sort()).toEqual([...SERVICES].sort());
  for (const r of ratios) expect(r.value).toBeGreaterThan(0.02);
  process.stdout.write(`working set / limit at start: ${ratios.map((r) => `${r.metric.service} ${(r.value * 100).toFixed(0)}%`).join(", ")}\n`);
});

test("a critical test alert reaches the PagerDuty stand-in and a warning one the Slack stand-in, each exactly once", async () => {
  // critical group_wait 10s, warning 30s (stack config), plus a flush.
  await waitFor("both test notifications", 90_000, async () => {
    const n = await notifications(o, { sinceMs: pushedAt });
    return n.some((x) => x.service === "e2e-critical") && n.some((x) => x.service === "e2e-warning") ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 5000)); // any duplicate would arrive by now
  const n = await notifications(o, { sinceMs: pushedAt });
  const crit = n.filter((x) => x.service === "e2e-critical");
  const warn = n.filter((x) => x.service === "e2e-warning");
  expect(crit.map((x) => [x.receiver, x.accepted, x.pagerduty?.event_action])).toEqual([["pagerduty", true, "trigger"]]);
  expect(warn.map((x) => [x.receiver, x.accepted, x.slack?.status, x.slack?.channel])).toEqual([["slack", true, "firing", "#alerts-warning"]]);
  await pushAlerts(o, testAlerts(new Date().toISOString()));
});

test("Prometheus counts the generator's ~200 req/s on payment-processor and ~80 req/s on merchant-api (within 20% of what it answered)", async () => {
  // rate over 1m needs a minute of traffic after the first scrape. The stack's claim is that
  // Prometheus sees the traffic the services answer; whether the generator keeps its 200 r/s
  // on two cores shared with three more stacks is the generator's business, so the comparison
  // is with its own count of answered requests over the same minute (its /stats).
  const t = stackInfo().startedAt;
  await new Promise((r) => setTimeout(r, Math.max(0, t + 40_000 - Date.now())));
  // One CI run (four stacks on two cores) had the generator's control endpoint take over 10 s
  // to answer: wait for it (up to 60 s, retried) and measure the window on the generator's own
  // clock (elapsedSeconds), so a slow answer cannot stretch the window it reports on.
  type Stats = { elapsedSeconds: number; targets: Array<{ service: string; targetRps: number; completed: number }> };
  const stats = () => waitFor("the traffic generator's /stats", 60_000, async () => (await getJson(`http://127.0.0.1:${o.ports.traffic}/stats`, undefined, 30_000)) as Stats, 1000);
  const before = await stats();
  await new Promise((r) => setTimeout(r, 60_000));
  const after = await stats();
  const seconds = after.elapsedSeconds - before.elapsedSeconds;
  const window = Math.max(60, Math.round(seconds));
  const rates = new Map((await query(o, `sum by (service) (rate(http_requests_total{service=~"payment-processor|merchant-api"}[${window}s]))`)).map((r) => [r.metric.service, r.value]));
  const answered = (svc: string) => {
    const a = after.targets.find((x) => x.service === svc)!;
    const b = before.targets.find((x) => x.service === svc)!;
    return { target: a.targetRps, rps: (a.completed - b.completed) / seconds };
  };
  const pp = answered("payment-processor");
  const ma = answered("merchant-api");
  process.stdout.write(
    `measured rates: payment-processor ${rates.get("payment-processor")?.toFixed(1)} req/s in Prometheus, ${pp.rps.toFixed(1)} answered (target ${pp.target}); ` +
      `merchant-api ${rates.get("merchant-api")?.toFixed(1)} in Prometheus, ${ma.rps.toFixed(1)} answered (target ${ma.target})\n`,
  );
  // The brief's rates (the fleet table: 200 and 80) at this lane's scale (1).
  const expected = (svc: string) => FLEET.find((s) => s.name === svc)!.trafficRps * o.trafficScale;
  expect([pp.target, ma.target]).toEqual([expected("payment-processor"), expected("merchant-api")]);
  expect(o.trafficScale).toBe(1);
  // The generator did generate (a stalled one would make the comparison vacuous).
  expect(pp.rps).toBeGreaterThan(100);
  expect(ma.rps).toBeGreaterThan(40);
  expect(rates.get("payment-processor")).toBeGreaterThan(pp.rps * 0.8);
  expect(rates.get("payment-processor")).toBeLessThan(pp.rps * 1.2);
  expect(rates.get("merchant-api")).toBeGreaterThan(ma.rps * 0.8);
  expect(rates.get("merchant-api")).toBeLessThan(ma.rps * 1.2);
});

test("every rule group has evaluated with 0 errors", async () => {
  const groups = await waitFor("every group evaluated", 60_000, async () => {
    const d = await getJson(`${prom}/api/v1/rules`);
    return d.data.groups.every((g: any) => g.lastEvaluation && !g.lastEvaluation.startsWith("0001")) ? d.data.groups : undefined;
  });
  expect(groups.length).toBeGreaterThanOrEqual(5);
  const bad = groups.flatMap((g: any) => g.rules.filter((r: any) => r.health !== "ok").map((r: any) => `${g.name}/${r.name}: ${r.lastError}`));
  expect(bad).toEqual([]);
  const evalMs = groups.map((g: any) => `${g.name} ${(g.evaluationTime * 1000).toFixed(1)}ms`);
  process.stdout.write(`rule groups: ${evalMs.join(", ")}\n`);
});

test("a headless Chromium shows 12/12 service targets up on Prometheus' /targets page", async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    // Debian builds Prometheus with the classic UI, served under /classic.
    // The classic UI heads each job with "<job> (<up>/<total> up)". Under CI load (four stacks
    // on two cores) one load has come back without the job headings: reload for up to 90 s,
    // and on failure say what the page showed.
    let upCounts: string[] = [];
    let text = "";
    const deadline = Date.now() + 90_000;
    do {
      await page.goto(`${prom}/classic/targets`, { waitUntil: "networkidle", timeout: 60_000 });
      text = await page.innerText("body");
      upCounts = SERVICES.map((s) => new RegExp(`${s} \\((\\d+)/(\\d+) up\\)`).exec(text)).map((m) => (m ? `${m[1]}/${m[2]}` : "missing"));
      if (upCounts.every((c) => c === "1/1")) break;
      await new Promise((r) => setTimeout(r, 5000));
    } while (Date.now() < deadline);
    if (!upCounts.every((c) => c === "1/1")) throw new Error(`/classic/targets after 90 s: ${SERVICES.map((s, i) => `${s} ${upCounts[i]}`).join(", ")}; the page read:\n${text.slice(0, 1500)}`);
    expect(upCounts).toEqual(SERVICES.map(() => "1/1"));
    fs.mkdirSync(RESULTS, { recursive: true });
    // One line per job, so all 15 fit in the picture.
    await page.getByText("Collapse All").click();
    await page.screenshot({ path: path.join(RESULTS, "prometheus-targets.png"), fullPage: true });
  } finally {
    await browser.close();
  }
});

test("resolving the test alerts delivers a resolve to each stand-in, once", async () => {
  // Resolved groups are flushed at their next group_interval (the page: 1m; the Slack warning: 5m).
  const n = await waitFor("both resolves", 6.5 * 60_000, async () => {
    const all = await notifications(o, { sinceMs: pushedAt });
    const resolvedPd = all.filter((x) => x.service === "e2e-critical" && x.pagerduty?.event_action === "resolve");
    const resolvedSlack = all.filter((x) => x.service === "e2e-warning" && x.slack?.status === "resolved");
    return resolvedPd.length && resolvedSlack.length ? { resolvedPd, resolvedSlack, all } : undefined;
  }, 5000);
  expect(n.resolvedPd).toHaveLength(1);
  expect(n.resolvedSlack).toHaveLength(1);
  expect(n.all.filter((x) => x.service?.startsWith("e2e-") && !x.accepted)).toEqual([]);
});
