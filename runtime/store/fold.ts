// How a stored aggregate is read, whatever the backend: what the SQL returns
// for it (its shape) and how that becomes the aggregate's value. Both
// backends plan with shapeOf and finish with foldAggregate, so SQLite and
// PostgreSQL give the same answers; where floating point or order could make
// them differ, the value is folded here, by the reference code, over rows
// in the order they were stored.
//
//   sql     count, sum/avg of whole numbers (exact in either database), min,
//           max, distinct, time_since_last: one row of SQL results
//   newest  `last N events` and latest(): time and field of the newest
//           matching rows, newest first
//   values  stddev, percentile, and sum/avg of `number` fields (floating
//           point, summed in stored order as the reference does): the field
//           of each matching row, in stored order
//   rows    filters SQL cannot say, and sequence(): every row by key and
//           window, filtered here
import { TIME_FIELD } from '../../compiler/check/context.ts';
import type { AggregateSpec, Schema, Value } from '../../compiler/ir.ts';
import { needsOrder, summarize } from '../aggregate.ts';
import type { AggregateQuery, HistoryEvent } from '../provider.ts';
import { filterToSql, type SqlFilter } from './filter-sql.ts';
import { decode, decodeRow } from './tables.ts';

export type ShapeKind = 'sql' | 'newest' | 'values' | 'rows';

export interface Shape {
  readonly kind: ShapeKind;
  /** The filter as SQL (absent for `rows`, whose filter runs here). */
  readonly filter?: SqlFilter;
  /** distinct(…, including current): whether the current event's value is already among the rows. */
  readonly exists?: boolean;
}

/** What the store returned for one aggregate; each backend runs only the parts its shape needs. */
export interface AggregateRows {
  /** `sql`: count / [sum, count] / min / max / count distinct / max(time), as one row. */
  sql(): readonly unknown[];
  /** `sql` with `exists`: whether `value` occurs among the matching rows. */
  exists(value: Value): boolean;
  /** `newest`: at least the `limit` newest matching rows (time and field), newest first, when there are as many. */
  newest(limit: number): readonly Record<string, unknown>[];
  /** `values`: the field of each matching row, in stored order. */
  values(): readonly Record<string, unknown>[];
  /** Every row by key and window (stored order; time order for the aggregates that need it). */
  rows(): readonly Record<string, unknown>[];
}

const FLOAT_SUMS = new Set(['sum', 'avg']);

export function shapeOf(a: AggregateSpec): Shape {
  const f = a.filter ? filterToSql(a.filter) : { sql: '', params: [] };
  if (!f) return { kind: 'rows' };
  if (a.fn !== 'sequence' && needsOrder(a)) return { kind: 'newest', filter: f };
  if (a.fn === 'stddev' || a.fn === 'percentile' || (FLOAT_SUMS.has(a.fn) && a.fieldType?.t === 'number')) return { kind: 'values', filter: f };
  if (needsOrder(a)) return { kind: 'rows' };
  return { kind: 'sql', filter: f, ...(a.fn === 'distinct' && a.includeCurrent ? { exists: true } : {}) };
}

/** The columns a `newest` or `values` row holds: the time, then the field. */
export function narrowColumns(a: AggregateSpec, shape: ShapeKind): string[] {
  return [...(shape === 'newest' ? [TIME_FIELD] : []), ...(a.field ? [a.field] : [])];
}

/** The rows `newest` needs when the current event counts or not (`last N events` keeps N, the current one among them). */
export function newestLimit(a: AggregateSpec, current: boolean): number {
  return a.window.kind === 'events' ? Math.max(0, a.window.n - (current ? 1 : 0)) : 1;
}

export function foldAggregate(schema: Schema, shape: Shape, q: AggregateQuery, got: AggregateRows): Value {
  const { spec, now } = q;
  const fieldType = spec.field ? schema.event.fields.get(spec.field)?.type : undefined;
  // `newest` and `values` rows hold only the time and the aggregate's field.
  const narrow = (rows: readonly Record<string, unknown>[]) => rows.map((r) => {
    const h: Record<string, Value> = Object.create(null);
    if (r[TIME_FIELD] !== undefined && r[TIME_FIELD] !== null) h[TIME_FIELD] = r[TIME_FIELD] as number;
    const v = spec.field && fieldType ? decode(fieldType, r[spec.field]) : undefined;
    if (v !== undefined) h[spec.field!] = v;
    return h as HistoryEvent;
  });
  const allRows = () => {
    const rows = got.rows().map((r) => decodeRow(schema.event, r) as HistoryEvent);
    return summarize(spec, q.filter ? rows.filter(q.filter) : rows, q.current, now, q.steps);
  };
  switch (shape.kind) {
    case 'rows': return allRows();
    case 'values': return summarize(spec, narrow(got.values()), q.current, now, q.steps);
    case 'newest': {
      const rows = narrow(got.newest(newestLimit(spec, !!q.current)).slice(0, newestLimit(spec, !!q.current))).reverse();
      const v = summarize(spec, rows, q.current, now, q.steps);
      // latest(): a stored value of the wrong type reads as missing, and then an older row decides, as in the reference.
      if (spec.fn !== 'latest' || spec.window.kind === 'events' || v !== undefined || rows.length === 0) return v;
      return allRows();
    }
    case 'sql': break;
  }
  const r = got.sql();
  const cur = q.current && spec.field ? decode(spec.type, (q.current as Record<string, unknown>)[spec.field]) as number | string | undefined : undefined;
  switch (spec.fn) {
    case 'count': return (r[0] as number) + (q.current ? 1 : 0);
    case 'sum': return ((r[0] as number | null) ?? 0) + (typeof cur === 'number' ? cur : 0);
    case 'avg': {
      const sum = ((r[0] as number | null) ?? 0) + (typeof cur === 'number' ? cur : 0);
      const n = (r[1] as number) + (cur !== undefined ? 1 : 0);
      return n ? sum / n : undefined;
    }
    case 'min': case 'max': {
      const v = r[0] as number | null;
      if (cur === undefined) return v ?? undefined;
      if (v === null) return cur;
      return spec.fn === 'min' ? Math.min(v, cur as number) : Math.max(v, cur as number);
    }
    case 'distinct': {
      const n = r[0] as number;
      if (cur === undefined || !shape.exists) return n;
      return got.exists(cur) ? n : n + 1;
    }
    case 'time_since_last': {
      const last = r[0] as number | null;
      return last === null ? undefined : now - last;
    }
  }
  throw new Error(`aggregate ${spec.fn} cannot be computed in SQL`);
}
