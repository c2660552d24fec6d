/**
 * The dead man's switch's state machine, on a fake clock: waiting until the first ping, down
 * only after period + grace of silence (once), up again on the next ping, and the PagerDuty
 * events it sends for each transition.
 */
import { HeartbeatSwitch, heartbeatEvent, HEARTBEAT_DEDUP_KEY } from "./heartbeat";
import { validatePagerDutyEvent } from "./pagerduty";
import { parseArgs } from "./cli";

const KEY = "0123456789abcdef0123456789abcdef";

describe("HeartbeatSwitch", () => {
  test("a switch that was never pinged pages nobody, however long it waits", () => {
    const sw = new HeartbeatSwitch(60, 30);
    expect(sw.check(10_000_000)).toBeNull();
    expect(sw.status().state).toBe("waiting");
  });

  test("goes down once after period + grace of silence, not a millisecond earlier, and up on the next ping", () => {
    const sw = new HeartbeatSwitch(60, 30);
    expect(sw.ping(0)).toBeNull();
    expect(sw.check(90_000)).toBeNull();
    const down = sw.check(90_001);
    expect(down).toEqual({ kind: "down", silentMs: 90_001, lastPingAt: 0 });
    expect(sw.check(200_000)).toBeNull(); // still down: one page, not one a second
    expect(sw.ping(250_000)).toEqual({ kind: "up", downForMs: 250_000 - 90_001 });
    expect(sw.status()).toMatchObject({ state: "up", pings: 2, outages: [{ from: new Date(90_001).toISOString(), to: new Date(250_000).toISOString() }] });
  });

  test("regular pings keep it up", () => {
    const sw = new HeartbeatSwitch(60, 30);
    for (let t = 0; t < 3600_000; t += 61_000) {
      sw.ping(t);
      expect(sw.check(t + 60_000)).toBeNull();
    }
  });

  test("its events are valid PagerDuty Events v2: a critical trigger about the monitoring service, and a resolve on the same key", () => {
    const sw = new HeartbeatSwitch(60, 30);
    sw.ping(0);
    const down = sw.check(95_000)!;
    const trigger = heartbeatEvent(down, sw, KEY, 95_000);
    expect(validatePagerDutyEvent(trigger, { expectedRoutingKey: KEY })).toMatchObject({ ok: true });
    expect(trigger).toMatchObject({ event_action: "trigger", dedup_key: HEARTBEAT_DEDUP_KEY, payload: { severity: "critical", custom_details: { service: "monitoring", silent_seconds: 95 } } });
    const resolve = heartbeatEvent(sw.ping(100_000)!, sw, KEY, 100_000);
    expect(validatePagerDutyEvent(resolve, { expectedRoutingKey: KEY })).toMatchObject({ ok: true });
    expect(resolve).toEqual({ routing_key: KEY, event_action: "resolve", dedup_key: HEARTBEAT_DEDUP_KEY });
  });

  test("refuses a period of zero", () => {
    expect(() => new HeartbeatSwitch(0, 30)).toThrow(/period must be above 0/);
  });
});

describe("the CLI's heartbeat flags", () => {
  test("a token file turns the switch on with the stack's period and grace", () => {
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hb-cli-"));
    fs.writeFileSync(path.join(dir, "t"), "tok3n\n");
    const o = parseArgs(["--state-dir", dir, "--slack-token", "s", "--heartbeat-token-file", path.join(dir, "t"), "--heartbeat-period", "1m", "--heartbeat-grace", "30s", "--heartbeat-port", "0"], {});
    expect(o.heartbeat).toEqual({ port: 0, token: "tok3n", periodSeconds: 60, graceSeconds: 30 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("heartbeat flags without the token file are an error, not a switch that silently stays off", () => {
    expect(() => parseArgs(["--state-dir", "/s", "--slack-token", "s", "--heartbeat-grace", "30s"], {})).toThrow("--heartbeat-grace need --heartbeat-token-file");
  });
});
