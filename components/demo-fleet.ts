/**
 * The 12-service demo fleet and its traffic generator, for the dev (Docker) stack: two
 * images built from services/ (one Node image for eleven services, one for merchant-api),
 * one container per service on the monitoring network under its own name (the scrape
 * targets in Pulumi.dev.yaml are `<name>:8080`), labelled `service=<name>` so cAdvisor's
 * container metrics carry the service label.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { PORTS } from "../config/conventions";
import { fleetResources, type Resources, type Workload } from "../platform/workload";
import { FLEET } from "../services/fleet";
import { componentType, type WorkloadComponentArgs } from "./common";

const ROOT = path.resolve(__dirname, "..");
/** Tag of the locally built images (never pushed). */
export const FLEET_IMAGE_TAG = "0.1.0";
/** Chaos/fault admin port inside each container: on the private network only, never published or proxied. */
export const FLEET_ADMIN_PORT = 8081;

/** The workload of one fleet service (exported for tests); limits from stack config `fleetResources`. */
export function fleetServiceWorkload(name: string, image: pulumi.Input<string>, resources: Resources): Workload {
  return {
    name,
    kind: "stateless",
    replicas: 1,
    image: `monitoring-stack/fleet:${FLEET_IMAGE_TAG}`,
    builtImage: image,
    args: [],
    env: {
      SERVICE_NAME: name,
      HOST: "0.0.0.0",
      PORT: String(PORTS.service),
      CHAOS_ENABLED: "true",
      ADMIN_HOST: "0.0.0.0",
      ADMIN_PORT: String(FLEET_ADMIN_PORT),
    },
    ports: [{ name: "http", port: PORTS.service }],
    files: [],
    health: { path: "/healthz", port: PORTS.service },
    resources,
    labels: { service: name },
  };
}

export class DemoFleet extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("DemoFleet"), name, {}, opts);
    const build = (id: string, dockerfile: string) =>
      new docker.Image(
        id,
        {
          imageName: `monitoring-stack/${id}:${FLEET_IMAGE_TAG}`,
          build: { context: ROOT, dockerfile: path.join(ROOT, dockerfile), builderVersion: "BuilderBuildKit", platform: "linux/amd64" },
          skipPush: true,
        },
        { parent: this },
      );
    const nodeImage = build("fleet-node", "services/node/Dockerfile");
    const pythonImage = build("fleet-merchant-api", "services/merchant-api/Dockerfile");
    for (const s of FLEET) {
      args.platform.deploy(fleetServiceWorkload(s.name, s.language === "python" ? pythonImage.imageName : nodeImage.imageName, fleetResources(args.config, s.name)), this);
    }
    // The generator runs for a day and is restarted by Docker: steady demo traffic, never unbounded.
    args.platform.deploy(
      {
        name: "traffic",
        kind: "stateless",
        replicas: 1,
        image: `monitoring-stack/fleet-node:${FLEET_IMAGE_TAG}`,
        builtImage: nodeImage.imageName,
        command: ["node", "dist/services/traffic/cli.js"],
        args: ["run", "--duration", "86400", "--allow-non-loopback", "--url-template", `http://{name}:${PORTS.service}`, "--control-port", "8090", "--report-every", "60"],
        ports: [{ name: "control", port: 8090 }],
        files: [],
        health: { path: "/stats", port: 8090, command: ["node", "-e", "fetch('http://127.0.0.1:8090/stats').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"] },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
      },
      this,
    );
    this.registerOutputs({});
  }
}
