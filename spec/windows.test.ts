// Every velocity aggregate computed by the SQLite store equals the same
// aggregate computed by brute force over the history in memory — random
// histories with events at window edges, ties in time and future events; and
// the same with only the events stored before a sequence number (backtests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile } from '../compiler/index.ts';
import { evaluate } from '../compiler/evaluate.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import type { AggregateSpec, Value } from '../compiler/ir.ts';
import { aggregateOver, interpret, load, MemoryProvider, windowStart, type HistoryEvent } from '../runtime/index.ts';
import { ensureIndexes, migrate, openStore, SqliteProvider, filterToSql } from '../runtime/store/index.ts';

const SCHEMA = `pack w
outcomes hold > allow
event { type: enum(a, b, c) required, k: string, amount: money, x: number, n: integer, flag: bool, s: string }
`;
const FIELDS = ['amount', 'x', 'n', 's', 'k'];
const AGGS = [
  'count()', 'sum(amount)', 'sum(x)', 'sum(n)', 'avg(amount)', 'avg(x)', 'min(amount)', 'max(n)', 'min(x)', 'max(x)', 'distinct(s)', 'distinct(k)', 'distinct(n)', 'time_since_last()',
  'stddev(amount)', 'stddev(x)', 'stddev(n)', 'percentile(amount, 90)', 'percentile(x, 50)', 'percentile(n, 0)', 'latest(amount)', 'latest(s)', 'latest(n)',
  'sequence(type == "a" followed by type == "b")', 'sequence(type == "b" followed by flag followed by type != "c", within 1h)', 'sequence(amount > ¥5 followed by amount > event.amount, within 1d)',
];
const WINDOWS = ['', 'last 10m', 'last 1h', 'last 24h', 'last 30d', 'today', 'this week', 'this month', 'last 1 event', 'last 3 events', 'last 1 calendar month', 'last 2 calendar months'];
const FILTERS = ['', 'type == "a"', 'type in ["a", "b"]', 'type not in ["c"]', 'amount > ¥5', 'flag', 'not flag', 's is missing', 'n between 1 and 5',
  'amount * 2 > ¥10', 'lower(s) == "x"', 'type == "a" and (flag or amount >= ¥1)', 'not (n > 2) or s == "y"', 'x >= 0.5', 'amount == event.amount'];
const NOW = parseTimestamp('@2026-03-04T09:30').ok ? (parseTimestamp('@2026-03-04T09:30') as { value: number }).value : 0;
const WINDOW_MS = [600_000, 3_600_000, 86_400_000, 2_592_000_000];

const aggText = fc.record({
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
const event = fc.record({
  type: fc.constantFrom('a', 'b', 'c'), k: maybe(fc.constantFrom('k1', 'k2', 'k3')), amount: maybe(fc.integer({ min: 0, max: 5000 })),
  x: maybe(fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })), n: maybe(fc.integer({ min: -3, max: 8 })),
  flag: maybe(fc.boolean()), s: maybe(fc.constantFrom('x', 'y', 'X', 'z')), occurred_at: time,
}).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as HistoryEvent);

