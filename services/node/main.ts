/**
 * Entry point of the one Node image: SERVICE_NAME picks payment-processor or the demo service
 * with that name's profile. Prints one JSON line when listening (tests and the local stack read
 * the actual ports from it) and shuts down cleanly on SIGTERM/SIGINT.
 */
import { startDemoService } from "../demo/app";
import { DEMO_SERVICE_NAMES } from "../fleet";
import { parseServiceEnv } from "../lib/env";
import type { RunningService } from "../lib/service";
import { startPaymentProcessor } from "../payment-processor/app";
import { parsePaymentProcessorConfig } from "../payment-processor/config";

async function main(): Promise<void> {
  const name = process.env.SERVICE_NAME;
  if (!name) throw new Error(`SERVICE_NAME is required: payment-processor or one of ${DEMO_SERVICE_NAMES.join(", ")}`);
  const service: RunningService =
    name === "payment-processor"
      ? await startPaymentProcessor(parsePaymentProcessorConfig(process.env))
      : await startDemoService(parseServiceEnv(process.env));
  process.stdout.write(`${JSON.stringify({
    event: "listening",
    service: name,
    url: service.url,
    adminUrl: service.adminUrl ?? null,
    metrics: service.registry !== undefined,
    memoryLimitBytes: service.limits.memoryBytes,
    memoryLimitSource: service.limits.memorySource,
    cpuLimitCores: service.limits.cpuCores,
    cpuLimitSource: service.limits.cpuSource,
  })}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${JSON.stringify({ event: "stopping", service: name, signal })}\n`);
    service.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`${name}: error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
