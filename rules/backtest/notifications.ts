/**
 * From alert episodes (what the rule engine fired, rule-replay's output) to what people get:
 * pages (PagerDuty incidents) and warnings (Slack threads), through the stack's own
 * alertmanager.yml.
 *
 * Alertmanager itself runs in real time, so over a simulated week its routing and inhibition
 * are applied here, to the rendered config, with these rules:
 * - routing: the first matching child route, depth first, inheriting group_by and
 *   group_interval (`continue` is not used by the stack); rules/backtest/backtest.test.ts checks
 *   every label set of a run against `amtool config routes test`;
 * - inhibition: a target alert is muted while a source alert matching the rule fires with the
 *   `equal` labels equal; it notifies for what is left of its firing time;
 * - a notification group (receiver + route + group_by values) opens when its first alert fires
 *   and closes group_interval after its last alert resolved (when the resolved notification
 *   has gone out). One opening of a PagerDuty group is one page: later alerts of the open group
 *   reach the same PagerDuty incident (same dedup key) and page nobody again. One opening of a
 *   Slack group is one warning.
 */
import * as yaml from "js-yaml";
import { durationSeconds } from "../../config/validate";
import { RECEIVERS } from "../../render/alertmanager";

/** One firing episode of one alert (its labels fixed), in epoch seconds; toS null = still firing at the end. */
export interface Episode {
  alert: string;
  labels: Record<string, string>;
  fromS: number;
  toS: number | null;
}

interface Route {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_interval?: string;
  routes?: Route[];
}

/** A matcher of Alertmanager's label matcher syntax: name, op, value. */
function parseMatcher(m: string): (labels: Record<string, string>) => boolean {
  const x = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(m);
  if (!x) throw new Error(`notifications: cannot read matcher ${m}`);
  const [, name, op, raw] = x;
  const value = raw.replace(/\\(.)/g, "$1");
  const re = op === "=~" || op === "!~" ? new RegExp(`^(?:${value})$`) : null;
  return (l) => {
    const v = l[name] ?? "";
    if (op === "=") return v === value;
    if (op === "!=") return v !== value;
    if (op === "=~") return re!.test(v);
    return !re!.test(v);
  };
}

/** Where an alert goes: receiver, the route it matched (path), its group key and group_interval. */
export interface Routed {
  receiver: string;
  route: string;
  groupKey: string;
  groupIntervalS: number;
}

/** Routing and inhibition of one rendered alertmanager.yml. */
export class AlertmanagerModel {
  private readonly root: Route;
  private readonly inhibit: Array<{ source: Array<(l: Record<string, string>) => boolean>; target: Array<(l: Record<string, string>) => boolean>; equal: string[] }>;

  constructor(alertmanagerYml: string) {
    const doc = yaml.load(alertmanagerYml) as { route: Route; inhibit_rules?: Array<{ source_matchers: string[]; target_matchers: string[]; equal?: string[] }> };
    this.root = doc.route;
    this.inhibit = (doc.inhibit_rules ?? []).map((r) => ({ source: r.source_matchers.map(parseMatcher), target: r.target_matchers.map(parseMatcher), equal: r.equal ?? [] }));
  }

  route(labels: Record<string, string>): Routed {
    let node = this.root;
    let receiver = node.receiver!;
    let groupBy = node.group_by ?? [];
    let groupInterval = node.group_interval ?? "5m";
    const path: number[] = [];
    for (;;) {
      const i = (node.routes ?? []).findIndex((r) => (r.matchers ?? []).map(parseMatcher).every((m) => m(labels)));
      if (i < 0) break;
      node = node.routes![i];
      path.push(i);
      receiver = node.receiver ?? receiver;
      groupBy = node.group_by ?? groupBy;
      groupInterval = node.group_interval ?? groupInterval;
    }
    const route = path.join(".");
    return { receiver, route, groupKey: `${receiver}|${route}|${groupBy.map((l) => `${l}=${labels[l] ?? ""}`).join(",")}`, groupIntervalS: durationSeconds(groupInterval) };
  }

