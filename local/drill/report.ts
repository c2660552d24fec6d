/**
 * Writes a drill's timeline as JSON, a readable Markdown report, and a chart (SVG, and a
 * PNG rendered by the real headless Chromium so people can look at it anywhere).
 */
import * as fs from "fs";
import * as path from "path";
import type { Timeline } from "./timeline";

const MARKED = new Set(["fault_start", "threshold_crossed", "alert_firing", "alert_resolved", "notification", "overview", "fault_end", "oom_kill", "restart", "recovered", "oom_counted"]);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An SVG line chart of the sampled signal with the drill's events as vertical markers. */
export function chartSvg(t: Timeline, title: string, threshold: number | null): string {
  const W = 1100, H = 520, L = 60, R = 20, T = 40, B = 230;
  const t0 = t.events[0]?.at ?? Date.now();
  const tEnd = Math.max(t.events.at(-1)?.at ?? t0 + 1, t.samples.at(-1)?.at ?? t0 + 1);
  const x = (at: number) => L + ((at - t0) / Math.max(1, tEnd - t0)) * (W - L - R);
  const values = t.samples.flatMap((s) => [s.serviceValue, s.prometheusValue]).filter((v): v is number => v !== undefined);
  const yMax = Math.max(1, ...values, threshold ?? 0);
  const y = (v: number) => T + (1 - v / yMax) * (H - T - B);
  const line = (pick: (s: (typeof t.samples)[0]) => number | undefined) =>
    t.samples.filter((s) => pick(s) !== undefined).map((s, i) => `${i ? "L" : "M"}${x(s.at).toFixed(1)},${y(pick(s)!).toFixed(1)}`).join(" ");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const marks = t.events.filter((e) => MARKED.has(e.kind));
  const colour = (k: string) => ({ fault_start: "#d62728", fault_end: "#2ca02c", alert_firing: "#ff7f0e", alert_resolved: "#17becf", notification: "#9467bd", overview: "#8c564b", threshold_crossed: "#e377c2", oom_kill: "#000000", restart: "#bcbd22", recovered: "#2ca02c", oom_counted: "#7f7f7f" })[k] ?? "#777";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>
${ticks.map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${(v * 100).toFixed(0)}%</text>`).join("\n")}
${threshold !== null ? `<line x1="${L}" x2="${W - R}" y1="${y(threshold)}" y2="${y(threshold)}" stroke="#d62728" stroke-dasharray="6,4"/><text x="${W - R}" y="${y(threshold) - 4}" text-anchor="end" fill="#d62728">threshold ${(threshold * 100).toFixed(0)}%</text>` : ""}
<path d="${line((s) => s.serviceValue)}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<path d="${line((s) => s.prometheusValue)}" fill="none" stroke="#ff7f0e" stroke-width="2" stroke-dasharray="4,2"/>
<text x="${L + 10}" y="${T + 14}" fill="#1f77b4">— working set / limit (the service's cgroup, read from the kernel)</text><text x="${L + 400}" y="${T + 14}" fill="#ff7f0e">- - Prometheus recorded series (cAdvisor)</text>
${marks.map((e, i) => {
    // Labels right of the middle hang to the left of their marker so they stay inside the picture.
    const right = x(e.at) > (L + W - R) / 2;
    const label = esc(`+${t.rel(e.at).toFixed(0)}s ${e.text}`.slice(0, 100));
    return `<line x1="${x(e.at)}" x2="${x(e.at)}" y1="${T}" y2="${H - B}" stroke="${colour(e.kind)}" stroke-width="1"/><circle cx="${x(e.at)}" cy="${H - B + 8 + (i % 14) * 15}" r="3" fill="${colour(e.kind)}"/><text x="${x(e.at) + (right ? -5 : 5)}" y="${H - B + 12 + (i % 14) * 15}" text-anchor="${right ? "end" : "start"}" fill="${colour(e.kind)}">${label}</text>`;
  }).join("\n")}
<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
</svg>`;
}

/** The Markdown report: verdict, figures, checks and the full timeline. */
export function markdown(t: Timeline, chartFile: string): string {
  const rows = t.events.map((e) => `| +${t.rel(e.at).toFixed(1)}s | ${new Date(e.at).toISOString().slice(11, 23)} | ${e.kind} | ${e.text.replace(/\|/g, "\\|")} |`);
  return [
    `# Drill: ${t.scenario} on ${t.service} — ${t.ok ? "PASSED" : "FAILED"}`,
    "",
    `![timeline](${chartFile})`,
    "",
    "## Figures",
    "",
    ...Object.entries(t.figures).map(([k, v]) => `- **${k}**: ${v === null ? "n/a" : v}`),
    "",
    "## Checks",
    "",
    "| check | result | measured |",
    "|---|---|---|",
    ...t.checks.map((c) => `| ${c.name} | ${c.ok ? "pass" : "**FAIL**"} | ${c.detail.replace(/\|/g, "\\|")} |`),
    "",
    "## Timeline",
    "",
    "| since start | time (UTC) | event | detail |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** Writes timeline.json, report.md, chart.svg and chart.png into `dir`; returns the paths. */
export async function writeReport(t: Timeline, dir: string, threshold: number | null): Promise<Record<string, string>> {
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, "timeline.json"), md: path.join(dir, "report.md"), svg: path.join(dir, "chart.svg"), png: path.join(dir, "chart.png") };
  fs.writeFileSync(files.json, JSON.stringify(t, null, 2) + "\n");
  const svg = chartSvg(t, `${t.scenario} drill on ${t.service}`, threshold);
  fs.writeFileSync(files.svg, svg);
  fs.writeFileSync(files.md, markdown(t, "chart.png"));
  try {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 520 } });
      await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
      await page.screenshot({ path: files.png });
    } finally {
      await browser.close();
    }
  } catch (e) {
    fs.writeFileSync(files.md, markdown(t, "chart.svg"));
    delete (files as Record<string, string>).png;
    process.stderr.write(`chart.png not written (${(e as Error).message.split("\n")[0]}); chart.svg is there\n`);
  }
  return files;
}
