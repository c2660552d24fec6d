/**
 * The one free-port helper for every test: ask the kernel for an ephemeral loopback port.
 *
 * A port found free can be taken by someone else before the caller binds it; callers that
 * start a real binary on it should retry once on "address in use" rather than assume.
 */
import * as net from "net";

/** One free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((ok, fail) => {
    s.once("error", fail);
    s.listen(0, "127.0.0.1", ok);
  });
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** `n` distinct free ports (held open together while choosing, so they cannot repeat). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise<void>((ok, fail) => {
        s.once("error", fail);
        s.listen(0, "127.0.0.1", ok);
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}

/** True if nothing listens on 127.0.0.1:port. */
export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}
