/**
 * `node --import tsx local/grafana-stand-in/cli.ts --port <p> --info <file>`: the local
 * stack's Grafana stand-in process (see server.ts and page.ts). Loopback only.
 */
import * as fs from "fs";
import { standInPages, type StandInInfo } from "./page";
import { startStandInGrafana } from "./server";

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`missing --${name}; usage: cli.ts --port <port> --info <stand-in info JSON file> [--host 127.0.0.1]`);
  return v;
}

async function main(): Promise<void> {
  const host = process.argv.includes("--host") ? arg("host") : "127.0.0.1";
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) throw new Error(`--host ${host}: the stand-in listens on loopback only (127.x.x.x)`);
  const info = JSON.parse(fs.readFileSync(arg("info"), "utf8")) as StandInInfo;
  const s = await startStandInGrafana({ host, port: Number(arg("port")), pages: standInPages(info), record: false });
  console.log(`Grafana stand-in (not Grafana) listening on http://${host}:${s.port}/`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e: Error) => {
  console.error(`grafana stand-in: ${e.message}`);
  process.exit(1);
});
