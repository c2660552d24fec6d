import { IncidentTracker, type IncidentEvent } from "./incidents";

const KEY = "a".repeat(32);
let nextId = 1;
const event = (action: IncidentEvent["action"], dedupKey: string, more: Partial<IncidentEvent> = {}): IncidentEvent => ({
  action,
  dedupKey,
  routingKey: KEY,
  service: "ledger",
  summary: "ledger is down",
  severity: "critical",
  notificationId: nextId++,
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, nextId)).toISOString(),
  ...more,
});

describe("IncidentTracker", () => {
  it("opens an incident on a trigger and resolves it on a resolve with the same dedup key", () => {
    const t = new IncidentTracker();
    expect(t.apply(event("trigger", "k1")).outcome).toBe("opened");
    expect(t.latest({ service: "ledger" })?.state).toBe("open");
    expect(t.apply(event("resolve", "k1")).outcome).toBe("resolved");
    const i = t.latest({ dedupKey: "k1" })!;
    expect(i.state).toBe("resolved");
    expect(i.resolvedAt).not.toBeNull();
  });

  it("adds a second trigger to the open incident as a duplicate, as PagerDuty does", () => {
    const t = new IncidentTracker();
    t.apply(event("trigger", "k1"));
    const second = t.apply(event("trigger", "k1"));
    expect(second.outcome).toBe("duplicate");
    expect(t.list()).toHaveLength(1);
    expect(t.list()[0].triggers).toBe(2);
    expect(t.list()[0].notificationIds).toHaveLength(2);
  });

  it("opens a new incident for a trigger after the resolve", () => {
    const t = new IncidentTracker();
    t.apply(event("trigger", "k1"));
    t.apply(event("resolve", "k1"));
    expect(t.apply(event("trigger", "k1")).outcome).toBe("opened");
    expect(t.list({ dedupKey: "k1" }).map((i) => [i.number, i.state])).toEqual([
      [1, "resolved"],
      [2, "open"],
    ]);
  });

  it("drops a resolve or acknowledge for which no incident is open", () => {
    const t = new IncidentTracker();
    expect(t.apply(event("resolve", "nothing")).outcome).toBe("dropped");
    expect(t.apply(event("acknowledge", "nothing")).outcome).toBe("dropped");
    expect(t.list()).toEqual([]);
  });

  it("acknowledges an open incident, which a later resolve still resolves", () => {
    const t = new IncidentTracker();
    t.apply(event("trigger", "k1"));
    expect(t.apply(event("acknowledge", "k1")).outcome).toBe("acknowledged");
    expect(t.latest({ dedupKey: "k1" })?.state).toBe("acknowledged");
    expect(t.apply(event("resolve", "k1")).outcome).toBe("resolved");
  });

  it("drops a resolve sent through another routing key, as PagerDuty documents", () => {
    const t = new IncidentTracker();
    t.apply(event("trigger", "k1"));
    expect(t.apply(event("resolve", "k1", { routingKey: "b".repeat(32) })).outcome).toBe("dropped");
    expect(t.latest({ dedupKey: "k1" })?.state).toBe("open");
  });

  it("filters by service and state, and hands out copies", () => {
    const t = new IncidentTracker();
    t.apply(event("trigger", "k1", { service: "ledger" }));
    t.apply(event("trigger", "k2", { service: "payouts" }));
    t.apply(event("resolve", "k2", { service: "payouts" }));
    expect(t.list({ state: "open" }).map((i) => i.service)).toEqual(["ledger"]);
    expect(t.list({ service: "payouts", state: "resolved" })).toHaveLength(1);
    t.list()[0].state = "resolved";
    expect(t.latest({ service: "ledger" })?.state).toBe("open");
    expect(t.latest({ service: "nobody" })).toBeNull();
  });
});
