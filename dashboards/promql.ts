/**
 * Just enough PromQL structure for the lint rules: every series selector with the range window
 * it carries and the function it is the argument of, and every function called.
 *
 * This is not a validator: whether an expression parses at all is promtool's job (lint/checks.test.ts
 * runs the real parser). It is a scanner that understands strings, label matchers, grouping
 * label lists (by/without/on/ignoring/group_left/group_right), offsets and range brackets, so
 * that `sum by (route) (rate(x_total[5m]))` yields selector x_total, window 5m, inside rate.
 */

/** A series selector found in an expression. */
export interface Selector {
  name: string;
  /** Text between [ and ] right after the selector, e.g. "$__rate_interval" or "5m:1m". */
  window?: string;
  /** Innermost function or aggregation whose parentheses contain the selector. */
  insideCall?: string;
}

/** What an expression reads and calls. */
export interface ExprStructure {
  selectors: Selector[];
  calls: string[];
}

const AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"]);
const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set([...GROUPING, "offset", "bool", "and", "or", "unless", "atan2", "inf", "nan"]);

type Token = { kind: "ident" | "string" | "number" | "punct" | "matchers" | "range"; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const closing = (open: string, close: string) => {
    // Skips to the matching bracket, stepping over quoted strings (a "}" inside a regex matcher).
    let j = i + 1;
    while (j < expr.length && expr[j] !== close) {
      if (expr[j] === '"' || expr[j] === "'" || expr[j] === "`") j = skipString(expr, j);
      else j++;
    }
    if (j >= expr.length) throw new Error(`unbalanced ${open} in ${expr}`);
    return j;
  };
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'" || c === "`") {
      const j = skipString(expr, i);
      tokens.push({ kind: "string", text: expr.slice(i, j) });
      i = j;
    } else if (c === "{") {
      const j = closing("{", "}");
      tokens.push({ kind: "matchers", text: expr.slice(i + 1, j) });
      i = j + 1;
    } else if (c === "[") {
      const j = closing("[", "]");
      tokens.push({ kind: "range", text: expr.slice(i + 1, j).trim() });
      i = j + 1;
    } else if (/[A-Za-z_:]/.test(c)) {
      const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))![0];
      tokens.push({ kind: "ident", text: m });
      i += m.length;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?[a-z]*)/i.exec(expr.slice(i))?.[0] ?? c;
      tokens.push({ kind: "number", text: m });
      i += m.length;
    } else {
      tokens.push({ kind: "punct", text: c });
      i++;
    }
  }
  return tokens;
}

function skipString(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== q) j += s[j] === "\\" && q !== "`" ? 2 : 1;
  if (j >= s.length) throw new Error(`unterminated string in ${s}`);
  return j + 1;
}

/** The selectors and calls of a PromQL expression. */
export function analyze(expr: string): ExprStructure {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  const calls: string[] = [];
  // One frame per open parenthesis: the call it belongs to, or null for plain grouping.
  const frames: Array<string | null> = [];
  let pendingCall: string | null = null;
  const inside = () => [...frames].reverse().find((f) => f !== null) ?? undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const next = tokens[k + 1];
    if (t.kind === "ident" && GROUPING.has(t.text)) {
      // A label list follows: skip it whole.
      if (next?.text === "(") while (k < tokens.length && tokens[k].text !== ")") k++;
    } else if (t.kind === "ident" && t.text === "offset") {
      k++;
    } else if (t.kind === "ident" && KEYWORDS.has(t.text.toLowerCase())) {
      continue;
    } else if (t.kind === "ident" && (next?.text === "(" || (AGGREGATIONS.has(t.text) && next && GROUPING.has(next.text)))) {
      calls.push(t.text);
      pendingCall = t.text;
    } else if (t.kind === "ident") {
      const sel: Selector = { name: t.text, insideCall: inside() };
      if (next?.kind === "matchers") k++;
      if (tokens[k + 1]?.kind === "range") sel.window = tokens[++k].text;
      selectors.push(sel);
    } else if (t.text === "(") {
      frames.push(pendingCall);
      pendingCall = null;
    } else if (t.text === ")") {
      frames.pop();
    }
  }
  return { selectors, calls };
}

/** Names ending like a counter or a histogram/summary component: only meaningful under rate/increase. */
export function isCounterName(name: string): boolean {
  return !name.includes(":") && /_(total|count|sum|bucket)$/.test(name);
}
