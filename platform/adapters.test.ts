/**
 * Each adapter refuses a workload field it cannot honour instead of dropping it: every such
 * field named in one error, thrown before the adapter creates anything (Pulumi's mock runtime
 * counts what it registers). The stacks' own workloads ask nothing either adapter refuses.
 */
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../tests/helpers/pulumi-program";
import { stackConfig } from "../tests/helpers/render-tmp";
import type { Platform, Workload } from "./workload";

const settle = () => new Promise((r) => setTimeout(r, 50));

/** A fresh adapter under mocks; `refuse` deploys a workload and returns its error lines and what it created. */
async function adapter(kind: "docker" | "kubernetes") {
  const created: string[] = [];
  const stack = kind === "docker" ? "dev" : "prod";
  await pulumi.runtime.setMocks({ newResource: (a) => (created.push(a.name), { id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "monitoring-stack", stack, false);
  const platform: Platform = kind === "docker" ? new (await import("./docker")).DockerPlatform(stackConfig(stack)) : new (await import("./kubernetes")).KubernetesPlatform(stackConfig(stack));
  await settle(); // the network / namespace registers asynchronously
  return {
    async refuse(w: Workload): Promise<{ lines: string[]; created: number }> {
      const before = created.length;
      let message = "";
      try {
        platform.deploy(w, undefined as never);
      } catch (e) {
        message = (e as Error).message;
      }
      await settle();
      return { lines: message.split("\n"), created: created.length - before };
    },
  };
}

const base: Workload = {
  name: "probe", kind: "stateless", replicas: 1, image: "prom/prometheus:v3.5.0", args: [], ports: [], files: [],
  health: { path: "/", port: 9090 }, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
};

describe("docker", () => {
  test("refuses more than one replica, sidecars, cluster read access and per-port allowFrom, in one error", async () => {
    const docker = await adapter("docker");
    const side = { name: "thanos-sidecar", image: "quay.io/thanos/thanos:v0.42.4", args: [], ports: [], health: { path: "/", port: 10902 }, resources: base.resources, mounts: {} };
    const w: Workload = { ...base, replicas: 2, sidecars: [side], clusterRead: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }], allowFrom: ["grafana", { from: "thanos-query", ports: ["grpc"] }] };
    expect(await docker.refuse(w)).toEqual({
      lines: [
        'workload "probe" cannot run on Docker as described:',
        "  - replicas: got 2; one Docker host runs one container per workload (replicas above 1 need platform kubernetes)",
        '  - platform docker cannot run sidecar containers (workload "probe": thanos-sidecar); they need a pod (platform kubernetes)',
        "  - clusterRead: there is no cluster API to grant reading on Docker; set it only where targets are discovered (platform kubernetes)",
        "  - allowFrom: per-port rules (thanos-query to grpc) cannot be enforced on one bridge network; allow by workload name",
      ],
      created: 0,
    });
  });

  test("deploys what it can honour (and the check is not refusing everything)", async () => {
    const docker = await adapter("docker");
    const ok = await docker.refuse({ ...base, allowFrom: ["grafana"] });
    expect(ok.lines).toEqual([""]);
    expect(ok.created).toBeGreaterThan(0);
  });
});

describe("kubernetes", () => {
  test("refuses a root pod outside the node agents (Pod Security restricted)", async () => {
    const k8s = await adapter("kubernetes");
    expect(await k8s.refuse(base)).toEqual({
      lines: [
        'workload "probe" cannot run on Kubernetes as described:',
        '  - runAsUser: got nothing; the stack\'s namespace enforces Pod Security "restricted", which admits only non-root pods: set a non-zero uid',
      ],
      created: 0,
    });
  });

  test("refuses a host-network pod that binds low ports or asks for a NetworkPolicy, in one error", async () => {
    const k8s = await adapter("kubernetes");
    expect(await k8s.refuse({ ...base, runAsUser: 65534, host: { network: true, mounts: [] }, bindsLowPorts: true, allowFrom: ["prometheus"] })).toEqual({
      lines: [
        'workload "probe" cannot run on Kubernetes as described:',
        "  - bindsLowPorts: a host-network pod would change the node's sysctl; not allowed with host.network",
        "  - allowFrom: NetworkPolicy does not apply to host-network pods; guard the port on the node instead",
      ],
      created: 0,
    });
  });

  test("deploys a non-root pod", async () => {
    const k8s = await adapter("kubernetes");
    const ok = await k8s.refuse({ ...base, runAsUser: 65534 });
    expect(ok.lines).toEqual([""]);
    expect(ok.created).toBeGreaterThan(0);
  });
});

test.each(["dev", "prod"])("the %s stack's own workloads ask nothing their adapter refuses (the program deploys)", async (stack) => {
  const run = await runProgram(stack, stack === "prod" ? { secrets: (await import("../tests/helpers/pulumi-program")).TEST_SECRETS } : {});
  expect(run.error).toBeUndefined();
  expect(run.resources.length).toBeGreaterThan(20);
}, 120_000);
