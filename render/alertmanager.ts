/**
 * alertmanager.yml and its notification templates. Pure.
 *
 * Routing (the brief): severity=critical -> PagerDuty (Events API v2), severity=warning ->
 * Slack #alerts-warning; grouped by alert name and service; resolved notifications are sent.
 * Then what makes paging trustworthy (rules/README.md):
 *
 * - the Watchdog goes every `heartbeat.interval` to a heartbeat service (dead man's switch);
 * - "notifications failing" for one integration goes through the other one (a PagerDuty outage
 *   reaches Slack, a Slack or heartbeat outage pages);
 * - a pod's two memory alerts share one group, so the memory incident is one PagerDuty incident;
 * - a critical inhibits warnings of the same service, and for hosts (all service="node") of the
 *   same instance only.
 *
 * Credentials are never in this file: PagerDuty's routing key, Slack's webhook URL and the
 * heartbeat URL are read from Secret-mounted files (url_file needs Alertmanager 0.26 or later).
 */
import { LABELS, PORTS, SECRET_FILES, SUBDIRS } from "../config/conventions";

/** Every host is this service (rules/names.ts HOST_OWNER). */
const HOST_SERVICE = "node";
import type { StackConfig } from "../config/schema";
import { durationSeconds, promDuration } from "../config/validate";
import { filePath, type Topology } from "./topology";
import { toYaml } from "./yaml";

/** Receiver names, used by routes, tests (amtool config routes test) and docs. */
export const RECEIVERS = {
  pagerduty: "pagerduty-critical",
  slack: "slack-warnings",
  watchdog: "watchdog",
  heartbeat: "heartbeat",
  none: "blackhole",
} as const;

/** The alerts of one memory incident: grouped together per pod, so they page once (rules/infrastructure.ts). */
export const MEMORY_ALERTS = ["MemoryExhaustionImminent", "HighMemoryUsage"] as const;

/** The meta alert whose route depends on the integration that is failing. */
export const NOTIFICATIONS_FAILING = "AlertmanagerNotificationsFailing";

/**
 * Alertmanager repeats a group only at a group_interval tick, and only when the last
 * notification is older than repeat_interval. The notification log stamps a notification when it
 * has been SENT, a little after the tick, so repeat_interval = group_interval skips every other
 * tick (a heartbeat every 2 minutes). Half the interval repeats at every tick.
 */
export function heartbeatRepeat(interval: string): string {
  const s = durationSeconds(interval);
  return `${Math.max(1, Math.floor(s / 2))}s`;
}

/**
 * The group_wait of the paging routes and of the Slack routes. Unset in the stack config, each is
 * an odd multiple of HALF the evaluation interval (7.5 s and 37.5 s at 15 s), not 0 s and 30 s.
 *
 * Why. With more than one Alertmanager, each replica receives every alert from both Prometheus
 * replicas and flushes its own copy of each group; only the notification log is gossiped.
 * Prometheus sends a resolve right after the evaluation that saw it. A group is created when its
 * first alert arrives, also right after an evaluation, and flushes at group_wait and then every
 * group_interval; with group_wait 0 s or 30 s and group_interval a multiple of the evaluation
 * interval, EVERY flush lands within milliseconds of an evaluation of the rule that owns the
 * group. When that evaluation resolves the alert, one replica can flush just after the resolve
 * arrived (it sends RESOLVED) and another just before (it still sees FIRING): the second, after
 * its peer wait, finds the log's firing set empty and notifies FIRING again, and PagerDuty opens
 * a second incident for an outage that is over. Measured in this project's CI (HA drill): the
 * resolve at 18:47:07.276, a new trigger at 18:47:22.270 (one peer timeout later); the
 * Alertmanager maintainers describe the same race in prometheus/alertmanager#4008.
 *
 * Half an interval of group_wait puts the first flush, and with group_interval a multiple of the
 * evaluation interval every later one, half way between two evaluations: 7.5 s from any resolve.
 * With more than one Alertmanager the config check refuses waits and intervals that undo this
 * (config/validate.ts). The price: a group's first notification 7.5 s later (pages too).
 *
 * Not covered: an Alertmanager restarted while an alert fires flushes that group as soon as the
 * re-sent alert arrives (its wait is long over), which is right after an evaluation again, so the
 * race is back for that group until it resolves; and a group holding alerts of two rule groups
 * (the memory route's pair) is half way only from the rule group whose alert came first.
 */
export function groupWaits(cfg: StackConfig): { critical: string; warning: string } {
  const half = (durationSeconds(cfg.scrape.evaluationInterval) * 1000) / 2;
  return {
    critical: cfg.alertmanager.criticalGroupWait ?? promDuration(half),
    warning: cfg.alertmanager.warningGroupWait ?? promDuration(5 * half),
  };
}

