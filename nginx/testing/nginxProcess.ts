/**
 * Runs the real Debian nginx (/usr/sbin/nginx) as a child process for tests, the way the
 * local runner does: `nginx -p <prefix> -c <file> -g 'daemon off;'`, and stops it so that
 * neither the master nor any worker survives.
 */
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as net from "net";

/** The nginx binary every test runs. */
export const NGINX_BIN = "/usr/sbin/nginx";

/** Result of `nginx -t`: exit code and everything it printed. */
export interface NginxTestResult {
  ok: boolean;
  output: string;
}

/**
 * `nginx -t` with the same flags the local runner and the container CMD use. Its stdout and
 * stderr are a file, as they are a pipe or file in a container: nginx cannot open
 * /dev/stdout when it is a socket (what Node's own stdio pipes are).
 */
export function nginxSyntaxCheck(prefix: string, confPath: string): Promise<NginxTestResult> {
  const outFile = path.join(prefix, "nginx-t.out");
  const fd = fs.openSync(outFile, "w");
  return new Promise((resolve) => {
    const child = spawn(NGINX_BIN, ["-t", "-p", prefix, "-c", confPath, "-g", "daemon off;"], { stdio: ["ignore", fd, fd] });
    child.on("exit", (code) => {
      fs.closeSync(fd);
      resolve({ ok: code === 0, output: fs.readFileSync(outFile, "utf8") });
    });
  });
}

/** A started nginx: its master pid, the workers it forked, and how to stop it. */
export interface RunningNginx {
  masterPid: number;
  workerPids: number[];
  /** Everything nginx wrote to stderr so far. */
  stderr(): string;
  /** Fast shutdown (SIGTERM); resolves once the master and every worker are gone, throws otherwise. */
  stop(): Promise<void>;
}

/** Pids whose parent is `ppid` and whose command is nginx (scan of /proc). */
export function nginxChildren(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Format: pid (comm) state ppid ...; comm may contain spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(parent) === ppid && comm === "nginx" && state !== "Z") pids.push(Number(entry));
    } catch {
      // The process exited while we looked at it.
    }
  }
  return pids;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/**
 * Starts nginx and waits until every `ports` entry accepts connections and the expected
 * number of workers exists. Rejects with nginx's stderr if it exits first.
 */
export async function startNginx(
  prefix: string,
  confPath: string,
  ports: { host: string; port: number }[],
  expectedWorkers: number,
): Promise<RunningNginx> {
  const child: ChildProcess = spawn(NGINX_BIN, ["-p", prefix, "-c", confPath, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on("exit", () => ((exited = true), resolve())));

  const deadline = Date.now() + 10_000;
  let workers: number[] = [];
  for (;;) {
    if (exited) throw new Error(`nginx exited during start-up:\n${stderr}`);
    const up = await Promise.all(ports.map((p) => canConnect(p.host, p.port)));
    workers = nginxChildren(child.pid!);
    if (up.every(Boolean) && workers.length >= expectedWorkers) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not come up within 10 s (ports up: ${up}, workers: ${workers.length}):\n${stderr}`);
    }
    await sleep(20);
  }

  const masterPid = child.pid!;
  return {
    masterPid,
    workerPids: workers,
    stderr: () => stderr,
    async stop() {
      if (!exited) child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      const survivors = [masterPid, ...workers].filter(isAlive);
      if (survivors.length > 0) {
        survivors.forEach((pid) => process.kill(pid, "SIGKILL"));
        throw new Error(`nginx processes survived SIGTERM: ${survivors.join(", ")}`);
      }
    },
  };
}
