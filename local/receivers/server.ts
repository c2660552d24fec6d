/**
 * The stand-ins as one process with two listeners: PagerDuty's Events API on one port,
 * Slack's incoming webhooks on the other, one store and one page/API served on both.
 *
 * One process because the two share the store, the page and the life cycle (the local
 * stack starts, checks and stops one thing); two ports because Alertmanager is configured
 * with two independent URLs, as it is with the real services, and a mix-up between them
 * (a Slack message posted to PagerDuty) must fail as it would in production.
 */
import * as http from "http";
import * as net from "net";
import type { AddressInfo } from "net";
import { HeartbeatSwitch, heartbeatEvent, type HeartbeatTransition } from "./heartbeat";
import { renderPage } from "./html";
import { IncidentTracker, type IncidentState } from "./incidents";
import { PAGERDUTY_LIMITS } from "./pagerduty";
import { receivePagerDuty, receiveSlack, replayIncidents, SLACK_MAX_BYTES, type IncomingPost, type ReceiveContext, type Reply } from "./receive";
import { NotificationStore, type NotificationFilter } from "./store";

/** Options of startReceivers. */
export interface ReceiversOptions {
  /** A loopback address (127.0.0.0/8, ::1 or localhost); anything else is refused. */
  host?: string;
  /** 0 picks a free port (tests). */
  pagerdutyPort: number;
  slackPort: number;
  /** Where notifications.jsonl lives; reused across restarts. */
  stateDir: string;
  /** The token the Slack webhook URL must end with. */
  slackToken: string;
  /** When set, PagerDuty events with another routing key are refused ("Invalid routing key"). */
  pagerdutyRoutingKey?: string;
  /** The dead man's switch stand-in on a third port (local/receivers/heartbeat.ts). */
  heartbeat?: HeartbeatOptions;
}

/** Options of the dead man's switch stand-in. */
export interface HeartbeatOptions {
  /** 0 picks a free port. */
  port: number;
  /** The last segment of the ping URL (letters and digits): the credential Alertmanager holds. */
  token: string;
  /** Pings are expected every `periodSeconds`; the switch pages after period + grace of silence. */
  periodSeconds: number;
  graceSeconds: number;
}

/** Routing key the switch pages with when the PagerDuty stand-in checks none (PagerDuty's are 32 characters). */
export const HEARTBEAT_ROUTING_KEY = "deadmansswitchstandin00000000000";

/** Running stand-ins. */
export interface Receivers {
  /** Alertmanager's pagerduty_configs url. */
  pagerdutyUrl: string;
  /** Alertmanager's slack api_url (contains the token: treat as a credential). */
  slackWebhookUrl: string;
  /** The page, on the PagerDuty port (the same page is served on the Slack port). */
  uiUrl: string;
  uiUrls: { pagerduty: string; slack: string };
  store: NotificationStore;
  incidents: IncidentTracker;
  /** The dead man's switch, when configured: its ping URL (a credential) and its state. */
  heartbeatUrl?: string;
  heartbeat?: HeartbeatSwitch;
  /** Stops both listeners (dropping idle connections) and closes the store. */
  close(): Promise<void>;
}