export const TEMPLATE_FILE = "notifications.tmpl";
export const ALERTMANAGER_CONFIG_FILE = "alertmanager.yml";

/** Renders alertmanager.yml. */
export function renderAlertmanagerConfig(cfg: StackConfig, topo: Topology): string {
  const am = cfg.alertmanager;
  const secret = (f: string) => filePath(topo, "alertmanager", `${SUBDIRS.secrets}/${f}`);
  const hb = am.heartbeat;
  // Every route that pages: half an evaluation of group_wait (groupWaits), and a short
  // group_interval (schema: criticalGroupInterval).
  const waits = groupWaits(cfg);
  const page = { group_wait: waits.critical, group_interval: am.criticalGroupInterval };
  const doc = {
    global: { resolve_timeout: am.resolveTimeout },
    templates: [filePath(topo, "alertmanager", `${SUBDIRS.templates}/*.tmpl`)],
    route: {
      // Anything without a recognised severity still reaches people, in Slack.
      receiver: RECEIVERS.slack,
      group_by: ["alertname", LABELS.service],
      group_wait: waits.warning,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval,
      routes: [
        // The always-firing Watchdog proves the pipeline works; it must never page a person. It
        // goes to the heartbeat service, which pages when it stops arriving.
        hb.enabled
          ? { receiver: RECEIVERS.heartbeat, matchers: ['alertname="Watchdog"'], group_wait: "0s", group_interval: hb.interval, repeat_interval: heartbeatRepeat(hb.interval) }
          : { receiver: RECEIVERS.watchdog, matchers: ['alertname="Watchdog"'], repeat_interval: "5m" },
        // A failing integration cannot carry the alert about itself: PagerDuty failing goes to
        // Slack, anything else failing (Slack, the heartbeat) pages.
        { receiver: RECEIVERS.slack, matchers: [`alertname="${NOTIFICATIONS_FAILING}"`, 'integration="pagerduty"'], group_by: ["alertname", "integration"], group_wait: waits.critical },
        { receiver: RECEIVERS.pagerduty, matchers: [`alertname="${NOTIFICATIONS_FAILING}"`], group_by: ["alertname", "integration"], ...page },
        // One memory incident, one page: the predictive alert and HighMemoryUsage of one pod (or
        // host) share a group, hence one PagerDuty dedup key.
        { receiver: RECEIVERS.pagerduty, matchers: [`alertname=~"${MEMORY_ALERTS.join("|")}"`, `${LABELS.severity}="critical"`], group_by: [LABELS.service, "pod", "instance"], ...page },
        { receiver: RECEIVERS.pagerduty, matchers: [`${LABELS.severity}="critical"`], ...page },
        { receiver: RECEIVERS.slack, matchers: [`${LABELS.severity}="warning"`] },
        // info alerts are for dashboards and the Alertmanager UI only.
        { receiver: RECEIVERS.none, matchers: [`${LABELS.severity}="info"`] },
      ],
    },
    inhibit_rules: [
      // One page per service is enough: its warnings wait while a critical fires.
      {
        source_matchers: [`${LABELS.severity}="critical"`, `${LABELS.service}!="${HOST_SERVICE}"`],
        target_matchers: [`${LABELS.severity}="warning"`],
        equal: [LABELS.service],
      },
      // Every host is service="node": a host's critical inhibits that host's warnings, not every host's.
      {
        source_matchers: [`${LABELS.severity}="critical"`, `${LABELS.service}="${HOST_SERVICE}"`],
        target_matchers: [`${LABELS.severity}="warning"`, `${LABELS.service}="${HOST_SERVICE}"`],
        equal: ["instance"],
      },
    ],
    receivers: [
      {
        name: RECEIVERS.pagerduty,
        pagerduty_configs: [
          {
            routing_key_file: secret(SECRET_FILES.pagerdutyRoutingKey),
            url: am.pagerdutyUrl,
            send_resolved: true,
            severity: "critical",
            client: "Alertmanager ({{ .CommonLabels.environment }})",
            client_url: topo.grafanaUrl,
            description: '{{ template "pd.description" . }}',
            details: {
              service: '{{ .CommonLabels.service }}',
              team: '{{ .CommonLabels.team }}',
              summary: '{{ template "common.summary" . }}',
              value: '{{ template "common.values" . }}',
              runbook: '{{ template "common.runbook" . }}',
              dashboard: '{{ template "common.dashboard" . }}',
              firing: '{{ .Alerts.Firing | len }}',
              resolved: '{{ .Alerts.Resolved | len }}',
            },
            links: [
              { href: '{{ template "common.runbook" . }}', text: "Runbook" },
              { href: '{{ template "common.dashboard" . }}', text: "Dashboard" },
            ],
          },
        ],
      },
      {
        name: RECEIVERS.slack,
        slack_configs: [
          {
            api_url_file: secret(SECRET_FILES.slackWebhookUrl),
            channel: am.slackChannel,
            send_resolved: true,
            title: '{{ template "slack.title" . }}',
            title_link: '{{ template "common.dashboard" . }}',
            text: '{{ template "slack.text" . }}',
            color: '{{ if eq .Status "firing" }}warning{{ else }}good{{ end }}',
          },
        ],
      },
      ...(hb.enabled
        ? [
            {
              name: RECEIVERS.heartbeat,
              // Any POST is a ping to the usual heartbeat services; the URL (with its token) is a secret.
              webhook_configs: [{ url_file: secret(SECRET_FILES.heartbeatUrl), send_resolved: false, max_alerts: 1 }],
            },
          ]
        : [{ name: RECEIVERS.watchdog }]),
      { name: RECEIVERS.none },
    ],
  };
  return toYaml(doc, "render/alertmanager.ts");
}

