/**
 * A small HTTP(S) client for the front-door tests: loopback only, chosen source address,
 * the self-signed certificate as the only trusted CA, and basic-auth credentials.
 */
import * as http from "http";
import * as https from "https";

/** What a test wants to send. */
export interface Req {
  port: number;
  path: string;
  /** true: HTTPS with the front door's certificate as trust anchor. */
  tls: boolean;
  method?: string;
  /** user:password for basic auth. */
  auth?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Source address (127.0.0.1, 127.0.0.2, ...): nginx rate-limits per source address. */
  localAddress?: string;
  /** Keep-alive agent to reuse connections (its localAddress must match). */
  agent?: http.Agent;
}

/** What came back. */
export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Headers exactly as sent, for counting duplicates. */
  rawHeaders: string[];
  body: string;
}

/** Everything a client needs to talk to one front door. */
export interface Target {
  serverName: string;
  /** PEM of the self-signed certificate: the only CA the client trusts. */
  ca: string;
}

/** Sends one request to 127.0.0.1, verifying the certificate against `serverName`. */
export function send(target: Target, r: Req): Promise<Res> {
  const lib = r.tls ? https : http;
  const options: https.RequestOptions = {
    host: "127.0.0.1",
    port: r.port,
    path: r.path,
    method: r.method ?? "GET",
    headers: { Host: target.serverName, ...(r.headers ?? {}) },
    localAddress: r.localAddress,
    agent: r.agent ?? false,
    auth: r.auth,
    ...(r.tls ? { ca: target.ca, servername: target.serverName } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = lib.request(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`request ${r.path} timed out`)));
    req.end(r.body);
  });
}

/** A keep-alive HTTPS agent bound to one source address. */
export function agentFor(target: Target, localAddress: string, maxSockets = 8): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets,
    localAddress,
    ca: target.ca,
    servername: target.serverName,
  } as https.AgentOptions);
}

/** How often a header appears in a raw header list (case-insensitive). */
export function headerCount(res: Res, name: string): number {
  return res.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name.toLowerCase()).length;
}

