/**
 * Test helpers over a REAL exposition parser: the text is handed to prometheus_client's parser
 * (services/testing/parse_exposition.py, run with the repository's .venv) and the families come
 * back as JSON. Nothing here matches metric text with regular expressions.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** One sample of a family: `name` includes suffixes such as _bucket, _sum, _count. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number | "NaN" | "+Inf" | "-Inf";
}

/** One metric family as the parser reports it (counter names without the _total suffix). */
export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const VENV_PYTHON = path.join(REPO_ROOT, ".venv/bin/python");

/** Parses exposition text; rejects with the parser's error if the text is not valid exposition. */
export function parseExposition(text: string): Promise<MetricFamily[]> {
  if (!existsSync(VENV_PYTHON)) {
    return Promise.reject(new Error(`${VENV_PYTHON} is missing: python3 -m venv .venv && .venv/bin/pip install -r services/merchant-api/requirements-dev.txt`));
  }
  return new Promise((resolve, reject) => {
    const child = execFile(VENV_PYTHON, [path.join(__dirname, "parse_exposition.py")], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`exposition parser failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as MetricFamily[]);
    });
    child.stdin?.end(text);
  });
}

/** Fetches url (a /metrics endpoint) and parses it. */
export async function scrape(url: string): Promise<MetricFamily[]> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`scrape of ${url} answered ${response.status}`);
  return parseExposition(await response.text());
}

/** Every sample named `sampleName` (e.g. "http_requests_total") across all families. */
export function samples(families: MetricFamily[], sampleName: string): Sample[] {
  return families.flatMap((f) => f.samples.filter((s) => s.name === sampleName));
}

/** The value of the sample with exactly these labels (0 if absent: the delta of an unseen series). */
export function value(families: MetricFamily[], sampleName: string, labels: Record<string, string>): number {
  const keys = Object.keys(labels);
  const found = samples(families, sampleName).find(
    (s) => Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]),
  );
  return typeof found?.value === "number" ? found.value : 0;
}

/** Total number of samples (series) in the exposition. */
export function seriesCount(families: MetricFamily[]): number {
  return families.reduce((n, f) => n + f.samples.length, 0);
}

/** A stable key for one sample's name and label set, for comparing series sets. */
export function seriesKey(s: Sample): string {
  return `${s.name}{${Object.keys(s.labels).sort().map((k) => `${k}=${JSON.stringify(s.labels[k])}`).join(",")}}`;
}
