/**
 * Grafana Live through the front door: a real WebSocket (the `ws` package) through the real
 * nginx to the stand-in, messages both ways, auth required, and a read timeout long enough
 * for a quiet dashboard while ordinary requests keep the short one.
 */
import type * as tls from "tls";
import WebSocket from "ws";
import { send } from "./testing/client";
import { FrontDoor, startFrontDoor } from "./testing/frontDoor";
import { LIVE_HELLO, LIVE_WS_PATH } from "../local/grafana-stand-in/server";

/** Opens a WebSocket through the front door; resolves on open, rejects with the HTTP status otherwise. */
function openLive(fd: FrontDoor, auth: string | undefined, path = LIVE_WS_PATH): Promise<{ ws: WebSocket; first: Promise<string> }> {
  return new Promise((resolve, reject) => {
    // ws hands these to tls.connect; servername makes it verify the certificate for the host name.
    const options: WebSocket.ClientOptions & tls.ConnectionOptions = {
      ca: fd.ca,
      servername: fd.serverName,
      headers: {
        Host: `${fd.serverName}:${fd.httpsPort}`,
        Origin: `https://${fd.serverName}:${fd.httpsPort}`,
        ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {}),
      },
    };
    const ws = new WebSocket(`wss://127.0.0.1:${fd.httpsPort}${path}`, options);
    const first = new Promise<string>((r) => ws.once("message", (d) => r(d.toString())));
    ws.once("open", () => resolve({ ws, first }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

const nextMessage = (ws: WebSocket) => new Promise<string>((r) => ws.once("message", (d) => r(d.toString())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Grafana Live WebSocket through nginx (real nginx, stand-in Grafana)", () => {
  let fd: FrontDoor;
  beforeAll(async () => {
    // A 1 s timeout for ordinary requests makes the separate WebSocket timeout observable quickly.
    fd = await startFrontDoor({ overrides: { proxyTimeoutSeconds: 1 } });
  });
  afterAll(async () => fd?.stop());

  it("carries messages both ways: Grafana's push arrives, the client's message is echoed back", async () => {
    const { ws, first } = await openLive(fd, fd.credentials);
    try {
      expect(await first).toBe(LIVE_HELLO);
      const reply = nextMessage(ws);
      ws.send("subscribe grafana/dashboard/uid/ops-overview");
      expect(await reply).toBe("echo:subscribe grafana/dashboard/uid/ops-overview");
      expect(fd.grafana.wsMessages).toContain("subscribe grafana/dashboard/uid/ops-overview");
    } finally {
      ws.close();
    }
  });

  it("forwards the upgrade with Upgrade/Connection and proxy headers, but without the Authorization header", async () => {
    const { ws } = await openLive(fd, fd.credentials);
    ws.close();
    const upgrade = fd.grafana.requests.filter((r) => r.upgrade && r.url === LIVE_WS_PATH).pop()!;
    expect(upgrade.headers.upgrade).toBe("websocket");
    expect(upgrade.headers.connection).toMatch(/upgrade/i);
    expect(upgrade.headers.authorization).toBeUndefined();
    expect(upgrade.headers.host).toBe(`${fd.serverName}:${fd.httpsPort}`);
    expect(upgrade.headers["x-forwarded-proto"]).toBe("https");
  });

  it("refuses the upgrade with 401 without credentials", async () => {
    await expect(openLive(fd, undefined)).rejects.toThrow("HTTP 401");
  });

  it("does not upgrade connections outside /api/live/", async () => {
    await expect(openLive(fd, fd.credentials, "/api/other/ws")).rejects.toThrow("HTTP 200");
    const seen = fd.grafana.requests.filter((r) => r.url === "/api/other/ws");
    expect(seen.map((r) => [r.upgrade, r.headers.upgrade])).toEqual([[false, undefined]]);
  });

  it("keeps a quiet WebSocket open longer than the ordinary proxy read timeout, which does cut slow requests", async () => {
    const slow = await send(fd, { tls: true, port: fd.httpsPort, path: "/api/ds/query?delay_ms=2500", auth: fd.credentials });
    expect(slow.status).toBe(504);

    const { ws, first } = await openLive(fd, fd.credentials);
    try {
      await first;
      await sleep(2500);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      const reply = nextMessage(ws);
      ws.send("still there?");
      expect(await reply).toBe("echo:still there?");
    } finally {
      ws.close();
    }
  });
});