  /** True when `source` (firing) mutes `target`. */
  inhibits(source: Record<string, string>, target: Record<string, string>): boolean {
    return this.inhibit.some((r) => r.source.every((m) => m(source)) && r.target.every((m) => m(target)) && r.equal.every((l) => (source[l] ?? "") === (target[l] ?? "")));
  }
}

/** One notification group's opening: a page or a warning. */
export interface Notification {
  kind: "page" | "warning";
  receiver: string;
  groupKey: string;
  fromS: number;
  /** When the group closed (last alert resolved + group_interval), null if open at the end. */
  toS: number | null;
  /** The alerts that opened it (firing at fromS). */
  openedBy: Episode[];
  /** Every alert of the group while it was open. */
  alerts: Episode[];
}

type Span = [number, number];

/** `a` minus the union of `cuts`. */
function subtract(a: Span, cuts: Span[]): Span[] {
  let out: Span[] = [a];
  for (const [c0, c1] of cuts) {
    out = out.flatMap(([x0, x1]) => {
      if (c1 <= x0 || c0 >= x1) return [[x0, x1] as Span];
      const parts: Span[] = [];
      if (c0 > x0) parts.push([x0, c0]);
      if (c1 < x1) parts.push([c1, x1]);
      return parts;
    });
  }
  return out;
}

/**
 * The notifications of a set of episodes: inhibition applied, grouped as Alertmanager groups
 * them, one entry per group opening. `endS` closes episodes still firing at the end.
 */
export function notifications(model: AlertmanagerModel, episodes: Episode[], endS: number): Notification[] {
  const kindOf = (receiver: string): Notification["kind"] | null => (receiver === RECEIVERS.pagerduty ? "page" : receiver === RECEIVERS.slack ? "warning" : null);
  // What each episode notifies for: its firing time minus the times an inhibiting alert fired.
  const spans = episodes.map((e) => {
    const span: Span = [e.fromS, e.toS ?? endS];
    const cuts = episodes.filter((s) => s !== e && model.inhibits(s.labels, e.labels)).map((s) => [s.fromS, s.toS ?? endS] as Span);
    return subtract(span, cuts).filter(([a, b]) => b > a || (a === b && span[0] === span[1]));
  });
  const byGroup = new Map<string, Array<{ e: Episode; span: Span; routed: Routed }>>();
  episodes.forEach((e, i) => {
    const routed = model.route(e.labels);
    if (!kindOf(routed.receiver)) return;
    for (const span of spans[i]) {
      const list = byGroup.get(routed.groupKey) ?? [];
      list.push({ e, span, routed });
      byGroup.set(routed.groupKey, list);
    }
  });
  const out: Notification[] = [];
  for (const [groupKey, items] of byGroup) {
    items.sort((a, b) => a.span[0] - b.span[0]);
    const gi = items[0].routed.groupIntervalS;
    let cur: Notification | null = null;
    let lastEnd = -Infinity;
    for (const it of items) {
      // Still open: the last alert resolved less than group_interval ago (resolve not sent yet).
      if (cur && it.span[0] <= lastEnd + gi) {
        cur.alerts.push(it.e);
        lastEnd = Math.max(lastEnd, it.span[1]);
        continue;
      }
      if (cur) cur.toS = lastEnd >= endS ? null : lastEnd + gi;
      cur = { kind: kindOf(it.routed.receiver)!, receiver: it.routed.receiver, groupKey, fromS: it.span[0], toS: null, openedBy: [it.e], alerts: [it.e] };
      out.push(cur);
      lastEnd = it.span[1];
    }
    if (cur) cur.toS = lastEnd >= endS ? null : lastEnd + gi;
    // Everything firing at the opening opened it.
    for (const n of out.filter((x) => x.groupKey === groupKey)) n.openedBy = n.alerts.filter((a) => a.fromS <= n.fromS);
  }
  return out.sort((a, b) => a.fromS - b.fromS);
}
