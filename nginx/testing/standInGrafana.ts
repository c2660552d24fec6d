/**
 * A stand-in for Grafana behind the front door in tests: plain HTTP plus a Grafana Live-like
 * WebSocket endpoint on /api/live/ws, on loopback. It records what it receives so tests can
 * check what nginx forwards (and what it must not, like the Authorization header).
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { WebSocketServer, WebSocket } from "ws";

/** One request (or WebSocket upgrade) as the stand-in saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of request body received. */
  bodyBytes: number;
  upgrade: boolean;
}

/** The running stand-in. */
export interface StandInGrafana {
  port: number;
  requests: SeenRequest[];
  /** Messages received over WebSockets, in order. */
  wsMessages: string[];
  close(): Promise<void>;
}

/** Path of the Live WebSocket, as Grafana serves it. */
export const LIVE_WS_PATH = "/api/live/ws";

/** First message the stand-in pushes on every new WebSocket (server -> client direction). */
export const LIVE_HELLO = JSON.stringify({ id: 0, result: { client: "stand-in", version: "stand-in" } });

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startStandInGrafana(): Promise<StandInGrafana> {
  const requests: SeenRequest[] = [];
  const wsMessages: string[] = [];

  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", async () => {
      // ?delay_ms=N makes the stand-in as slow as a heavy Grafana query (for timeout tests).
      const delay = Number(new URL(req.url ?? "/", "http://x").searchParams.get("delay_ms") ?? 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes, upgrade: false });
      // Grafana sends these itself; the front door must end up sending each exactly once.
      res.setHeader("X-Frame-Options", "deny");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ stand_in: "grafana", method: req.method, url: req.url, bodyBytes }));
    });
  });
  server.keepAliveTimeout = 70_000;

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes: 0, upgrade: true });
    if (req.url !== LIVE_WS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.send(LIVE_HELLO);
      ws.on("message", (data) => {
        const text = data.toString();
        wsMessages.push(text);
        ws.send(`echo:${text}`);
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    wsMessages,
    async close() {
      wss.clients.forEach((c) => c.terminate());
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
