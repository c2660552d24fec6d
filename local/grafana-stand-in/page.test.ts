/**
 * The local Grafana stand-in's pages: what runs where, and the provisioned dashboards as
 * panels whose queries open in Prometheus; always labelled as a stand-in.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderDashboards } from "../../dashboards";
import { stackConfig } from "../../tests/helpers/render-tmp";
import { concreteQuery, standInPages, type StandInInfo } from "./page";

let dir: string;
let info: StandInInfo;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-pages-"));
  for (const [name, content] of Object.entries(renderDashboards(stackConfig("dev")))) fs.writeFileSync(path.join(dir, name), content);
  info = { urls: [{ what: "Prometheus", url: "http://127.0.0.1:9090/classic/targets" }], prometheusUrl: "http://127.0.0.1:9090", dashboardsDir: dir, notes: ["Grafana is not packaged by Debian"] };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const page = (p: string) => standInPages(info)(new URL(p, "http://x"));

test("the index says it is a stand-in, lists what runs where and links every provisioned dashboard", () => {
  const p = page("/")!;
  expect(p.status).toBe(200);
  expect(p.body).toContain("this is not Grafana");
  expect(p.body).toContain('href="http://127.0.0.1:9090/classic/targets"');
  for (const uid of ["ops-overview", "service-deep-dive", "business-metrics"]) expect(p.body).toContain(`href="/d/${uid}"`);
  expect(p.body).toContain("Grafana is not packaged by Debian");
});

test("a dashboard page lists its panels with each query linked to Prometheus, variables filled in", () => {
  const p = page("/d/service-deep-dive?var-service=merchant-api")!;
  expect(p.body).toContain("this is not Grafana");
  const links = [...p.body.matchAll(/href="http:\/\/127\.0\.0\.1:9090\/graph\?g0\.expr=([^&"]+)/g)].map((m) => decodeURIComponent(m[1]));
  expect(links.length).toBeGreaterThan(10);
  expect(links.some((q) => q.includes('service="merchant-api"'))).toBe(true);
  expect(links.filter((q) => q.includes("$"))).toEqual([]);
});

test("unknown paths and dashboards are not served (the server answers 404)", () => {
  expect(page("/d/no-such-dashboard")).toBeNull();
  expect(page("/api/dashboards/db")).toBeNull();
});

test("Grafana's built-in interval variables and the dashboard's own get example values", () => {
  expect(concreteQuery('rate(x{service="$service"}[$__rate_interval])', { service: "ledger" })).toBe('rate(x{service="ledger"}[1m])');
  expect(concreteQuery("sum(y{s=~\"${service:regex}\"})", { service: "a|b" })).toBe('sum(y{s=~"a|b"})');
});
