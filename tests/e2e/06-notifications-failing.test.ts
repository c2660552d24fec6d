/**
 * A receiver pointed at a dead address: the heartbeat webhook (the receiver that notifies every
 * minute, so its failures show within minutes) now points at a port where nothing listens.
 * Alertmanager's notifications through that integration fail, AlertmanagerNotificationsFailing
 * fires after its 5 minutes, and reaches a person through the other route: PagerDuty. (The dead
 * man's switch pages too: from its side, the heartbeats stopped.) Then the URL is restored.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { SECRET_FILES, SUBDIRS } from "../../config/conventions";
import { HEARTBEAT_DEDUP_KEY } from "../../local/receivers/heartbeat";
import { notifications, waitFor } from "./api";
import { stackInfo } from "./stack-env";

const { options: o } = stackInfo();
const urlFile = path.join(o.stateDir, "etc", "alertmanager", SUBDIRS.secrets, SECRET_FILES.heartbeatUrl);

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

test("the heartbeat receiver at a dead address: AlertmanagerNotificationsFailing pages through PagerDuty", async () => {
  const good = fs.readFileSync(urlFile, "utf8");
  const since = Date.now();
  // Alertmanager reads url_file at every notification: no reload needed.
  fs.writeFileSync(urlFile, `http://127.0.0.1:${await deadPort()}/ping/dead\n`);
  try {
    const page = await waitFor("AlertmanagerNotificationsFailing through PagerDuty", 12 * 60_000, async () =>
      (await notifications(o, { sinceMs: since })).find((n) => (n.summary ?? "").includes("AlertmanagerNotificationsFailing")), 2000);
    const minutes = (page.receivedAtMs - since) / 60_000;
    process.stdout.write(`notifications failing: heartbeat URL broken -> page after ${minutes.toFixed(1)} min (1m notify timeout + 5m for + a scrape and an evaluation)\n`);
    expect(page).toMatchObject({ receiver: "pagerduty", accepted: true, service: "alertmanager", pagerduty: { event_action: "trigger", severity: "critical" } });
    expect(JSON.parse(page.raw).payload.custom_details.value).toContain("webhook");
    // Never through the broken route, and not as a warning.
    const all = await notifications(o, { sinceMs: since });
    expect(all.filter((n) => n.receiver === "slack" && (n.summary ?? "").includes("AlertmanagerNotificationsFailing"))).toEqual([]);
    // The dead man's switch saw the heartbeats stop and paged as well.
    expect(all.some((n) => n.pagerduty?.dedup_key === HEARTBEAT_DEDUP_KEY && n.pagerduty.event_action === "trigger")).toBe(true);
  } finally {
    fs.writeFileSync(urlFile, good);
  }
  // Restored: heartbeats arrive again and the switch resolves.
  const back = Date.now();
  await waitFor("the dead man's switch resolve", 180_000, async () =>
    (await notifications(o, { receiver: "pagerduty", sinceMs: back })).find((n) => n.pagerduty?.dedup_key === HEARTBEAT_DEDUP_KEY && n.pagerduty.event_action === "resolve"), 2000);
}, 20 * 60_000);