/**
 * Notification templates shared by PagerDuty and Slack: every notification carries
 * the service, summary, current value, runbook and dashboard link. With HA Prometheus an alert
 * arrives once per replica (render/prometheus.ts alertingReplicas), each line naming its replica.
 */
export function renderAlertmanagerTemplates(): string {
  return (
    "{{/* DO NOT EDIT: generated by render/alertmanager.ts; regenerate with `npm run render`. */}}\n" +
    `{{ define "common.summary" }}{{ with index .Alerts 0 }}{{ .Annotations.summary }}{{ end }}{{ end }}
{{ define "common.runbook" }}{{ with index .Alerts 0 }}{{ .Annotations.runbook_url }}{{ end }}{{ end }}
{{ define "common.dashboard" }}{{ with index .Alerts 0 }}{{ .Annotations.dashboard_url }}{{ end }}{{ end }}
{{ define "common.values" }}{{ range .Alerts }}{{ .Labels.service }}{{ if .Labels.instance }} ({{ .Labels.instance }}){{ end }}{{ if .Labels.replica }} [{{ .Labels.replica }}]{{ end }}: {{ .Annotations.description }}
{{ end }}{{ end }}

{{ define "common.alertnames" }}{{ with .CommonLabels.alertname }}{{ . }}{{ else }}{{ range $i, $a := .Alerts }}{{ if $i }}+{{ end }}{{ $a.Labels.alertname }}{{ end }}{{ end }}{{ end }}

{{ define "pd.description" }}[{{ .Status | toUpper }}] {{ template "common.alertnames" . }} {{ .CommonLabels.service }}: {{ template "common.summary" . }}{{ end }}

{{ define "slack.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ template "common.alertnames" . }} - {{ .CommonLabels.service }}{{ end }}
{{ define "slack.text" }}{{ range .Alerts }}*{{ .Annotations.summary }}*
{{ .Annotations.description }}
*Service:* {{ .Labels.service }}  *Team:* {{ .Labels.team }}  *Severity:* {{ .Labels.severity }}{{ if .Labels.replica }}  *Seen by:* {{ .Labels.replica }}{{ end }}
<{{ .Annotations.runbook_url }}|Runbook> | <{{ .Annotations.dashboard_url }}|Dashboard>
{{ end }}{{ end }}
`
  );
}

/** Where Alertmanager keeps state and listens, and its cluster peers (none = no clustering). */
export interface AlertmanagerProcess {
  dataDir: string;
  listen: string;
  /** host:port of every peer's cluster port, including this node; empty disables clustering. */
  peers: string[];
  /**
   * Gossip listen and advertise addresses. Default: every interface, advertising the pod IP
   * (Kubernetes expands $(POD_IP) from the downward API). The local HA stack uses loopback.
   */
  cluster?: { listen: string; advertise: string };
}

/** Alertmanager's flags, the same for containers and the local stack. */
export function alertmanagerArgs(cfg: StackConfig, topo: Topology, p: AlertmanagerProcess): string[] {
  const args = [
    `--config.file=${filePath(topo, "alertmanager", ALERTMANAGER_CONFIG_FILE)}`,
    `--storage.path=${p.dataDir}`,
    `--web.listen-address=${p.listen}`,
    // Silences and the notification log are kept 5 days on the volume.
    "--data.retention=120h",
  ];
  if (p.peers.length > 0) {
    const c = p.cluster ?? { listen: `0.0.0.0:${PORTS.alertmanagerCluster}`, advertise: `$(POD_IP):${PORTS.alertmanagerCluster}` };
    args.push(`--cluster.listen-address=${c.listen}`, `--cluster.advertise-address=${c.advertise}`);
    args.push(...p.peers.map((peer) => `--cluster.peer=${peer}`));
  } else {
    // An empty listen address disables clustering: a lone node must not wait for peers.
    args.push("--cluster.listen-address=");
  }
  return args;
}
