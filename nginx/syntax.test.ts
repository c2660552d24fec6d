/**
 * `nginx -t` (Debian nginx 1.22.1) on the docker, kubernetes and local renderings.
 *
 * The container renderings name files that exist only inside the container, so the check
 * renders the SAME options with only environment-bound values rewritten (nothing else):
 *  - file paths under /etc/nginx, /var/run, /var/cache -> the same names under a temp dir
 *    (/dev/stdout and "stderr" stay);
 *  - an upstream name that only cluster DNS resolves -> 127.0.0.1 on the same port
 *    (nginx -t resolves upstream{} servers; the resolver variant resolves at request time).
 * Listen ports stay as rendered: `nginx -t` does not bind them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as bcrypt from "bcryptjs";
import { htpasswdFile } from "./htpasswd";
import { NginxConfOptions, NginxPaths } from "./options";
import { renderNginxConf } from "./render";
import { generateSelfSignedCert } from "./selfsigned";
import { nginxSyntaxCheck } from "./testing/nginxProcess";
import { Variant, VARIANTS } from "./testdata/variants";

/** The variant's options with environment-bound values rewritten into `dir` (see file comment). */
function forThisMachine(opts: NginxConfOptions, dir: string): NginxConfOptions {
  const move = (p: string) => (p.startsWith("/dev/") || p === "stderr" ? p : path.join(dir, p));
  const paths = Object.fromEntries(Object.entries(opts.paths).map(([k, p]) => [k, move(p)])) as unknown as NginxPaths;
  const [host, port] = opts.grafanaUpstream.split(":");
  const resolvable = opts.resolver || /^[\d.]+$/.test(host);
  return {
    ...opts,
    paths,
    grafanaUpstream: resolvable ? opts.grafanaUpstream : `127.0.0.1:${port}`,
  };
}

/** Creates what the config refers to: certificate, key, htpasswd, directories. */
async function provide(paths: NginxPaths, dir: string): Promise<void> {
  const made = await generateSelfSignedCert(fs.mkdtempSync(path.join(dir, "cert-")), "grafana.internal.example.com");
  for (const p of [paths.tlsCert, paths.tlsKey, paths.htpasswd, paths.pid, paths.accessLog, paths.errorLog]) {
    if (!p.startsWith("/dev/") && p !== "stderr") fs.mkdirSync(path.dirname(p), { recursive: true });
  }
  fs.mkdirSync(paths.tempDir, { recursive: true });
  fs.copyFileSync(made.certPath, paths.tlsCert);
  fs.copyFileSync(made.keyPath, paths.tlsKey);
  fs.writeFileSync(paths.htpasswd, htpasswdFile([{ user: "ops", bcryptHash: bcrypt.hashSync("x".repeat(24), 4) }]));
}

describe("nginx -t on every rendering (Debian nginx 1.22.1)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-t-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(VARIANTS) as Variant[])("accepts the %s rendering, with -g 'daemon off;' as the container and local runner pass it", async (variant) => {
    const opts = forThisMachine(VARIANTS[variant], dir);
    await provide(opts.paths, dir);
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, renderNginxConf(opts));
    const result = await nginxSyntaxCheck(dir, conf);
    expect(result.output).toContain("test is successful");
    expect(result.ok).toBe(true);
    // No warnings (they would drown in container logs), except the one a non-root test run
    // gets for the container's `user` line, which only a root master can honour.
    const warnings = result.output.split("\n").filter((l) => l.includes("[warn]") && !l.includes('"user" directive makes sense only'));
    expect(warnings).toEqual([]);
  });

  it("only rewrote environment-bound values: the rest of the container rendering is identical", () => {
    const original = renderNginxConf(VARIANTS.kubernetes);
    const rewritten = renderNginxConf(forThisMachine(VARIANTS.kubernetes, "/tmp/x"))
      .split("/tmp/x").join("")
      .split("127.0.0.1:3000").join("grafana.monitoring.svc.cluster.local:3000");
    expect(rewritten).toBe(original);
  });

  it("fails when the certificate is missing (the check can fail)", async () => {
    const opts = forThisMachine(VARIANTS.local, dir);
    await provide(opts.paths, dir);
    fs.rmSync(opts.paths.tlsCert);
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, renderNginxConf(opts));
    const result = await nginxSyntaxCheck(dir, conf);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/cannot load certificate/);
  });

  it("fails with 'daemon directive is duplicate' if a daemon line were in the file, which is why none is", async () => {
    const opts = forThisMachine(VARIANTS.local, dir);
    await provide(opts.paths, dir);
    const conf = path.join(dir, "nginx.conf");
    const rendered = renderNginxConf(opts);
    expect(rendered).not.toMatch(/^\s*daemon /m);
    fs.writeFileSync(conf, `daemon off;\n${rendered}`);
    const result = await nginxSyntaxCheck(dir, conf);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/"daemon" directive is duplicate/);
  });
});
