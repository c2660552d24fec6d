/**
 * A throwaway Kubernetes control plane on loopback for the real-engine suite: Debian's etcd,
 * kube-apiserver and kube-controller-manager built from the Go module proxy (same release),
 * on ephemeral ports (tests/helpers/ports.ts), with its own CA, serving certificate,
 * service-account key pair and a static admin token. Started and stopped by the suite.
 *
 * What it has: the real API server, so real validation, defaulting, RBAC, and admission
 * (Pod Security Admission enforces on pod creation); the controllers that turn workloads into
 * pods (deployment, replicaset, statefulset, daemonset) so PSA judges real pods, and the ones
 * `pulumi destroy` relies on (garbage collector, namespace). What it has not: a kubelet,
 * scheduler, CNI or storage provisioner — pods are created but never scheduled or run,
 * claims stay Pending, NetworkPolicies are stored but not enforced.
 *
 * One fake Node object exists so the DaemonSet controller has somewhere to create pods.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { requireTool } from "../../scripts/tools/find";
import { freePorts } from "../helpers/ports";

/** Controllers kube-controller-manager runs (the rest need nodes, clouds or are irrelevant). */
export const CONTROLLERS = [
  "garbage-collector-controller",
  "namespace-controller",
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "daemonset-controller",
  "serviceaccount-controller",
  // Removes the kubernetes.io/pvc-protection finalizer once no pod uses a claim; without it a
  // deleted claim (Grafana's, the StatefulSets') never goes away.
  "persistentvolumeclaim-protection-controller",
];

/** The fake node's name (DaemonSet pods are created for it). */
export const NODE_NAME = "engine-test-node";

export interface ApiResponse {
  status: number;
  body: any;
  /** `Warning:` headers (Pod Security warnings arrive this way). */
  warnings: string[];
}

export interface Cluster {
  server: string;
  kubeconfig: string;
  /** Calls the API as the admin user. */
  api(method: string, urlPath: string, body?: unknown): Promise<ApiResponse>;
  /** Items of a list URL (e.g. /api/v1/namespaces/x/pods), following `continue`. */
  list(urlPath: string): Promise<any[]>;
  /** The last lines of a component's log. */
  logTail(name: "etcd" | "kube-apiserver" | "kube-controller-manager", lines?: number): string;
  stop(): Promise<void>;
  /** Seconds from start to a ready API server. */
  readySeconds: number;
}

interface Proc {
  name: "etcd" | "kube-apiserver" | "kube-controller-manager";
  child: ChildProcess;
  log: string;
}

const live = new Set<ChildProcess>();
// A crashed test run must not leave the control plane behind.
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null) c.kill("SIGKILL");
});

