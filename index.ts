/**
 * monitoring-stack: stack config in, six components out.
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
import { loadPulumiStackConfig } from "./config/pulumi";
import { createPlatform } from "./platform";
import { filesOf, renderConfigFiles, renderSecretFiles } from "./render/stack";
import { topologyFor, type FileOwner } from "./render/topology";

const { config, source } = loadPulumiStackConfig();
const topology = topologyFor(config);
const platform = createPlatform(config);

const secrets = new StackSecrets("secrets", { config, source });
const files = renderConfigFiles(config, topology);
const secretFiles = secrets.values.apply((v) => renderSecretFiles(config, v));
const filesFor = (owner: FileOwner) => ({ files: filesOf(files, owner), secretFiles: secretFiles.apply((f) => filesOf(f, owner)) });
const common = { config, topology, platform };

const alertmanager = new Alertmanager("alertmanager", { ...common, ...filesFor("alertmanager") });
const prometheus = new Prometheus("prometheus", { ...common, ...filesFor("prometheus") }, { dependsOn: [alertmanager] });
new NodeExporter("node-exporter", common);
new CAdvisor("cadvisor", common);
const grafana = new Grafana("grafana", { ...common, ...filesFor("grafana") }, { dependsOn: [prometheus] });
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
export const stack = pulumi.getStack();
