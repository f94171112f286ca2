// Decisions over PostgreSQL run side by side, each on a pooled connection of
// its own: several are in flight on the server at once (seen in
// pg_stat_activity while a lock holds them all), and a decision whose event
// type's reads are learned is one statement: the sequence and every read as
// subqueries of one SELECT (one snapshot, no transaction), with the answer the
// lazy reads give. A decision that reaches a read the statement did not carry
// is decided again in a transaction, with the same answer.
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
    // Learned first, so every decision below is the one statement (it reads the customer table).
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

test('a learned decision is one statement, with the answer of the lazy reads; an unlearned read falls back to a transaction', async () => {
  const { store, engine, provider } = await setUp('onestatement');
  try {
    const statements: string[] = [];
    const pool = provider.pool;
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    const counted = new WeakSet<object>();
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const c = await connect();
      if (!counted.has(c)) {
        counted.add(c);
        const query = c.query.bind(c) as (...a: unknown[]) => unknown;
        (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
          const q = a[0] as string | { text: string };
          statements.push(typeof q === 'string' ? q : q.text);
          return query(...a);
        };
      }
      return c;
    };
    const decide = async (event: Record<string, unknown>, ahead: boolean) => {
      statements.length = 0;
      const d = await provider.resolve((p) => engine.decide(event, p), ahead ? event : undefined);
      return { answer: [d.outcome, d.score, d.fired.map((f) => f.id)], statements: [...statements] };
    };
    const vip = { type: 't', customer_id: 'c1', device_id: 'd1', amount: 50000, occurred_at: AT };
    const lazy = await decide(vip, false);
    assert.equal(lazy.answer[2], ['Vip', 'Device', 'Sum']);
    assert.ok(lazy.statements.includes('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY'), 'a lazy decision opens a transaction');
    // The first of its type learns its reads (in a transaction); the next is one SELECT and no BEGIN.
    await decide(vip, true);
    const ahead = await decide(vip, true);
    assert.equal(ahead.answer, lazy.answer);
    assert.is(ahead.statements.length, 1, ahead.statements.join(' | '));
    assert.match(ahead.statements[0]!, /^SELECT \(SELECT last_seq FROM zy_event_seq\)/);
    // Data stored between decisions is seen by the next one statement.
    await store.write(provider.pack.schema, (w) => w.events(['type', 'customer_id', 'device_id', 'amount', 'occurred_at'], [['u', 'c3', 'd1', 100, T('2026-03-01T09:50')]]));
    const after = await decide({ ...vip, customer_id: 'c2' }, true);
    assert.equal(after.answer, (await decide({ ...vip, customer_id: 'c2' }, false)).answer);
    // A decision of that type that lacks its device: the statement carries fewer reads, and the answer is still the lazy one.
    const noDevice = { type: 't', customer_id: 'c1', amount: 50000, occurred_at: AT };
    assert.equal((await decide(noDevice, true)).answer, (await decide(noDevice, false)).answer);
    // A type whose decisions reached no read yet: its first decision reaches one the statement lacks and is decided in a transaction.
    const other = { type: 'u', customer_id: 'c1', device_id: 'd1', amount: 50000, occurred_at: AT };
    const first = await decide(other, true);
    assert.ok(first.statements.includes('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY'), first.statements.join(' | '));
    assert.equal(first.answer, (await decide(other, false)).answer);
  } finally {
    await store.close();
  }
});

test.run();
