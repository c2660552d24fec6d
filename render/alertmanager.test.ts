/**
 * When the rendered routes flush, against the rule evaluations (render/alertmanager.ts
 * groupWaits): every route that notifies a resolve must flush half way between two evaluations,
 * so that with several Alertmanagers no replica flushes within milliseconds of a resolve.
 * Pure: the rendered YAML, route inheritance as Alertmanager applies it.
 */
import * as yaml from "js-yaml";
import { parseStackConfig, readStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { durationSeconds, promDuration } from "../config/validate";
import { groupWaits, renderAlertmanagerConfig, RECEIVERS } from "./alertmanager";
import { dockerTopology, kubernetesTopology } from "./topology";

interface Route {
  receiver?: string;
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}
interface Flush {
  path: string;
  receiver: string;
  waitMs: number;
  intervalMs: number;
}

/** Every route with the timing it runs with: unset fields inherit the parent's (and the root's Alertmanager defaults). */
function flushes(route: Route, parent: Omit<Flush, "path"> = { receiver: "", waitMs: 30_000, intervalMs: 300_000 }, at = "route"): Flush[] {
  const own: Flush = {
    path: at,
    receiver: route.receiver ?? parent.receiver,
    waitMs: route.group_wait !== undefined ? durationSeconds(route.group_wait) * 1000 : parent.waitMs,
    intervalMs: route.group_interval !== undefined ? durationSeconds(route.group_interval) * 1000 : parent.intervalMs,
  };
  return [own, ...(route.routes ?? []).flatMap((r, i) => flushes(r, own, `${at}.routes[${i}] ${JSON.stringify(r.matchers ?? [])}`))];
}

/** Routes whose receiver sends resolves (PagerDuty, Slack): the heartbeat's Watchdog never resolves. */
const RESOLVING: string[] = [RECEIVERS.pagerduty, RECEIVERS.slack];

function render(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): { cfg: StackConfig; routes: Flush[] } {
  const file = readStackFile(stack);
  const cfg = parseStackConfig({ ...file.raw, ...overrides }, { present: new Set(), required: false }, stack);
  const topo = stack === "dev" ? dockerTopology(cfg) : kubernetesTopology(cfg);
  const doc = yaml.load(renderAlertmanagerConfig(cfg, topo)) as { route: Route };
  return { cfg, routes: flushes(doc.route) };
}

/** Where in the evaluation cycle a route's flushes fall (0 = on an evaluation), for its first few flushes. */
function phases(f: Flush, evalMs: number): number[] {
  return [0, 1, 2, 10, 100].map((k) => (f.waitMs + k * f.intervalMs) % evalMs);
}

describe.each([
  ["dev", {}, 15_000],
  ["prod", {}, 15_000],
  ["prod", { scrape: { interval: "20s", timeout: "10s", evaluationInterval: "20s" }, alertmanager: { criticalGroupInterval: "2m" } }, 20_000],
] as const)("stack %s %j", (stack, overrides, evalMs) => {
  const { cfg, routes } = render(stack, overrides);

  test(`every route that sends resolves flushes half way between two evaluations (${evalMs / 1000}s apart)`, () => {
    const resolving = routes.filter((r) => RESOLVING.includes(r.receiver));
    expect(resolving.map((r) => r.receiver)).toEqual(expect.arrayContaining(RESOLVING));
    for (const r of resolving) expect({ route: r.path, phases: phases(r, evalMs) }).toEqual({ route: r.path, phases: [0, 1, 2, 10, 100].map(() => evalMs / 2) });
  });

  test("pages wait half an evaluation, warnings two and a half", () => {
    expect(groupWaits(cfg)).toEqual({ critical: promDuration(evalMs / 2), warning: promDuration((5 * evalMs) / 2) });
  });
});

test("counterfactual: the waits this project had (0s pages, 30s warnings) flush on every evaluation", () => {
  const { routes } = render("prod", { alertmanager: { criticalGroupWait: "0s", warningGroupWait: "30s" }, replicas: { prometheus: 2, alertmanager: 1 } });
  const resolving = routes.filter((r) => RESOLVING.includes(r.receiver));
  for (const r of resolving) expect(phases(r, 15_000)).toEqual([0, 0, 0, 0, 0]);
});

test("promDuration writes what Alertmanager parses: whole units, milliseconds last", () => {
  expect([7500, 37_500, 60_000, 90_000, 3_600_000 + 1500, 0].map(promDuration)).toEqual(["7s500ms", "37s500ms", "1m", "1m30s", "1h1s500ms", "0s"]);
  for (const ms of [7500, 37_500, 90_000, 3_601_500]) expect(durationSeconds(promDuration(ms)) * 1000).toBeCloseTo(ms, 6);
});
