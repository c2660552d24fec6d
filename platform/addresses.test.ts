/**
 * The one place addresses are made: the formats per platform, the refusals where a platform has
 * no such address, and the topology built from them (tests/program.kubernetes.test.ts checks that
 * each address the prod stack uses names an object the adapter creates).
 */
import { parseStackConfig, readStackFile } from "../config/load";
import { PORTS, THANOS } from "../config/conventions";
import { dockerTopology, kubernetesTopology } from "../render/topology";
import { ALERTMANAGER_PEERS_SERVICE, DOCKER_NETWORK, headlessServiceName, kubernetesNetwork, memberAddress, memberAddresses, podsSrv, serviceAddress } from "./addresses";

const k8s = kubernetesNetwork("monitoring");
const stack = (name: "dev" | "prod") => parseStackConfig(readStackFile(name).raw, { present: new Set(), required: false }, name);

test("Docker: a workload is its network alias; Kubernetes: its Service in the namespace", () => {
  expect(serviceAddress(DOCKER_NETWORK, "grafana", 3000)).toBe("grafana:3000");
  expect(serviceAddress(k8s, "grafana", 3000)).toBe("grafana.monitoring.svc.cluster.local:3000");
});

test("members of a stateful workload by stable pod name under the governing Service", () => {
  expect(memberAddresses(k8s, "alertmanager", ALERTMANAGER_PEERS_SERVICE, 3, 9094)).toEqual([0, 1, 2].map((i) => `alertmanager-${i}.alertmanager-peers.monitoring.svc.cluster.local:9094`));
  expect(memberAddress(DOCKER_NETWORK, "alertmanager", ALERTMANAGER_PEERS_SERVICE, 0, 9093)).toBe("alertmanager:9093");
  expect(() => memberAddress(DOCKER_NETWORK, "alertmanager", ALERTMANAGER_PEERS_SERVICE, 1, 9093)).toThrow(/platform docker runs one replica of "alertmanager"; member 1 does not exist \(replicas above 1 need platform kubernetes\)/);
});

test("SRV names of a named port on the headless Service, on Kubernetes only", () => {
  expect(podsSrv(k8s, "prometheus", "grpc")).toBe(`dnssrv+_grpc._tcp.${headlessServiceName("prometheus")}.monitoring.svc.cluster.local`);
  expect(() => podsSrv(DOCKER_NETWORK, "prometheus", "grpc")).toThrow(/platform kubernetes only/);
});

test("the topologies are built from these addresses", () => {
  const dev = dockerTopology(stack("dev"));
  expect([dev.prometheus, dev.grafana, dev.alertmanagers, dev.alertmanagerPeers]).toEqual([
    serviceAddress(DOCKER_NETWORK, "prometheus", PORTS.prometheus), serviceAddress(DOCKER_NETWORK, "grafana", PORTS.grafana), [serviceAddress(DOCKER_NETWORK, "alertmanager", PORTS.alertmanager)], [],
  ]);
  const cfg = stack("prod");
  const prod = kubernetesTopology(cfg);
  const net = kubernetesNetwork(cfg.namespace);
  expect(prod.alertmanagers).toEqual(memberAddresses(net, "alertmanager", ALERTMANAGER_PEERS_SERVICE, cfg.replicas.alertmanager, PORTS.alertmanager));
  expect(prod.alertmanagerPeers).toEqual(memberAddresses(net, "alertmanager", ALERTMANAGER_PEERS_SERVICE, cfg.replicas.alertmanager, PORTS.alertmanagerCluster));
  expect(prod.thanos?.query).toBe(serviceAddress(net, THANOS.query, PORTS.thanosHttp));
  expect(prod.thanos?.endpoints[0]).toBe(podsSrv(net, "prometheus", "grpc"));
});
