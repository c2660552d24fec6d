/**
 * Every query of a rendered dashboard, with its template variables substituted: what the lint
 * tests parse and what the data checks send to Prometheus. Pure: JSON in, queries out.
 *
 * Substitution follows Grafana's variable syntax ($name, ${name}, ${name:format}, [[name]]).
 * Grafana's own variables ($__rate_interval, $__range, ...) are left in place: their values
 * depend on the time range and are filled in by grafana-interval.ts when a query is run.
 */

/** One query of one panel. */
export interface PanelQuery {
  dashboardUid: string;
  panelId: number;
  panelTitle: string;
  refId: string;
  /** The expression with template variables substituted (Grafana's $__ variables kept). */
  expr: string;
  /** Instant query (a value at the end of the range) rather than a range query. */
  instant: boolean;
  /** Legend template, e.g. "{{service}}". */
  legend?: string;
  /** The panel's min interval ("interval" in the JSON), when set. */
  minInterval?: string;
  /** The panel's max data points, when set (Grafana otherwise uses the panel's width in pixels). */
  maxDataPoints?: number;
  /** The variable values substituted. */
  vars: Record<string, string>;
}

interface JsonTarget {
  refId?: string;
  expr?: string;
  instant?: boolean;
  legendFormat?: string;
  hide?: boolean;
}
interface JsonPanel {
  id?: number;
  type?: string;
  title?: string;
  interval?: string;
  maxDataPoints?: number;
  targets?: JsonTarget[];
  panels?: JsonPanel[];
}
interface JsonDashboard {
  uid?: string;
  panels?: JsonPanel[];
  templating?: { list?: Array<{ name: string }> };
}

// Grafana's variable syntax (public/app/features/variables/utils.ts, variableRegex).
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/**
 * Replaces the dashboard's template variables in `text`. A variable the dashboard defines but
 * `vars` lacks is an error (the query would reach Prometheus as "$service"). Anything else
 * that looks like a variable ($1 in label_replace, Grafana's $__ variables) is left alone.
 */
export function substituteVariables(text: string, vars: Record<string, string>, defined: Set<string>): string {
  return text.replace(VARIABLE_RE, (match, a?: string, b?: string, _fmt?: string, c?: string) => {
    const name = a ?? b ?? c ?? "";
    if (name in vars) return vars[name];
    if (defined.has(name)) throw new Error(`variable "${name}" is used in «${text}» but no value was given for it`);
    return match;
  });
}

/** Every panel, rows and the panels of collapsed rows included, in display order. */
function walk(panels: JsonPanel[] = []): JsonPanel[] {
  return panels.flatMap((p) => [p, ...walk(p.panels)]);
}

/**
 * Every query of every panel of a dashboard (JSON text or object), with `vars` substituted.
 * Hidden queries are skipped, as Grafana skips them.
 */
export function panelQueries(dashboardJson: string | object, vars: Record<string, string> = {}): PanelQuery[] {
  const d = (typeof dashboardJson === "string" ? JSON.parse(dashboardJson) : dashboardJson) as JsonDashboard;
  const defined = new Set((d.templating?.list ?? []).map((v) => v.name));
  return walk(d.panels).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => !t.hide && typeof t.expr === "string")
      .map((t) => ({
        dashboardUid: d.uid ?? "",
        panelId: p.id ?? 0,
        panelTitle: substituteVariables(p.title ?? "", vars, new Set()),
        refId: t.refId ?? "A",
        expr: substituteVariables(t.expr!, vars, defined),
        instant: t.instant === true,
        legend: t.legendFormat,
        minInterval: p.interval,
        maxDataPoints: p.maxDataPoints,
        vars: { ...vars },
      })),
  );
}

/** Names of the template variables a dashboard defines. */
export function templateVariables(dashboardJson: string | object): string[] {
  const d = (typeof dashboardJson === "string" ? JSON.parse(dashboardJson) : dashboardJson) as JsonDashboard;
  return (d.templating?.list ?? []).map((v) => v.name);
}

/** A short name of a query for messages: `Panel title [A]`. */
export function queryName(q: Pick<PanelQuery, "panelTitle" | "refId" | "vars">): string {
  const vars = Object.entries(q.vars).map(([k, v]) => `${k}=${v}`).join(", ");
  return `${q.panelTitle} [${q.refId}]${vars ? ` (${vars})` : ""}`;
}
