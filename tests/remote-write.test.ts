/**
 * remote_write: what the stack config accepts is what Prometheus accepts. Every auth option the
 * schema offers (basic auth, a bearer token, extra headers) renders a prometheus.yml that
 * promtool 3.5 (the image's version) passes; what the schema refuses (two auth methods in one
 * target, a header Prometheus sets itself) promtool refuses too, so the schema is neither
 * looser nor stricter than Prometheus. The rendered form is pinned by the golden variant
 * tests/golden/prod-long-term-storage/.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config/errors";
import { parseStackConfig, readStackFile } from "../config/load";
import { RESERVED_REMOTE_WRITE_HEADERS, type StackConfig } from "../config/schema";
import { renderPrometheusConfig, remoteWritePasswordFile, remoteWriteTokenFile } from "../render/prometheus";
import { topologyFor, type Topology } from "../render/topology";
import { optional, skipReason } from "../scripts/tools/find";
import { runTool } from "./helpers/tools";

const promtool = optional("promtool");
const prod = readStackFile("prod");
const parse = (remoteWrite: unknown): StackConfig => parseStackConfig({ ...prod.raw, remoteWrite }, { present: new Set(), required: false }, "prod");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "remote-write-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Renders prometheus.yml (rules left out: this is about remote_write) with its credential files, and runs promtool. */
function check(cfg: StackConfig, name: string): { code: number; output: string } {
  const root = path.join(dir, name);
  const topo: Topology = { ...topologyFor(cfg), roots: { ...topologyFor(cfg).roots, prometheus: root } };
  fs.mkdirSync(path.join(root, "secrets"), { recursive: true });
  for (const rw of cfg.remoteWrite) {
    if (rw.basicAuth) fs.writeFileSync(remoteWritePasswordFile(topo, rw.name), "pw\n", { mode: 0o600 });
    if (rw.bearerToken) fs.writeFileSync(remoteWriteTokenFile(topo, rw.name), "token\n", { mode: 0o600 });
  }
  const file = path.join(root, "prometheus.yml");
  fs.writeFileSync(file, renderPrometheusConfig(cfg, topo).replace(/^rule_files:\n(  - .*\n)+/m, ""));
  return runTool(promtool!, ["check", "config", "--syntax-only", file]);
}

const ACCEPTED: Array<[string, unknown]> = [
  ["no auth", [{ name: "vm", url: "https://vm.example.com/api/v1/write" }]],
  ["basic auth", [{ name: "mimir", url: "https://mimir.example.com/api/v1/push", basicAuth: { username: "tenant-1", passwordSecret: "mimirPassword" } }]],
  ["a bearer token", [{ name: "receive", url: "https://receive.example.com/api/v1/receive", bearerToken: { tokenSecret: "receiveToken" } }]],
  ["basic auth and a tenant header", [{ name: "mimir", url: "https://mimir.example.com/api/v1/push", basicAuth: { username: "u", passwordSecret: "p" }, headers: { "X-Scope-OrgID": "fintech" } }]],
];

describe(promtool ? `remote_write against ${promtool.label}` : `remote_write against promtool 3.5 — ${skipReason("promtool")}`, () => {
  if (!promtool) {
    test.skip(skipReason("promtool"), () => {});
    return;
  }

  test.each(ACCEPTED)("the schema accepts %s and promtool accepts the rendered config", (what, remoteWrite) => {
    const cfg = parse(remoteWrite);
    const r = check(cfg, `ok-${what.replace(/\W+/g, "-")}`);
    expect({ what, code: r.code, output: r.output }).toMatchObject({ code: 0 });
  });

  test("two auth methods in one target: the schema refuses, and so does promtool", () => {
    const both = { name: "mimir", url: "https://mimir.example.com/api/v1/push", basicAuth: { username: "u", passwordSecret: "p" }, bearerToken: { tokenSecret: "t" } };
    expect(() => parse([both])).toThrow(/remoteWrite\[0\]: .*at most one of basicAuth or bearerToken/);
    // Rendered anyway (bypassing the schema), Prometheus rejects it: the rule is Prometheus', not ours.
    const cfg = { ...parse([]), remoteWrite: [both] } as StackConfig;
    const r = check(cfg, "two-auth");
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/at most one of basic_auth, .*authorization must be configured/);
  });

  test.each(RESERVED_REMOTE_WRITE_HEADERS)("header %s: the schema refuses it, and so does promtool", (header) => {
    const target = { name: "vm", url: "https://vm.example.com/api/v1/write", headers: { [header]: "x" } };
    let err: unknown;
    try {
      parse([target]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/remoteWrite\.0\.headers|remoteWrite\[0\]\.headers/);
    const r = check({ ...parse([]), remoteWrite: [target] } as StackConfig, `header-${header}`);
    expect({ header, code: r.code }).toEqual({ header, code: 1 });
    expect(r.output.toLowerCase()).toMatch(/reserved header|authorization header must be changed via/);
  });
});
