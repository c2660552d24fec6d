/**
 * The stand-ins over HTTP on ephemeral loopback ports: each answer has the real service's
 * status and body, and every notification, accepted or refused, is recorded.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startReceivers, type Receivers } from "./server";

const KEY = "0123456789abcdef0123456789abcdef";
const TOKEN = "t0ken123";
let dir: string;
let r: Receivers;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "receivers-server-"));
  r = await startReceivers({ pagerdutyPort: 0, slackPort: 0, stateDir: dir, slackToken: TOKEN, pagerdutyRoutingKey: KEY });
});
afterAll(async () => {
  await r.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, contentType = "application/json") {
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type"), text };
}
const last = () => r.store.all().at(-1)!;
const trigger = (more: object = {}) => ({ routing_key: KEY, event_action: "trigger", dedup_key: "d1", payload: { summary: "disk full", source: "host1", severity: "critical", custom_details: { service: "ledger" } }, ...more });

describe("the PagerDuty stand-in", () => {
  it("answers a valid trigger with 202 and PagerDuty's success body, and records it with its arrival time", async () => {
    const before = Date.now();
    const res = await post(r.pagerdutyUrl, trigger());
    expect(res.status).toBe(202);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ status: "success", message: "Event processed", dedup_key: "d1" });
    const rec = last();
    expect(rec).toMatchObject({ receiver: "pagerduty", accepted: true, status: 202, errors: [], service: "ledger", summary: "disk full" });
    expect(rec.pagerduty).toMatchObject({ event_action: "trigger", dedup_key: "d1", severity: "critical", outcome: "opened" });
    expect(rec.receivedAtMs).toBeGreaterThanOrEqual(before);
    expect(rec.receivedAtMs).toBeLessThanOrEqual(Date.now());
    expect(new Date(rec.receivedAt).getTime()).toBe(rec.receivedAtMs);
    expect(JSON.parse(rec.raw)).toEqual(trigger());
  });

  it("answers an invalid event with 400 and PagerDuty's error body naming each problem", async () => {
    const res = await post(r.pagerdutyUrl, trigger({ payload: { summary: "x", severity: "fatal" } }));
    expect(res.status).toBe(400);
    const errors = ["'payload.source' is missing or blank", "'payload.severity' is invalid (must be one of: critical, error, warning, info)"];
    expect(JSON.parse(res.text)).toEqual({ status: "invalid event", message: "Event object is invalid", errors });
    expect(last()).toMatchObject({ accepted: false, status: 400, errors });
  });

  it.each([
    ["a text/plain body", JSON.stringify(trigger()), "text/plain", 'Content-Type must be application/json (got "text/plain")'],
    ["JSON that does not parse", "{not json", "application/json", "Event is not valid JSON: "],
  ])("refuses %s with 400", async (_name, body, contentType, error) => {
    const res = await post(r.pagerdutyUrl, body, contentType);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0]).toContain(error);
    expect(last().errors[0]).toContain(error);
  });

  it("refuses a well-formed routing key that is not the configured one, visibly", async () => {
    const res = await post(r.pagerdutyUrl, trigger({ routing_key: "f".repeat(32) }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors).toEqual(["Invalid routing key"]);
    expect(r.store.query({ accepted: false }).at(-1)?.errors).toEqual(["Invalid routing key"]);
  });

  it("makes up a dedup key for a trigger without one, which a resolve can then use", async () => {
    const res = await post(r.pagerdutyUrl, trigger({ dedup_key: undefined }));
    const key = JSON.parse(res.text).dedup_key;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(last().pagerduty?.dedup_key).toBe(key);
    await post(r.pagerdutyUrl, { routing_key: KEY, event_action: "resolve", dedup_key: key });
    expect(r.incidents.latest({ dedupKey: key })?.state).toBe("resolved");
  });

  it("refuses an event over 512 KB", async () => {
    const res = await post(r.pagerdutyUrl, trigger({ payload: { summary: "x", source: "y", severity: "info", custom_details: { big: "x".repeat(600 * 1024) } } }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors).toEqual(["Event is larger than 512 KB"]);
  });

  it("answers 404 to other paths, such as the v1 API, and records the attempt", async () => {
    const res = await post(r.pagerdutyUrl.replace("/v2/enqueue", "/generic/2010-04-15/create_event.json"), trigger());
    expect(res.status).toBe(404);
    expect(last()).toMatchObject({ accepted: false, status: 404, path: "/generic/2010-04-15/create_event.json" });
  });

  it("does not take Slack messages: they fail on its port as they would at PagerDuty", async () => {
    const res = await post(r.slackWebhookUrl.replace(/^http:\/\/[^/]+/, r.pagerdutyUrl.replace("/v2/enqueue", "")), { text: "hi" });
    expect(res.status).toBe(404);
  });
});

describe("the Slack stand-in", () => {
  const msg = { channel: "#alerts-warning", attachments: [{ title: "[FIRING:1] HighLatency - merchant-api", text: "slow", fallback: "slow", color: "warning" }] };

  it("answers a valid message with 200 and the body ok, and records its key fields", async () => {
    const res = await post(r.slackWebhookUrl, msg);
    expect(res).toMatchObject({ status: 200, text: "ok" });
    expect(last()).toMatchObject({
      receiver: "slack",
      accepted: true,
      status: 200,
      service: "merchant-api",
      summary: "[FIRING:1] HighLatency - merchant-api",
      slack: { channel: "#alerts-warning", title: "[FIRING:1] HighLatency - merchant-api", status: "firing", service: "merchant-api" },
    });
  });

  it("keeps the token out of the recorded path", async () => {
    await post(r.slackWebhookUrl, msg);
    expect(last().path).toBe("/services/T0LOCAL00/B0LOCAL00/***");
  });

  it("accepts the form-encoded payload= variant Slack also takes", async () => {
    const res = await post(r.slackWebhookUrl, `payload=${encodeURIComponent(JSON.stringify({ text: "hello" }))}`, "application/x-www-form-urlencoded");
    expect(res).toMatchObject({ status: 200, text: "ok" });
  });

  it.each([
    ["another token", (u: string) => u.replace(TOKEN, "wrong1"), msg, "application/json", 403, "invalid_token"],
    ["a path that is not a webhook", (u: string) => u.replace(/\/services\/.*/, "/services/T0LOCAL00"), msg, "application/json", 404, "no_service"],
    ["JSON that does not parse", (u: string) => u, "{nope", "application/json", 400, "invalid_payload"],
    ["a text/plain body", (u: string) => u, JSON.stringify(msg), "text/plain", 400, "invalid_payload"],
    ["a message with nothing to show", (u: string) => u, { channel: "#alerts-warning" }, "application/json", 400, "no_text"],
    ["an unknown colour", (u: string) => u, { attachments: [{ text: "x", color: "blue" }] }, "application/json", 400, "invalid_payload"],
  ])("refuses %s with Slack's status and error code", async (_name, url, body, contentType, status, code) => {
    const res = await post(url(r.slackWebhookUrl), body, contentType);
    expect(res).toMatchObject({ status, text: code });
    expect(last()).toMatchObject({ receiver: "slack", accepted: false, status });
    expect(last().errors[0]).toMatch(new RegExp(`^${code}: `));
  });
});
