/**
 * The one local stack the end-to-end suites share: started by global-setup.ts, described
 * to the test files through a small JSON file, stopped by the last suite (and, as a safety
 * net, by global-teardown.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_PORTS, defaultOptions, type LocalStackOptions } from "../../local/config";

/**
 * Every e2e port is the default + this offset, so a developer's `npm start` can keep running
 * ($E2E_PORT_OFFSET moves it, e.g. for two checkouts testing at once).
 */
export const E2E_PORT_OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 20000);

const infoFile = path.join(os.tmpdir(), `monitoring-stack-e2e-${E2E_PORT_OFFSET}.json`);

/**
 * Options of the e2e stack: a fresh state dir, offset ports, traffic bounded to 60 minutes, at
 * $E2E_TRAFFIC_SCALE times the brief's rates (default 1). `npm test` runs the drill lanes at
 * 0.25: one stack at full rates takes half a core here (merchant-api 14%, the generator 12%,
 * payment-processor 9%), four of them the whole machine; what the drills judge (time to page,
 * to resolve) follows error ratios and `for:` clauses, not request counts (the burn alerts'
 * minimum of 10 bad events in the short window: merchant-api's 20 r/s failing for its 1m is
 * 1,200). The main lane keeps the full rates and checks them.
 */
export function e2eOptions(stateDir: string): LocalStackOptions {
  const scale = process.env.E2E_TRAFFIC_SCALE ?? "1";
  let base: LocalStackOptions;
  try {
    base = defaultOptions({ LOCAL_PORT_OFFSET: String(E2E_PORT_OFFSET), LOCAL_STATE_DIR: stateDir, LOCAL_TRAFFIC_DURATION: "60m", LOCAL_TRAFFIC_SCALE: scale });
  } catch (e) {
    // Name the variable the user set, not the one it is passed on as.
    throw new Error((e as Error).message.replace(/^LOCAL_TRAFFIC_SCALE:/, "E2E_TRAFFIC_SCALE:").replace(/^LOCAL_PORT_OFFSET:/, "E2E_PORT_OFFSET:"));
  }
  return { ...base, ports: { ...base.ports } };
}

export function saveStackInfo(o: LocalStackOptions, startedAt: number, processes: string[]): void {
  fs.writeFileSync(infoFile, JSON.stringify({ options: o, startedAt, processes }));
}

/** The running e2e stack's options and process names (throws if global-setup did not start one). */
export function stackInfo(): { options: LocalStackOptions; startedAt: number; processes: string[] } {
  if (!fs.existsSync(infoFile)) throw new Error(`no e2e stack: ${infoFile} is missing (run through \`npm run test:e2e\`)`);
  return JSON.parse(fs.readFileSync(infoFile, "utf8"));
}

/** True if global-setup started the default e2e stack (and nobody cleared it yet). */
export function hasStackInfo(): boolean {
  return fs.existsSync(infoFile);
}

export function clearStackInfo(): void {
  fs.rmSync(infoFile, { force: true });
}

export { DEFAULT_PORTS };
