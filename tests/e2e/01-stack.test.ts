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

test("Prometheus sees ~200 req/s on payment-processor and ~80 req/s on merchant-api (within 20%)", async () => {
  // rate over 1m needs a minute of traffic after the first scrape.
  const t = stackInfo().startedAt;
  await new Promise((r) => setTimeout(r, Math.max(0, t + 100_000 - Date.now())));
  const rates = new Map((await query(o, 'sum by (service) (rate(http_requests_total{service=~"payment-processor|merchant-api"}[1m]))')).map((r) => [r.metric.service, r.value]));
  process.stdout.write(`measured rates: payment-processor ${rates.get("payment-processor")?.toFixed(1)} req/s, merchant-api ${rates.get("merchant-api")?.toFixed(1)} req/s\n`);
  expect(rates.get("payment-processor")).toBeGreaterThan(160);
  expect(rates.get("payment-processor")).toBeLessThan(240);
  expect(rates.get("merchant-api")).toBeGreaterThan(64);
  expect(rates.get("merchant-api")).toBeLessThan(96);
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
    await page.goto(`${prom}/classic/targets`, { waitUntil: "networkidle" });
    const text = await page.innerText("body");
    // The classic UI heads each job with "<job> (<up>/<total> up)".
    const upCounts = SERVICES.map((s) => new RegExp(`${s} \\((\\d+)/(\\d+) up\\)`).exec(text)).map((m) => (m ? `${m[1]}/${m[2]}` : "missing"));
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
