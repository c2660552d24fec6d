/**
 * The one place every generated name comes from: component names, ports, label keys,
 * recording-rule names, Grafana uids, file paths inside containers.
 *
 * Renderers, components, rules, dashboards, the local stack and the tests all import
 * from here, so a rename is one edit and nothing drifts.
 */

/** The six components of the stack, in start-up order. */
export const COMPONENTS = [
  "prometheus",
  "alertmanager",
  "grafana",
  "node-exporter",
  "cadvisor",
  "nginx",
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Container/listen ports of each component (inside its container or pod). */
export const PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  alertmanagerCluster: 9094,
  grafana: 3000,
  nodeExporter: 9100,
  cadvisor: 8080,
  nginxHttp: 80,
  nginxHttps: 443,
  /** Every application service listens here inside its container; /metrics on the same port. */
  service: 8080,
  /** Thanos components (sidecar, query, store, compact): StoreAPI over gRPC, HTTP for /metrics, probes and the UI. */
  thanosGrpc: 10901,
  thanosHttp: 10902,
} as const;

/**
 * The Thanos components of the global view (render/thanos.ts). The sidecar runs inside each
 * Prometheus pod; the others are workloads of their own.
 */
export const THANOS = {
  sidecar: "thanos-sidecar",
  query: "thanos-query",
  store: "thanos-store",
  compact: "thanos-compact",
} as const;

/** Label keys every series, rule and alert uses. */
export const LABELS = {
  service: "service",
  team: "team",
  tier: "tier",
  severity: "severity",
  slo: "slo",
  replica: "replica",
  cluster: "cluster",
  environment: "environment",
} as const;

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Names of the HTTP and business metrics the instrumented services expose (docs/metrics.md). */
export const METRICS = {
  httpRequests: "http_requests_total",
  httpDuration: "http_request_duration_seconds",
  httpInFlight: "http_requests_in_flight",
  memoryLimit: "service_memory_limit_bytes",
  cpuLimit: "service_cpu_limit_cores",
  paymentTransactions: "payment_transactions_total",
  paymentAmount: "payment_amount",
  merchantApiCalls: "merchant_api_calls_total",
} as const;

/** Exact histogram buckets (seconds) of http_request_duration_seconds, from the brief. */
export const HTTP_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] as const;

/** Scrape job names for the infrastructure targets; each application service's job is its name. */
export const JOBS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
  nodeExporter: "node-exporter",
  cadvisor: "cadvisor",
  nginx: "nginx",
  thanosSidecar: "thanos-sidecar",
  thanosQuery: "thanos-query",
  thanosStore: "thanos-store",
  thanosCompact: "thanos-compact",
} as const;

/** Fixed Grafana uids: the datasource and each provisioned dashboard. */
export const GRAFANA_UIDS = {
  datasource: "prometheus",
  opsOverview: "ops-overview",
  serviceDeepDive: "service-deep-dive",
  business: "business-metrics",
} as const;

/**
 * Where each component finds its files inside its container (docker and kubernetes).
 * Each is the root of one projected volume / upload set; see render/topology.ts.
 */
export const CONTAINER_PATHS = {
  prometheusConfigDir: "/etc/prometheus",
  prometheusDataDir: "/prometheus",
  alertmanagerConfigDir: "/etc/alertmanager",
  alertmanagerDataDir: "/alertmanager",
  grafanaConfigDir: "/etc/grafana",
  grafanaDataDir: "/var/lib/grafana",
  /** Not /etc/nginx: the image's mime.types must stay visible. */
  nginxConfigDir: "/etc/nginx/front-door",
  /** Files of the Thanos Store Gateway and Compactor (the object storage config). */
  thanosConfigDir: "/etc/thanos",
  thanosStoreDataDir: "/var/thanos/store",
  thanosCompactDataDir: "/var/thanos/compact",
} as const;

/** Relative locations below a component's root. */
export const SUBDIRS = {
  rules: "rules",
  templates: "templates",
  secrets: "secrets",
  provisioning: "provisioning",
  dashboards: "dashboards",
} as const;

/**
 * Names of the Secret-backed files. Only these ever hold credentials; everything else
 * (prometheus.yml, alertmanager.yml, nginx.conf, dashboards) references them by path.
 */
export const SECRET_FILES = {
  pagerdutyRoutingKey: "pagerduty-routing-key",
  slackWebhookUrl: "slack-webhook-url",
  heartbeatUrl: "heartbeat-url",
  grafanaAdminPassword: "admin-password",
  htpasswd: "htpasswd",
  tlsCert: "tls.crt",
  tlsKey: "tls.key",
  /** Thanos object storage configuration (bucket, endpoint, credentials): a Pulumi secret. */
  thanosObjstore: "objstore.yml",
} as const;

/** Rule files, one per group family, all loaded by Prometheus from rules/. */
export const RULE_FILES = {
  recording: "recording.rules.yml",
  slo: "slo.rules.yml",
  infrastructure: "infrastructure.alerts.yml",
  application: "application.alerts.yml",
  meta: "meta.alerts.yml",
} as const;

/**
 * Windows the SLO recording rules record (`slo:sli_error:ratio_rate<w>`, `slo:sli_requests:rate<w>`):
 * every window a burn-rate tier (alerts.burnRate.tiers) may name as its long or short window.
 */
export const SLO_WINDOWS = ["1m", "2m", "5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** Common labels put on every Kubernetes object / Docker container the program creates. */
export function commonLabels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "monitoring-stack",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Dashboard link for an alert annotation; `path` starts with "/d/". */
export function dashboardUrl(grafanaBaseUrl: string, uid: string, vars: Record<string, string> = {}): string {
  const query = Object.entries(vars)
    .map(([k, v]) => `var-${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return `${grafanaBaseUrl.replace(/\/$/, "")}/d/${uid}${query ? `?${query}` : ""}`;
}
