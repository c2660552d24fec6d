/**
 * /health for load balancers, against the real nginx: on HTTP and HTTPS, no auth, no rate
 * limit, never proxied, a fixed tiny body that says nothing about nginx or Grafana.
 */
import { HEALTH_BODY } from "./options";
import { Res, send } from "./testing/client";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";

describe("/health (real nginx)", () => {
  let fd: FrontDoor;
  beforeAll(async () => {
    fd = await startFrontDoor();
  });
  afterAll(async () => fd?.stop());

  const health = (tls: boolean, extra: Partial<Parameters<typeof send>[1]> = {}) =>
    send(fd, { tls, port: tls ? fd.httpsPort : fd.httpPort, path: "/health", ...extra });

  /** Only these headers may appear: nothing from Grafana, no version, no upstream timing. */
  function expectNothingLeaks(res: Res) {
    expect(res.body).toBe(HEALTH_BODY);
    expect(res.headers.server).toBe("nginx");
    expect(res.headers["content-type"]).toBe("text/plain");
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
    const allowed = ["server", "date", "content-type", "content-length", "connection",
      "strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy"];
    expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
  }

  it.each([true, false])("answers 200 with the fixed body and no credentials (HTTPS: %s)", async (tls) => {
    const res = await health(tls);
    expect(res.status).toBe(200);
    expectNothingLeaks(res);
  });

  it("ignores wrong credentials instead of answering 401", async () => {
    expect((await health(true, { auth: "intruder:wrong" })).status).toBe(200);
  });

  it("is an exact match: /healthz and /health/x are ordinary, protected paths", async () => {
    expect((await send(fd, { tls: true, port: fd.httpsPort, path: "/healthz" })).status).toBe(401);
    expect((await send(fd, { tls: true, port: fd.httpsPort, path: "/health/x" })).status).toBe(401);
    expect((await send(fd, { tls: false, port: fd.httpPort, path: "/healthz" })).status).toBe(301);
  });

  it("is never rate limited: 80 simultaneous checks from one address all get 200", async () => {
    const results = await Promise.all(Array.from({ length: 80 }, () => health(true)));
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
  });

  it("never reaches Grafana and is not logged", async () => {
    const before = fd.grafana.requests.length;
    await health(true);
    await health(false);
    expect(fd.grafana.requests.length).toBe(before);
    // A request that IS logged, afterwards: once its line is there, the checks' lines would be too.
    const marker = `/api/marker?${Date.now()}`;
    await send(fd, { tls: true, port: fd.httpsPort, path: marker, auth: fd.credentials });
    const lines = await fd.waitForAccessLog((ls) => ls.some((l) => l.uri === marker));
    expect(lines.filter((l) => l.uri === "/health")).toEqual([]);
  });

  it("keeps answering 200 while Grafana is down, when everything else gets 502", async () => {
    await fd.grafana.close();
    expect((await send(fd, { tls: true, port: fd.httpsPort, path: "/", auth: fd.credentials })).status).toBe(502);
    const res = await health(true);
    expect(res.status).toBe(200);
    expectNothingLeaks(res);
  });
});
