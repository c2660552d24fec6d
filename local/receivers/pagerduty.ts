/**
 * PagerDuty Events API v2 ("Send an Alert Event", POST /v2/enqueue): validation of one
 * event and the key fields we keep. Pure: no I/O, no clock.
 *
 * The rules follow PagerDuty's documentation (developer-docs, events-API-v2/02-Trigger-Events):
 * routing_key (32 characters), event_action trigger|acknowledge|resolve, dedup_key (at most
 * 255; required to acknowledge or resolve), payload.summary (at most 1024) / source /
 * severity required for trigger, optional timestamp, component, group, class,
 * custom_details, images, links, client, client_url. Error strings copy the ones the real
 * API returns where we have seen them ("Length of 'routing_key' is incorrect (should be 32
 * characters)", "'payload.severity' is missing or blank"); the others follow that style.
 */

/** The three event actions of an alert event. */
export const PAGERDUTY_ACTIONS = ["trigger", "acknowledge", "resolve"] as const;
export type PagerDutyAction = (typeof PAGERDUTY_ACTIONS)[number];

/** Severities PagerDuty accepts in payload.severity. */
export const PAGERDUTY_SEVERITIES = ["critical", "error", "warning", "info"] as const;

/** Documented limits. */
export const PAGERDUTY_LIMITS = { routingKeyLength: 32, dedupKeyMax: 255, summaryMax: 1024, eventMaxBytes: 512 * 1024 } as const;

/** A validated alert event (only the fields we read; the raw body is kept separately). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    timestamp?: string;
    custom_details?: Record<string, unknown>;
  };
}

/** Outcome of validating one event: the event, or every problem found. */
export type PagerDutyValidation = { ok: true; event: PagerDutyEvent } | { ok: false; errors: string[] };

/** Options of validation. */
export interface PagerDutyValidationOptions {
  /** When set, any other (well-formed) routing key is refused, so a wrong key is visible. */
  expectedRoutingKey?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
/** Length in code points: PagerDuty counts characters, Alertmanager truncates in runes. */
const chars = (s: string) => [...s].length;

/** ISO 8601 date-time, with or without seconds, fraction and offset (PagerDuty's own example uses +0000). */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** True for an ISO 8601 timestamp that names a real instant. */
export function isIso8601(s: string): boolean {
  const m = ISO_8601.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, sec] = m.map(Number);
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(sec) ? 0 : sec));
  return probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d && h < 24 && mi < 60 && (Number.isNaN(sec) || sec < 60);
}

/** Validates a parsed JSON body as an alert event; reports every problem at once. */
export function validatePagerDutyEvent(body: unknown, opts: PagerDutyValidationOptions = {}): PagerDutyValidation {
  if (!isObj(body)) return { ok: false, errors: ["Event must be a JSON object"] };
  const errors: string[] = [];
  const str = (v: unknown, name: string) => {
    if (v !== undefined && v !== null && typeof v !== "string") errors.push(`'${name}' must be a string`);
  };

  const key = body.routing_key;
  if (blank(key)) errors.push("'routing_key' is missing or blank");
  else if (typeof key !== "string") errors.push("'routing_key' must be a string");
  else {
    if (key.length !== PAGERDUTY_LIMITS.routingKeyLength) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!/^[A-Za-z0-9]+$/.test(key)) errors.push("'routing_key' cannot contain non-alphanumeric characters.");
    if (errors.length === 0 && opts.expectedRoutingKey !== undefined && key !== opts.expectedRoutingKey) errors.push("Invalid routing key");
  }

  const action = body.event_action;
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (!PAGERDUTY_ACTIONS.includes(action as PagerDutyAction)) errors.push(`'event_action' is invalid (must be one of: ${PAGERDUTY_ACTIONS.join(", ")})`);

  const dedup = body.dedup_key;
  if (dedup !== undefined && dedup !== null && typeof dedup !== "string") errors.push("'dedup_key' must be a string");
  else if (typeof dedup === "string" && chars(dedup) > PAGERDUTY_LIMITS.dedupKeyMax) errors.push("'dedup_key' is too long (maximum is 255 characters)");
  else if ((action === "acknowledge" || action === "resolve") && blank(dedup)) errors.push("'dedup_key' is missing or blank (required to acknowledge or resolve)");

  // PagerDuty reads the payload of triggers only; follow-up events may carry one (Alertmanager's do).
  if (action === "trigger") errors.push(...payloadProblems(body.payload));

  str(body.client, "client");
  str(body.client_url, "client_url");
  errors.push(...contextProblems(body.links, "links", "href", ["text"]));
  errors.push(...contextProblems(body.images, "images", "src", ["href", "alt"]));

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, event: body as unknown as PagerDutyEvent };
}

function payloadProblems(p: unknown): string[] {
  if (p === undefined || p === null) return ["'payload' is missing or blank"];
  if (!isObj(p)) return ["'payload' must be an object"];
  const errors: string[] = [];
  for (const f of ["summary", "source", "severity"] as const) {
    if (blank(p[f])) errors.push(`'payload.${f}' is missing or blank`);
    else if (typeof p[f] !== "string") errors.push(`'payload.${f}' must be a string`);
  }
  if (typeof p.summary === "string" && chars(p.summary) > PAGERDUTY_LIMITS.summaryMax) errors.push("'payload.summary' is too long (maximum is 1024 characters)");
  if (typeof p.severity === "string" && !blank(p.severity) && !PAGERDUTY_SEVERITIES.includes(p.severity as never)) {
    errors.push(`'payload.severity' is invalid (must be one of: ${PAGERDUTY_SEVERITIES.join(", ")})`);
  }
  if (p.timestamp !== undefined && p.timestamp !== null && (typeof p.timestamp !== "string" || !isIso8601(p.timestamp))) {
    errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
  }
  for (const f of ["component", "group", "class"]) {
    if (p[f] !== undefined && p[f] !== null && typeof p[f] !== "string") errors.push(`'payload.${f}' must be a string`);
  }
  if (p.custom_details !== undefined && p.custom_details !== null && !isObj(p.custom_details)) errors.push("'payload.custom_details' must be an object");
  return errors;
}

/** images / links: arrays of objects with one required URL field and optional strings. */
function contextProblems(v: unknown, name: string, required: string, optional: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [`'${name}' must be an array`];
  return v.flatMap((item, i) => {
    const at = `${name}[${i}]`;
    if (!isObj(item)) return [`'${at}' must be an object`];
    const errors: string[] = [];
    if (blank(item[required])) errors.push(`'${at}.${required}' is missing or blank`);
    else if (typeof item[required] !== "string") errors.push(`'${at}.${required}' must be a string`);
    for (const f of optional) if (item[f] !== undefined && item[f] !== null && typeof item[f] !== "string") errors.push(`'${at}.${f}' must be a string`);
    return errors;
  });
}

/** The key fields of an event, read as far as the body allows (also for rejected events). */
export interface PagerDutyFields {
  event_action: string | null;
  dedup_key: string | null;
  severity: string | null;
  summary: string | null;
  /** custom_details.service (our Alertmanager config puts the service label there). */
  service: string | null;
}

/** Reads the key fields without trusting the shape. */
export function pagerDutyFields(body: unknown): PagerDutyFields {
  const b = isObj(body) ? body : {};
  const p = isObj(b.payload) ? b.payload : {};
  const details = isObj(p.custom_details) ? p.custom_details : {};
  const s = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  return { event_action: s(b.event_action), dedup_key: s(b.dedup_key), severity: s(p.severity), summary: s(p.summary), service: s(details.service) };
}
