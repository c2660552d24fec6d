import { parseAlertTitle, parseWebhookPath, slackFields, validateSlackMessage } from "./slack";

/** A message shaped like the ones Alertmanager sends with render/alertmanager.ts. */
function message(): Record<string, any> {
  return {
    channel: "#alerts-warning",
    username: "Alertmanager",
    attachments: [
      {
        title: "[FIRING:2] HighLatency - merchant-api",
        title_link: "https://grafana.internal.example.com/d/service-deep-dive",
        text: "*p99 above 2s*\n*Service:* merchant-api  *Team:* merchants  *Severity:* warning",
        fallback: "[FIRING:2] HighLatency - merchant-api",
        callback_id: "",
        footer: "",
        color: "warning",
        mrkdwn_in: ["fallback", "pretext", "text"],
      },
    ],
  };
}
const messageWith = (change: (m: Record<string, any>) => void) => {
  const m = message();
  change(m);
  return m;
};

describe("validateSlackMessage", () => {
  const good: Array<[string, unknown]> = [
    ["an Alertmanager message", message()],
    ["plain text", { text: "hello" }],
    ["blocks only", { blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }] }],
    ["an attachment with fallback but no text", messageWith((m) => (m.attachments[0].text = ""))],
    ["a hex colour", messageWith((m) => (m.attachments[0].color = "#439FE0"))],
    ["a channel id", messageWith((m) => (m.channel = "C0123456789"))],
    ["a direct message to @user", messageWith((m) => (m.channel = "@oncall"))],
    ["fields", messageWith((m) => (m.attachments[0].fields = [{ title: "a", value: "b", short: true }]))],
  ];
  it.each(good)("accepts %s", (_name, body) => {
    expect(validateSlackMessage(body)).toEqual({ ok: true });
  });

  const bad: Array<[string, unknown, string, number, string[]]> = [
    ["a body that is not an object", "hi", "invalid_payload", 400, ["the body is not a JSON object"]],
    ["numeric text", { text: 5 }, "invalid_payload", 400, ["text must be a string"]],
    ["attachments that are an object", { attachments: { text: "x" } }, "invalid_payload", 400, ["attachments must be an array"]],
    ["an attachment that is a string", { attachments: ["x"] }, "invalid_payload", 400, ["attachments[0] must be an object"]],
    ["a numeric title", messageWith((m) => (m.attachments[0].title = 1)), "invalid_payload", 400, ["attachments[0].title must be a string"]],
    ["the colour 'blue'", messageWith((m) => (m.attachments[0].color = "blue")), "invalid_payload", 400, ['attachments[0].color "blue" is not good, warning, danger or a hex colour']],
    ["fields that are a string", messageWith((m) => (m.attachments[0].fields = "x")), "invalid_payload", 400, ["attachments[0].fields must be an array"]],
    ["mrkdwn_in with a number", messageWith((m) => (m.attachments[0].mrkdwn_in = [1])), "invalid_payload", 400, ["attachments[0].mrkdwn_in must be an array of strings"]],
    ["an empty object", {}, "no_text", 400, ["no text, attachments or blocks"]],
    ["blank text", { text: "  " }, "no_text", 400, ["no text, attachments or blocks"]],
    ["an attachment without text or fallback", { attachments: [{ title: "t" }] }, "no_text", 400, ["attachments[0] has neither text nor fallback"]],
    ["101 attachments", { attachments: Array.from({ length: 101 }, () => ({ text: "x" })) }, "too_many_attachments", 400, ["101 attachments (at most 100)"]],
    ["blocks that are an object", { blocks: { type: "section" } }, "invalid_blocks", 400, ["blocks must be an array"]],
    ["a block without type", { blocks: [{ text: "x" }] }, "invalid_blocks", 400, ["blocks[0] must be an object with a type"]],
    ["a channel without # or @", messageWith((m) => (m.channel = "alerts-warning")), "channel_not_found", 404, ['channel "alerts-warning" is not #name, @user or a channel id']],
  ];
  it.each(bad)("refuses %s", (_name, body, code, status, reasons) => {
    expect(validateSlackMessage(body)).toEqual({ ok: false, code, status, reasons });
  });
});

describe("parseWebhookPath", () => {
  it("splits /services/T/B/token", () => {
    expect(parseWebhookPath("/services/T0LOCAL00/B0LOCAL00/abc123")).toEqual({ team: "T0LOCAL00", bot: "B0LOCAL00", token: "abc123" });
  });
  it.each(["/services/T/B", "/services/T/B/t/extra", "/hooks/T/B/t", "/services/T/B/to-ken"])("refuses %s", (p) => {
    expect(parseWebhookPath(p)).toBeNull();
  });
});

describe("parseAlertTitle", () => {
  it.each([
    ["[FIRING:2] HighLatency - merchant-api", { status: "firing", firing: 2, service: "merchant-api" }],
    ["[RESOLVED] HighLatency - merchant-api", { status: "resolved", firing: null, service: "merchant-api" }],
    ["[FIRING:1] Watchdog", { status: "firing", firing: 1, service: null }],
    ["deploy finished", { status: null, firing: null, service: null }],
  ])("reads %s", (title, want) => {
    expect(parseAlertTitle(title)).toEqual(want);
  });
});

describe("slackFields", () => {
  it("reads channel, title, status and service of an Alertmanager message", () => {
    expect(slackFields(message())).toEqual({ channel: "#alerts-warning", title: "[FIRING:2] HighLatency - merchant-api", status: "firing", service: "merchant-api" });
  });

  it("falls back to the first text line and the *Service:* line of the text", () => {
    expect(slackFields({ text: "[RESOLVED] Foo\n*Service:* ledger" })).toEqual({ channel: null, title: "[RESOLVED] Foo", status: "resolved", service: "ledger" });
  });

  it("reads nothing from a body of the wrong shape", () => {
    expect(slackFields(42)).toEqual({ channel: null, title: null, status: null, service: null });
  });
});
