/**
 * The dev stack (Docker) under Pulumi's mock runtime: network, volumes, containers with
 * uploaded files and health checks, only the front door published, credentials only in
 * 0400 uploads (never in env), and no HA on one host.
 */
import * as yaml from "js-yaml";
import { ofType, runProgram, TEST_SECRETS, generated, type ProgramRun, type MockResource } from "./helpers/pulumi-program";

const D = {
  net: "docker:index/network:Network",
  vol: "docker:index/volume:Volume",
  ctr: "docker:index/container:Container",
  img: "docker:index/remoteImage:RemoteImage",
};
const STACK = ["prometheus", "alertmanager", "grafana", "node-exporter", "cadvisor", "nginx"];

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("dev", { secrets: { pagerdutyRoutingKey: TEST_SECRETS.pagerdutyRoutingKey, slackWebhookUrl: TEST_SECRETS.slackWebhookUrl } });
  if (run.error) throw run.error;
}, 120_000);

const ctr = (name: string): MockResource => {
  const r = ofType(run, D.ctr).find((c) => c.name === name);
  if (!r) throw new Error(`no container ${name}`);
  return r;
};
const upload = (c: MockResource, file: string) => c.inputs.uploads.find((u: any) => u.file === file);

describe("dev stack on Docker", () => {
  test("creates one private network, pinned images and a container per component", () => {
    expect(ofType(run, D.net)).toHaveLength(1);
    expect(ofType(run, D.net)[0].inputs.driver).toBe("bridge");
    const names = ofType(run, D.ctr).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(STACK));
    for (const img of ofType(run, D.img)) expect(img.inputs.name).toMatch(/:v?\d+\.\d+\.\d+/);
    for (const n of STACK) expect(ctr(n).inputs.networksAdvanced[0].aliases).toEqual([n]);
  });

  test("keeps Prometheus, Alertmanager and Grafana data in named volumes that survive a destroy", () => {
    const vols = ofType(run, D.vol).map((v) => v.inputs.name).sort();
    expect(vols).toEqual(["dev-monitoring-alertmanager-data", "dev-monitoring-grafana-data", "dev-monitoring-prometheus-data"]);
    expect(ctr("prometheus").inputs.volumes).toContainEqual({ volumeName: "dev-monitoring-prometheus-data", containerPath: "/prometheus" });
  });

  test("runs one Prometheus with retention by time and size and the 12 services as targets", () => {
    const p = ctr("prometheus").inputs;
    expect(p.command).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=30d", "--storage.tsdb.retention.size=10GB"]));
    const cfg = yaml.load(upload(ctr("prometheus"), "/etc/prometheus/prometheus.yml").content) as any;
    const targets = cfg.scrape_configs.flatMap((j: any) => j.static_configs?.[0]?.targets ?? []);
    expect(targets).toEqual(expect.arrayContaining(["payment-processor:8080", "merchant-api:8080", "cadvisor:8080", "node-exporter:9100", "grafana:3000"]));
    expect(cfg.scrape_configs.filter((j: any) => j.static_configs?.[0]?.labels?.service)).toHaveLength(12);
  });

  test("health-checks every container and restarts it unless stopped", () => {
    for (const n of STACK) {
      const c = ctr(n).inputs;
      expect(c.healthcheck.tests[0]).toBe("CMD");
      expect(c.healthcheck.tests.join(" ")).toMatch(/http:\/\/127\.0\.0\.1:\d+\//);
      expect(c.restart).toBe("unless-stopped");
      expect(c.memory).toBeGreaterThan(0);
    }
  });

  test("publishes a host port only for the front door", () => {
    const published = ofType(run, D.ctr).filter((c) => (c.inputs.ports ?? []).length > 0);
    expect(published.map((c) => c.name)).toEqual(["nginx"]);
    expect(ctr("nginx").inputs.ports.map((p: any) => `${p.external}->${p.internal}`).sort()).toEqual(["8080->80", "8443->443"]);
  });

  test("uploads credentials as 0400 files and never puts them in env or labels", () => {
    const needles = [TEST_SECRETS.pagerdutyRoutingKey, TEST_SECRETS.slackWebhookUrl, generated("grafana-admin")];
    for (const c of ofType(run, D.ctr)) {
      const visible = JSON.stringify({ envs: c.inputs.envs, labels: c.inputs.labels, command: c.inputs.command });
      for (const n of needles) expect(visible).not.toContain(n);
      for (const u of c.inputs.uploads ?? []) {
        if (needles.some((n) => u.content === n)) expect(u.permissions).toBe("0400");
      }
      expect(c.secretPaths).toContain("uploads");
    }
    expect(upload(ctr("alertmanager"), "/etc/alertmanager/secrets/pagerduty-routing-key")).toMatchObject({ content: TEST_SECRETS.pagerdutyRoutingKey, permissions: "0400", owner: "65534" });
    expect(upload(ctr("grafana"), "/etc/grafana/secrets/admin-password")).toMatchObject({ content: generated("grafana-admin"), permissions: "0400" });
  });

  test("gives nginx cheap, stable $2a$ bcrypt hashes of the generated front-door passwords", () => {
    const htpasswd = upload(ctr("nginx"), "/etc/nginx/front-door/secrets/htpasswd");
    expect(htpasswd.content).toMatch(/^ops:\$2a\$05\$[./A-Za-z0-9]{53}\n$/);
    expect(htpasswd.permissions).toBe("0400");
    expect(htpasswd.content).not.toContain(generated("basic-auth-ops"));
  });

  test("generates a self-signed certificate for the front door's host name", () => {
    const cert = ofType(run, "tls:index/selfSignedCert:SelfSignedCert");
    expect(cert).toHaveLength(1);
    expect(cert[0].inputs.dnsNames).toContain("grafana.internal.example.com");
    expect(upload(ctr("nginx"), "/etc/nginx/front-door/secrets/tls.crt").content).toBe("self-signed-cert-for-grafana.internal.example.com");
  });

  test("runs the 12-service demo fleet and its traffic generator from two locally built images", () => {
    const images = ofType(run, "docker:index/image:Image");
    expect(images.map((i) => i.inputs.build.dockerfile.replace(/^.*\/services\//, "services/")).sort()).toEqual(["services/merchant-api/Dockerfile", "services/node/Dockerfile"]);
    for (const i of images) expect(i.inputs.skipPush).toBe(true);
    const cfg = yaml.load(upload(ctr("prometheus"), "/etc/prometheus/prometheus.yml").content) as any;
    const targets: string[] = cfg.scrape_configs.filter((j: any) => j.static_configs?.[0]?.labels?.service).map((j: any) => j.static_configs[0].targets[0]);
    for (const t of targets) {
      const name = t.split(":")[0];
      const c = ctr(name).inputs;
      expect(c.networksAdvanced[0].aliases).toEqual([name]);
      expect(c.labels).toContainEqual({ label: "service", value: name });
      expect(c.ports ?? []).toEqual([]); // admin and API stay on the private network
    }
    expect(ctr("payment-processor").inputs.memory).toBe(256);
    expect(ctr("traffic").inputs.command).toEqual(expect.arrayContaining(["--allow-non-loopback", "--duration", "86400"]));
  });

  test("gives node-exporter the host filesystem read-only and cAdvisor privileged access", () => {
    expect(ctr("node-exporter").inputs.volumes).toContainEqual({ hostPath: "/", containerPath: "/host", readOnly: true });
    expect(ctr("node-exporter").inputs.pidMode).toBe("host");
    expect(ctr("cadvisor").inputs.privileged).toBe(true);
    expect(ctr("cadvisor").inputs.devices).toContainEqual({ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg" });
  });
});
