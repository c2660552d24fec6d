/**
 * A STAND-IN for Grafana behind the front door — not Grafana. Grafana is not packaged for Debian
 * and its source may not be used here (AGPL), so the local stack and the nginx tests put this
 * loopback server where Grafana would listen: Grafana-like `/api/health`, a Grafana Live-like
 * WebSocket on /api/live/ws, and either a caller's pages (the local stack's "what runs where"
 * page, local/grafana-stand-in/page.ts) or, for tests, a JSON echo of each request. It records
 * what it receives so tests can check what nginx forwards (and what it must not, like the
 * Authorization header).
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

/** What a page handler returns; null = not handled (404 from the stand-in). */
export interface StandInPage {
  status: number;
  contentType: string;
  body: string;
}

/** Options of one stand-in. */
export interface StandInOptions {
  /** Loopback address and port; port 0 = ephemeral (tests). */
  host?: string;
  port?: number;
  /** Serves GET pages; without it every request gets a JSON echo of itself (tests). */
  pages?: (url: URL) => StandInPage | null;
  /** Keep every request in `requests` (tests); the long-running local process does not. */
  record?: boolean;
}

/** Grafana's /api/health answer shape, marked as the stand-in (with `pages`; tests get the echo). */
export const HEALTH_BODY = JSON.stringify({ commit: "local-stand-in", database: "ok", version: "stand-in (not Grafana)" });

/** Starts the stand-in (by default on 127.0.0.1 with an ephemeral port). */
export async function startStandInGrafana(o: StandInOptions = {}): Promise<StandInGrafana> {
  const requests: SeenRequest[] = [];
  const wsMessages: string[] = [];

  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      // ?delay_ms=N makes the stand-in as slow as a heavy Grafana query (for timeout tests).
      const delay = Number(url.searchParams.get("delay_ms") ?? 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, Math.min(delay, 120_000)));
      if (o.record !== false) requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes, upgrade: false });
      // Grafana sends these itself; the front door must end up sending each exactly once.
      res.setHeader("X-Frame-Options", "deny");
      res.setHeader("X-Content-Type-Options", "nosniff");
      if (o.pages && url.pathname === "/api/health") {
        res.setHeader("Content-Type", "application/json");
        res.end(HEALTH_BODY);
        return;
      }
      if (!o.pages) {
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ stand_in: "grafana", method: req.method, url: req.url, bodyBytes }));
        return;
      }
      const page = req.method === "GET" || req.method === "HEAD" ? o.pages(url) : null;
      res.statusCode = page?.status ?? 404;
      res.setHeader("Content-Type", page?.contentType ?? "text/plain; charset=utf-8");
      res.end(page?.body ?? `${url.pathname}: not served by the local Grafana stand-in (Grafana itself runs on dev/prod)\n`);
    });
  });
  server.keepAliveTimeout = 70_000;

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (o.record !== false) requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes: 0, upgrade: true });
    if (req.url !== LIVE_WS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.send(LIVE_HELLO);
      ws.on("message", (data) => {
        const text = data.toString();
        if (o.record !== false) wsMessages.push(text);
        ws.send(`echo:${text}`);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "127.0.0.1", resolve);
  });
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
