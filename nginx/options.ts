/**
 * The inputs of the front-door nginx.conf: everything that differs between the docker,
 * kubernetes and local stacks is a field here, everything else is fixed in the template.
 *
 * `NGINX_DEFAULTS` holds the tunables (rate, burst, timeouts, body size) so the stack
 * config schema can reuse the same numbers instead of repeating them.
 */

/** Name of the shared-memory zone that holds one leaky bucket per client IP. */
export const RATE_LIMIT_ZONE = "grafana_per_ip";

/** Name of the upstream{} group (used when no resolver is configured). */
export const UPSTREAM_NAME = "grafana";

/** Body of /health: fixed, tiny, and says nothing about what is behind it. */
export const HEALTH_BODY = "ok\n";

/** Tunable limits and timeouts; every field has a default in `NGINX_DEFAULTS`. */
export interface NginxTunables {
  /**
   * Sustained requests per second per client IP (limit_req_zone rate) in this nginx. A
   * fraction is rendered per minute (7.5 -> 450r/m): replicas that share one limit each get a
   * share of it (render/front-door.ts).
   */
  ratePerSecond: number;
  /**
   * Requests a client may send above the rate before getting 429 (limit_req burst, with
   * `nodelay`: the burst is served at once, not queued). See nginx/README.md for the arithmetic.
   */
  burst: number;
  /** Largest request body (client_max_body_size), e.g. a dashboard JSON import. */
  clientMaxBodySize: string;
  /** Seconds to wait for the TCP connect to Grafana (proxy_connect_timeout). */
  proxyConnectTimeoutSeconds: number;
  /** Seconds between two reads from / writes to Grafana before giving up (proxy_read/send_timeout). */
  proxyTimeoutSeconds: number;
  /** Seconds a Grafana Live WebSocket may stay silent before nginx closes it. */
  websocketTimeoutSeconds: number;
  /** Seconds a client has to send its request headers (client_header_timeout). */
  clientHeaderTimeoutSeconds: number;
  /** Seconds between two reads of the client's request body (client_body_timeout). */
  clientBodyTimeoutSeconds: number;
  /** Idle keep-alive seconds for client connections (keepalive_timeout). */
  keepaliveTimeoutSeconds: number;
  /** max-age of Strict-Transport-Security; 0 sends no HSTS header (e.g. a throw-away local host name). */
  hstsMaxAgeSeconds: number;
}

/** The defaults the front door ships with; the stack config schema reuses them. */
export const NGINX_DEFAULTS: Readonly<NginxTunables> = Object.freeze({
  ratePerSecond: 30,
  // 20 = one dashboard refresh (one query per panel, all at once) plus a few API calls,
  // served without delay; still under one second's worth of the rate.
  burst: 20,
  clientMaxBodySize: "10m",
  proxyConnectTimeoutSeconds: 5,
  // Grafana's own data-proxy timeout is 30 s; 60 s leaves room for a slow query to finish.
  proxyTimeoutSeconds: 60,
  // Grafana Live pings every 25 s, so an hour only ever closes a really dead socket.
  websocketTimeoutSeconds: 3600,
  clientHeaderTimeoutSeconds: 10,
  clientBodyTimeoutSeconds: 30,
  keepaliveTimeoutSeconds: 65,
  hstsMaxAgeSeconds: 31536000,
});

/** Files nginx reads or writes. All absolute: nginx resolves relative ones inconsistently (prefix vs conf dir). */
export interface NginxPaths {
  /** PEM certificate chain served for `serverName` (from a Secret, or self-signed for dev/local). */
  tlsCert: string;
  /** PEM private key of `tlsCert`. */
  tlsKey: string;
  /** htpasswd file with `user:bcrypt-hash` lines (see htpasswd.ts). */
  htpasswd: string;
  /** Where the master writes its pid. */
  pid: string;
  /** JSON access log; "/dev/stdout" in containers. */
  accessLog: string;
  /**
   * Error log file, or "stderr" (containers): nginx then writes to fd 2 itself instead of
   * opening /dev/stderr, which fails when stderr is a socket.
   */
  errorLog: string;
  /** Directory under which nginx keeps request bodies and proxied responses that do not fit in memory. */
  tempDir: string;
}

