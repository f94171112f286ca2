// The PostgreSQL store gives the answers the SQLite store gives: every
// velocity aggregate equals brute force over the same random histories as
// windows.test.ts (≥ 10,000 comparisons), live and bounded by sequence, each
// read through a real decision snapshot on a real server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile } from '../compiler/index.ts';
import type { Value } from '../compiler/ir.ts';
import { aggregateOver, type HistoryEvent } from '../runtime/index.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { ensurePartitions, partitions } from '../runtime/store/postgres/schema.ts';
import { filterToSql } from '../runtime/store/filter-sql.ts';
import { EVENT_COLUMNS, SCHEMA, aggText, cellsOf, close, event, queryFor } from './windows-gen.ts';
import { pgServer } from './pg-server.ts';

test('PostgreSQL aggregates equal brute force over random histories (≥ 10,000 comparisons), live and bounded by sequence', async () => {
  const url = await (await pgServer()).database('windows');
  const store = await PostgresStore.open(url, { create: true });
  try {
    const base = compile([{ path: 'w.zy', text: `${SCHEMA}rule R when count() > 0 then hold` }]);
    assert.ok(base.ok);
    await store.migrate(base.checked!.schema);
    // The test starts every run from an empty history (the store itself refuses to empty it).
    await store.pool.query(`ALTER TABLE zy_events DISABLE TRIGGER USER`);
    // Only the months the histories fall in (Nov 2025 – Mar 2026): each partition more is planned by every read.
    await ensurePartitions(store.pool, Date.UTC(2025, 10, 1), Date.UTC(2026, 3, 1));
    for (const p of await partitions(store.pool)) if (p.from >= Date.UTC(2026, 4, 1)) await store.pool.query(`DROP TABLE ${p.name}`);
    const samples = fc.sample(fc.tuple(fc.array(aggText, { minLength: 5, maxLength: 12 }), fc.array(event, { maxLength: 60 }), fc.array(event, { minLength: 5, maxLength: 9 })),
      { numRuns: 225, seed: Number(process.env['ZHIYU_SEED'] ?? 424242) });
    let comparisons = 0;
    let viaSql = 0;
    for (const [aggs, history, probes] of samples) {
      const r = compile([{ path: 'w.zy', text: `${SCHEMA}${aggs.map((a, i) => `rule R${i} when ${a} is not missing then hold`).join('\n')}` }]);
      assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
      const pack = r.checked!;
      // (Few rows: deleting them is cheaper than truncating every partition and index. The covering
      // indexes change plans, not answers; the demo parity suite reads through them.)
      await store.pool.query(`DELETE FROM zy_events; UPDATE zy_event_seq SET last_seq = 0`);
      await store.write(pack.schema, (w) => w.events(EVENT_COLUMNS, history.map(cellsOf)));
      const provider = store.provider(pack);
      const cut = Math.floor(history.length / 2);
      const bounded = (now: number) => provider.asOf(now, cut + 1);
      // The probes decide side by side, each on a connection of its own, as a service's requests do.
      await Promise.all(probes.map(async (probe) => {
        const now = probe['occurred_at'] as number;
        // One decision's reads: every aggregate of the pack in one snapshot, as the engine would ask.
        const queries = pack.aggregates.map((spec) => queryFor(spec, probe)).filter((x) => x !== undefined);
        const [live, before] = await Promise.all([provider, bounded(now)].map((p) => p.resolve((r) => queries.map((q) => r.aggregate(q)), probe))) as [Value[], Value[]];
        queries.forEach((q, i) => {
          const want = aggregateOver(history, q);
          if (!close(live[i], want)) throw new Error(`${q.spec.text} at ${now} key ${String(q.key)}: PostgreSQL ${String(live[i])}, brute force ${String(want)}\nhistory ${JSON.stringify(history)}`);
          const wantBefore = aggregateOver(history.slice(0, cut) as HistoryEvent[], q);
          if (!close(before[i], wantBefore)) throw new Error(`${q.spec.text} at ${now} key ${String(q.key)}, the first ${cut} events: PostgreSQL ${String(before[i])}, brute force ${String(wantBefore)}\nhistory ${JSON.stringify(history)}`);
          comparisons++;
          if (!q.spec.filter || filterToSql(q.spec.filter)) viaSql++;
        });
      }));
    }
    assert.ok(comparisons >= 10_000, `only ${comparisons} comparisons`);
    assert.ok(viaSql > comparisons / 3, 'most filters run as SQL');
  } finally {
    await store.close();
  }
});

test.run();
