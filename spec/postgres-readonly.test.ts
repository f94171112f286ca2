// A decision can never write: the decision pool's connections run every
// transaction read-only (default_transaction_read_only, set on each new
// connection before its first statement), whichever way a decision goes on the
// wire — one statement, a self-contained transaction or one held open. The
// store's own pool, which the decision log and the writers use, stays writable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../runtime/engine.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > allow
event { type: enum(t) required, customer_id: string, amount: money }
entity customer by customer_id { segment: string }
rule Vip when customer.segment == "vip" and count(by customer_id, last 1h) >= 2 then hold
`;
const T = (s: string) => Date.parse(`${s}Z`);

const refusal = (p: Promise<unknown>) => p.then(() => 'written', (e: { code?: string }) => e.code ?? 'no code');

test('the decision pool\'s connections refuse every write; decisions still decide and the log still appends', async () => {
  const { store, compiled: c } = await pgPackStore('readonly', PACK, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  try {
    await store.write(c.checked!.schema, async (w) => {
      await w.entity('customer', 'c1', ['vip'], T('2026-01-01T00:00'));
      await w.events(['type', 'customer_id', 'amount', 'occurred_at'], [['t', 'c1', 100, T('2026-03-01T09:50')], ['t', 'c1', 200, T('2026-03-01T09:55')]]);
    });
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    const event = { type: 't', customer_id: 'c1', amount: 5, occurred_at: '2026-03-01T10:00:00Z' };
    // Lazily, then with the reads learned (one statement): the decisions are made on the read-only connections.
    for (let i = 0; i < 3; i++) assert.is((await provider.resolve((p) => engine.decide(event, p), event)).outcome, 'hold');
    // Every connection the decisions opened, and a new one, refuses to write, in or outside a transaction.
    const clients = await Promise.all(Array.from({ length: 3 }, () => provider.pool.connect()));
    try {
      for (const cl of clients) {
        assert.is((await cl.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only, 'on');
        assert.is(await refusal(cl.query(`INSERT INTO zy_labels (subject_kind, subject, kind, positive) VALUES ('event', '1', 'k', true)`)), '25006');
        assert.is(await refusal(cl.query(`CREATE TABLE zy_other (x int)`)), '25006');
        await cl.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        assert.is(await refusal(cl.query(`DELETE FROM zy_list_entries`)), '25006');
        await cl.query('ROLLBACK');
      }
    } finally { for (const cl of clients) cl.release(); }
    assert.is(Number((await store.pool.query('SELECT count(*) AS n FROM zy_labels')).rows[0].n), 0, 'nothing was written');
    // The store's own pool (the log's, the writers') is not read-only.
    assert.is((await store.pool.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only, 'off');
    const d = await provider.resolve((p) => engine.decide(event, p), event);
    const id = await store.log().append({ bundleHash: 'b', sourceHash: 's', input: event, eventTime: T('2026-03-01T10:00'), snapshot: { entities: [], lists: [], aggregates: [] }, decision: d });
    assert.is((await store.log().get(id)).outcome, 'hold');
  } finally {
    await store.close();
  }
});

test.run();
