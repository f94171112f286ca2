// What a velocity aggregate means, written as a scan over events. The memory
// provider uses it directly; any other store must give the same answers.
//
// A prior event counts when its time t is inside the window ending at the
// decision time `now` (inclusive): rolling `last D` is now - D < t <= now,
// calendar windows start at local (Asia/Shanghai) midnight, Monday or the 1st;
// `last N calendar months` runs from the 1st of the month N months back to
// the end of the previous month. Events after `now` never count. The current
// event counts only with `including current`. Events are in time order, and
// events at the same time in the order they were stored: `last N events`
// keeps the N latest, `latest` reads the last, `sequence` looks for its steps
// in that order.
import type { AggregateSpec, Value, Window } from '../compiler/ir.ts';
import { historyValue } from '../compiler/input.ts';
import type { Type } from '../compiler/types.ts';
import { startOfLocalDay, startOfLocalMonth, startOfLocalMonthBack, startOfLocalWeek } from '../compiler/semantics.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import type { AggregateQuery, HistoryEvent } from './provider.ts';

/** The first millisecond inside the window. */
export function windowStart(w: Window, now: number): number {
  switch (w.kind) {
    case 'all': case 'events': return -Infinity;
    case 'rolling': return now - w.ms + 1;
    case 'calendar': return w.unit === 'day' ? startOfLocalDay(now) : w.unit === 'week' ? startOfLocalWeek(now) : startOfLocalMonth(now);
    case 'months': return startOfLocalMonthBack(now, w.n);
  }
}

/** The last millisecond inside the window: `now`, or the end of the previous month for `last N calendar months`. */
export function windowEnd(w: Window, now: number): number {
  return w.kind === 'months' ? startOfLocalMonth(now) - 1 : now;
}

function get(h: HistoryEvent, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(h, field) ? h[field] ?? undefined : undefined;
}

export function aggregateOver(history: Iterable<HistoryEvent>, q: AggregateQuery): Value {
  const { spec, now } = q;
  const from = windowStart(spec.window, now);
  const to = windowEnd(spec.window, now);
  const matching: HistoryEvent[] = [];
  for (const h of history) {
    const t = get(h, TIME_FIELD);
    if (typeof t !== 'number' || t < from || t > to) continue;
    if (spec.by !== undefined && get(h, spec.by) !== q.key) continue;
    if (q.filter && !q.filter(h)) continue;
    matching.push(h);
  }
  return summarize(spec, matching, q.current, now, q.steps);
}

/** Does this aggregate need its events in time order (rather than any order)? */
export function needsOrder(spec: AggregateSpec): boolean {
  return spec.window.kind === 'events' || spec.fn === 'latest' || spec.fn === 'sequence';
}

/**
 * The result over the events that match the key, the window and the filter
 * (given in the order they were stored), and the current event if it counts.
 */
export function summarize(
  spec: AggregateSpec, matching: readonly HistoryEvent[], current: HistoryEvent | undefined, now: number,
  steps?: readonly ((h: HistoryEvent) => boolean)[],
): Value {
  let events = needsOrder(spec) ? inTimeOrder(matching) : matching;
  if (spec.window.kind === 'events') {
    // The current event, when it counts, is the latest of the N.
    const keep = spec.window.n - (current ? 1 : 0);
    events = keep > 0 ? events.slice(-keep) : [];
  }
  if (spec.fn === 'sequence') return sequenceIn(events, steps ?? [], spec.within, current, now);
  return reduce(spec.fn, spec.field, events, current, now, spec.fieldType, spec.percentile);
}

/** Sorted by time; events at the same time keep the order they were stored in. */
function inTimeOrder(events: readonly HistoryEvent[]): HistoryEvent[] {
  return events.map((h, i) => [h, i] as const)
    .sort((a, b) => (get(a[0], TIME_FIELD) as number) - (get(b[0], TIME_FIELD) as number) || a[1] - b[1])
    .map(([h]) => h);
}

/** Folds the matching events (and the current one, if it counts) into the result. */
export function reduce(fn: string, field: string | undefined, matching: readonly HistoryEvent[], current: HistoryEvent | undefined, now: number, fieldType?: Type, percentile?: number): Value {
  const all = current ? [...matching, current] : matching;
  // A stored value of the wrong type is missing, as everywhere else a rule reads history.
  // (Written in place: a function held in a named constant renames itself on every call under tsx.)
  const values = field === undefined ? [] : all.map((h) => (fieldType ? historyValue(h, field, fieldType) : get(h, field))).filter((v): v is number | string => v !== undefined);
  const nums = values as number[];
  switch (fn) {
    case 'count': return all.length;
    case 'sum': return nums.reduce((a, b) => a + b, 0);
    case 'avg': return values.length ? nums.reduce((a, b) => a + b, 0) / values.length : undefined;
    case 'min': return values.length ? Math.min(...nums) : undefined;
    case 'max': return values.length ? Math.max(...nums) : undefined;
    case 'distinct': return new Set(values).size;
    case 'stddev': return stddev(nums);
    case 'percentile': return percentileOf(nums, percentile ?? 50);
    case 'latest': return values.length ? values[values.length - 1] : undefined;
    case 'time_since_last': {
      let last = -Infinity;
      for (const h of matching) last = Math.max(last, get(h, TIME_FIELD) as number);
      return last === -Infinity ? undefined : now - last;
    }
  }
  throw new Error(`unknown aggregate ${fn}`);
}

/** Sample standard deviation (n − 1); missing with fewer than two values. */
export function stddev(xs: readonly number[]): number | undefined {
  if (xs.length < 2) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0);
  const v = Math.sqrt(ss / (xs.length - 1));
  return Number.isFinite(v) ? v : undefined;
}

/** The p-th percentile, interpolated linearly between the closest ranks (p = 0 is the minimum, 100 the maximum). */
export function percentileOf(xs: readonly number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Whether events matching the steps happened in order (each after the one
 * before it), the last less than `within` after the first. With the current
 * event, it must match the last step, and the earlier steps are looked for
 * in the `within` before it.
 */
function sequenceIn(events: readonly HistoryEvent[], steps: readonly ((h: HistoryEvent) => boolean)[], within: number | undefined, current: HistoryEvent | undefined, now: number): boolean {
  const time = (h: HistoryEvent) => get(h, TIME_FIELD) as number;
  const need = current ? steps.slice(0, -1) : steps;
  if (current && !steps[steps.length - 1]!(current)) return false;
  for (let i = 0; i < events.length; i++) {
    if (!need[0]!(events[i]!)) continue;
    if (current && within !== undefined && time(events[i]!) <= now - within) continue;
    // The earliest completion from this start: if there is none, no later start has one either.
    let j = i;
    for (let k = 1; k < need.length; k++) {
      let next = j + 1;
      while (next < events.length && !need[k]!(events[next]!)) next++;
      if (next >= events.length) return false;
      j = next;
    }
    if (current || within === undefined || time(events[j]!) - time(events[i]!) < within) return true;
  }
  return false;
}
