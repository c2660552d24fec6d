/**
 * prometheus.yml from the stack config and a topology. Pure: config in, YAML string out.
 */
import { JOBS, LABELS, PORTS, SUBDIRS, THANOS, commonLabels } from "../config/conventions";
import { prometheusUploadFlags } from "./thanos";
import type { ServiceConfig, StackConfig } from "../config/schema";
import { filePath, type Topology } from "./topology";

/** File name of the main config below the Prometheus root. */
export const PROMETHEUS_CONFIG_FILE = "prometheus.yml";
import { toYaml } from "./yaml";

type Obj = Record<string, unknown>;

/** Path of a remote-write password file inside the Prometheus secrets dir. */
export function remoteWritePasswordFile(topo: Topology, name: string): string {
  return filePath(topo, "prometheus", `${SUBDIRS.secrets}/remote-write-${name}-password`);
}

/** Scrape config of one application service: its job is its name; it carries service/team/tier. */
export function serviceScrapeConfig(svc: ServiceConfig): Obj {
  const labels = { [LABELS.service]: svc.name, [LABELS.team]: svc.team, [LABELS.tier]: svc.tier };
  const base: Obj = { job_name: svc.name, metrics_path: svc.metricsPath };
  if (svc.targets) return { ...base, static_configs: [{ targets: svc.targets, labels }] };
  const k = svc.kubernetes!;
  // One target per ready endpoint (pod) of the Service, not the Service VIP: every pod is scraped.
  return {
    ...base,
    kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [k.namespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_service_name"], regex: k.service ?? svc.name, action: "keep" },
      { source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: k.port, action: "keep" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
      ...Object.entries(labels).map(([target_label, replacement]) => ({ target_label, replacement })),
    ],
  };
}

/** A DaemonSet's pods, found through the Kubernetes API (one per node). */
function daemonSetScrape(job: string, component: string, namespace: string, port: number): Obj {
  return {
    job_name: job,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: commonLabels(component)["app.kubernetes.io/name"], action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_ip"], regex: "(.+)", replacement: `$1:${port}`, target_label: "__address__" },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "instance" },
    ],
  };
}

/**
 * cAdvisor names containers its own way; map them to the stack's `service`/`pod`/`namespace`
 * labels at scrape time so recording rules are the same on docker and kubernetes.
 */
