/**
 * What each stand-in does with one POST: check it the way the real service would, answer
 * with the real service's status and body, and record it (accepted or refused, with why).
 * No sockets here; server.ts reads the request and writes the reply.
 */
import { randomUUID } from "crypto";
import type { IncidentTracker } from "./incidents";
import { pagerDutyFields, validatePagerDutyEvent, PAGERDUTY_LIMITS } from "./pagerduty";
import { parseWebhookPath, slackFields, validateSlackMessage, SLACK_ERRORS, type SlackErrorCode } from "./slack";
import type { NotificationRecord, NotificationStore, ReceiverName } from "./store";

/** One POST as read from the socket. */
export interface IncomingPost {
  path: string;
  contentType: string;
  /** Body as UTF-8 text (cut at the size limit when tooLarge). */
  raw: string;
  /** True when the body was larger than the receiver's limit. */
  tooLarge: boolean;
  at: Date;
}

/** What to answer. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** What the receivers share: the store, the incidents and the expected credentials. */
export interface ReceiveContext {
  store: NotificationStore;
  incidents: IncidentTracker;
  slackToken: string;
  pagerdutyRoutingKey?: string;
}

/** Slack bodies above this are refused (Slack documents no limit; Alertmanager's are a few KB). */
export const SLACK_MAX_BYTES = 1024 * 1024;

const json = (status: number, body: unknown): Reply => ({ status, contentType: "application/json", body: JSON.stringify(body) });
const isJson = (ct: string) => /^application\/json\b/i.test(ct);

function base(receiver: ReceiverName, p: IncomingPost, path: string) {
  return { receiver, receivedAt: p.at.toISOString(), receivedAtMs: p.at.getTime(), method: "POST", path, contentType: p.contentType, raw: p.raw };
}

/** POST on the PagerDuty port: /v2/enqueue, as the Events API v2. */
export function receivePagerDuty(ctx: ReceiveContext, p: IncomingPost): Reply {
  const refuse = (status: number, errors: string[], body: unknown, parsed?: unknown): Reply => {
    const fields = pagerDutyFields(parsed);
    ctx.store.append({ ...base("pagerduty", p, p.path), accepted: false, status, errors, summary: fields.summary, service: fields.service, pagerduty: { ...fields, outcome: null, incident: null } });
    return json(status, body);
  };
  const invalid = (errors: string[], parsed?: unknown) => refuse(400, errors, { status: "invalid event", message: "Event object is invalid", errors }, parsed);

  if (p.path !== "/v2/enqueue") return refuse(404, [`unknown path ${p.path}: the Events API v2 endpoint is /v2/enqueue`], { status: "not found", message: "Not found" });
  if (p.tooLarge) return invalid([`Event is larger than ${PAGERDUTY_LIMITS.eventMaxBytes / 1024} KB`]);
  if (!isJson(p.contentType)) return invalid([`Content-Type must be application/json (got "${p.contentType}")`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(p.raw);
  } catch (e) {
    return invalid([`Event is not valid JSON: ${(e as Error).message}`]);
  }
  const v = validatePagerDutyEvent(parsed, { expectedRoutingKey: ctx.pagerdutyRoutingKey });
  if (!v.ok) return invalid(v.errors, parsed);

  // PagerDuty makes up a key for a trigger without one and returns it, so follow-ups can use it.
  const dedupKey = v.event.dedup_key || randomUUID().replace(/-/g, "");
  const fields = { ...pagerDutyFields(parsed), dedup_key: dedupKey };
  // Applied before the append so the record can say what it did; if the append throws, the
  // sender gets a 500 and retries, and a restart rebuilds the incidents from the store alone.
  const applied = ctx.incidents.apply({
    action: v.event.event_action,
    dedupKey,
    routingKey: v.event.routing_key,
    service: fields.service,
    summary: fields.summary,
    severity: fields.severity,
    notificationId: ctx.store.all().length + 1,
    at: p.at.toISOString(),
  });
  ctx.store.append({
    ...base("pagerduty", p, p.path),
    accepted: true,
    status: 202,
    errors: [],
    summary: fields.summary,
    service: fields.service ?? applied.incident?.service ?? null,
    pagerduty: { ...fields, outcome: applied.outcome, incident: applied.incident?.number ?? null },
  });
  return json(202, { status: "success", message: "Event processed", dedup_key: dedupKey });
}

/** POST on the Slack port: /services/<team>/<bot>/<token>, as an incoming webhook. */
export function receiveSlack(ctx: ReceiveContext, p: IncomingPost): Reply {
  const hook = parseWebhookPath(p.path);
  const shownPath = hook ? `/services/${hook.team}/${hook.bot}/***` : p.path;
  const record = (accepted: boolean, status: number, errors: string[], parsed?: unknown) => {
    const fields = slackFields(parsed);
    ctx.store.append({ ...base("slack", p, shownPath), accepted, status, errors, summary: fields.title, service: fields.service, slack: fields });
  };
  const refuse = (code: SlackErrorCode, reasons: string[], parsed?: unknown): Reply => {
    record(false, SLACK_ERRORS[code], reasons.map((r) => `${code}: ${r}`), parsed);
    return { status: SLACK_ERRORS[code], contentType: "text/plain; charset=utf-8", body: code };
  };

  if (!hook) return refuse("no_service", [`${p.path} is not /services/<team>/<bot>/<token>`]);
  if (hook.token !== ctx.slackToken) return refuse("invalid_token", ["the token in the webhook URL is not the configured one"]);
  if (p.tooLarge) return refuse("invalid_payload", [`the body is larger than ${SLACK_MAX_BYTES} bytes`]);
  let text: string | null = p.raw;
  if (/^application\/x-www-form-urlencoded\b/i.test(p.contentType)) text = new URLSearchParams(p.raw).get("payload");
  else if (!isJson(p.contentType)) return refuse("invalid_payload", [`Content-Type "${p.contentType}" is neither application/json nor application/x-www-form-urlencoded`]);
  if (text === null) return refuse("invalid_payload", ["the form has no payload field"]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return refuse("invalid_payload", [`the body is not valid JSON: ${(e as Error).message}`]);
  }
  const v = validateSlackMessage(parsed);
  if (!v.ok) return refuse(v.code, v.reasons, parsed);
  record(true, 200, [], parsed);
  return { status: 200, contentType: "text/plain; charset=utf-8", body: "ok" };
}

/** Rebuilds the incidents from the accepted PagerDuty events of a store, in order. */
export function replayIncidents(records: readonly NotificationRecord[], incidents: IncidentTracker): void {
  for (const r of records) {
    if (r.receiver !== "pagerduty" || !r.accepted || !r.pagerduty?.dedup_key) continue;
    const event = JSON.parse(r.raw) as { routing_key: string; event_action: "trigger" | "acknowledge" | "resolve" };
    incidents.apply({
      action: event.event_action,
      dedupKey: r.pagerduty.dedup_key,
      routingKey: event.routing_key,
      service: r.pagerduty.service,
      summary: r.pagerduty.summary,
      severity: r.pagerduty.severity,
      notificationId: r.id,
      at: r.receivedAt,
    });
  }
}
