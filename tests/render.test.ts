/**
 * The files each stack deploys, checked by the real tools: promtool from Debian AND at the
 * image's version (3.5), amtool at the image's version (0.28; Debian's 0.25 predates url_file).
 * Debian's promtool is built without Kubernetes service discovery, so prod's prometheus.yml is
 * checked by 3.5 only.
 */
import * as fs from "fs";
import * as path from "path";
import { RECEIVERS } from "../render/alertmanager";
import { skipReason } from "../scripts/tools/find";
import { amtools, promtools, runTool, type Tool } from "./helpers/tools";
import { RENDERED_STACKS, renderToTmp, type RenderedTree } from "./helpers/render-tmp";

const trees: Record<string, RenderedTree> = {};
beforeAll(() => {
  for (const s of RENDERED_STACKS) trees[s] = renderToTmp(s);
});
afterAll(() => {
  for (const t of Object.values(trees)) fs.rmSync(t.dir, { recursive: true, force: true });
});

const P = promtools();
const A = amtools();
const both = <T>(x: { debian: T; image: T | null }) => [x.debian, x.image].filter((t): t is T => t !== null);
const amtool = A.image;
const withAmtool = amtool ? test : test.skip;
const amLabel = amtool ? "" : ` (${skipReason("amtool")})`;
const label = (t: Tool) => t.label;

describe.each([...RENDERED_STACKS])("rendered %s stack", (stack) => {
  const promtoolsFor = () => (stack.startsWith("prod") ? [P.image].filter((t): t is Tool => t !== null) : both(P));

  test("prometheus.yml passes promtool check config (with its rule files)", () => {
    const t = trees[stack];
    for (const tool of promtoolsFor()) {
      const r = runTool(tool, ["check", "config", t.at("prometheus", "prometheus.yml")]);
      expect({ tool: label(tool), code: r.code, output: r.output }).toMatchObject({ code: 0 });
      expect(r.output).toMatch(/SUCCESS: [1-9]\d* rule files found/);
    }
  });

  test("every rule file passes promtool check rules", () => {
    const t = trees[stack];
    const rules = fs.readdirSync(t.at("prometheus", "rules")).map((f) => path.join(t.at("prometheus", "rules"), f));
    expect(rules.length).toBeGreaterThan(0);
    for (const tool of both(P)) {
      const r = runTool(tool, ["check", "rules", ...rules]);
      expect({ tool: label(tool), code: r.code, output: r.output }).toMatchObject({ code: 0 });
    }
  });

  withAmtool(`alertmanager.yml passes amtool check-config${amLabel}`, () => {
    for (const tool of [amtool!]) {
      const r = runTool(tool, ["check-config", trees[stack].at("alertmanager", "alertmanager.yml")]);
      expect({ tool: label(tool), code: r.code, output: r.output }).toMatchObject({ code: 0 });
      expect(r.output).toMatch(/1 templates/);
    }
  });

  test.each([
    ["severity=critical service=payment-processor", RECEIVERS.pagerduty],
    ["severity=warning service=merchant-api", RECEIVERS.slack],
    ["severity=info service=ledger", RECEIVERS.none],
    ["alertname=Watchdog severity=info", RECEIVERS.heartbeat],
    ["alertname=Watchdog severity=critical", RECEIVERS.heartbeat],
  ])(`amtool routes %s to %s${amLabel}`, (labels, receiver) => {
    if (!amtool) return;
    for (const tool of [amtool]) {
      const r = runTool(tool, ["config", "routes", "test", `--config.file=${trees[stack].at("alertmanager", "alertmanager.yml")}`, `--verify.receivers=${receiver}`, ...labels.split(" ")]);
      expect({ tool: label(tool), labels, code: r.code, output: r.stdout.trim() }).toEqual({ tool: label(tool), labels, code: 0, output: receiver });
    }
  });

  withAmtool(`routing a critical alert to Slack is reported as wrong (the route test can fail)${amLabel}`, () => {
    const r = runTool(amtool!, ["config", "routes", "test", `--config.file=${trees[stack].at("alertmanager", "alertmanager.yml")}`, `--verify.receivers=${RECEIVERS.slack}`, "severity=critical"]);
    expect(r.code).not.toBe(0);
  });
});
