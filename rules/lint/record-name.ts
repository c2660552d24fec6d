import type { RuleCheck } from "./check";

const RECORD_NAME = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9_]+$/;

/**
 * Recorded series are named `level:metric:operations` (Prometheus' naming practice) and listed
 * in RECORDED (rules/names.ts): dashboards and alerts refer to them through that list, so a
 * rename breaks the build instead of a panel.
 */
export const recordName: RuleCheck = {
  id: "record/name",
  why: "recorded names are level:metric:operations and listed in RECORDED (rules/names.ts)",
  recording: (r, { recorded }) => [
    ...(RECORD_NAME.test(r.record) ? [] : ["recorded name is not level:metric:operations"]),
    ...(recorded.has(r.record) ? [] : ["recorded name is not in RECORDED (rules/names.ts)"]),
  ],
};
