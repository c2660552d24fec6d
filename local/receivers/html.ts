/**
 * The stand-ins' page (GET /): incidents, then notifications newest first, refreshed every
 * few seconds. Every value that came from a request is escaped: notification bodies are
 * written by whoever can reach the port, and the page must not run what they contain.
 */
import type { Incident } from "./incidents";
import type { NotificationRecord } from "./store";

/** How many notifications the page shows (the JSON API has them all). */
export const PAGE_ROWS = 500;
/** Seconds between automatic refreshes. */
export const REFRESH_SECONDS = 5;

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Masks a 32-character routing key in a raw body, so the page does not show the credential. */
export function maskRoutingKey(raw: string): string {
  return raw.replace(/("routing_key"\s*:\s*")([^"]{4})[^"]*(")/g, "$1$2…$3");
}

const cell = (v: unknown, cls = "") => `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(v)}</td>`;

function notificationRow(r: NotificationRecord): string {
  const what = r.pagerduty
    ? [r.pagerduty.event_action, r.pagerduty.severity, r.pagerduty.outcome && `→ ${r.pagerduty.outcome}${r.pagerduty.incident ? ` #${r.pagerduty.incident}` : ""}`]
    : [r.slack?.status, r.slack?.channel];
  const key = r.pagerduty ? r.pagerduty.dedup_key : r.slack?.title;
  return (
    `<tr class="${r.accepted ? "ok" : "bad"}">` +
    cell(r.id) +
    cell(r.receivedAt) +
    cell(r.receiver) +
    cell(r.accepted ? `${r.status} accepted` : `${r.status} refused: ${r.errors.join("; ")}`) +
    cell(what.filter(Boolean).join(" ")) +
    cell(r.service ?? "") +
    cell(r.summary ?? "") +
    cell(key ?? "", "key") +
    `<td><details><summary>${escapeHtml(`${r.method} ${r.path}`)}</summary><pre>${escapeHtml(maskRoutingKey(r.raw))}</pre></details></td>` +
    "</tr>"
  );
}

function incidentRow(i: Incident): string {
  return `<tr class="${i.state}">` + [i.number, i.state, i.service ?? "", i.severity ?? "", i.summary ?? "", i.triggers, i.openedAt, i.resolvedAt ?? ""].map((v) => cell(v)).join("") + cell(i.dedupKey, "key") + "</tr>";
}

/** The whole page. `records` are shown newest first, at most PAGE_ROWS of them. */
export function renderPage(records: readonly NotificationRecord[], incidents: Incident[], title = "Notification stand-ins"): string {
  const rows = records.slice(-PAGE_ROWS).reverse();
  const refused = records.filter((r) => !r.accepted).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1em}table{border-collapse:collapse;width:100%;margin-bottom:2em}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}
tr.bad{background:#fdd}tr.open{background:#fee}tr.acknowledged{background:#ffd}tr.resolved{background:#efe}
.key{font-family:monospace;font-size:12px;max-width:22em;overflow-wrap:anywhere}pre{white-space:pre-wrap;max-width:60em}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${records.length} notifications (${refused} refused), ${incidents.length} PagerDuty incidents. JSON: <a href="/api/notifications">/api/notifications</a>, <a href="/api/incidents">/api/incidents</a>. Refreshes every ${REFRESH_SECONDS}s.</p>
<h2>PagerDuty incidents</h2>
<table><tr><th>#</th><th>state</th><th>service</th><th>severity</th><th>summary</th><th>triggers</th><th>opened</th><th>resolved</th><th>dedup key</th></tr>
${incidents.slice().reverse().map(incidentRow).join("\n")}
</table>
<h2>Notifications, newest first${records.length > PAGE_ROWS ? ` (latest ${PAGE_ROWS})` : ""}</h2>
<table><tr><th>id</th><th>received</th><th>receiver</th><th>result</th><th>event</th><th>service</th><th>summary</th><th>dedup key / title</th><th>request</th></tr>
${rows.map(notificationRow).join("\n")}
</table>
</body></html>
`;
}
