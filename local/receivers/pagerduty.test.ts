import { isIso8601, pagerDutyFields, validatePagerDutyEvent } from "./pagerduty";

const KEY = "0123456789abcdef0123456789ABCDEF";

/** A trigger shaped like the ones Alertmanager sends with render/alertmanager.ts. */
function trigger(): Record<string, any> {
  return {
    routing_key: KEY,
    dedup_key: "a3f1c0ffee",
    event_action: "trigger",
    payload: {
      summary: "[FIRING:1] HighErrorRate payment-processor: errors above 5%",
      source: "Alertmanager (dev)",
      severity: "critical",
      custom_details: { service: "payment-processor", team: "payments", firing: "1", resolved: "0" },
    },
    client: "Alertmanager (dev)",
    client_url: "https://grafana.internal.example.com:8443",
    links: [
      { href: "https://runbooks.example.com/HighErrorRate", text: "Runbook" },
      { href: "https://grafana.internal.example.com/d/x", text: "Dashboard" },
    ],
  };
}
/** A copy of the trigger with one change applied. */
const triggerWith = (change: (e: Record<string, any>) => void) => {
  const e = trigger();
  change(e);
  return e;
};

describe("validatePagerDutyEvent", () => {
  const good: Array<[string, unknown]> = [
    ["an Alertmanager trigger", trigger()],
    ["a trigger without dedup_key (PagerDuty makes one up)", triggerWith((e) => delete e.dedup_key)],
    ["a minimal resolve", { routing_key: KEY, event_action: "resolve", dedup_key: "k" }],
    ["an acknowledge", { routing_key: KEY, event_action: "acknowledge", dedup_key: "k" }],
    ["a resolve carrying Alertmanager's payload", { ...trigger(), event_action: "resolve" }],
    ["a trigger with every optional payload field", triggerWith((e) => Object.assign(e.payload, { timestamp: "2015-07-17T08:42:58.315+0000", component: "db", group: "prod", class: "cpu" }))],
    ["a trigger with images", triggerWith((e) => (e.images = [{ src: "https://example.com/a.png", href: "https://example.com", alt: "graph" }]))],
    ["a summary of exactly 1024 characters", triggerWith((e) => (e.payload.summary = "é".repeat(1024)))],
    ["a dedup_key of exactly 255 characters", triggerWith((e) => (e.dedup_key = "k".repeat(255)))],
  ];
  it.each(good)("accepts %s", (_name, body) => {
    expect(validatePagerDutyEvent(body)).toEqual({ ok: true, event: body });
  });

  const bad: Array<[string, unknown, string[]]> = [
    ["a body that is not an object", [1, 2], ["Event must be a JSON object"]],
    ["a missing routing_key", triggerWith((e) => delete e.routing_key), ["'routing_key' is missing or blank"]],
    ["a blank routing_key", triggerWith((e) => (e.routing_key = "  ")), ["'routing_key' is missing or blank"]],
    ["a numeric routing_key", triggerWith((e) => (e.routing_key = 12)), ["'routing_key' must be a string"]],
    ["a short routing_key", triggerWith((e) => (e.routing_key = "abc")), ["Length of 'routing_key' is incorrect (should be 32 characters)"]],
    [
      "a routing_key of the wrong length with punctuation",
      triggerWith((e) => (e.routing_key = "e+23rschqsESqk9Q6_-g")),
      ["Length of 'routing_key' is incorrect (should be 32 characters)", "'routing_key' cannot contain non-alphanumeric characters."],
    ],
    ["a missing event_action", triggerWith((e) => delete e.event_action), ["'event_action' is missing or blank"]],
    ["an unknown event_action", triggerWith((e) => (e.event_action = "fire")), ["'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"]],
    ["a resolve without dedup_key", { routing_key: KEY, event_action: "resolve" }, ["'dedup_key' is missing or blank (required to acknowledge or resolve)"]],
    ["an acknowledge with a blank dedup_key", { routing_key: KEY, event_action: "acknowledge", dedup_key: "" }, ["'dedup_key' is missing or blank (required to acknowledge or resolve)"]],
    ["a dedup_key of 256 characters", triggerWith((e) => (e.dedup_key = "k".repeat(256))), ["'dedup_key' is too long (maximum is 255 characters)"]],
    ["a numeric dedup_key", triggerWith((e) => (e.dedup_key = 7)), ["'dedup_key' must be a string"]],
    ["a trigger without payload", triggerWith((e) => delete e.payload), ["'payload' is missing or blank"]],
    ["a payload that is a string", triggerWith((e) => (e.payload = "boom")), ["'payload' must be an object"]],
    [
      "an empty payload",
      triggerWith((e) => (e.payload = {})),
      ["'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is missing or blank"],
    ],
    ["a summary of 1025 characters", triggerWith((e) => (e.payload.summary = "x".repeat(1025))), ["'payload.summary' is too long (maximum is 1024 characters)"]],
    ["a numeric summary", triggerWith((e) => (e.payload.summary = 5)), ["'payload.summary' must be a string"]],
    ["the severity 'page'", triggerWith((e) => (e.payload.severity = "page")), ["'payload.severity' is invalid (must be one of: critical, error, warning, info)"]],
    ["an upper-case severity", triggerWith((e) => (e.payload.severity = "CRITICAL")), ["'payload.severity' is invalid (must be one of: critical, error, warning, info)"]],
    ["a timestamp that is not ISO 8601", triggerWith((e) => (e.payload.timestamp = "yesterday")), ["'payload.timestamp' is not a valid ISO 8601 timestamp"]],
    ["a timestamp on 30 February", triggerWith((e) => (e.payload.timestamp = "2024-02-30T10:00:00Z")), ["'payload.timestamp' is not a valid ISO 8601 timestamp"]],
    ["custom_details that are a string", triggerWith((e) => (e.payload.custom_details = "service=x")), ["'payload.custom_details' must be an object"]],
    ["a numeric component", triggerWith((e) => (e.payload.component = 1)), ["'payload.component' must be a string"]],
    ["links that are an object", triggerWith((e) => (e.links = { href: "x" })), ["'links' must be an array"]],
    ["a link without href", triggerWith((e) => (e.links = [{ text: "Runbook" }])), ["'links[0].href' is missing or blank"]],
    ["a link whose text is a number", triggerWith((e) => (e.links[1].text = 2)), ["'links[1].text' must be a string"]],
    ["an image without src", triggerWith((e) => (e.images = [{ href: "https://example.com" }])), ["'images[0].src' is missing or blank"]],
    ["an image that is a string", triggerWith((e) => (e.images = ["a.png"])), ["'images[0]' must be an object"]],
    ["a numeric client_url", triggerWith((e) => (e.client_url = 1)), ["'client_url' must be a string"]],
  ];
  it.each(bad)("refuses %s with PagerDuty's error", (_name, body, errors) => {
    expect(validatePagerDutyEvent(body)).toEqual({ ok: false, errors });
  });

  it("refuses another well-formed routing key when one is expected", () => {
    expect(validatePagerDutyEvent(trigger(), { expectedRoutingKey: "f".repeat(32) })).toEqual({ ok: false, errors: ["Invalid routing key"] });
    expect(validatePagerDutyEvent(trigger(), { expectedRoutingKey: KEY }).ok).toBe(true);
  });

  it("reports every problem of one event at once", () => {
    const v = validatePagerDutyEvent({ routing_key: "x", event_action: "trigger", payload: { severity: "bad" } });
    expect(v).toEqual({
      ok: false,
      errors: [
        "Length of 'routing_key' is incorrect (should be 32 characters)",
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
      ],
    });
  });
});

describe("isIso8601", () => {
  it.each(["2015-07-17T08:42:58.315+0000", "2024-01-01T00:00:00Z", "2024-01-01T00:00+02:00", "2024-12-31 23:59:59"])("accepts %s", (s) => expect(isIso8601(s)).toBe(true));
  it.each(["2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T24:00:00Z", "1700000000"])("refuses %s", (s) => expect(isIso8601(s)).toBe(false));
});

describe("pagerDutyFields", () => {
  it("reads action, dedup key, severity, summary and the service from custom_details", () => {
    expect(pagerDutyFields(trigger())).toEqual({
      event_action: "trigger",
      dedup_key: "a3f1c0ffee",
      severity: "critical",
      summary: "[FIRING:1] HighErrorRate payment-processor: errors above 5%",
      service: "payment-processor",
    });
  });

  it("reads what it can from a body of the wrong shape", () => {
    expect(pagerDutyFields({ event_action: 3, payload: "x" })).toEqual({ event_action: null, dedup_key: null, severity: null, summary: null, service: null });
    expect(pagerDutyFields(null).event_action).toBeNull();
  });
});
