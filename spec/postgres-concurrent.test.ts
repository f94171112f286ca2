// Decisions over PostgreSQL run side by side, each on a pooled connection of
// its own: several are in flight on the server at once (seen in
// pg_stat_activity while a lock holds them all), and each still gets the
// answer it gets alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { load } from '../runtime/engine.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > review > allow
event { type: enum(t, u) required, customer_id: string, device_id: string, amount: money }
entity customer by customer_id { segment: string }
rule Vip when customer.segment == "vip" and count(by customer_id, last 1h) >= 2 then review
rule Device when event.amount > ¥100 and distinct(customer_id, by device_id, last 1h) >= 2 then hold
rule Sum when sum(amount, by customer_id, last 1h, where type == "t") > ¥1000 then hold
`;
const T = (s: string) => Date.parse(`${s}Z`);
const AT = '2026-03-01T10:00:00Z';

async function setUp(name: string) {
  const { url, store, compiled: c } = await pgPackStore(name, PACK, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  const schema = c.checked!.schema;
  await store.write(schema, async (w) => {
    await w.entity('customer', 'c1', ['vip'], T('2026-01-01T00:00'));
    await w.entity('customer', 'c2', ['regular'], T('2026-01-01T00:00'));
    const cols = ['type', 'customer_id', 'device_id', 'amount', 'occurred_at'];
    await w.events(cols, [
      ['t', 'c1', 'd1', 80000, T('2026-03-01T09:30')], ['t', 'c1', 'd1', 50000, T('2026-03-01T09:40')],
      ['u', 'c2', 'd1', 500, T('2026-03-01T09:45')],
    ]);
  });
  const engine = load({ pack: c.optimized!, code: c.code! });
  return { url, store, engine, provider: store.provider(c.checked!) };
}

test('several decisions are in flight on the server at once', async () => {
  const { url, store, engine, provider } = await setUp('concurrent');
  const admin = new pg.Client(url);
  const watcher = new pg.Client(url); // not admin: pg_stat_activity is read once per transaction
  await admin.connect();
  await watcher.connect();
  try {
    const event = (i: number) => ({ type: 't', customer_id: i % 2 ? 'c1' : 'c2', device_id: 'd1', amount: 50000, occurred_at: AT });
    // Learned first, so every decision below sends its reads with BEGIN (it reads the customer table).
    for (let i = 0; i < 2; i++) await provider.resolve((p) => engine.decide(event(i), p), event(i));
    const alone = await Promise.all([0, 1].map((i) => provider.resolve((p) => engine.decide(event(i), p), event(i))));
    // The customers' table locked: every decision that reaches it waits on the server, where it can be counted.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE zy_entity_customer IN ACCESS EXCLUSIVE MODE');
    const N = 6;
    const pending = Array.from({ length: N }, (_, i) => provider.resolve((p) => engine.decide(event(i), p), event(i)));
    const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zhiyu' AND wait_event_type = 'Lock' AND state = 'active'`;
    let seen = 0;
    // Polled until they are all there (not a timing assert: nothing passes on the clock).
    while (seen < N) {
      seen = (await watcher.query(waiting)).rows[0].n;
      if (seen < N) await new Promise((r) => setImmediate(r));
    }
    assert.is(seen, N, `${N} decisions waiting on the server at the same time`);
    await admin.query('COMMIT');
    const answers = await Promise.all(pending);
    answers.forEach((d, i) => assert.equal([d.outcome, d.fired.map((f) => f.id)], [alone[i % 2]!.outcome, alone[i % 2]!.fired.map((f) => f.id)]));
  } finally {
    await admin.end();
    await watcher.end();
    await store.close();
  }
});

test.run();