function cadvisorMetricRelabels(topo: Topology): Obj[] {
  const keepFamilies = { source_labels: ["__name__"], regex: "container_(cpu_usage_seconds_total|memory_working_set_bytes|spec_memory_limit_bytes|spec_cpu_quota|spec_cpu_period|network_receive_bytes_total|network_transmit_bytes_total|fs_usage_bytes|fs_limit_bytes|last_seen|oom_events_total)|machine_.*", action: "keep" };
  if (topo.kind === "kubernetes") {
    return [
      keepFamilies,
      { source_labels: ["container_label_io_kubernetes_container_name"], target_label: LABELS.service },
      { source_labels: ["container_label_io_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["container_label_io_kubernetes_pod_namespace"], target_label: "namespace" },
      { regex: "container_label_.*", action: "labeldrop" },
    ];
  }
  if (topo.kind === "local") {
    // The local stack: each service runs in the cgroup <serviceCgroups>/<service> (local/cgroups.ts),
    // which cAdvisor's raw handler reports as `id`; the service is also the pod (one per service).
    const leaf = { source_labels: ["id"], regex: `${escapeRegex(topo.serviceCgroups ?? "")}/([^/]+)` };
    return [
      keepFamilies,
      { ...leaf, target_label: LABELS.service },
      { ...leaf, target_label: "pod" },
      { regex: "container_label_.*", action: "labeldrop" },
    ];
  }
  // Docker: our containers carry a `service` label (see platform/docker.ts).
  return [
    keepFamilies,
    { source_labels: ["container_label_service"], target_label: LABELS.service },
    { source_labels: ["name"], target_label: "pod" },
    { regex: "container_label_.*", action: "labeldrop" },
  ];
}

/** Where the DaemonSets' pods are discovered (the topology owns it; see kubernetesNamespaces). */
function agentsNamespace(topo: Topology): string {
  if (!topo.nodeAgentsNamespace) throw new Error("kubernetes topology without nodeAgentsNamespace: build it with kubernetesTopology()");
  return topo.nodeAgentsNamespace;
}
/** A literal string as an RE2 pattern. */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function staticJob(job: string, target: string, extra: Obj = {}): Obj {
  return { job_name: job, static_configs: [{ targets: [target] }], ...extra };
}

/**
 * Every pod of a workload, on one of its declared ports (a Prometheus pod declares 9090 and
 * the sidecar's 10901/10902: without the port filter each pod would be three targets).
 */
function podPortScrape(job: string, component: string, namespace: string, port: number): Obj {
  return {
    job_name: job,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: commonLabels(component)["app.kubernetes.io/name"], action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_container_port_number"], regex: String(port), action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    ],
  };
}

/** The Thanos components' own metrics (a sidecar reports whether its Prometheus is up). */
function thanosScrapes(cfg: StackConfig, topo: Topology): Obj[] {
  const t = topo.thanos;
  if (!t) return [];
  const job = (name: string, component: string, targets: string[] | "discover" | undefined): Obj[] =>
    targets === undefined ? [] : targets === "discover" ? [podPortScrape(name, component, cfg.namespace, PORTS.thanosHttp)] : [{ job_name: name, static_configs: [{ targets }] }];
  // Sidecars live in the Prometheus pods: their pods carry Prometheus' name.
  return [
    ...job(JOBS.thanosSidecar, "prometheus", t.scrape.sidecar),
    ...job(JOBS.thanosQuery, THANOS.query, t.scrape.query),
    ...job(JOBS.thanosStore, THANOS.store, t.scrape.store),
    ...job(JOBS.thanosCompact, THANOS.compact, t.scrape.compact),
  ];
}

/** Path of a remote-write bearer token file inside the Prometheus secrets dir. */
export function remoteWriteTokenFile(topo: Topology, name: string): string {
  return filePath(topo, "prometheus", `${SUBDIRS.secrets}/remote-write-${name}-token`);
}

/** One remote_write entry: credentials by file (never inline), extra headers, HA-friendly queue. */
function remoteWriteConfig(rw: StackConfig["remoteWrite"][number], topo: Topology): Obj {
  return {
    name: rw.name,
    url: rw.url,
    ...(rw.basicAuth ? { basic_auth: { username: rw.basicAuth.username, password_file: remoteWritePasswordFile(topo, rw.name) } } : {}),
    ...(rw.bearerToken ? { authorization: { type: "Bearer", credentials_file: remoteWriteTokenFile(topo, rw.name) } } : {}),
    ...(rw.headers && Object.keys(rw.headers).length ? { headers: rw.headers } : {}),
    // Both HA replicas write; receivers deduplicate on the cluster + replica labels (Mimir/Cortex HA tracker, Thanos Receive).
    queue_config: { max_samples_per_send: 2000, max_shards: 50, capacity: 10000 },
  };
}

/** Renders prometheus.yml. */
export function renderPrometheusConfig(cfg: StackConfig, topo: Topology): string {
  const scrape: Obj[] = [
    topo.prometheusTargets === "discover" ? podPortScrape(JOBS.prometheus, "prometheus", cfg.namespace, PORTS.prometheus) : { job_name: JOBS.prometheus, static_configs: [{ targets: topo.prometheusTargets }] },
    { job_name: JOBS.alertmanager, static_configs: [{ targets: topo.alertmanagers }] },
  ];
  if (topo.grafana) scrape.push(staticJob(JOBS.grafana, topo.grafana));
  if (topo.nodeExporter) scrape.push(staticJob(JOBS.nodeExporter, topo.nodeExporter));
  else if (topo.kind === "kubernetes") scrape.push(daemonSetScrape(JOBS.nodeExporter, "node-exporter", agentsNamespace(topo), PORTS.nodeExporter));
  if (topo.cadvisor === "discover") {
    scrape.push({ ...daemonSetScrape(JOBS.cadvisor, "cadvisor", agentsNamespace(topo), PORTS.cadvisor), metric_relabel_configs: cadvisorMetricRelabels(topo) });
  } else if (topo.cadvisor) {
    scrape.push(staticJob(JOBS.cadvisor, topo.cadvisor, { metric_relabel_configs: cadvisorMetricRelabels(topo) }));
  }
  scrape.push(...thanosScrapes(cfg, topo));
  scrape.push(...cfg.services.map(serviceScrapeConfig));

  const doc: Obj = {
    global: {
      scrape_interval: cfg.scrape.interval,
      scrape_timeout: cfg.scrape.timeout,
      evaluation_interval: cfg.scrape.evaluationInterval,
      external_labels: { [LABELS.cluster]: cfg.cluster, [LABELS.environment]: cfg.environment, [LABELS.replica]: topo.replicaLabel },
    },
    rule_files: [filePath(topo, "prometheus", `${SUBDIRS.rules}/*.yml`)],
    alerting: {
      ...(alertingReplicas(cfg, topo) > 1 ? {} : { alert_relabel_configs: [{ regex: LABELS.replica, action: "labeldrop" }] }),
      alertmanagers: [{ api_version: "v2", static_configs: [{ targets: topo.alertmanagers }] }],
    },
    scrape_configs: scrape,
  };
  if (cfg.remoteWrite.length > 0) doc.remote_write = cfg.remoteWrite.map((rw) => remoteWriteConfig(rw, topo));
  return toYaml(doc, "render/prometheus.ts");
}

/**
 * How many Prometheus replicas evaluate the rules and send their alerts to the Alertmanagers.
 *
 * One: the `replica` label is dropped from alerts (a constant, of no use to the on-call). More:
 * it is KEPT, so each Alertmanager holds one copy of an alert per replica, and each copy's state
 * is set by its own replica alone. The usual advice, dropping it so that Alertmanager merges the
 * replicas' identical alerts, breaks down at a resolve: the replicas' data differ by a scrape
 * offset, so one may resolve an evaluation before the other, while the other re-sends the alert
 * as firing in the same evaluation (every minute). Alertmanager keeps whichever merged copy
 * arrived last, and two Alertmanagers that got them in opposite orders disagree until the next
 * evaluation; a flush in between has one send the resolve and, a peer timeout later, another page
 * again, opening a second incident (CI, 2026-12-02; prometheus/alertmanager#4008, #2447, where
 * the maintainers have no setting for it). With the label kept, the page group stays firing until
 * both copies have resolved, on every Alertmanager alike. The cost: when the second replica's
 * copy joins an open group, the next flush sends a trigger that PagerDuty folds into the open
 * incident (no new page), and messages list an alert once per replica (the templates name it).
 */
export function alertingReplicas(cfg: StackConfig, topo: Topology): number {
  return Math.max(cfg.replicas.prometheus, topo.prometheusTargets === "discover" ? 1 : topo.prometheusTargets.length);
}

/**
 * Command-line flags of Prometheus: retention by time AND size, paths, lifecycle, and 2-hour
 * blocks when a sidecar uploads them. `configFile` (below the Prometheus root) lets the local
 * HA stack give each replica its own prometheus.yml (its own self-scrape address and replica).
 */
export function prometheusArgs(cfg: StackConfig, topo: Topology, dataDir: string, listen = `0.0.0.0:${PORTS.prometheus}`, configFile = PROMETHEUS_CONFIG_FILE): string[] {
  return [
    `--config.file=${filePath(topo, "prometheus", configFile)}`,
    `--storage.tsdb.path=${dataDir}`,
    `--storage.tsdb.retention.time=${cfg.retention.time}`,
    `--storage.tsdb.retention.size=${cfg.retention.sizeGB}GB`,
    `--web.listen-address=${listen}`,
    // POST /-/reload after a config change without a restart (the local stack uses it).
    "--web.enable-lifecycle",
    // Alerts are re-sent every evaluation, and Alertmanager keeps one for 4 x this after the last
    // send (the default 1m: 4 minutes). A dead Prometheus then stops the Watchdog's heartbeats
    // within a minute, so the dead man's switch pages within 3 (rules/README.md).
    `--rules.alert.resend-delay=${cfg.scrape.evaluationInterval}`,
    ...(topo.thanos ? prometheusUploadFlags(cfg) : []),
  ];
}
