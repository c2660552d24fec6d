/**
 * renderNginxConf as a pure function: validation (every problem at once), the properties the
 * design promises (auth header stripped everywhere, /health outside auth and rate limit, no
 * daemon line, headers owned in one place), and the tunables. Behaviour is tested against the
 * real nginx in the other *.test.ts files; goldens are in golden.test.ts.
 */
import { NGINX_DEFAULTS, NginxConfOptions } from "./options";
import { NginxOptionsError, renderNginxConf } from "./render";
import { VARIANTS } from "./testdata/variants";

const local = VARIANTS.local;

/** `location <path> { ... }` bodies of a rendering (locations contain no nested blocks). */
function locations(conf: string): { path: string; body: string }[] {
  return [...conf.matchAll(/location (?:= )?(\S+) \{([^}]*)\}/g)].map((m) => ({ path: m[1], body: m[2] }));
}

function problemsOf(opts: NginxConfOptions): string[] {
  try {
    renderNginxConf(opts);
  } catch (e) {
    if (e instanceof NginxOptionsError) return e.problems;
    throw e;
  }
  return [];
}

describe("renderNginxConf validation (values are pasted into nginx.conf, so nothing may break a directive)", () => {
  it("reports every invalid option at once, naming the key, the value and what is allowed", () => {
    const problems = problemsOf({ ...local, serverName: "Grafana.Example.COM", httpsListen: "8443x", burst: -1, grafanaUpstream: "http://grafana:3000" });
    expect(problems).toEqual([
      'serverName: got "Grafana.Example.COM", want a lowercase DNS name like grafana.internal.example.com',
      'httpsListen: got "8443x", want a port or ip:port, e.g. "443" or "127.0.0.1:8443"',
      'grafanaUpstream: got "http://grafana:3000", want host:port without a scheme, e.g. "grafana:3000"',
      "burst: got -1, want an integer >= 0",
    ]);
  });

  it.each([
    ["a server name that would end the directive", { serverName: "grafana.example.com; include /etc/passwd" }],
    ["a path with a space", { paths: { ...local.paths, htpasswd: "/etc/my secrets/htpasswd" } }],
    ["a path with a variable", { paths: { ...local.paths, accessLog: "/var/log/$host.log" } }],
    ["a relative path", { paths: { ...local.paths, pid: "run/nginx.pid" } }],
    ["a path that climbs out", { paths: { ...local.paths, tempDir: "/srv/state/../../etc" } }],
    ["a CIDR with a brace", { trustedProxyCidrs: ["10.0.0.0/8 }"] }],
    ["a resolver name instead of an IP", { resolver: "kube-dns" }],
    ["a body size with a unit nginx does not know", { clientMaxBodySize: "10mb" }],
    ["a rate of zero", { ratePerSecond: 0 }],
  ])("refuses %s with exactly one problem", (_what, patch) => {
    expect(problemsOf({ ...local, ...(patch as Partial<NginxConfOptions>) })).toHaveLength(1);
  });

  it("accepts every golden variant", () => {
    for (const opts of Object.values(VARIANTS)) expect(problemsOf(opts)).toEqual([]);
  });
});

describe("renderNginxConf output", () => {
  it.each(Object.entries(VARIANTS))("strips Authorization and applies the rate limit in every proxying location (%s)", (_v, opts) => {
    const proxied = locations(renderNginxConf(opts)).filter((l) => l.body.includes("proxy_pass"));
    expect(proxied.map((l) => l.path)).toEqual(["/api/live/", "/"]);
    for (const l of proxied) {
      expect(l.body).toContain('proxy_set_header Authorization "";');
      expect(l.body).toContain(`limit_req zone=grafana_per_ip burst=${NGINX_DEFAULTS.burst} nodelay;`);
    }
  });

  it("keeps both /health locations outside auth, rate limit and proxying", () => {
    const health = locations(renderNginxConf(local)).filter((l) => l.path === "/health");
    expect(health).toHaveLength(2);
    for (const l of health) {
      expect(l.body).toContain("auth_basic off;");
      expect(l.body).not.toMatch(/limit_req|proxy_pass/);
    }
  });

  it("never uses add_header inside a location, which would silently drop the server's security headers", () => {
    for (const opts of Object.values(VARIANTS)) {
      expect(locations(renderNginxConf(opts)).filter((l) => l.body.includes("add_header"))).toEqual([]);
    }
  });

  it("writes a user line only for a root master that asks for one, and no daemon line anywhere", () => {
    // Containers run nginx as its unprivileged user from the start: nothing to drop to.
    expect(renderNginxConf(VARIANTS.docker)).not.toMatch(/^user /m);
    expect(renderNginxConf(VARIANTS.kubernetes)).not.toMatch(/^user /m);
    expect(renderNginxConf(local)).not.toMatch(/^user /m);
    expect(renderNginxConf({ ...local, user: "root" })).toMatch(/^user root;$/m);
    for (const opts of Object.values(VARIANTS)) expect(renderNginxConf(opts)).not.toMatch(/^\s*daemon\b/m);
  });

  it("leaves :443 out of redirects and Host, and keeps any other public port", () => {
    expect(renderNginxConf(VARIANTS.kubernetes)).toContain("return 301 https://grafana.internal.example.com$request_uri;");
    expect(renderNginxConf(VARIANTS.kubernetes)).toContain("proxy_set_header Host $host;");
    expect(renderNginxConf(VARIANTS.docker)).toContain("return 301 https://grafana.internal.example.com:8443$request_uri;");
    expect(renderNginxConf(VARIANTS.docker)).toContain("proxy_set_header Host $host:8443;");
  });

  it("renders a replica's share of a limit per minute when it is not a whole number per second", () => {
    expect(renderNginxConf({ ...local, ratePerSecond: 7.5 })).toContain("rate=450r/m;");
    expect(renderNginxConf({ ...local, ratePerSecond: 15 })).toContain("rate=15r/s;");
    expect(() => renderNginxConf({ ...local, ratePerSecond: 0.001 })).toThrow(/ratePerSecond/);
  });

  it("applies the tunables: rate, burst, body size, timeouts, HSTS off at 0", () => {
    const conf = renderNginxConf({ ...local, ratePerSecond: 10, burst: 5, clientMaxBodySize: "1m", proxyTimeoutSeconds: 7, hstsMaxAgeSeconds: 0 });
    expect(conf).toContain("rate=10r/s;");
    expect(conf).toContain("burst=5 nodelay;");
    expect(conf).toContain("client_max_body_size 1m;");
    expect(conf).toContain("proxy_read_timeout 7s;");
    expect(conf).not.toContain("Strict-Transport-Security");
  });

  it("renders stub_status only when a status listener is configured", () => {
    expect(renderNginxConf(local)).toContain("stub_status;");
    expect(renderNginxConf(VARIANTS.kubernetes)).not.toContain("stub_status");
  });
});

describe("NGINX_DEFAULTS", () => {
  it("holds the documented defaults (30 r/s, burst 20, 10m bodies) and is frozen", () => {
    expect(NGINX_DEFAULTS).toMatchObject({ ratePerSecond: 30, burst: 20, clientMaxBodySize: "10m" });
    expect(Object.isFrozen(NGINX_DEFAULTS)).toBe(true);
  });
});
