/**
 * Where nginx's files are in each kind of stack, so callers only choose addresses.
 *
 * Containers (docker and kubernetes) use the official nginx image layout: temp files under
 * /var/cache/nginx, logs to stdout/stderr; the secrets directory (a mounted Secret) is the
 * caller's choice, because the file layout is owned by render/topology.ts. The local stack keeps everything under its
 * state dir so an unprivileged `nginx -p <prefix> -c <file>` writes nowhere else.
 */
import * as path from "path";
import { PORTS, SECRET_FILES } from "../config/conventions";
import type { NginxConfOptions, NginxPaths } from "./options";

/** Paths inside the nginx container (same on docker and kubernetes); secrets under `secretsDir`. */
export function containerNginxPaths(secretsDir: string): NginxPaths {
  return {
    tlsCert: path.posix.join(secretsDir, SECRET_FILES.tlsCert),
    tlsKey: path.posix.join(secretsDir, SECRET_FILES.tlsKey),
    htpasswd: path.posix.join(secretsDir, SECRET_FILES.htpasswd),
    // The only writable directory: a scratch volume (emptyDir / tmpfs) under a read-only root,
    // writable by the unprivileged nginx user (see NGINX_SCRATCH_DIR).
    pid: `${NGINX_SCRATCH_DIR}/nginx.pid`,
    accessLog: "/dev/stdout",
    errorLog: "stderr",
    tempDir: NGINX_SCRATCH_DIR,
  };
}

/** The directory a containerised nginx writes to (pid, temp files); a scratch volume. */
export const NGINX_SCRATCH_DIR = "/var/cache/nginx";

/** uid of the official image's `nginx` user, which the container runs as. */
export const NGINX_CONTAINER_UID = 101;

/**
 * Paths of the local stack: config/secrets where the topology says, runtime files under
 * `stateDir`, the temp dir (written by the workers) there too unless `tempDir` says otherwise.
 */
export function localNginxPaths(secretsDir: string, stateDir: string, tempDir?: string): NginxPaths {
  const run = path.join(stateDir, "run", "nginx");
  const log = path.join(stateDir, "log", "nginx");
  return {
    tlsCert: path.join(secretsDir, SECRET_FILES.tlsCert),
    tlsKey: path.join(secretsDir, SECRET_FILES.tlsKey),
    htpasswd: path.join(secretsDir, SECRET_FILES.htpasswd),
    pid: path.join(run, "nginx.pid"),
    accessLog: path.join(log, "access.log"),
    errorLog: path.join(log, "error.log"),
    tempDir: tempDir ?? path.join(run, "tmp"),
  };
}

/** The directories a local nginx needs to exist before it starts (nginx creates none of these). */
export function localNginxDirs(paths: NginxPaths): string[] {
  return [...new Set([path.dirname(paths.pid), path.dirname(paths.accessLog), path.dirname(paths.errorLog), paths.tempDir])];
}

/** Options for a container (docker or kubernetes): listens on 443/80 inside the container. */
export function containerNginxOptions(
  args: { serverName: string; grafanaUpstream: string; publicHttpsPort: number; secretsDir: string } & Partial<NginxConfOptions>,
): NginxConfOptions {
  const { secretsDir, ...rest } = args;
  return {
    runAs: "container",
    httpsListen: String(PORTS.nginxHttps),
    httpListen: String(PORTS.nginxHttp),
    paths: containerNginxPaths(secretsDir),
    ...rest,
  };
}
