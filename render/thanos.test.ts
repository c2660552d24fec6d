/**
 * render/thanos.ts: the object storage config check, and the long-term storage command lines run
 * by the real Thanos binary (0.42.4, scripts/tools/build.sh thanos) against a bucket on local
 * disk: the Store Gateway and the Compactor start and become ready with exactly the flags prod
 * deploys, the Querier finds the Store Gateway through its endpoint config, and the Compactor
 * refuses the retention our config validation refuses (the validation mirrors the binary).
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig, readStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { optional, skipReason } from "../scripts/tools/find";
import { freePorts } from "../tests/helpers/ports";
import { kubernetesTopology, type Topology } from "./topology";
import { objstoreConfigProblems, queryEndpoints, thanosCompactArgs, thanosObjstoreFile, thanosQueryArgs, thanosStoreArgs } from "./thanos";

describe("objstoreConfigProblems", () => {
  const S3 = "type: S3\nconfig:\n  bucket: metrics\n  endpoint: s3.eu-west-1.amazonaws.com\n  secret_key: hunter2-secret\n";

  test("accepts an object store config", () => {
    expect(objstoreConfigProblems(S3, "thanosObjstoreConfig")).toEqual([]);
    expect(objstoreConfigProblems(S3.replace("S3", "gcs"), "thanosObjstoreConfig")).toEqual([]);
  });

  test.each([
    ["not YAML", "type: [S3", /not valid YAML/],
    ["a list", "- S3\n", /expected a YAML mapping/],
    ["an unknown type", S3.replace("S3", "FTP"), /`type` must be one of S3, GCS, AZURE/],
    ["FILESYSTEM (one pod's disk)", "type: FILESYSTEM\nconfig:\n  directory: /data\n", /FILESYSTEM keeps blocks on one pod's disk/],
    ["no config", "type: S3\n", /`config` must be a mapping/],
  ])("refuses %s, naming the secret and never its value", (_what, text, message) => {
    const problems = objstoreConfigProblems(text, "thanosObjstoreConfig");
    expect(problems.join("\n")).toMatch(message);
    expect(problems.every((p) => p.startsWith("Pulumi secret thanosObjstoreConfig:"))).toBe(true);
    expect(problems.join("\n")).not.toContain("hunter2");
  });
});

const thanos = optional("thanos");

describe(thanos ? `long-term storage flags run by ${thanos.label}` : `long-term storage flags — ${skipReason("thanos")}`, () => {
  if (!thanos) {
    test.skip(skipReason("thanos"), () => {});
    return;
  }
  let dir: string;
  let topo: Topology;
  const children: ChildProcess[] = [];

  /** prod with long-term storage on (the config fixture's retention), its files moved below `dir`. */
  function ltsConfig(retention: Record<string, string> = { raw: "30d", fiveMinutes: "180d", oneHour: "2y" }): StackConfig {
    const f = readStackFile("prod");
    return parseStackConfig({ ...f.raw, thanos: { longTermStorage: { enabled: true, retention } } }, { present: new Set(), required: false }, "prod");
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-lts-"));
    topo = { ...kubernetesTopology(ltsConfig()), roots: { prometheus: `${dir}/prometheus`, alertmanager: `${dir}/am`, grafana: `${dir}/grafana`, nginx: `${dir}/nginx`, thanos: `${dir}/thanos` } };
    fs.mkdirSync(path.dirname(thanosObjstoreFile(topo)), { recursive: true });
    fs.mkdirSync(path.join(dir, "bucket"));
    // A bucket on local disk: the only object store available offline (prod refuses it, see above).
    fs.writeFileSync(thanosObjstoreFile(topo), `type: FILESYSTEM\nconfig:\n  directory: ${path.join(dir, "bucket")}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Starts thanos with `args`; resolves with its output once `readyUrl` answers 200, or rejects with the output on exit/timeout. */
  function run(args: string[], readyUrl: string | null, timeoutMs = 60_000): Promise<{ child: ChildProcess; output: () => string; code?: number }> {
    const child = spawn(thanos!.path, args, { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(deadline);
        if (readyUrl) reject(new Error(`thanos ${args[0]} exited with ${code}:\n${out.slice(-3000)}`));
        else resolve({ child, output: () => out, code: code ?? -1 });
      });
      if (!readyUrl) return;
      const poll = async () => {
        if (child.exitCode !== null) return;
        const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (ok) {
          clearTimeout(deadline);
          resolve({ child, output: () => out });
        } else setTimeout(poll, 250);
      };
      void poll();
    });
  }

  test("the Store Gateway and the Compactor become ready with prod's flags; the Querier finds the Store Gateway", async () => {
    const cfg = ltsConfig();
    const [sg, sh, ch, qg, qh] = await freePorts(5);
    const store = await run(thanosStoreArgs(topo, { dataDir: path.join(dir, "store"), listen: { grpc: `127.0.0.1:${sg}`, http: `127.0.0.1:${sh}` } }), `http://127.0.0.1:${sh}/-/ready`);
    const compact = await run(thanosCompactArgs(cfg, topo, { dataDir: path.join(dir, "compact"), listen: { grpc: "", http: `127.0.0.1:${ch}` } }), `http://127.0.0.1:${ch}/-/ready`);
    // The Compactor logs the retention it applies per resolution.
    await new Promise((r) => setTimeout(r, 1000));
    expect(compact.output()).toMatch(/retention policy of raw samples is enabled.*duration=720h/);
    expect(compact.output()).toMatch(/retention policy of 5 min aggregated samples is enabled.*duration=4320h/);
    expect(compact.output()).toMatch(/retention policy of 1 hour aggregated samples is enabled.*duration=17520h/);
    const qArgs = thanosQueryArgs(cfg, { endpoints: [`127.0.0.1:${sg}`], listen: { grpc: `127.0.0.1:${qg}`, http: `127.0.0.1:${qh}` } });
    expect(queryEndpoints(qArgs)).toEqual([`127.0.0.1:${sg}`]);
    await run(qArgs, `http://127.0.0.1:${qh}/-/ready`);
    const stores = await (async () => {
      for (let i = 0; i < 40; i++) {
        const d = (await (await fetch(`http://127.0.0.1:${qh}/api/v1/stores`)).json()) as { data: Record<string, Array<{ name: string; lastError: string | null }>> };
        const all = Object.values(d.data ?? {}).flat();
        if (all.some((s) => s.name === `127.0.0.1:${sg}` && !s.lastError)) return all;
        await new Promise((r) => setTimeout(r, 250));
      }
      return [];
    })();
    expect(stores.map((s) => s.name)).toContain(`127.0.0.1:${sg}`);
    store.child.kill("SIGTERM");
    compact.child.kill("SIGTERM");
  }, 120_000);

  test("the Compactor refuses raw retention under 40 h with downsampling on, as our config validation does", async () => {
    // Rendered straight from the flags function (the config schema would refuse this config first).
    const cfg = ltsConfig();
    const bad = { ...cfg, thanos: { ...cfg.thanos, longTermStorage: { ...cfg.thanos.longTermStorage, retention: { raw: "24h", fiveMinutes: "180d", oneHour: "2y" } } } };
    const [ch] = await freePorts(1);
    const r = await run(thanosCompactArgs(bad, topo, { dataDir: path.join(dir, "compact-bad"), listen: { grpc: "", http: `127.0.0.1:${ch}` } }), null);
    expect(r.code).not.toBe(0);
    expect(r.output()).toMatch(/raw resolution must be higher than the minimum block size after which 5m resolution downsampling will occur \(40 hours\)/);
    expect(() => ltsConfig({ raw: "24h", fiveMinutes: "180d", oneHour: "2y" })).toThrow(/thanos\.longTermStorage\.retention\.raw: got "24h"; allowed: 0d \(forever\) or at least 40h/);
  }, 60_000);
});
