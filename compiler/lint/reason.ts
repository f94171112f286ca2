// ZY6005: a rule without a reason code. Reports, notices to customers and
// the decision log group decisions by reason; a rule without one cannot be
// explained in those terms.
import type { LintRule } from './context.ts';

export const reasons: LintRule = {
  code: 'ZY6005',
  name: 'missing-reason',
  run: (cx) => cx.pack.rules.filter((r) => r.reason === undefined).map((r) =>
    cx.finding('ZY6005', cx.ruleSpan(r), `rule \`${r.id}\` has no reason code`, 'add `reason CODE`, a stable name for reports and customer notices', r)),
};
