/**
 * Slack incoming webhooks (POST /services/<team>/<bot>/<token>): validation of one message
 * and the key fields we keep. Pure: no I/O.
 *
 * Slack answers 200 with the body `ok`, or an HTTP error whose body is one short code
 * (api.slack.com "Handling errors" and the 2016-05-17 changelog): invalid_payload and
 * no_text (400), invalid_token (403), no_service and channel_not_found (404),
 * too_many_attachments (400, more than 100 attachments), invalid_blocks (400). The stand-in
 * answers with the same codes and keeps a sentence per problem for people reading the store.
 */

/** Error codes the stand-in answers with, and their HTTP status, as Slack does. */
export const SLACK_ERRORS = {
  invalid_payload: 400,
  no_text: 400,
  too_many_attachments: 400,
  invalid_blocks: 400,
  invalid_token: 403,
  no_service: 404,
  channel_not_found: 404,
} as const;
export type SlackErrorCode = keyof typeof SLACK_ERRORS;

/** Slack refuses messages with more than this many attachments. */
export const SLACK_MAX_ATTACHMENTS = 100;

/** A refusal: the code Slack would answer with and what exactly was wrong. */
export interface SlackRefusal {
  code: SlackErrorCode;
  status: number;
  reasons: string[];
}

/** Outcome of validating one message. */
export type SlackValidation = { ok: true } | ({ ok: false } & SlackRefusal);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const filled = (v: unknown) => typeof v === "string" && v.trim() !== "";
const refuse = (code: SlackErrorCode, reasons: string[]): SlackValidation => ({ ok: false, code, status: SLACK_ERRORS[code], reasons });

