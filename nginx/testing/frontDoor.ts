/**
 * A complete front door for one test file: self-signed certificate, htpasswd, the stand-in
 * Grafana, and the real nginx running the local rendering of the ONE template, all on
 * loopback with free ports, all files in a fresh temp dir.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as bcrypt from "bcryptjs";
import { htpasswdFile, HtpasswdEntry } from "../htpasswd";
import type { NginxConfOptions } from "../options";
import { renderNginxConf } from "../render";
import { generateSelfSignedCert } from "../selfsigned";
import { localNginxDirs, localNginxPaths } from "../variants";
import { freePorts } from "../../tests/helpers/ports";
import { Target } from "./client";
import { RunningNginx, startNginx } from "./nginxProcess";
import { StandInGrafana, startStandInGrafana } from "../../local/grafana-stand-in/server";

/** The host name every test front door serves (the production default). */
export const TEST_SERVER_NAME = "grafana.internal.example.com";

/** How a test wants its front door. */
export interface FrontDoorSetup {
  /** Replaces rendered options (burst, trustedProxyCidrs, resolver, ...). */
  overrides?: Partial<NginxConfOptions>;
  /** htpasswd entries; default: one random user, hashed at cost 4 (see below). */
  users?: HtpasswdEntry[];
  /** Worker processes; 2 so that "all workers are gone" means something on any machine. */
  workers?: number;
}

/** A running front door and everything needed to talk to and inspect it. */
export interface FrontDoor extends Target {
  dir: string;
  httpsPort: number;
  httpPort: number;
  statusPort: number;
  options: NginxConfOptions;
  conf: string;
  nginx: RunningNginx;
  grafana: StandInGrafana;
  /** user:password of the default user (when `users` was not given). */
  credentials: string;
  /** Parsed JSON lines of the access log so far. */
  accessLog(): Record<string, unknown>[];
  /**
   * The access log once `done(lines)` holds. nginx writes a line after the response has gone
   * out, so a client can see the response before the line exists.
   */
  waitForAccessLog(done: (lines: Record<string, unknown>[]) => boolean, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * Default user's hash cost. Cost 4 (~1 ms per check) keeps nginx's per-request crypt() from
 * dominating timing-sensitive tests; auth.test.ts checks the production cost-10 hashes.
 */
const DEFAULT_TEST_COST = 4;

export async function startFrontDoor(setup: FrontDoorSetup = {}): Promise<FrontDoor> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frontdoor-"));
  const secrets = path.join(dir, "secrets");
  const { certPath } = await generateSelfSignedCert(secrets, TEST_SERVER_NAME);
  const password = crypto.randomBytes(18).toString("base64url");
  const users = setup.users ?? [{ user: "ops", bcryptHash: bcrypt.hashSync(password, DEFAULT_TEST_COST) }];
  const paths = localNginxPaths(secrets, dir);
  fs.writeFileSync(paths.htpasswd, htpasswdFile(users), { mode: 0o600 });
  localNginxDirs(paths).forEach((d) => fs.mkdirSync(d, { recursive: true }));
  const grafana = await startStandInGrafana();

  // Free ports can be taken between probe and bind; retry with new ones if that happens.
  for (let attempt = 1; ; attempt++) {
    const [httpsPort, httpPort, statusPort] = await freePorts(3);
    const options: NginxConfOptions = {
      serverName: TEST_SERVER_NAME,
      runAs: "local",
      httpsListen: `127.0.0.1:${httpsPort}`,
      httpListen: `127.0.0.1:${httpPort}`,
      statusListen: `127.0.0.1:${statusPort}`,
      publicHttpsPort: httpsPort,
      grafanaUpstream: `127.0.0.1:${grafana.port}`,
      paths,
      workerProcesses: setup.workers ?? 2,
      // CI containers run tests as root; keep the workers able to read the 0600 htpasswd.
      ...(process.getuid?.() === 0 ? { user: "root" } : {}),
      ...setup.overrides,
    };
    const conf = renderNginxConf(options);
    const confPath = path.join(dir, "nginx.conf");
    fs.writeFileSync(confPath, conf);
    let nginx: RunningNginx;
    try {
      const ports = [httpsPort, httpPort, statusPort].map((port) => ({ host: "127.0.0.1", port }));
      nginx = await startNginx(dir, confPath, ports, options.workerProcesses as number);
    } catch (e) {
      if (attempt < 3 && /Address already in use/.test(String(e))) continue;
      await grafana.close();
      throw e;
    }
    const accessLog = () =>
      fs.existsSync(paths.accessLog)
        ? fs.readFileSync(paths.accessLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
        : [];
    return {
      dir,
      serverName: TEST_SERVER_NAME,
      ca: fs.readFileSync(certPath, "utf8"),
      httpsPort,
      httpPort,
      statusPort,
      options,
      conf,
      nginx,
      grafana,
      credentials: `${users[0].user}:${password}`,
      accessLog,
      async waitForAccessLog(done, timeoutMs = 3000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const lines = accessLog();
          if (done(lines)) return lines;
          if (Date.now() > deadline) throw new Error(`access log condition not met within ${timeoutMs} ms (${lines.length} lines)`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      async stop() {
        try {
          await nginx.stop();
        } finally {
          await grafana.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  }
}
