/**
 * The reusable demo service: every fleet name boots with its own routes and the shared
 * instrumentation, and a profile's error rate and latency are what the RED metrics then show.
 */
import { DEMO_SERVICE_NAMES, fleetService, type ServiceProfile } from "../fleet";
import { parseServiceEnv } from "../lib/env";
import { seededRandom } from "../lib/latency";
import { startService } from "../lib/service";
import { samples, scrape, value } from "../testing/exposition";
import { request } from "../testing/http";
import { registerProfileRoutes, startDemoService } from "./app";

const fill = (template: string) => template.replace(/:[a-z]+/g, "abc123");

test.each(DEMO_SERVICE_NAMES.map((n) => [n]))("%s serves every route of its profile and labels them by template", async (name) => {
  const service = await startDemoService(parseServiceEnv({ SERVICE_NAME: name, PORT: "0", LATENCY_SCALE: "0" }));
  try {
    const { profile } = fleetService(name);
    for (const route of profile.routes) {
      const response = await request(route.method, `${service.url}${fill(route.path)}`, route.method === "GET" ? undefined : {});
      const allowed = [route.method === "POST" ? 201 : 200, profile.errorStatus, route.clientErrorStatus];
      expect(allowed).toContain(response.status);
    }
    const routes = new Set(samples(await scrape(`${service.url}/metrics`), "http_requests_total").map((s) => s.labels.route));
    expect([...routes].sort()).toEqual(profile.routes.map((r) => r.path).sort());
  } finally {
    await service.close();
  }
});

test("a profile's error ratio and latency distribution are what the RED metrics show", async () => {
  const profile: ServiceProfile = {
    latency: { medianMs: 30, p99Ms: 90 }, errorRatio: 0.25, errorStatus: 503,
    routes: [{ method: "GET", path: "/things/:id", weight: 1 }],
  };
  const env = parseServiceEnv({ SERVICE_NAME: "profile-test", PORT: "0" });
  const service = await startService(env, { routes: (app) => registerProfileRoutes(app, "profile-test", profile, 1, seededRandom(42)) });
  try {
    // Batches of 10, so the measured latency is the profile's and not queueing in a busy test process.
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => request("GET", `${service.url}/things/${batch * 10 + i}`)));
    }
    const families = await scrape(`${service.url}/metrics`);
    const count = (status: string) => value(families, "http_requests_total", { method: "GET", route: "/things/:id", status });
    expect(count("200") + count("503")).toBe(200);
    expect(count("503") / 200).toBeGreaterThan(0.15);
    expect(count("503") / 200).toBeLessThan(0.35);
    // Log-normal(median 30, p99 90): 1% under 10 ms, 86% under 50 ms, 99.4% under 100 ms (with slack for timers).
    const under = (le: string) => value(families, "http_request_duration_seconds_bucket", { le, method: "GET", route: "/things/:id", status: "200" }) / count("200");
    expect(under("0.01")).toBeLessThan(0.05);
    expect(under("0.05")).toBeGreaterThan(0.6);
    expect(under("0.1")).toBeGreaterThan(0.9);
  } finally {
    await service.close();
  }
});

test("the demo service refuses a SERVICE_NAME that is not one of the ten demo services", () => {
  expect(() => startDemoService(parseServiceEnv({ SERVICE_NAME: "payment-processor" }))).toThrow(/not a demo service; expected one of api-gateway/);
});
