/**
 * The server{} blocks of the front door: plain HTTP (redirect + /health), HTTPS (TLS, auth,
 * rate limit, proxy to Grafana, Grafana Live WebSocket) and the optional internal status server.
 */
import { HEALTH_BODY, RATE_LIMIT_ZONE, ResolvedNginxConfOptions, UPSTREAM_NAME } from "./options";

/** ":8443", or "" for the default HTTPS port. */
function portSuffix(o: ResolvedNginxConfOptions): string {
  return o.publicHttpsPort === 443 ? "" : `:${o.publicHttpsPort}`;
}

/**
 * Fixed /health: no auth, no rate limit, no proxying, nothing about nginx or Grafana in it.
 * `return` answers in the rewrite phase, before limit_req (preaccess) and auth_basic (access)
 * run; `auth_basic off` keeps it open even if someone replaces the `return` later.
 */
function healthLocation(): string[] {
  return [
    "location = /health {",
    "    auth_basic off;",
    // Load balancers poll this every few seconds; logging it would drown the real traffic.
    "    access_log off;",
    "    default_type text/plain;",
    `    return 200 "${JSON.stringify(HEALTH_BODY).slice(1, -1)}";`,
    "}",
  ];
}

/** Port 80: /health for load balancers that check plain HTTP, everything else to HTTPS. */
export function httpServer(o: ResolvedNginxConfOptions): string[] {
  return [
    "server {",
    `    listen ${o.httpListen};`,
    `    server_name ${o.serverName};`,
    "",
    ...healthLocation().map((l) => `    ${l}`),
    "",
    // The configured name, never $host: a forged Host header must not pick the redirect target.
    "    location / {",
    `        return 301 https://${o.serverName}${portSuffix(o)}$request_uri;`,
    "    }",
    "}",
  ];
}

/**
 * Headers sent to Grafana. Repeated in every proxying location because a location that sets
 * any proxy_set_header inherits none from the server level.
 */
function proxyHeaders(o: ResolvedNginxConfOptions): string[] {
  const host = `$host${portSuffix(o)}`;
  return [
    "proxy_http_version 1.1;",
    // Grafana compares Origin with Host (CSRF, Live); Host must carry the public port.
    `proxy_set_header Host ${host};`,
    `proxy_set_header X-Forwarded-Host ${host};`,
    "proxy_set_header X-Forwarded-Proto https;",
    `proxy_set_header X-Forwarded-Port ${o.publicHttpsPort};`,
    // Exactly one address: the client as nginx determined it. A client-sent X-Forwarded-For is
    // never passed on, so nobody can choose the IP Grafana logs.
    "proxy_set_header X-Forwarded-For $remote_addr;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Request-ID $request_id;",
    // Otherwise Grafana reads our basic-auth credentials as its own basic auth and rejects them.
    'proxy_set_header Authorization "";',
  ];
}

function proxyPass(o: ResolvedNginxConfOptions): string {
  return o.resolver ? "proxy_pass http://$grafana_upstream;" : `proxy_pass http://${UPSTREAM_NAME};`;
}

function limitReq(o: ResolvedNginxConfOptions): string {
  return `limit_req zone=${RATE_LIMIT_ZONE} burst=${o.burst} nodelay;`;
}

/** Headers the front door owns; Grafana's copies are hidden so each appears exactly once. */
function securityHeaders(o: ResolvedNginxConfOptions): string[] {
  const owned: [string, string][] = [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "strict-origin-when-cross-origin"],
  ];
  if (o.hstsMaxAgeSeconds > 0) {
    owned.unshift(["Strict-Transport-Security", `"max-age=${o.hstsMaxAgeSeconds}; includeSubDomains"`]);
  }
  return [
    ...owned.map(([name]) => `proxy_hide_header ${name};`),
    // `always`: also on 401, 429 and error pages. No location below uses add_header, so all inherit these.
    ...owned.map(([name, value]) => `add_header ${name} ${value} always;`),
  ];
}

/** Port 443: TLS termination, basic auth, per-IP rate limit, proxy to Grafana. */
export function httpsServer(o: ResolvedNginxConfOptions): string[] {
  const proxied = (path: string, extra: string[]) => [
    `    location ${path} {`,
    `        ${limitReq(o)}`,
    ...proxyHeaders(o).map((l) => `        ${l}`),
    ...extra.map((l) => `        ${l}`),
    `        ${proxyPass(o)}`,
    "    }",
  ];
  return [
    "server {",
    `    listen ${o.httpsListen} ssl;`,
    `    server_name ${o.serverName};`,
    `    ssl_certificate ${o.paths.tlsCert};`,
    `    ssl_certificate_key ${o.paths.tlsKey};`,
    "",
    ...securityHeaders(o).map((l) => `    ${l}`),
    "",
    // Server level, so any location added later is protected unless it says otherwise.
    '    auth_basic "Grafana";',
    `    auth_basic_user_file ${o.paths.htpasswd};`,
    ...(o.resolver ? [`    set $grafana_upstream ${o.grafanaUpstream};`] : []),
    "",
    `    proxy_connect_timeout ${o.proxyConnectTimeoutSeconds}s;`,
    `    proxy_send_timeout ${o.proxyTimeoutSeconds}s;`,
    `    proxy_read_timeout ${o.proxyTimeoutSeconds}s;`,
    "",
    ...healthLocation().map((l) => `    ${l}`),
    "",
    // Grafana Live: WebSocket upgrade and a read timeout long enough for a quiet dashboard.
    ...proxied("/api/live/", [
      "proxy_set_header Upgrade $http_upgrade;",
      "proxy_set_header Connection $connection_upgrade;",
      `proxy_read_timeout ${o.websocketTimeoutSeconds}s;`,
      `proxy_send_timeout ${o.websocketTimeoutSeconds}s;`,
    ]),
    "",
    // Empty Connection lets nginx reuse upstream keep-alive connections.
    ...proxied("/", ['proxy_set_header Connection "";']),
    "}",
  ];
}

/** Internal stub_status server for a metrics exporter; never exposed. */
export function statusServer(o: ResolvedNginxConfOptions): string[] {
  return [
    "server {",
    `    listen ${o.statusListen};`,
    "    access_log off;",
    "    location = /stub_status {",
    "        stub_status;",
    "    }",
    "    location / {",
    "        return 404;",
    "    }",
    "}",
  ];
}
