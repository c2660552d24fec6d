/**
 * monitoring-stack: stack config in, six components out (plus the global view on kubernetes:
 * Thanos Query, and the Store Gateway and Compactor with long-term storage).
 *
 *   config ──> validated StackConfig ──> render (files as strings) ──┐
 *                                                                    ├─> components ─> platform (docker | kubernetes)
 *   Pulumi secrets + random ──> StackSecrets ──> secret files ───────┘
 *
 * Invalid configuration throws before any resource is registered (config/load.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { Alertmanager } from "./components/alertmanager";
import { CAdvisor } from "./components/cadvisor";
import { DemoFleet } from "./components/demo-fleet";
import { Grafana } from "./components/grafana";
import { Nginx } from "./components/nginx";
import { NodeExporter } from "./components/node-exporter";
import { Prometheus } from "./components/prometheus";
import { StackSecrets } from "./components/secrets";
import { ThanosCompact } from "./components/thanos-compact";
import { ThanosQuery } from "./components/thanos-query";
import { ThanosStore } from "./components/thanos-store";
import { loadPulumiStackConfig } from "./config/pulumi";
import { createPlatform } from "./platform";
import { filesOf, placeholderSecrets, renderConfigFiles, renderSecretFiles } from "./render/stack";
import { datasourceTarget } from "./render/grafana";
import { longTermStorageOn } from "./render/thanos";
import { topologyFor, type FileOwner } from "./render/topology";

const { config, source } = loadPulumiStackConfig();
const topology = topologyFor(config);
const platform = createPlatform(config);

const secrets = new StackSecrets("secrets", { config, source });
const files = renderConfigFiles(config, topology);
const secretFiles = secrets.values.apply((v) => renderSecretFiles(config, v));
// Which components have secret files is known without the values (file names are not secret):
// a component without any gets no Secret at all. An empty Secret is stored without data, so
// the Kubernetes provider saw `stringData` as added on every preview and planned a replacement
// each time (found by the real engine, tests/engine).
const secretOwners = new Set(renderSecretFiles(config, placeholderSecrets(config)).map((f) => f.owner));
const filesFor = (owner: FileOwner) => ({
  files: filesOf(files, owner),
  secretFiles: secretOwners.has(owner) ? secretFiles.apply((f) => filesOf(f, owner)) : undefined,
});
const common = { config, topology, platform };

const alertmanager = new Alertmanager("alertmanager", { ...common, ...filesFor("alertmanager") });
const prometheus = new Prometheus("prometheus", { ...common, ...filesFor("prometheus") }, { dependsOn: [alertmanager] });
new NodeExporter("node-exporter", common);
new CAdvisor("cadvisor", common);
// The global view (kubernetes): Grafana's datasource is Thanos Query over the replicas' sidecars.
const globalView: pulumi.Resource[] = [];
if (topology.thanos) {
  globalView.push(new ThanosQuery("thanos-query", common, { dependsOn: [prometheus] }));
  if (longTermStorageOn(config)) {
    globalView.push(new ThanosStore("thanos-store", { ...common, ...filesFor("thanos") }));
    globalView.push(new ThanosCompact("thanos-compact", { ...common, ...filesFor("thanos") }));
  }
}
const grafana = new Grafana("grafana", { ...common, ...filesFor("grafana") }, { dependsOn: [prometheus, ...globalView] });
new Nginx("nginx", { ...common, ...filesFor("nginx") }, { dependsOn: [grafana] });
if (config.demoFleet) new DemoFleet("demo-fleet", common);

/** Where people open Grafana (through the front door). */
export const grafanaUrl = topology.grafanaUrl;
export const grafanaAdminUser = config.grafana.adminUser;
export const grafanaAdminPassword = secrets.grafanaAdminPassword;
/** Front-door basic-auth users and their generated passwords (secret). */
export const frontDoorPasswords = secrets.basicAuthPasswords;
export const platformKind = platform.kind;
export const scrapedServices = config.services.map((s) => s.name);
export const prometheusAddress = prometheus.address;
/** Grafana's default datasource: Thanos Query on kubernetes, Prometheus itself on docker. */
export const datasourceUrl = datasourceTarget(topology).url;
export const stack = pulumi.getStack();
