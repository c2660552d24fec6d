import { recordedNamesIn, type RuleCheck } from "./check";

const RAW_RANGE_FUNCTIONS = /\b(rate|irate|increase)\s*\(/;

/**
 * Alerts read recorded series, never raw counters or histogram buckets: an alert and the
 * dashboard tile beside it then show the same number, each expression is computed once per
 * cycle however many alerts read it, and every recorded name it reads must be one a rule
 * records (a typo would be an alert that can never fire).
 */
export const alertRecordedInput: RuleCheck = {
  id: "alerts/recorded-input",
  why: "alerts read recorded series only: no rate()/irate()/increase(), no _bucket, no unrecorded level:metric:ops name",
  alerting: (r, { recorded }) => [
    ...(RAW_RANGE_FUNCTIONS.test(r.expr) ? ["alert computes a rate itself; read a recorded series"] : []),
    ...(/_bucket\b/.test(r.expr) ? ["alert reads histogram buckets; read a recorded latency series"] : []),
    ...recordedNamesIn(r.expr).filter((u) => !recorded.has(u)).map((u) => `reads ${u}, which no rule records`),
  ],
};