/** True for an address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1") return true;
  return net.isIPv4(h) && h.startsWith("127.");
}

/** Starts both stand-ins; resolves once both listen. */
export async function startReceivers(o: ReceiversOptions): Promise<Receivers> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopbackHost(host)) throw new Error(`receivers: refusing to listen on ${host}: the stand-ins accept credentials and serve notification bodies, so they bind to loopback only (127.0.0.1, ::1, localhost)`);
  if (!/^[A-Za-z0-9]+$/.test(o.slackToken)) throw new Error("receivers: slackToken must be letters and digits (it is the last segment of the webhook URL)");

  const store = NotificationStore.open(o.stateDir);
  const incidents = new IncidentTracker();
  replayIncidents(store.all(), incidents);
  const ctx: ReceiveContext = { store, incidents, slackToken: o.slackToken, pagerdutyRoutingKey: o.pagerdutyRoutingKey };

  const pd = http.createServer((req, res) => void handle(req, res, ctx, "pagerduty"));
  const slack = http.createServer((req, res) => void handle(req, res, ctx, "slack"));
  const hb = o.heartbeat;
  if (hb && !/^[A-Za-z0-9]+$/.test(hb.token)) throw new Error("receivers: heartbeat token must be letters and digits (it is the last segment of the ping URL)");
  const sw = hb ? new HeartbeatSwitch(hb.periodSeconds, hb.graceSeconds) : undefined;
  const hbServer = hb ? http.createServer((req, res) => void handleHeartbeat(req, res, hb.token, sw!, (t) => pager.send(t))) : undefined;
  const servers = [pd, slack, ...(hbServer ? [hbServer] : [])];
  try {
    await Promise.all([listen(pd, host, o.pagerdutyPort, "PagerDuty"), listen(slack, host, o.slackPort, "Slack"), ...(hbServer ? [listen(hbServer, host, hb!.port, "heartbeat")] : [])]);
  } catch (e) {
    await Promise.all(servers.map(stop));
    store.close();
    throw e;
  }
  const base = (s: http.Server) => `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${(s.address() as AddressInfo).port}`;
  const pagerdutyUrl = `${base(pd)}/v2/enqueue`;
  const pager = new SwitchPager(pagerdutyUrl, o.pagerdutyRoutingKey ?? HEARTBEAT_ROUTING_KEY, sw);
  const timer = sw ? setInterval(() => pager.send(sw.check(Date.now())), 1000) : undefined;
  timer?.unref();
  return {
    pagerdutyUrl,
    slackWebhookUrl: `${base(slack)}/services/T0LOCAL00/B0LOCAL00/${o.slackToken}`,
    uiUrl: `${base(pd)}/`,
    uiUrls: { pagerduty: `${base(pd)}/`, slack: `${base(slack)}/` },
    store,
    incidents,
    ...(hbServer ? { heartbeatUrl: `${base(hbServer)}/ping/${hb!.token}`, heartbeat: sw } : {}),
    close: async () => {
      if (timer) clearInterval(timer);
      await Promise.all(servers.map(stop));
      store.close();
    },
  };
}

/**
 * Sends the switch's PagerDuty events in order; an event the PagerDuty stand-in did not take
 * (not listening yet, 5xx) is retried every second, as the real services retry.
 */
class SwitchPager {
  private readonly queue: Array<Record<string, unknown>> = [];
  private busy = false;
  constructor(
    private readonly url: string,
    private readonly routingKey: string,
    private readonly sw: HeartbeatSwitch | undefined,
  ) {
    if (sw) setInterval(() => void this.flush(), 1000).unref();
  }

  send(t: HeartbeatTransition): void {
    if (!t || !this.sw) return;
    this.queue.push(heartbeatEvent(t, this.sw, this.routingKey, Date.now()));
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const res = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(this.queue[0]), signal: AbortSignal.timeout(5000) }).catch(() => null);
        // 4xx will not get better by retrying (and is recorded by the stand-in as refused).
        if (!res || res.status >= 500) break;
        this.queue.shift();
      }
    } finally {
      this.busy = false;
    }
  }
}

/** The ping endpoint, as the heartbeat services have it: any method on /ping/<token>. */
async function handleHeartbeat(req: http.IncomingMessage, res: http.ServerResponse, token: string, sw: HeartbeatSwitch, onTransition: (t: HeartbeatTransition) => void): Promise<void> {
  const url = new URL(req.url ?? "/", "http://stand-in");
  req.resume(); // the body (Alertmanager's webhook JSON) is not needed
  if (url.pathname === "/api/heartbeat" && req.method === "GET") return send(res, { status: 200, contentType: "application/json", body: JSON.stringify(sw.status(), null, 1) });
  if (url.pathname === "/healthz") return send(res, { status: 200, contentType: "application/json", body: JSON.stringify({ status: "ok" }) });
  const m = /^\/ping\/([^/]+)$/.exec(url.pathname);
  if (!m || !["GET", "POST", "HEAD"].includes(req.method ?? "")) return send(res, { status: 404, contentType: "text/plain", body: "not found" });
  if (m[1] !== token) return send(res, { status: 404, contentType: "text/plain", body: "not found" });
  onTransition(sw.ping(Date.now()));
  send(res, { status: 200, contentType: "text/plain", body: "OK" });
}

