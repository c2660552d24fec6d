/**
 * The shapes of Prometheus rule files, and the small helpers every rule builder shares:
 * number formatting, selectors, annotations (runbook and dashboard links).
 */
import { GRAFANA_UIDS, LABELS, dashboardUrl, type Severity } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import type { AlertName } from "./names";

/** A recording rule as Prometheus reads it. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** An alerting rule as Prometheus reads it; `labels` always hold severity, service and team. */
export interface AlertingRule {
  alert: AlertName;
  expr: string;
  for?: string;
  labels: { severity: Severity; service: string; team: string } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string; dashboard_url: string };
}

export type Rule = RecordingRule | AlertingRule;

/** A rule group; `interval` is the evaluation interval (the stack's, 15 s by default). */
export interface RuleGroup {
  name: string;
  interval: string;
  rules: Rule[];
}

export const isAlert = (r: Rule): r is AlertingRule => "alert" in r;

/**
 * A number as PromQL/YAML text without float noise: 14.4 * 0.001 prints "0.0144",
 * not "0.014400000000000001", so rules read like the README's table.
 */
export function num(x: number): string {
  return String(Number(x.toPrecision(10)));
}

/** A percentage from config as a 0..1 ratio (90 -> 0.9, exactly the double that 0.9 is). */
export function ratio(percent: number): number {
  return Number((percent / 100).toPrecision(10));
}

/** `job=~"a|b|c"`: the application services' scrape jobs (each job is its service's name). */
export function appJobs(cfg: StackConfig): string {
  return `job=~"${cfg.services.map((s) => s.name).join("|")}"`;
}

/**
 * Regex matching the `le` label of a bucket in every spelling we meet: prom-client (Node) and
 * Prometheus 2 keep "2", Python's client and Prometheus 3 write "2.0". 0.5 is "0.5" everywhere.
 */
export function leMatcher(seconds: number): string {
  const plain = String(seconds);
  const spellings = Number.isInteger(seconds) ? [plain, `${plain}.0`] : [plain];
  return `le=~"${spellings.map((s) => s.replace(/\./g, "\\\\.")).join("|")}"`;
}

/** Team of a configured service; throws for unknown services (validation should have caught it). */
export function teamOf(cfg: StackConfig, service: string): string {
  const svc = cfg.services.find((s) => s.name === service);
  if (!svc) throw new Error(`rules: service "${service}" is not in services[]`);
  return svc.team;
}

/** Runbook of an alert: `<alerts.runbookBaseUrl>/<AlertName>.md` (docs/runbooks/ in this repo). */
export function runbookUrl(cfg: StackConfig, alert: AlertName): string {
  return `${cfg.alerts.runbookBaseUrl.replace(/\/$/, "")}/${alert}.md`;
}

/**
 * Link to the service deep-dive for a fixed service, or — with `service` undefined — for the
 * alert's own `service` label (a Prometheus template, filled in when the alert fires).
 */
export function serviceDashboard(topo: Topology, service?: string): string {
  const placeholder = "__SERVICE__";
  const url = dashboardUrl(topo.grafanaUrl, GRAFANA_UIDS.serviceDeepDive, { [LABELS.service]: service ?? placeholder });
  return service ? url : url.replace(placeholder, `{{ $labels.${LABELS.service} }}`);
}

/** Link to the operations overview (hosts, the monitoring stack, anything not one service). */
export function opsDashboard(topo: Topology): string {
  return dashboardUrl(topo.grafanaUrl, GRAFANA_UIDS.opsOverview);
}

/** The four annotations every alert carries. */
export function annotations(
  cfg: StackConfig,
  alert: AlertName,
  summary: string,
  description: string,
  dashboard: string,
): AlertingRule["annotations"] {
  return { summary, description, runbook_url: runbookUrl(cfg, alert), dashboard_url: dashboard };
}
