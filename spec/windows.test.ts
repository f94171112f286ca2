// Every velocity aggregate computed by the SQLite store equals the same
// aggregate computed by brute force over the history in memory — random
// histories with events at window edges, ties in time and future events; and
// the same with only the events stored before a sequence number (backtests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile } from '../compiler/index.ts';
import { evaluate } from '../compiler/evaluate.ts';
import type { AggregateSpec, Value } from '../compiler/ir.ts';
import { aggregateOver, interpret, load, MemoryProvider, type HistoryEvent } from '../runtime/index.ts';
import { ensureIndexes, migrate, openStore, SqliteProvider } from '../runtime/store/sqlite/index.ts';
import { filterToSql } from '../runtime/store/filter-sql.ts';
import { SCHEMA, aggText, close, event, NOW } from './windows-gen.ts';

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