function listen(server: http.Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`receivers: ${what} stand-in cannot listen on ${host}:${port}: ${(e as Error).message}`)));
    server.listen(port, host, () => resolve());
  });
}

function stop(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: ReceiveContext, receiver: "pagerduty" | "slack"): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (req.method === "POST") {
      const limit = receiver === "pagerduty" ? PAGERDUTY_LIMITS.eventMaxBytes : SLACK_MAX_BYTES;
      const { raw, tooLarge } = await readBody(req, limit);
      const post: IncomingPost = { path: url.pathname, contentType: req.headers["content-type"] ?? "", raw, tooLarge, at: new Date() };
      return send(res, receiver === "pagerduty" ? receivePagerDuty(ctx, post) : receiveSlack(ctx, post));
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, { status: 405, contentType: "text/plain", body: "method not allowed" });
    send(res, get(url, ctx));
  } catch (e) {
    // A store that cannot write must not answer 2xx: the sender retries on 5xx, as with the real services.
    send(res, { status: 500, contentType: "text/plain", body: `stand-in error: ${(e as Error).message}` });
  }
}

const STATES: IncidentState[] = ["open", "acknowledged", "resolved"];

function get(url: URL, ctx: ReceiveContext): Reply {
  const q = url.searchParams;
  const ok = (body: unknown): Reply => ({ status: 200, contentType: "application/json", body: JSON.stringify(body, null, 1) });
  const bad = (message: string): Reply => ({ status: 400, contentType: "application/json", body: JSON.stringify({ error: message }) });
  switch (url.pathname) {
    case "/":
      return { status: 200, contentType: "text/html; charset=utf-8", body: renderPage(ctx.store.all(), ctx.incidents.list()) };
    case "/healthz":
      return ok({ status: "ok", notifications: ctx.store.all().length });
    case "/api/notifications": {
      const f: NotificationFilter = {};
      const receiver = q.get("receiver");
      if (receiver !== null) {
        if (receiver !== "pagerduty" && receiver !== "slack") return bad(`receiver: got "${receiver}"; allowed: pagerduty, slack`);
        f.receiver = receiver;
      }
      const since = q.get("since");
      if (since !== null) {
        if (!/^\d+$/.test(since)) return bad(`since: got "${since}"; allowed: epoch milliseconds`);
        f.since = Number(since);
      }
      if (q.get("service") !== null) f.service = q.get("service")!;
      const accepted = q.get("accepted");
      if (accepted !== null) {
        if (accepted !== "true" && accepted !== "false") return bad(`accepted: got "${accepted}"; allowed: true, false`);
        f.accepted = accepted === "true";
      }
      const notifications = ctx.store.query(f);
      return ok({ count: notifications.length, notifications });
    }
    case "/api/incidents": {
      const state = q.get("state");
      if (state !== null && !STATES.includes(state as IncidentState)) return bad(`state: got "${state}"; allowed: ${STATES.join(", ")}`);
      const incidents = ctx.incidents.list({ service: q.get("service") ?? undefined, state: (state as IncidentState) ?? undefined, dedupKey: q.get("dedup_key") ?? undefined });
      return ok({ count: incidents.length, incidents });
    }
    default:
      return { status: 404, contentType: "text/plain", body: "not found" };
  }
}

/** Reads a body; past `limit` bytes it keeps draining (so we can answer) but stops keeping. */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ raw: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      if (size <= limit) chunks.push(c);
      size += c.length;
    });
    req.on("end", () => {
      const all = Buffer.concat(chunks);
      resolve({ raw: all.subarray(0, Math.min(all.length, limit)).toString("utf8"), tooLarge: size > limit });
    });
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, r: Reply): void {
  res.writeHead(r.status, { "content-type": r.contentType, "cache-control": "no-store" });
  res.end(r.body);
}
