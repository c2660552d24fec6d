/**
 * The one render path: every file any stack deploys, from the stack config and a topology.
 *
 * The Pulumi components, `npm run render`, the local stack and the tests all call these two
 * functions. Non-secret files are plain strings; secret files are rendered from secret
 * values by a separate pure function so that Pulumi can call it inside an Output (values
 * stay secret) and the render CLI can call it with placeholders.
 */
import { SECRET_FILES, SUBDIRS } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import { renderDashboards } from "../dashboards";
import { renderRuleFiles } from "../rules";
import { ALERTMANAGER_CONFIG_FILE, TEMPLATE_FILE, renderAlertmanagerConfig, renderAlertmanagerTemplates } from "./alertmanager";
import { DASHBOARD_PROVIDER_FILE, DATASOURCE_FILE, GRAFANA_INI, renderDashboardProvider, renderDatasource, renderGrafanaIni } from "./grafana";
import { NGINX_CONF_FILE, renderFrontDoorConf, htpasswdFile } from "./front-door";
import { PROMETHEUS_CONFIG_FILE, renderPrometheusConfig } from "./prometheus";
import { longTermStorageOn } from "./thanos";
import type { FileOwner, Topology } from "./topology";

/** One file a component reads, relative to the component's root (render/topology.ts). */
export interface RenderedFile {
  owner: FileOwner;
  path: string;
  content: string;
  /** True for files that hold credentials: they go to Secrets / 0600 files, never ConfigMaps. */
  secret: boolean;
}

/** Secret values, as strings. Pulumi passes unwrapped secret Outputs; the render CLI passes placeholders. */
export interface SecretValues {
  pagerdutyRoutingKey: string;
  slackWebhookUrl: string;
  /** The dead man's switch: the heartbeat service's ping URL (alertmanager.heartbeat). */
  heartbeatUrl: string;
  grafanaAdminPassword: string;
  /** Front-door users and their bcrypt hashes. */
  basicAuth: Array<{ user: string; bcryptHash: string }>;
  tlsCertificate: string;
  tlsPrivateKey: string;
  /** remote_write name -> password. */
  remoteWritePasswords: Record<string, string>;
  /** remote_write name -> bearer token (targets with `bearerToken`). */
  remoteWriteTokens?: Record<string, string>;
  /** Thanos objstore YAML (long-term storage only). */
  thanosObjstoreConfig?: string;
}

const file = (owner: FileOwner, path: string, content: string): RenderedFile => ({ owner, path, content, secret: false });
const secretFile = (owner: FileOwner, path: string, content: string): RenderedFile => ({ owner, path, content, secret: true });

/** Every non-secret file of the stack. */
export function renderConfigFiles(cfg: StackConfig, topo: Topology): RenderedFile[] {
  const files: RenderedFile[] = [
    file("prometheus", PROMETHEUS_CONFIG_FILE, renderPrometheusConfig(cfg, topo)),
    ...Object.entries(renderRuleFiles(cfg, topo)).map(([name, content]) => file("prometheus", `${SUBDIRS.rules}/${name}`, content)),
    file("alertmanager", ALERTMANAGER_CONFIG_FILE, renderAlertmanagerConfig(cfg, topo)),
    file("alertmanager", `${SUBDIRS.templates}/${TEMPLATE_FILE}`, renderAlertmanagerTemplates()),
    file("grafana", GRAFANA_INI, renderGrafanaIni(cfg, topo)),
    file("grafana", DATASOURCE_FILE, renderDatasource(cfg, topo)),
    file("grafana", DASHBOARD_PROVIDER_FILE, renderDashboardProvider(topo)),
    ...Object.entries(renderDashboards(cfg)).map(([name, content]) => file("grafana", `${SUBDIRS.dashboards}/${name}`, content)),
    file("nginx", NGINX_CONF_FILE, renderFrontDoorConf(cfg, topo)),
  ];
  return files;
}

