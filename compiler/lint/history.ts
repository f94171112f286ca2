// ZY6004: an aggregate window longer than the event history the store keeps.
//
// By convention a pack states its retention as a duration constant,
// `const HISTORY_KEPT = 90d`. A rolling window `last D` with D longer than
// that, or a calendar window that can reach back further (`today` up to 1
// day, `this week` 7 days, `this month` 31 days), silently counts less than it
// says. Aggregates without a window (all history) are not reported: they say
// "whatever is kept". Without HISTORY_KEPT nothing is reported; a
// HISTORY_KEPT that is not a duration is reported itself.
import type { IR, Window } from '../ir.ts';
import { formatDuration } from '../semantics.ts';
import { HISTORY_KEPT, ruleExprs, walk, type Finding, type LintRule } from './context.ts';

const DAY = 86_400_000;
const CALENDAR_REACH: Record<string, number> = { day: DAY, week: 7 * DAY, month: 31 * DAY };

/** How far back a window can reach; `last N events` and no window: whatever is kept. */
function reach(w: Window): number | undefined {
  switch (w.kind) {
    case 'rolling': return w.ms;
    case 'calendar': return CALENDAR_REACH[w.unit];
    case 'months': return (w.n + 1) * 31 * DAY;
    default: return undefined;
  }
}

export const historyWindows: LintRule = {
  code: 'ZY6004',
  name: 'window-beyond-history',
  run(cx) {
    const kept = cx.pack.consts.get(HISTORY_KEPT);
    if (!kept) return [];
    if (kept.type.t !== 'duration' || typeof kept.value !== 'number') {
      return [cx.finding('ZY6004', cx.nameSpan(HISTORY_KEPT, kept.span), `\`${HISTORY_KEPT}\` says how much event history is kept and must be a duration, e.g. 90d`)];
    }
    const limit = kept.value;
    const out: Finding[] = [];
    const check = (ir: IR, rule?: Parameters<typeof cx.finding>[4]) => walk(ir, (x) => {
      if (x.k !== 'agg') return;
      const a = cx.aggregate(x.id);
      const r = reach(a.window);
      if (r === undefined || r <= limit) return;
      const what = a.window.kind === 'rolling' ? `a ${formatDuration(r)} window` : `a window that can reach back ${formatDuration(r)}`;
      out.push(cx.finding('ZY6004', cx.spanOf(x), `\`${a.text}\` looks at ${what}, but only ${formatDuration(limit)} of history is kept (${HISTORY_KEPT})`,
        `shorten the window, or keep more history and raise ${HISTORY_KEPT}`, rule));
    });
    for (const r of cx.pack.rules) for (const { ir } of ruleExprs(r)) check(ir, r);
    for (const p of cx.pack.predicates.values()) check(p.body);
    return out;
  },
};
