/**
 * What people and tests read: the page, the JSON API, the incidents, and the history
 * surviving a restart on the same state directory. Also: loopback only.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { fetchIncidents, fetchNotifications, waitForNotifications } from "./client";
import { isLoopbackHost, startReceivers, type Receivers } from "./server";

const KEY = "0123456789abcdef0123456789abcdef";
const TOKEN = "tok3n";
const dirs: string[] = [];
const running: Receivers[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "receivers-api-"));
  dirs.push(d);
  return d;
};
async function start(stateDir = tmp()): Promise<Receivers> {
  const r = await startReceivers({ pagerdutyPort: 0, slackPort: 0, stateDir, slackToken: TOKEN });
  running.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const pd = (action: string, dedup: string, service: string, summary = `${service} is down`) =>
  ({ routing_key: KEY, event_action: action, dedup_key: dedup, payload: { summary, source: "am", severity: "critical", custom_details: { service } } });
const slack = (title: string) => ({ channel: "#alerts-warning", attachments: [{ title, text: "t", fallback: "t" }] });

describe("persistence", () => {
  it("keeps notifications and incidents across a restart on the same state directory", async () => {
    const dir = tmp();
    const first = await start(dir);
    await post(first.pagerdutyUrl, pd("trigger", "k1", "ledger"));
    await post(first.slackWebhookUrl, slack("[FIRING:1] Slow - payouts"));
    await post(first.slackWebhookUrl, { text: "" });
    const before = first.store.all();
    await first.close();

    const second = await start(dir);
    expect(second.store.all()).toEqual(before);
    expect(await fetchIncidents(second.uiUrl, { service: "ledger", state: "open" })).toHaveLength(1);
    await post(second.pagerdutyUrl, pd("resolve", "k1", "ledger"));
    expect((await fetchIncidents(second.uiUrl, { dedupKey: "k1" })).map((i) => i.state)).toEqual(["resolved"]);
    expect(second.store.all().map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });
});

describe("the JSON API", () => {
  let r: Receivers;
  let t1: number;
  beforeAll(async () => {
    r = await start();
    await post(r.pagerdutyUrl, pd("trigger", "a", "ledger"));
    await post(r.slackWebhookUrl, slack("[FIRING:2] Slow - payouts"));
    await new Promise((done) => setTimeout(done, 5));
    t1 = Date.now();
    await post(r.slackWebhookUrl, slack("[RESOLVED] Slow - payouts"));
    await post(r.pagerdutyUrl, { routing_key: KEY, event_action: "resolve" });
  });

  it("filters notifications by receiver, arrival time, service and acceptance", async () => {
    const ids = async (f: Parameters<typeof fetchNotifications>[1]) => (await fetchNotifications(r.uiUrl, f)).map((n) => n.id);
    expect(await ids({})).toEqual([1, 2, 3, 4]);
    expect(await ids({ receiver: "slack" })).toEqual([2, 3]);
    expect(await ids({ since: t1 })).toEqual([3, 4]);
    expect(await ids({ service: "payouts", since: t1 })).toEqual([3]);
    expect(await ids({ accepted: false })).toEqual([4]);
    expect((await fetchNotifications(r.uiUrls.slack, { receiver: "slack" })).map((n) => n.slack?.status)).toEqual(["firing", "resolved"]);
  });

  it.each([
    ["receiver=email", 'receiver: got "email"; allowed: pagerduty, slack'],
    ["since=yesterday", 'since: got "yesterday"; allowed: epoch milliseconds'],
    ["accepted=yes", 'accepted: got "yes"; allowed: true, false'],
  ])("answers 400 to the query %s, saying what is allowed", async (query, error) => {
    const res = await fetch(`${r.uiUrl}api/notifications?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error });
  });

  it("lists incidents by service and state, and refuses an unknown state", async () => {
    expect((await fetchIncidents(r.uiUrl, { state: "open" })).map((i) => i.service)).toEqual(["ledger"]);
    expect(await fetchIncidents(r.uiUrl, { service: "payouts" })).toEqual([]);
    expect((await fetch(`${r.uiUrl}api/incidents?state=closed`)).status).toBe(400);
  });

  it("answers /healthz on both ports", async () => {
    for (const base of [r.uiUrls.pagerduty, r.uiUrls.slack]) {
      const res = await fetch(`${base}healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", notifications: 4 });
    }
  });

  it("stops waiting at the bound and says what had arrived", async () => {
    const wait = waitForNotifications(r.uiUrl, { receiver: "pagerduty" }, (l) => l.length > 10, { timeoutMs: 300, what: "eleven pages" });
    await expect(wait).rejects.toThrow(/waited 300 ms for eleven pages .*\n {2}#1 pagerduty accepted ledger is down/);
  });
});

describe("the page", () => {
  it("shows notifications newest first, escapes their content and masks the routing key", async () => {
    const r = await start();
    await post(r.pagerdutyUrl, pd("trigger", "x<y", "ledger", "<script>alert(1)</script> & \"quoted\""));
    await post(r.slackWebhookUrl, slack("[FIRING:1] <img src=x onerror=alert(2)> - payouts"));
    const res = await fetch(r.uiUrl);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain('<meta http-equiv="refresh"');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(html).not.toContain(KEY);
    expect(html).toContain("0123…");
    const table = html.slice(html.indexOf("<h2>Notifications"));
    expect(table.indexOf("onerror=alert(2)")).toBeLessThan(table.indexOf("alert(1)&lt;/script"));
  });
});

describe("loopback only", () => {
  it.each(["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])("takes %s as loopback", (h) => expect(isLoopbackHost(h)).toBe(true));
  it.each(["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "128.0.0.1"])("does not take %s as loopback", (h) => expect(isLoopbackHost(h)).toBe(false));

  it("refuses to start on a non-loopback address", async () => {
    await expect(startReceivers({ host: "0.0.0.0", pagerdutyPort: 0, slackPort: 0, stateDir: tmp(), slackToken: TOKEN })).rejects.toThrow("refusing to listen on 0.0.0.0");
  });

  it("fails naming the port when one is taken, and leaves nothing listening", async () => {
    const listenOn = async (port: number) => {
      const s = net.createServer();
      await new Promise<void>((ok, fail) => s.once("error", fail).listen(port, "127.0.0.1", ok));
      return s;
    };
    const blocker = await listenOn(0);
    const taken = (blocker.address() as net.AddressInfo).port;
    const probe = await listenOn(0);
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise((ok) => probe.close(ok));
    try {
      const start = startReceivers({ pagerdutyPort: free, slackPort: taken, stateDir: tmp(), slackToken: TOKEN });
      await expect(start).rejects.toThrow(`Slack stand-in cannot listen on 127.0.0.1:${taken}`);
      // The PagerDuty listener that did start was closed again: its port is free.
      const again = await listenOn(free);
      await new Promise((ok) => again.close(ok));
    } finally {
      blocker.close();
    }
  });
});