/**
 * Everything `renderNginxConf` needs. Only the fields that differ between stacks are
 * required; the tunables default to `NGINX_DEFAULTS`.
 */
export interface NginxConfOptions extends Partial<NginxTunables> {
  /** Public host name of Grafana: server_name and the host of every HTTPS redirect. */
  serverName: string;
  /**
   * "container": the official image run as its unprivileged `nginx` user (uid 101) from the
   * start, master included, so the pod passes Pod Security "restricted": no `user` directive,
   * pid and temp files in the scratch directory /var/cache/nginx, ports 80/443 bound through the
   * `net.ipv4.ip_unprivileged_port_start` sysctl the platform sets (the component's command adds
   * `-g 'daemon off;'`). "local": an unprivileged process started by the
   * local runner with `nginx -p <prefix> -c <file> -g 'daemon off;'` — no `user` directive and
   * no file outside `paths`. Neither mode writes `daemon` into the file, because `-g 'daemon off;'`
   * plus a `daemon` line in the file is a fatal "directive is duplicate" error.
   */
  runAs: "container" | "local";
  /** nginx `listen` address of the HTTPS server: "443" (all addresses) or "127.0.0.1:8443". */
  httpsListen: string;
  /** nginx `listen` address of the plain-HTTP server (redirects and /health): "80" or "127.0.0.1:8080". */
  httpListen: string;
  /** HTTPS port clients see (redirect target, Host sent to Grafana); 443 is left out of URLs. */
  publicHttpsPort: number;
  /** host:port of Grafana: "grafana:3000", "grafana.monitoring.svc.cluster.local:3000", "127.0.0.1:3000". */
  grafanaUpstream: string;
  /** Files nginx reads and writes. */
  paths: NginxPaths;
  /**
   * CIDRs of load balancers whose X-Forwarded-For is believed for the client IP (set_real_ip_from).
   * Empty: the TCP peer is the client. Rate limiting is keyed on the resulting client IP.
   */
  trustedProxyCidrs?: string[];
  /**
   * DNS server(s) to resolve `grafanaUpstream` per request instead of once at start-up,
   * e.g. "127.0.0.11" (Docker's embedded DNS) so a re-created Grafana container with a new IP
   * is found without restarting nginx. Unset: resolved at start-up, with upstream keep-alive.
   */
  resolver?: string;
  /**
   * The user worker processes run as, for a root master only. Container: none (nginx is
   * never root there). Local: none by default (nginx already runs as the invoking user); set it only when the local runner is
   * root, because a root master otherwise drops workers to `nobody`, who cannot read the 0600
   * htpasswd and answers every authenticated request with 500.
   */
  user?: string;
  /** worker_processes; default "auto" (one per CPU). */
  workerProcesses?: number | "auto";
  /**
   * Optional `listen` address of an internal server exposing only `/stub_status` (for an
   * nginx-prometheus-exporter sidecar). Never publish this port.
   */
  statusListen?: string;
}

/** Options with every default filled in. */
export type ResolvedNginxConfOptions = NginxConfOptions & NginxTunables & {
  trustedProxyCidrs: string[];
  workerProcesses: number | "auto";
};

/** Fills in the defaults; does not validate (see validate.ts). */
export function withDefaults(opts: NginxConfOptions): ResolvedNginxConfOptions {
  const tunables = Object.fromEntries(
    (Object.keys(NGINX_DEFAULTS) as (keyof NginxTunables)[]).map((k) => [k, opts[k] ?? NGINX_DEFAULTS[k]]),
  ) as unknown as NginxTunables;
  return {
    ...opts,
    ...tunables,
    trustedProxyCidrs: opts.trustedProxyCidrs ?? [],
    workerProcesses: opts.workerProcesses ?? "auto",
  };
}