function openssl(dir: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

/** CA, API server certificate (127.0.0.1 and the in-cluster names), service-account key pair. */
function makePki(dir: string): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=monitoring-stack engine-test CA"]);
  openssl(dir, ["req", ...ec, "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver"]);
  fs.writeFileSync(
    path.join(dir, "san.cnf"),
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n",
  );
  openssl(dir, ["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "apiserver.crt", "-days", "2", "-extfile", "san.cnf"]);
  openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"]);
  openssl(dir, ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function start(name: Proc["name"], bin: string, args: string[], dir: string): Proc {
  const log = path.join(dir, `${name}.log`);
  const fd = fs.openSync(log, "a");
  const child = spawn(bin, args, { stdio: ["ignore", fd, fd], cwd: dir });
  fs.closeSync(fd);
  live.add(child);
  child.once("exit", () => live.delete(child));
  return { name, child, log };
}

async function stopProc(p: Proc, timeoutMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>, procs: Proc[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const p of procs) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}) while waiting for ${what}:\n${tail(p.log, 30)}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Starts etcd, kube-apiserver and (unless told not to) kube-controller-manager. */
export async function startCluster(opts: { controllerManager?: boolean } = {}): Promise<Cluster> {
  const t0 = Date.now();
  const etcdBin = requireTool("etcd").path;
  const apiserverBin = requireTool("kubeApiserver").path;
  const kcmBin = requireTool("kubeControllerManager").path;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ms-engine-k8s-"));
  // etcd fsyncs every write; on tmpfs that costs nothing, and the data is throwaway.
  const shm = fs.existsSync("/dev/shm") ? fs.mkdtempSync("/dev/shm/ms-engine-etcd-") : path.join(dir, "etcd");
  makePki(dir);
  const token = randomBytes(24).toString("hex");
  fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},engine-test-admin,engine-test-admin,"system:masters"\n`, { mode: 0o600 });
  const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
  const server = `https://127.0.0.1:${apiPort}`;
  const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: engine-test, cluster: {server: "${server}", certificate-authority-data: ${Buffer.from(ca).toString("base64")}}}]`,
      `users: [{name: admin, user: {token: ${token}}}]`,
      "contexts: [{name: engine-test, context: {cluster: engine-test, user: admin}}]",
      "current-context: engine-test",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );

  const procs: Proc[] = [];
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 8 });
  const api = (method: string, urlPath: string, body?: unknown): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${server}${urlPath}`,
        { method, agent, headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(data ? { "content-type": "application/json" } : {}) }, timeout: 30_000 },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* plain text (healthz) */
            }
            const w = res.headers.warning;
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      req.on("error", reject);
      if (data) req.write(data);
      req.end();
    });

  const stop = async () => {
    for (const p of [...procs].reverse()) await stopProc(p);
    agent.destroy();
    fs.rmSync(shm, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const etcd = start("etcd", etcdBin, [
      "--name=engine-test",
      `--data-dir=${shm}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=engine-test=http://127.0.0.1:${etcdPeer}`,
    ], dir);
    procs.push(etcd);
    await until("etcd /health", 30_000, async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok, procs);

    procs.push(
      start("kube-apiserver", apiserverBin, [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${path.join(dir, "apiserver.crt")}`,
        `--tls-private-key-file=${path.join(dir, "apiserver.key")}`,
        `--client-ca-file=${path.join(dir, "ca.crt")}`,
        `--token-auth-file=${path.join(dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${path.join(dir, "sa.pub")}`,
        `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        // As kubeadm and every managed cluster: privileged containers are possible at all (Pod
        // Security Admission then decides per namespace).
        "--allow-privileged=true",
        // The loopback address cannot be an endpoint of the `kubernetes` Service.
        "--endpoint-reconciler-type=none",
        `--cert-dir=${path.join(dir, "certs")}`,
        "--profiling=false",
        "--v=1",
      ], dir),
    );
    await until("kube-apiserver /readyz", 90_000, async () => (await api("GET", "/readyz")).status === 200, procs);
    const readySeconds = (Date.now() - t0) / 1000;

    if (opts.controllerManager !== false) {
      procs.push(
        start("kube-controller-manager", kcmBin, [
          `--kubeconfig=${kubeconfig}`,
          `--controllers=${CONTROLLERS.join(",")}`,
          "--leader-elect=false",
          "--secure-port=0",
          "--use-service-account-credentials=false",
          `--root-ca-file=${path.join(dir, "ca.crt")}`,
          `--service-account-private-key-file=${path.join(dir, "sa.key")}`,
          "--v=1",
        ], dir),
      );
    }
    // Somewhere for DaemonSet pods to be created (never scheduled: there is no kubelet).
    const node = await api("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: NODE_NAME, labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "zone-a" } },
    });
    if (node.status !== 201) throw new Error(`creating the test node: ${node.status} ${JSON.stringify(node.body)}`);

    const list = async (urlPath: string) => {
      const items: any[] = [];
      let cont = "";
      do {
        const r = await api("GET", `${urlPath}${urlPath.includes("?") ? "&" : "?"}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`);
        if (r.status !== 200) throw new Error(`GET ${urlPath}: ${r.status} ${JSON.stringify(r.body)}`);
        items.push(...r.body.items);
        cont = r.body.metadata?.continue ?? "";
      } while (cont);
      return items;
    };
    const logTail = (name: Proc["name"], lines = 20) => tail(path.join(dir, `${name}.log`), lines);
    return { server, kubeconfig, api, list, logTail, stop, readySeconds };
  } catch (e) {
    const logs = procs.map((p) => `--- ${p.name} ---\n${tail(p.log, 15)}`).join("\n");
    await stop();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}
