/**
 * Thin CLI over the traffic library (services/README.md has examples):
 *
 *   traffic run    [--duration 300] [--scale 1] [--rate name=rps]... [--only a,b] [--target name=url]...
 *                  [--url-template http://{name}:8080] [--allow-non-loopback] [--control-port N]
 *                  [--report-every 10] [--seed N] [--json]
 *   traffic inject --service NAME [--error-ratio R] [--latency-ms MS] --duration S [--admin-url URL]
 *   traffic clear  --service NAME [--admin-url URL]
 *   traffic memory --service NAME (--target-ratio R [--ramp S] | --release | --status) [--admin-url URL]
 */
import { parseArgs } from "node:util";
import { startControlServer } from "./control";
import { TrafficGenerator } from "./generator";
import { clearFault, injectFault, memoryStatus, releaseMemoryChaos, startMemoryChaos } from "./inject";
import { parsePairs, planTargets } from "./plan";
import { formatReport } from "./stats";

/** Default run length when --duration is not given: five minutes, never unbounded. */
export const DEFAULT_DURATION_SECONDS = 300;

const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${flag} expects a number, got ${JSON.stringify(value)}`);
  return n;
};

async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      duration: { type: "string" }, scale: { type: "string" }, rate: { type: "string", multiple: true },
      only: { type: "string" }, target: { type: "string", multiple: true }, "url-template": { type: "string" },
      "allow-non-loopback": { type: "boolean" }, "control-port": { type: "string" }, "report-every": { type: "string" },
      seed: { type: "string" }, json: { type: "boolean" },
    },
  });
  const urls = parsePairs(values.target ?? [], (v) => v);
  const targets = planTargets({
    scale: values.scale ? number("--scale")(values.scale) : 1,
    rates: parsePairs(values.rate ?? [], number("--rate")),
    only: values.only?.split(",").filter(Boolean),
    urls,
    urlTemplate: values["url-template"],
  });
  const allowNonLoopback = values["allow-non-loopback"] ?? false;
  const generator = new TrafficGenerator({
    targets,
    durationSeconds: values.duration ? number("--duration")(values.duration) : DEFAULT_DURATION_SECONDS,
    allowNonLoopback,
    seed: values.seed ? number("--seed")(values.seed) : undefined,
  });
  const control = values["control-port"] !== undefined ? await startControlServer(generator, number("--control-port")(values["control-port"]), {}, allowNonLoopback) : undefined;
  if (control) process.stderr.write(`control endpoint: ${control.url}/stats\n`);

  generator.start();
  const every = (values["report-every"] ? number("--report-every")(values["report-every"]) : 10) * 1000;
  const reporter = setInterval(() => process.stderr.write(`${formatReport(generator.report())}\n`), every);
  const stop = () => void generator.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const report = await generator.done;
  clearInterval(reporter);
  await control?.close();
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
}

async function admin(command: string, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      service: { type: "string" }, "admin-url": { type: "string" }, "allow-non-loopback": { type: "boolean" },
      "error-ratio": { type: "string" }, "latency-ms": { type: "string" }, duration: { type: "string" },
      "target-ratio": { type: "string" }, ramp: { type: "string" }, release: { type: "boolean" }, status: { type: "boolean" },
    },
  });
  if (!values.service) throw new Error(`${command} needs --service NAME`);
  const target = { adminUrl: values["admin-url"], allowNonLoopback: values["allow-non-loopback"] };
  let result: unknown;
  if (command === "inject") {
    if (!values.duration) throw new Error("inject needs --duration SECONDS (faults are always bounded)");
    result = await injectFault(values.service, {
      errorRatio: values["error-ratio"] ? number("--error-ratio")(values["error-ratio"]) : undefined,
      latencyMs: values["latency-ms"] ? number("--latency-ms")(values["latency-ms"]) : undefined,
      durationSeconds: number("--duration")(values.duration),
    }, target);
  } else if (command === "clear") {
    result = await clearFault(values.service, target);
  } else if (values.release) {
    result = await releaseMemoryChaos(values.service, target);
  } else if (values["target-ratio"]) {
    result = await startMemoryChaos(values.service, number("--target-ratio")(values["target-ratio"]), values.ramp ? number("--ramp")(values.ramp) : 120, target);
  } else {
    result = await memoryStatus(values.service, target);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "run") return run(rest);
  if (command === "inject" || command === "clear" || command === "memory") return admin(command, rest);
  throw new Error("usage: traffic run|inject|clear|memory [options]  (see services/README.md)");
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`traffic: ${err.message}\n`);
  process.exit(1);
});
