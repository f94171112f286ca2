// What a velocity aggregate means, written as a scan over events. The memory
// provider uses it directly; any other store must give the same answers.
//
// A prior event counts when its time t is inside the window ending at the
// decision time `now` (inclusive): rolling `last D` is now - D < t <= now,
// calendar windows start at local (Asia/Shanghai) midnight, Monday or the 1st.
// Events after `now` never count. The current event counts only with
// `including current`.
import type { Value, Window } from '../compiler/ir.ts';
import { historyValue } from '../compiler/input.ts';
import type { Type } from '../compiler/types.ts';
import { startOfLocalDay, startOfLocalMonth, startOfLocalWeek } from '../compiler/semantics.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import type { AggregateQuery, HistoryEvent } from './provider.ts';

/** The first millisecond inside the window; the last is `now`. */
export function windowStart(w: Window, now: number): number {
  switch (w.kind) {
    case 'all': return -Infinity;
    case 'rolling': return now - w.ms + 1;
    case 'calendar': return w.unit === 'day' ? startOfLocalDay(now) : w.unit === 'week' ? startOfLocalWeek(now) : startOfLocalMonth(now);
  }
}

function get(h: HistoryEvent, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(h, field) ? h[field] ?? undefined : undefined;
}

export function aggregateOver(history: Iterable<HistoryEvent>, q: AggregateQuery): Value {
  const { spec, now } = q;
  const from = windowStart(spec.window, now);
  const matching: HistoryEvent[] = [];
  for (const h of history) {
    const t = get(h, TIME_FIELD);
    if (typeof t !== 'number' || t < from || t > now) continue;
    if (spec.by !== undefined && get(h, spec.by) !== q.key) continue;
    if (q.filter && !q.filter(h)) continue;
    matching.push(h);
  }
  return reduce(spec.fn, spec.field, matching, q.current, now, spec.fieldType);
}

/** Folds the matching events (and the current one, if it counts) into the result. */
export function reduce(fn: string, field: string | undefined, matching: readonly HistoryEvent[], current: HistoryEvent | undefined, now: number, fieldType?: Type): Value {
  const all = current ? [...matching, current] : matching;
  // A stored value of the wrong type is missing, as everywhere else a rule reads history.
  const read = (h: HistoryEvent) => (fieldType ? historyValue(h, field!, fieldType) : get(h, field!));
  const values = field === undefined ? [] : all.map(read).filter((v): v is number | string => v !== undefined);
  switch (fn) {
    case 'count': return all.length;
    case 'sum': return (values as number[]).reduce((a, b) => a + b, 0);
    case 'avg': return values.length ? (values as number[]).reduce((a, b) => a + b, 0) / values.length : undefined;
    case 'min': return values.length ? Math.min(...(values as number[])) : undefined;
    case 'max': return values.length ? Math.max(...(values as number[])) : undefined;
    case 'distinct': return new Set(values).size;
    case 'time_since_last': {
      let last = -Infinity;
      for (const h of matching) last = Math.max(last, get(h, TIME_FIELD) as number);
      return last === -Infinity ? undefined : now - last;
    }
  }
  throw new Error(`unknown aggregate ${fn}`);
}
