// The random packs and histories the window tests compare stores with
// brute force on (windows.test.ts for SQLite, postgres.test.ts for PostgreSQL).
import fc from 'fast-check';
import { evaluate } from '../compiler/evaluate.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import type { AggregateSpec, CheckedPack, Value } from '../compiler/ir.ts';
import { windowStart, type HistoryEvent } from '../runtime/index.ts';
import type { AggregateQuery } from '../runtime/provider.ts';

export const SCHEMA = `pack w
outcomes hold > allow
event { type: enum(a, b, c) required, k: string, amount: money, x: number, n: integer, flag: bool, s: string }
`;
export const FIELDS = ['amount', 'x', 'n', 's', 'k'];
export const AGGS = [
  'count()', 'sum(amount)', 'sum(x)', 'sum(n)', 'avg(amount)', 'avg(x)', 'min(amount)', 'max(n)', 'min(x)', 'max(x)', 'distinct(s)', 'distinct(k)', 'distinct(n)', 'time_since_last()',
  'stddev(amount)', 'stddev(x)', 'stddev(n)', 'percentile(amount, 90)', 'percentile(x, 50)', 'percentile(n, 0)', 'latest(amount)', 'latest(s)', 'latest(n)',
  'sequence(type == "a" followed by type == "b")', 'sequence(type == "b" followed by flag followed by type != "c", within 1h)', 'sequence(amount > ¥5 followed by amount > event.amount, within 1d)',
];
export const WINDOWS = ['', 'last 10m', 'last 1h', 'last 24h', 'last 30d', 'today', 'this week', 'this month', 'last 1 event', 'last 3 events', 'last 1 calendar month', 'last 2 calendar months'];
export const FILTERS = ['', 'type == "a"', 'type in ["a", "b"]', 'type not in ["c"]', 'amount > ¥5', 'flag', 'not flag', 's is missing', 'n between 1 and 5',
  'amount * 2 > ¥10', 'lower(s) == "x"', 'type == "a" and (flag or amount >= ¥1)', 'not (n > 2) or s == "y"', 'x >= 0.5', 'amount == event.amount'];
export const NOW = parseTimestamp('@2026-03-04T09:30').ok ? (parseTimestamp('@2026-03-04T09:30') as { value: number }).value : 0;
export const WINDOW_MS = [600_000, 3_600_000, 86_400_000, 2_592_000_000];

export const aggText = fc.record({
  agg: fc.constantFrom(...AGGS), by: fc.boolean(), window: fc.constantFrom(...WINDOWS), filter: fc.constantFrom(...FILTERS), current: fc.boolean(),
}).map(({ agg, by, window, filter, current }) => {
  const [fn, field] = [agg.slice(0, agg.indexOf('(')), agg.slice(agg.indexOf('(') + 1, -1)];
  const parts = [field, by ? 'by k' : '', window, filter ? `where ${filter}` : '', current && fn !== 'time_since_last' && !window.includes('calendar') ? 'including current' : ''].filter(Boolean);
  return `${fn}(${parts.join(', ')})`;
});

// Times near the edges of every window, ties, and the future.
const time = fc.oneof(
  fc.integer({ min: -40 * 86_400_000, max: 86_400_000 }).map((d) => NOW + d),
  fc.constantFrom(...WINDOW_MS.flatMap((w) => [NOW - w, NOW - w + 1, NOW - w - 1]), NOW, NOW + 1, NOW - 1),
  fc.constantFrom(0, 1, 2, 3).map((d) => (windowStart({ kind: 'calendar', unit: (['day', 'week', 'month', 'day'] as const)[d]! }, NOW) - 1 + (d % 2))),
  fc.tuple(fc.constantFrom(1, 2, 3), fc.constantFrom(-1, 0, 1)).map(([n, d]) => windowStart({ kind: 'months', n }, NOW) + d),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 4 });
export const event = fc.record({
  type: fc.constantFrom('a', 'b', 'c'), k: maybe(fc.constantFrom('k1', 'k2', 'k3')), amount: maybe(fc.integer({ min: 0, max: 5000 })),
  x: maybe(fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })), n: maybe(fc.integer({ min: -3, max: 8 })),
  flag: maybe(fc.boolean()), s: maybe(fc.constantFrom('x', 'y', 'X', 'z')), occurred_at: time,
}).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as HistoryEvent);

export function close(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

/** The query a decision on `probe` would make for `spec`, or undefined when its key is missing. */
export function queryFor(spec: AggregateSpec, probe: HistoryEvent): AggregateQuery | undefined {
  const now = probe['occurred_at'] as number;
  const env = (h: HistoryEvent) => ({ now, field: (_e: string, f: string) => probe[f] as Value, hfield: (f: string) => h[f] as Value, agg: () => undefined, pred: () => undefined, listHas: () => false });
  const filter = spec.filter ? (h: HistoryEvent) => evaluate(spec.filter!, env(h)) === true : undefined;
  const steps = spec.steps?.map((step) => (h: HistoryEvent) => evaluate(step, env(h)) === true);
  const current = spec.includeCurrent && (!filter || filter(probe)) ? probe : undefined;
  const key = spec.by ? probe[spec.by] as Value : undefined;
  if (spec.by && key === undefined) return undefined;
  return { spec, now, key, ...(filter ? { filter } : {}), ...(current ? { current } : {}), ...(steps ? { steps } : {}) };
}

/** The history's rows as both stores keep them (bools 0/1, missing NULL), in the columns' order. */
export const EVENT_COLUMNS = ['type', 'k', 'amount', 'x', 'n', 'flag', 's', 'occurred_at'];
export const cellsOf = (h: HistoryEvent) => EVENT_COLUMNS.map((c) => (typeof h[c] === 'boolean' ? (h[c] ? 1 : 0) : (h[c] as number | string | undefined) ?? null));
export type { CheckedPack };
