/**
 * The synthetic fleet served live: one loopback HTTP endpoint whose /metrics is the same model
 * (families(), synthetic.ts) at the current 15-second step, so a Prometheus that holds a
 * backfilled history keeps ingesting the same fleet after it starts: raw windows (rate over 5m
 * .. 6h) read fresh samples, head series and ingestion are those of the real fleet size.
 *
 * One target carries every simulated service: each line already has the job/instance/service
 * labels the stack's scrape config would add, so Prometheus scrapes it with honor_labels. The
 * counters start again from 0 when the endpoint starts (a restart of every service, which
 * rate() reads as a reset, not as a spike). OpenMetrics text, without timestamps: the scrape
 * time is the sample time, as for any exporter.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { families } from "./synthetic";
import type { Incident, SynthService } from "./profiles";

/** A running endpoint; stop() closes it. */
export interface LiveFleet {
  url: string;
  /** host:port, for a scrape config. */
  target: string;
  /** Steps computed so far. */
  steps(): number;
  stop(): Promise<void>;
}

const STEP_S = 15;

/** Starts the endpoint on 127.0.0.1 (ephemeral port). */
export async function startLiveFleet(services: SynthService[], incidents: Incident[] = []): Promise<LiveFleet> {
  const startS = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S;
  const fams = families({ services, startS, endS: Number.MAX_SAFE_INTEGER, stepS: STEP_S, incidents, integerCounts: true });
  let k = -1;
  let body = "";
  // Advances the model to the current step (each family is stepped in time order, as it must be).
  const advance = () => {
    const target = Math.floor((Date.now() / 1000 - startS) / STEP_S);
    if (target <= k) return;
    let latest: string[] = [];
    for (let step = k + 1; step <= target; step++) latest = fams.map((f) => f.step(startS + step * STEP_S, step));
    k = target;
    body = fams.map((f, i) => `# TYPE ${f.name} ${f.type}\n${latest[i].replace(/ \d+\n/g, "\n")}`).join("") + "# EOF\n";
  };
  advance();
  const server = http.createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    advance();
    res.writeHead(200, { "content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    target: `127.0.0.1:${port}`,
    steps: () => k + 1,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
