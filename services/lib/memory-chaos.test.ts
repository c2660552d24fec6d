/**
 * The memory chaos control on a real payment-processor process: it grows resident memory
 * gradually to the requested fraction of the limit (checked against /proc, not only against
 * what the service reports), holds, releases it for real, validates its input, and does not
 * exist at all unless CHAOS_ENABLED=true.
 */
import { createServer, type AddressInfo } from "node:net";
import { scrape, value } from "../testing/exposition";
import { request, waitFor } from "../testing/http";
import { rssOf, startServiceProcess, type ServiceProcess } from "../testing/processes";
import type { MemoryChaosStatus } from "./memory-ballast";

const LIMIT = 512 * 1024 * 1024;
let service: ServiceProcess;

beforeAll(async () => {
  service = await startServiceProcess("node", {
    SERVICE_NAME: "payment-processor", CHAOS_ENABLED: "true", MEMORY_LIMIT_BYTES: String(LIMIT),
  });
});
afterAll(() => service.stop());

const status = async () => (await request("GET", `${service.adminUrl}/chaos/memory`)).body as MemoryChaosStatus;

test("memory chaos grows real RSS gradually to the requested fraction, reports it, and releases it", async () => {
  const idle = await status();
  // Told its limit (no cgroup limits this test process): it measures RSS.
  expect(idle).toMatchObject({ state: "idle", ballastBytes: 0, limitBytes: LIMIT, targetRatio: null, measure: "rss", pastLimit: false });
  const target = Math.min(0.9, idle.ratio + 0.35);

  const started = await request("POST", `${service.adminUrl}/chaos/memory`, { targetRatio: target, rampSeconds: 3 });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({ state: "ramping", targetRatio: target, rampSeconds: 3 });

  // Gradual: some observation lands strictly between where we started and the target.
  const seen: number[] = [];
  await waitFor("the ballast to reach its target and hold", async () => {
    const s = await status();
    seen.push(s.ratio);
    return s.state === "holding";
  }, 15000, 200);
  expect(seen.some((r) => r > idle.ratio + 0.05 && r < target - 0.05)).toBe(true);

  const holding = await status();
  expect(holding.ratio).toBeGreaterThanOrEqual(target - 0.01);
  expect(holding.ratio).toBeLessThan(0.98);
  expect(holding.ballastBytes).toBeGreaterThan(0.25 * LIMIT);
  const measured = await rssOf(service.pid);
  expect(measured / LIMIT).toBeGreaterThanOrEqual(target - 0.02);

  const families = await scrape(`${service.url}/metrics`);
  expect(value(families, "chaos_memory_ballast_bytes", {})).toBe(holding.ballastBytes);
  expect(value(families, "process_resident_memory_bytes", {}) / value(families, "service_memory_limit_bytes", {})).toBeGreaterThanOrEqual(target - 0.02);

  const released = await request("DELETE", `${service.adminUrl}/chaos/memory`);
  expect(released).toMatchObject({ status: 200, body: { state: "idle", ballastBytes: 0, targetRatio: null } });
  await waitFor("RSS to fall back near where it started", async () => (await rssOf(service.pid)) < idle.rssBytes + 0.1 * LIMIT, 10000, 200);
  expect(value(await scrape(`${service.url}/metrics`), "chaos_memory_ballast_bytes", {})).toBe(0);
}, 40000);

test.each([
  [{ targetRatio: 0 }, /targetRatio must be greater than 0/],
  [{ targetRatio: 0.99 }, /targetRatio must be at most 0.98 \(or set pastLimit: true to be OOM-killed\)/],
  [{ targetRatio: 2.5, pastLimit: true }, /targetRatio must be at most 2/],
  [{ targetRatio: "0.5" }, /targetRatio/],
  [{}, /targetRatio/],
  [{ targetRatio: 0.5, rampSeconds: -1 }, /rampSeconds must be >= 0/],
  [{ targetRatio: 0.5, unknown: true }, /unknown/i],
])("POST /chaos/memory with %j is refused with 400 and a message saying why", async (body, message) => {
  const response = await request("POST", `${service.adminUrl}/chaos/memory`, body);
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ error: "invalid_request" });
  expect((response.body as { message: string }).message).toMatch(message);
  expect((await status()).state).toBe("idle");
});

test("pastLimit is refused (409) where no cgroup enforces the limit: nothing would kill the process", async () => {
  const response = await request("POST", `${service.adminUrl}/chaos/memory`, { targetRatio: 1.2, pastLimit: true });
  expect(response.status).toBe(409);
  expect(response.body).toMatchObject({ error: "not_possible", message: expect.stringMatching(/pastLimit needs a memory limit the kernel enforces \(a cgroup\)/) });
  expect((await status()).state).toBe("idle");
});

test("the chaos routes are not served on the API port", async () => {
  expect((await request("POST", `${service.url}/chaos/memory`, { targetRatio: 0.5 })).status).toBe(404);
  expect((await request("GET", `${service.url}/chaos/memory`)).status).toBe(404);
});

describe("with chaos disabled", () => {
  test("no admin listener is opened and chaos calls are refused", async () => {
    // Reserve a free port, release it, and tell the service to use it as ADMIN_PORT.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const adminPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const plain = await startServiceProcess("node", { SERVICE_NAME: "payment-processor", ADMIN_PORT: String(adminPort) });
    try {
      expect(plain.adminUrl).toBeNull();
      await expect(fetch(`http://127.0.0.1:${adminPort}/chaos/memory`)).rejects.toThrow();
      expect((await request("POST", `${plain.url}/chaos/memory`, { targetRatio: 0.5 })).status).toBe(404);
      expect((await request("POST", `${plain.url}/chaos/fault`, { errorRatio: 1 })).status).toBe(404);
      const families = await scrape(`${plain.url}/metrics`);
      expect(families.some((f) => f.name.startsWith("chaos_"))).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});