function close(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

test('SQLite aggregates equal brute force over random histories (≥ 10,000 comparisons), the new ones included, live and bounded by sequence as a backtest reads them', () => {
  let comparisons = 0;
  let viaSql = 0;
  fc.assert(fc.property(fc.array(aggText, { minLength: 5, maxLength: 12 }), fc.array(event, { maxLength: 60 }), fc.array(event, { minLength: 3, maxLength: 6 }), (aggs, history, probes) => {
    const r = compile([{ path: 'w.zy', text: `${SCHEMA}${aggs.map((a, i) => `rule R${i} when ${a} is not missing then hold`).join('\n')}` }]);
    assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
    const pack = r.checked!;
    const db = openStore(':memory:', { create: true });
    migrate(db, pack.schema);
    const cols = ['type', 'k', 'amount', 'x', 'n', 'flag', 's', 'occurred_at'];
    const ins = db.prepare(`INSERT INTO zy_events (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    for (const h of history) ins.run(cols.map((c) => (typeof h[c] === 'boolean' ? (h[c] ? 1 : 0) : (h[c] as never) ?? null)));
    ensureIndexes(db, [pack]);
    const store = new SqliteProvider(db, pack);
    // As a backtest reads it: only the events stored before a sequence number are history (rows are stored in order, from 1).
    const cut = Math.floor(history.length / 2);
    for (const probe of probes) {
      const now = probe['occurred_at'] as number;
      for (const spec of pack.aggregates) {
        const filter = spec.filter ? (h: HistoryEvent) => evaluate(spec.filter!, {
          now, field: (_e, f) => probe[f] as Value, hfield: (f) => h[f] as Value, agg: () => undefined, pred: () => undefined, listHas: () => false,
        }) === true : undefined;
        const steps = spec.steps?.map((step) => (h: HistoryEvent) => evaluate(step, {
          now, field: (_e, f) => probe[f] as Value, hfield: (f) => h[f] as Value, agg: () => undefined, pred: () => undefined, listHas: () => false,
        }) === true);
        const current = spec.includeCurrent && (!filter || filter(probe)) ? probe : undefined;
        const key = spec.by ? probe[spec.by] as Value : undefined;
        if (spec.by && key === undefined) continue;
        const q = { spec: spec as AggregateSpec, now, key, ...(filter ? { filter } : {}), ...(current ? { current } : {}), ...(steps ? { steps } : {}) };
        const want = aggregateOver(history, q);
        const got = store.aggregate(q);
        if (!close(got, want)) {
          throw new Error(`${spec.text} at ${now} key ${String(key)}: store ${String(got)}, brute force ${String(want)}\nhistory ${JSON.stringify(history)}`);
        }
        const bounded = store.asOf(now, cut + 1).aggregate(q);
        const before = aggregateOver(history.slice(0, cut), q);
        if (!close(bounded, before)) {
          throw new Error(`${spec.text} at ${now} key ${String(key)}, the first ${cut} events: store ${String(bounded)}, brute force ${String(before)}\nhistory ${JSON.stringify(history)}`);
        }
        comparisons++;
        if (!spec.filter || filterToSql(spec.filter)) viaSql++;
      }
    }
    db.close();
  }), { numRuns: 400, seed: Number(process.env['ZHIYU_SEED'] ?? 424242) });
  assert.ok(comparisons >= 10_000, `only ${comparisons} comparisons`);
  assert.ok(viaSql > comparisons / 3, 'most filters run as SQL');
});

test('latest() skips a stored value of the wrong type in SQLite as in memory, and then an older row decides', () => {
  const r = compile([{ path: 'w.zy', text: `${SCHEMA}rule L when latest(amount, by k, last 24h, where type == "a") > ¥0 then hold
rule N when latest(n, by k, where flag) > 0 then hold
rule E when latest(amount, by k, last 2 events, where type == "a") > ¥0 then hold` }]);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
  const pack = r.checked!;
  const db = openStore(':memory:', { create: true });
  migrate(db, pack.schema);
  const at = (h: number) => NOW - h * 3_600_000;
  const history: HistoryEvent[] = [
    { type: 'a', k: 'k1', amount: 500, n: 2, flag: true, occurred_at: at(3) },
    { type: 'a', k: 'k1', amount: 'oops' as never, n: 'x' as never, flag: true, occurred_at: at(1) }, // stored with the wrong types
    { type: 'b', k: 'k1', amount: 900, n: 7, flag: false, occurred_at: at(0.5) },
  ];
  const cols = ['type', 'k', 'amount', 'n', 'flag', 'occurred_at'];
  const ins = db.prepare(`INSERT INTO zy_events (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  for (const h of history) ins.run(cols.map((c) => (typeof h[c] === 'boolean' ? (h[c] ? 1 : 0) : (h[c] as never) ?? null)));
  const store = new SqliteProvider(db, pack);
  const query = (spec: AggregateSpec) => ({ spec, now: NOW, key: 'k1', filter: (h: HistoryEvent) => evaluate(spec.filter!, {
    now: NOW, field: () => undefined, hfield: (f) => h[f] as Value, agg: () => undefined, pred: () => undefined, listHas: () => false,
  }) === true });
  const got = pack.aggregates.map((spec) => store.aggregate(query(spec)));
  const want = pack.aggregates.map((spec) => aggregateOver(history, query(spec)));
  assert.equal(got, want);
  assert.equal(want, [500, 2, 500]);
  db.close();
});

test('whole decisions agree: compiled engine on SQLite vs interpreter on memory', () => {
  fc.assert(fc.property(fc.array(aggText, { minLength: 3, maxLength: 6 }), fc.array(event, { maxLength: 40 }), event, (aggs, history, probe) => {
    const src = `${SCHEMA}${aggs.map((a, i) => `rule R${i} when ${a} is not missing then hold message "{${a.replaceAll('"', "'")}}"`).join('\n')}`;
    const r = compile([{ path: 'w.zy', text: src }]);
    assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
    const db = openStore(':memory:', { create: true });
    migrate(db, r.checked!.schema);
    const cols = ['type', 'k', 'amount', 'x', 'n', 'flag', 's', 'occurred_at'];
    const ins = db.prepare(`INSERT INTO zy_events (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    for (const h of history) ins.run(cols.map((c) => (typeof h[c] === 'boolean' ? (h[c] ? 1 : 0) : (h[c] as never) ?? null)));
    const a = load({ pack: r.optimized!, code: r.code! }).decide(probe, new SqliteProvider(db, r.optimized!));
    const b = interpret(r.checked!, probe, new MemoryProvider({ history })).decision;
    assert.equal(a.fired.map((f) => [f.id, f.message.zh]), b.fired.map((f) => [f.id, f.message.zh]));
    assert.is(a.outcome, b.outcome);
    db.close();
  }), { numRuns: 150, seed: Number(process.env['ZHIYU_SEED'] ?? 424242) });
});

test.run();
