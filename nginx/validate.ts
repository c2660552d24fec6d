/**
 * Validation of NginxConfOptions, reporting every problem at once.
 *
 * Every value is pasted into nginx.conf, so anything that could end a directive (`;`, `{`,
 * `}`), start a comment (`#`), expand a variable (`$`) or break a token (quotes, spaces,
 * newlines) is rejected here rather than producing a config that means something else.
 */
import type { ResolvedNginxConfOptions } from "./options";

/** Thrown by renderNginxConf when options are invalid; `problems` lists each one. */
export class NginxOptionsError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid nginx options:\n  - ${problems.join("\n  - ")}`);
    this.name = "NginxOptionsError";
  }
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:]*$/i;
const SAFE_PATH = /^\/[A-Za-z0-9._\/@+-]*$/;
const SIZE = /^\d+[kKmMgG]?$/;

function isPort(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** "443", "127.0.0.1:8443" or "[::1]:8443". */
export function isListenAddress(s: string): boolean {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(s);
  if (!m || !isPort(Number(m[2]))) return false;
  const host = m[1];
  if (host === undefined) return true;
  if (host.startsWith("[") && host.endsWith("]")) return IPV6.test(host.slice(1, -1));
  return IPV4.test(host);
}

/** "grafana:3000", "127.0.0.1:3000", "grafana.monitoring.svc.cluster.local:3000". */
export function isHostPort(s: string): boolean {
  const m = /^(.+):(\d{1,5})$/.exec(s);
  if (!m || !isPort(Number(m[2]))) return false;
  return IPV4.test(m[1]) || DNS_NAME.test(m[1]);
}

/** "10.0.0.0/8", "192.0.2.1" or "2001:db8::/32". */
export function isCidr(s: string): boolean {
  const [addr, bits, ...rest] = s.split("/");
  if (rest.length > 0) return false;
  const v4 = IPV4.test(addr);
  if (!v4 && !IPV6.test(addr)) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (v4 ? 32 : 128);
}

/** Returns one message per problem: key, value received, what is allowed. */
export function nginxOptionProblems(o: ResolvedNginxConfOptions): string[] {
  const problems: string[] = [];
  const bad = (key: string, value: unknown, allowed: string) =>
    problems.push(`${key}: got ${JSON.stringify(value)}, want ${allowed}`);

  if (typeof o.serverName !== "string" || !DNS_NAME.test(o.serverName)) {
    bad("serverName", o.serverName, "a lowercase DNS name like grafana.internal.example.com");
  }
  if (o.runAs !== "container" && o.runAs !== "local") bad("runAs", o.runAs, '"container" or "local"');
  for (const key of ["httpsListen", "httpListen"] as const) {
    if (typeof o[key] !== "string" || !isListenAddress(o[key])) bad(key, o[key], 'a port or ip:port, e.g. "443" or "127.0.0.1:8443"');
  }
  if (o.statusListen !== undefined && !isListenAddress(o.statusListen)) {
    bad("statusListen", o.statusListen, 'a port or ip:port, e.g. "127.0.0.1:8081"');
  }
  if (!isPort(o.publicHttpsPort)) bad("publicHttpsPort", o.publicHttpsPort, "an integer port 1-65535");
  if (typeof o.grafanaUpstream !== "string" || !isHostPort(o.grafanaUpstream)) {
    bad("grafanaUpstream", o.grafanaUpstream, 'host:port without a scheme, e.g. "grafana:3000"');
  }
  for (const [key, value] of Object.entries(o.paths ?? {})) {
    if (key === "errorLog" && value === "stderr") continue;
    if (typeof value !== "string" || !SAFE_PATH.test(value) || value.includes("..")) {
      bad(`paths.${key}`, value, "an absolute path of letters, digits and ._/@+- (no .., spaces, quotes, $ or ;)");
    }
  }
  for (const key of ["tlsCert", "tlsKey", "htpasswd", "pid", "accessLog", "errorLog", "tempDir"]) {
    if (!o.paths || !(key in o.paths)) bad(`paths.${key}`, undefined, "an absolute path");
  }
  o.trustedProxyCidrs.forEach((c, i) => {
    if (typeof c !== "string" || !isCidr(c)) bad(`trustedProxyCidrs[${i}]`, c, 'a CIDR like "10.0.0.0/8"');
  });
  if (o.resolver !== undefined) {
    const parts = String(o.resolver).split(/\s+/);
    if (parts.length === 0 || parts.some((p) => !IPV4.test(p) && !/^\[[0-9a-f:]+\]$/i.test(p))) {
      bad("resolver", o.resolver, 'space-separated IP addresses, e.g. "127.0.0.11"');
    }
  }
  // nginx: `user name [group]`; Debian has no "nobody" group, so locally it is "nobody nogroup".
  if (o.user !== undefined && !/^[a-z_][a-z0-9_-]*( [a-z_][a-z0-9_-]*)?$/.test(o.user)) bad("user", o.user, "a POSIX user name, optionally followed by a group name");
  if (o.workerProcesses !== "auto" && !(Number.isInteger(o.workerProcesses) && o.workerProcesses >= 1)) {
    bad("workerProcesses", o.workerProcesses, '"auto" or an integer >= 1');
  }

  // Whole requests per second, or per minute when a total limit is shared by replicas (15 r/s, 450 r/m).
  if (typeof o.ratePerSecond !== "number" || !(o.ratePerSecond >= 1 / 60) || Math.abs(o.ratePerSecond * 60 - Math.round(o.ratePerSecond * 60)) > 1e-6) {
    bad("ratePerSecond", o.ratePerSecond, "a rate >= 1 request per minute, in whole requests per minute (e.g. 30, 7.5)");
  }
  const positive = ["proxyConnectTimeoutSeconds", "proxyTimeoutSeconds", "websocketTimeoutSeconds",
    "clientHeaderTimeoutSeconds", "clientBodyTimeoutSeconds", "keepaliveTimeoutSeconds"] as const;
  for (const key of positive) {
    if (!Number.isInteger(o[key]) || o[key] < 1) bad(key, o[key], "an integer >= 1");
  }
  for (const key of ["burst", "hstsMaxAgeSeconds"] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) bad(key, o[key], "an integer >= 0");
  }
  if (typeof o.clientMaxBodySize !== "string" || !SIZE.test(o.clientMaxBodySize)) {
    bad("clientMaxBodySize", o.clientMaxBodySize, 'an nginx size like "10m"');
  }
  return problems;
}