/** Every secret file of the stack, from the given values. */
export function renderSecretFiles(cfg: StackConfig, v: SecretValues): RenderedFile[] {
  const s = SUBDIRS.secrets;
  return [
    secretFile("alertmanager", `${s}/${SECRET_FILES.pagerdutyRoutingKey}`, v.pagerdutyRoutingKey),
    secretFile("alertmanager", `${s}/${SECRET_FILES.slackWebhookUrl}`, v.slackWebhookUrl),
    ...(cfg.alertmanager.heartbeat.enabled ? [secretFile("alertmanager", `${s}/${SECRET_FILES.heartbeatUrl}`, v.heartbeatUrl)] : []),
    secretFile("grafana", `${s}/${SECRET_FILES.grafanaAdminPassword}`, v.grafanaAdminPassword),
    secretFile("nginx", `${s}/${SECRET_FILES.htpasswd}`, htpasswdFile(v.basicAuth)),
    secretFile("nginx", `${s}/${SECRET_FILES.tlsCert}`, v.tlsCertificate),
    secretFile("nginx", `${s}/${SECRET_FILES.tlsKey}`, v.tlsPrivateKey),
    ...cfg.remoteWrite
      .filter((rw) => rw.basicAuth)
      .map((rw) => secretFile("prometheus", `${s}/remote-write-${rw.name}-password`, v.remoteWritePasswords[rw.name] ?? "")),
    ...cfg.remoteWrite
      .filter((rw) => rw.bearerToken)
      .map((rw) => secretFile("prometheus", `${s}/remote-write-${rw.name}-token`, v.remoteWriteTokens?.[rw.name] ?? "")),
    ...objstoreFiles(cfg, v),
  ];
}

/** The object storage config, for the sidecars (Prometheus' secrets) and the Store Gateway / Compactor. */
function objstoreFiles(cfg: StackConfig, v: SecretValues): RenderedFile[] {
  if (!longTermStorageOn(cfg)) return [];
  const name = cfg.thanos.longTermStorage.objstoreConfigSecret;
  if (v.thanosObjstoreConfig === undefined) throw new Error(`thanos.longTermStorage is enabled but the Pulumi secret ${name} (the object storage config) has no value`);
  const path = `${SUBDIRS.secrets}/${SECRET_FILES.thanosObjstore}`;
  return [secretFile("prometheus", path, v.thanosObjstoreConfig), secretFile("thanos", path, v.thanosObjstoreConfig)];
}

/** Placeholders for `npm run render`: the shape of every secret, never a value. */
export function placeholderSecrets(cfg: StackConfig): SecretValues {
  const ph = (name: string) => `<secret:${name}>`;
  return {
    pagerdutyRoutingKey: ph("pagerdutyRoutingKey"),
    slackWebhookUrl: ph("slackWebhookUrl"),
    heartbeatUrl: ph("heartbeatUrl"),
    grafanaAdminPassword: ph("grafanaAdminPassword (random)"),
    basicAuth: cfg.frontDoor.basicAuthUsers.map((user) => ({ user, bcryptHash: ph(`bcrypt hash of ${user}'s random password`) })),
    tlsCertificate: ph("tlsCertificate"),
    tlsPrivateKey: ph("tlsPrivateKey"),
    remoteWritePasswords: Object.fromEntries(cfg.remoteWrite.filter((rw) => rw.basicAuth).map((rw) => [rw.name, ph(rw.basicAuth!.passwordSecret)])),
    remoteWriteTokens: Object.fromEntries(cfg.remoteWrite.filter((rw) => rw.bearerToken).map((rw) => [rw.name, ph(rw.bearerToken!.tokenSecret)])),
    thanosObjstoreConfig: ph(cfg.thanos.longTermStorage.objstoreConfigSecret),
  };
}

/** Files of one owner, for a component. */
export function filesOf(files: RenderedFile[], owner: FileOwner): RenderedFile[] {
  return files.filter((f) => f.owner === owner);
}