/** Attachment colours Slack documents: good, warning, danger or a hex colour. */
const COLOR = /^(good|warning|danger|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})$/;
/** A channel override: #name, @user, or a conversation id (C…, G…, D…). */
const CHANNEL = /^([#@][\w.-]+|[CGD][A-Z0-9]{8,})$/;
const ATTACHMENT_STRINGS = ["title", "title_link", "text", "fallback", "pretext", "color", "footer", "image_url", "thumb_url", "callback_id", "author_name", "author_link"];

/** Splits a webhook path into team, bot and token; null if it is not /services/T/B/token. */
export function parseWebhookPath(pathname: string): { team: string; bot: string; token: string } | null {
  const m = /^\/services\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?$/.exec(pathname);
  return m ? { team: m[1], bot: m[2], token: m[3] } : null;
}

/** Validates a parsed message body; the first failing class of problem decides the code. */
export function validateSlackMessage(body: unknown): SlackValidation {
  if (!isObj(body)) return refuse("invalid_payload", ["the body is not a JSON object"]);
  const shape: string[] = [];
  for (const f of ["text", "channel", "username", "icon_emoji", "icon_url", "thread_ts"]) {
    if (body[f] !== undefined && typeof body[f] !== "string") shape.push(`${f} must be a string`);
  }
  const attachments = body.attachments;
  if (attachments !== undefined && attachments !== null && !Array.isArray(attachments)) shape.push("attachments must be an array");
  const list = Array.isArray(attachments) ? attachments : [];
  list.forEach((a, i) => shape.push(...attachmentProblems(a, `attachments[${i}]`)));
  if (shape.length > 0) return refuse("invalid_payload", shape);
  if (list.length > SLACK_MAX_ATTACHMENTS) return refuse("too_many_attachments", [`${list.length} attachments (at most ${SLACK_MAX_ATTACHMENTS})`]);

  const blocks = body.blocks;
  if (blocks !== undefined && blocks !== null) {
    if (!Array.isArray(blocks)) return refuse("invalid_blocks", ["blocks must be an array"]);
    const bad = blocks.flatMap((b, i) => (isObj(b) && filled(b.type) ? [] : [`blocks[${i}] must be an object with a type`]));
    if (bad.length > 0) return refuse("invalid_blocks", bad);
  }

  if (typeof body.channel === "string" && !CHANNEL.test(body.channel)) {
    return refuse("channel_not_found", [`channel "${body.channel}" is not #name, @user or a channel id`]);
  }

  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (!filled(body.text) && !hasBlocks) {
    if (list.length === 0) return refuse("no_text", ["no text, attachments or blocks"]);
    const empty = list.flatMap((a, i) => (filled((a as Obj).text) || filled((a as Obj).fallback) ? [] : [`attachments[${i}] has neither text nor fallback`]));
    if (empty.length > 0) return refuse("no_text", empty);
  }
  return { ok: true };
}

function attachmentProblems(a: unknown, at: string): string[] {
  if (!isObj(a)) return [`${at} must be an object`];
  const out: string[] = [];
  for (const f of ATTACHMENT_STRINGS) if (a[f] !== undefined && typeof a[f] !== "string") out.push(`${at}.${f} must be a string`);
  // Slack ignores an unknown colour; we refuse it because it means a broken template.
  if (typeof a.color === "string" && a.color !== "" && !COLOR.test(a.color)) out.push(`${at}.color "${a.color}" is not good, warning, danger or a hex colour`);
  if (a.fields !== undefined && a.fields !== null) {
    if (!Array.isArray(a.fields)) out.push(`${at}.fields must be an array`);
    else a.fields.forEach((f, i) => {
      if (!isObj(f) || (f.title !== undefined && typeof f.title !== "string") || (f.value !== undefined && typeof f.value !== "string")) out.push(`${at}.fields[${i}] must be an object with string title and value`);
    });
  }
  if (a.mrkdwn_in !== undefined && a.mrkdwn_in !== null && !(Array.isArray(a.mrkdwn_in) && a.mrkdwn_in.every((x) => typeof x === "string"))) out.push(`${at}.mrkdwn_in must be an array of strings`);
  if (a.actions !== undefined && a.actions !== null && !(Array.isArray(a.actions) && a.actions.every(isObj))) out.push(`${at}.actions must be an array of objects`);
  return out;
}

/** What a title of our Alertmanager template (`[FIRING:2] Alert - service`) says. */
export interface AlertTitle {
  status: "firing" | "resolved" | null;
  /** Number of firing alerts, when the title says it. */
  firing: number | null;
  service: string | null;
}

/** Parses `[FIRING:n] …` / `[RESOLVED] …` and a trailing ` - <service>` (render/alertmanager.ts slack.title). */
export function parseAlertTitle(title: string): AlertTitle {
  const m = /^\s*\[(FIRING|RESOLVED)(?::(\d+))?\]\s*(.*)$/i.exec(title);
  if (!m) return { status: null, firing: null, service: null };
  const rest = m[3];
  const dash = rest.lastIndexOf(" - ");
  const service = dash >= 0 ? rest.slice(dash + 3).trim() || null : null;
  return { status: m[1].toLowerCase() as "firing" | "resolved", firing: m[2] ? Number(m[2]) : null, service };
}

/** The key fields of a message, read as far as the body allows (also for refused ones). */
export interface SlackFields {
  channel: string | null;
  title: string | null;
  status: "firing" | "resolved" | null;
  service: string | null;
}

/** Reads channel, first attachment title (or first text line), status and service. */
export function slackFields(body: unknown): SlackFields {
  const b = isObj(body) ? body : {};
  const first = Array.isArray(b.attachments) && isObj(b.attachments[0]) ? b.attachments[0] : {};
  const text = typeof b.text === "string" ? b.text : "";
  const title = filled(first.title) ? (first.title as string) : text.split("\n")[0] || null;
  const parsed = title ? parseAlertTitle(title) : { status: null, service: null };
  // The text template names the service of each alert: "*Service:* <name>".
  const allText = `${text}\n${typeof first.text === "string" ? first.text : ""}`;
  const fromText = /\*Service:\*\s*([^\s*]+)/.exec(allText)?.[1] ?? null;
  return { channel: typeof b.channel === "string" ? b.channel : null, title, status: parsed.status, service: parsed.service ?? fromText };
}
