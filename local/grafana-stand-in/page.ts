/**
 * The pages the local Grafana stand-in serves behind the front door, so a person who logs in
 * locally gets something useful instead of a bare 502: what runs where on this machine, and the
 * three provisioned dashboards as Grafana would load them (each panel's PromQL, linked to
 * Prometheus' own graph page). Every page says plainly that this is a stand-in, not Grafana.
 */
import * as fs from "fs";
import * as path from "path";
import type { StandInPage } from "./server";

/** What the stand-in shows; written by the local stack to a JSON file the CLI reads. */
export interface StandInInfo {
  /** The URLs `npm start` prints (what runs where). */
  urls: Array<{ what: string; url: string }>;
  /** Base URL of Prometheus for the panel links, e.g. http://127.0.0.1:9090. */
  prometheusUrl: string;
  /** Directory of the provisioned dashboard JSON files (the same files dev/prod load). */
  dashboardsDir: string;
  /** What the local stack cannot run, as start-up says it. */
  notes: string[];
}

interface Panel {
  type: string;
  title?: string;
  description?: string;
  targets?: Array<{ expr?: string; legendFormat?: string }>;
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  description?: string;
  panels: Panel[];
  templating?: { list?: Array<{ name: string }> };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Grafana's built-in variables, and the dashboards' own, given example values for the links. */
export function concreteQuery(expr: string, vars: Record<string, string>): string {
  let q = expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, "1m").replace(/\$__interval|\$\{__interval\}/g, "1m").replace(/\$__range|\$\{__range\}/g, "1h");
  for (const [k, v] of Object.entries(vars)) q = q.replace(new RegExp(`\\$\\{${k}(:[a-z]+)?\\}|\\$${k}\\b`, "g"), v);
  return q;
}

function loadDashboards(dir: string): Dashboard[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Dashboard);
}

const BANNER =
  '<p class="banner"><strong>Local stand-in for Grafana — this is not Grafana.</strong> Grafana is not packaged for Debian, so the ' +
  "local stack runs this page behind the real front door (TLS, basic auth, rate limit) where Grafana listens on dev and prod. " +
  "The dashboards below are the provisioned files dev and prod load; their queries run against the local Prometheus.</p>";

function layout(title: string, body: string): StandInPage {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)} · local stand-in</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
.banner{background:#fff4d6;border:1px solid #e0b84c;padding:.8em;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35em;text-align:left;vertical-align:top}
code{font-size:12px;word-break:break-all}</style></head><body><h1>${esc(title)}</h1>${BANNER}${body}</body></html>`;
  return { status: 200, contentType: "text/html; charset=utf-8", body: html };
}

function indexPage(info: StandInInfo, dashboards: Dashboard[]): StandInPage {
  const urls = info.urls.map((u) => `<tr><td>${esc(u.what)}</td><td><a href="${esc(u.url)}">${esc(u.url)}</a></td></tr>`).join("");
  const dash = dashboards.map((d) => `<li><a href="/d/${esc(d.uid)}">${esc(d.title)}</a> — ${esc(d.description ?? "")}</li>`).join("");
  const notes = info.notes.map((n) => `<li>${esc(n)}</li>`).join("");
  return layout(
    "monitoring-stack: what runs where locally",
    `<h2>Running on this machine (127.0.0.1)</h2><table><tr><th>what</th><th>URL</th></tr>${urls}</table>` +
      `<h2>Dashboards (provisioned files)</h2><ul>${dash || "<li>none rendered</li>"}</ul>` +
      `<h2>Not run locally</h2><ul>${notes}</ul>`,
  );
}

function dashboardPage(info: StandInInfo, d: Dashboard, vars: Record<string, string>): StandInPage {
  const flat: Panel[] = d.panels.flatMap((p) => (p.type === "row" ? [p, ...(p.panels ?? [])] : [p]));
  const rows = flat
    .map((p) => {
      if (p.type === "row") return `<tr><th colspan="3">${esc(p.title ?? "")}</th></tr>`;
      const queries = (p.targets ?? [])
        .filter((t) => t.expr)
        .map((t) => {
          const q = concreteQuery(t.expr!, vars);
          const href = `${info.prometheusUrl}/graph?g0.expr=${encodeURIComponent(q)}&g0.tab=0&g0.range_input=1h`;
          return `<a href="${esc(href)}"><code>${esc(q)}</code></a>`;
        })
        .join("<br>");
      return `<tr><td>${esc(p.title ?? "")}</td><td>${esc(p.type)}</td><td>${queries}</td></tr>`;
    })
    .join("");
  const varNote = Object.keys(vars).length ? `<p>Variables shown with example values: ${Object.entries(vars).map(([k, v]) => `<code>$${esc(k)}=${esc(v)}</code>`).join(", ")} (add <code>?var-${esc(Object.keys(vars)[0])}=...</code> to the URL to change).</p>` : "";
  return layout(d.title, `<p><a href="/">← what runs where</a></p><p>${esc(d.description ?? "")}</p>${varNote}<table><tr><th>panel</th><th>type</th><th>query (opens in Prometheus)</th></tr>${rows}</table>`);
}

/** The page handler for the stand-in server. */
export function standInPages(info: StandInInfo): (url: URL) => StandInPage | null {
  return (url) => {
    const dashboards = loadDashboards(info.dashboardsDir);
    if (url.pathname === "/" || url.pathname === "/login") return indexPage(info, dashboards);
    const m = /^\/d\/([^/]+)/.exec(url.pathname);
    if (!m) return null;
    const d = dashboards.find((x) => x.uid === m[1]);
    if (!d) return null;
    const vars: Record<string, string> = {};
    for (const v of d.templating?.list ?? []) vars[v.name] = url.searchParams.get(`var-${v.name}`) ?? (v.name === "service" ? "payment-processor" : ".*");
    return dashboardPage(info, d, vars);
  };
}
