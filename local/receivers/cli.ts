/**
 * `node --import tsx local/receivers/cli.ts --state-dir DIR --slack-token TOKEN [...]`:
 * runs the PagerDuty and Slack stand-ins until SIGTERM/SIGINT. The local stack starts it
 * (local/plan.ts); see local/receivers/README.md for the flags and the HTTP API.
 *
 * Prints one JSON line `{"event":"listening",...}` on stdout when both ports listen (the
 * Slack URL without its token) and `{"event":"stopped"}` after a clean stop.
 */
import * as fs from "fs";
import { durationSeconds } from "../../config/validate";
import { startReceivers, type HeartbeatOptions, type ReceiversOptions } from "./server";

/** Flags, each with the environment variable that can stand in for it. */
export const FLAGS = {
  "--host": "RECEIVERS_HOST",
  "--pagerduty-port": "RECEIVERS_PAGERDUTY_PORT",
  "--slack-port": "RECEIVERS_SLACK_PORT",
  "--state-dir": "RECEIVERS_STATE_DIR",
  "--slack-token": "RECEIVERS_SLACK_TOKEN",
  "--slack-token-file": "RECEIVERS_SLACK_TOKEN_FILE",
  "--pagerduty-routing-key": "RECEIVERS_PAGERDUTY_ROUTING_KEY",
  "--pagerduty-routing-key-file": "RECEIVERS_PAGERDUTY_ROUTING_KEY_FILE",
  "--heartbeat-port": "RECEIVERS_HEARTBEAT_PORT",
  "--heartbeat-token-file": "RECEIVERS_HEARTBEAT_TOKEN_FILE",
  "--heartbeat-period": "RECEIVERS_HEARTBEAT_PERIOD",
  "--heartbeat-grace": "RECEIVERS_HEARTBEAT_GRACE",
} as const;
type Flag = keyof typeof FLAGS;

/** Default ports, those of local/config.ts (8291 PagerDuty, 8292 Slack, 8293 the dead man's switch). */
export const DEFAULT_PORTS = { pagerduty: 8291, slack: 8292, heartbeat: 8293 };

/** Parses argv and env into options; throws one error naming every problem. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ReceiversOptions {
  const given = new Map<Flag, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined];
    if (!(name in FLAGS)) {
      problems.push(`unknown argument "${argv[i]}"; known: ${Object.keys(FLAGS).join(", ")}`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) problems.push(`${name} needs a value`);
    else given.set(name as Flag, value);
  }
  const value = (f: Flag) => given.get(f) ?? env[FLAGS[f]];
  const fromFile = (f: Flag, fileFlag: Flag) => {
    const file = value(fileFlag);
    if (file === undefined) return value(f);
    try {
      return fs.readFileSync(file, "utf8").trim();
    } catch (e) {
      problems.push(`${fileFlag}: cannot read ${file}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const port = (f: Flag, dflt: number) => {
    const v = value(f);
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) > 65535) problems.push(`${f} (or ${FLAGS[f]}): got "${v}"; allowed: a port from 0 to 65535 (0 = any free port)`);
    return Number(v);
  };
  const pagerdutyPort = port("--pagerduty-port", DEFAULT_PORTS.pagerduty);
  const slackPort = port("--slack-port", DEFAULT_PORTS.slack);
  const stateDir = value("--state-dir");
  if (!stateDir) problems.push(`--state-dir (or ${FLAGS["--state-dir"]}) is required: the directory notifications.jsonl is kept in`);
  const slackToken = fromFile("--slack-token", "--slack-token-file");
  if (!slackToken) problems.push(`--slack-token or --slack-token-file (or ${FLAGS["--slack-token"]}) is required: the token the webhook URL must end with`);
  const pagerdutyRoutingKey = fromFile("--pagerduty-routing-key", "--pagerduty-routing-key-file") || undefined;
  const heartbeat = parseHeartbeat(value, fromFile, port, problems);
  if (problems.length > 0) throw new Error(`receivers: ${problems.join("; ")}`);
  return { host: value("--host") ?? "127.0.0.1", pagerdutyPort, slackPort, stateDir: stateDir!, slackToken: slackToken!, pagerdutyRoutingKey, ...(heartbeat ? { heartbeat } : {}) };
}

/** The dead man's switch flags: all or none (the token file turns it on). */
function parseHeartbeat(
  value: (f: Flag) => string | undefined,
  fromFile: (f: Flag, fileFlag: Flag) => string | undefined,
  port: (f: Flag, dflt: number) => number,
  problems: string[],
): HeartbeatOptions | undefined {
  const token = value("--heartbeat-token-file") === undefined ? undefined : fromFile("--heartbeat-token-file", "--heartbeat-token-file");
  const given = (["--heartbeat-port", "--heartbeat-period", "--heartbeat-grace"] as Flag[]).filter((f) => value(f) !== undefined);
  if (token === undefined) {
    if (given.length > 0) problems.push(`${given.join(", ")} need --heartbeat-token-file (the dead man's switch is off without it)`);
    return undefined;
  }
  const seconds = (f: Flag, dflt: number) => {
    const v = value(f);
    if (v === undefined) return dflt;
    const s = durationSeconds(v);
    if (!Number.isFinite(s) || s < 0) problems.push(`${f} (or ${FLAGS[f]}): got "${v}"; allowed: a duration such as 1m or 30s`);
    return s;
  };
  return { port: port("--heartbeat-port", DEFAULT_PORTS.heartbeat), token: token ?? "", periodSeconds: seconds("--heartbeat-period", 60), graceSeconds: seconds("--heartbeat-grace", 30) };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const r = await startReceivers(opts);
  const line = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");
  line({
    event: "listening",
    pagerdutyUrl: r.pagerdutyUrl,
    slackWebhookUrl: r.slackWebhookUrl.replace(/[^/]+$/, "<token>"),
    uiUrl: r.uiUrl,
    uiUrls: r.uiUrls,
    stateDir: opts.stateDir,
    notifications: r.store.all().length,
    routingKeyChecked: opts.pagerdutyRoutingKey !== undefined,
    ...(r.heartbeatUrl ? { heartbeatUrl: r.heartbeatUrl.replace(/[^/]+$/, "<token>"), heartbeat: { periodSeconds: opts.heartbeat!.periodSeconds, graceSeconds: opts.heartbeat!.graceSeconds } } : {}),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    r.close().then(
      () => {
        line({ event: "stopped", signal });
        process.exit(0);
      },
      (e) => {
        process.stderr.write(`receivers: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
