// The decision log on PostgreSQL takes the records of decisions made at once
// in one INSERT (log.ts): each record is logged exactly once, under the id
// its append returned, whole, and replays to its decision; a record the
// server refuses fails alone, the others of its batch are logged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../runtime/engine.ts';
import { RecordingProvider, SnapshotProvider } from '../runtime/store/decision-log.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > allow
event { type: enum(t) required, customer_id: string, amount: money }
entity customer by customer_id { segment: string }
rule Vip when customer.segment == "vip" and count(by customer_id, last 1h) >= 2 then hold
`;
const T = (s: string) => Date.parse(`${s}Z`);

test('decisions logged together: each once, under its own id, whole, replaying to its decision; a refused record fails alone', async () => {
  const { store, compiled: c } = await pgPackStore('log_batches', PACK, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  try {
    const schema = c.checked!.schema;
    await store.write(schema, async (w) => {
      for (let i = 0; i < 20; i++) await w.entity('customer', `c${i}`, [i % 2 ? 'vip' : 'regular'], T('2026-01-01T00:00'));
      await w.events(['type', 'customer_id', 'amount', 'occurred_at'], Array.from({ length: 60 }, (_, i) => ['t', `c${i % 20}`, 100 * i, T('2026-03-01T09:00') + i * 60_000]));
    });
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    const log = store.log();
    const events = Array.from({ length: 300 }, (_, i) => ({ type: 't', customer_id: `c${i % 20}`, amount: i, occurred_at: '2026-03-01T10:00:00Z' }));
    // 300 decisions, then their records appended all at once (as a busy service appends them).
    const decided = [];
    for (const event of events) {
      let rec: RecordingProvider | undefined;
      const d = await provider.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, event);
      decided.push({ event, d, snapshot: rec!.snapshot });
    }
    const logged = await Promise.all(decided.map(async ({ event, d, snapshot }) => {
      const id = await log.append({ bundleHash: 'b', sourceHash: 's', input: event, eventTime: T('2026-03-01T10:00'), snapshot, decision: d });
      return { id, event, d };
    }));
    const ids = logged.map((x) => x.id);
    assert.is(new Set(ids).size, events.length, 'every append got an id of its own');
    assert.equal(await log.ids(), [...ids].sort((a, b) => a - b), 'every decision logged once, and nothing else');
    // They shared INSERTs: rows of one INSERT share its transaction id.
    const inserts = Number((await store.pool.query(`SELECT count(DISTINCT xmin::text) AS n FROM zy_decisions`)).rows[0].n);
    assert.ok(inserts < events.length / 2, `${inserts} INSERTs for ${events.length} records`);
    for (const { id, event, d } of logged) {
      const row = await log.get(id);
      assert.equal(row.input, event, `record ${id} is the decision's own`);
      assert.equal([row.outcome, row.score, row.fired], [d.outcome, d.score, d.fired.map((f) => f.id)]);
      const again = engine.decide(row.input, new SnapshotProvider(row.snapshot));
      assert.equal([again.outcome, again.score, again.fired.map((f) => f.id)], [row.outcome, row.score, row.fired], `record ${id} replays`);
    }
    assert.ok(logged.some((x) => x.d.outcome === 'hold') && logged.some((x) => x.d.outcome === 'allow'), 'both outcomes were decided');

    // A record the server refuses (text holds no NUL character there) among good ones: it alone fails.
    const { d, event } = logged[0]!;
    const entry = (i: number) => ({ bundleHash: i === 17 ? 'b\u0000' : 'b', sourceHash: 's', input: { ...event, amount: 1000 + i }, eventTime: T('2026-03-01T10:00'), snapshot: { entities: [], aggregates: [], lists: [] }, decision: d });
    const before = (await log.ids()).length;
    const mixed = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => log.append(entry(i))));
    assert.is(mixed.filter((r) => r.status === 'rejected').length, 1);
    assert.is(mixed[17]!.status, 'rejected');
    const good = mixed.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.is((await log.ids()).length, before + 39);
    for (const [i, id] of good.entries()) assert.is(((await log.get(id)).input as { amount: number }).amount, 1000 + (i < 17 ? i : i + 1));
  } finally {
    await store.close();
  }
});

test.run();
