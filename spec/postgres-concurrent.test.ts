// Decisions over PostgreSQL made at once in one process: those whose reads
// are known are self-contained and share the store's one connection for them
// (shared-client.ts), written together and answered in turn by one backend;
// those held open (their reads not known yet) run side by side, each on a
// pooled connection of its own, several in flight on the server at once.
// Either way (seen in pg_stat_activity while a lock holds them all) each still
// gets the answer it gets alone.
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

const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zhiyu' AND wait_event_type = 'Lock' AND state = 'active'`;

/** Decides `n` events at once while the customers' table is locked, until `enough(decisions waiting on the server)`; their answers. */
async function underLock(url: string, n: number, decide: (i: number) => Promise<{ outcome: string; fired: readonly { id: string }[] }>, enough: (waiting: number) => boolean) {
  const admin = new pg.Client(url);
  const watcher = new pg.Client(url); // not admin: pg_stat_activity is read once per transaction
  await admin.connect();
  await watcher.connect();
  try {
    // The customers' table locked: every decision that reaches it waits on the server, where it can be counted.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE zy_entity_customer IN ACCESS EXCLUSIVE MODE');
    const pending = Array.from({ length: n }, (_, i) => decide(i));
    let seen = 0;
    // Polled until they are there (not a timing assert: nothing passes on the clock).
    while (!enough(seen)) {
      seen = (await watcher.query(waiting)).rows[0].n;
      if (!enough(seen)) await new Promise((r) => setImmediate(r));
    }
    await admin.query('COMMIT');
    return { seen, answers: await Promise.all(pending) };
  } finally {
    await admin.end();
    await watcher.end();
  }
}

const event = (i: number) => ({ type: 't', customer_id: i % 2 ? 'c1' : 'c2', device_id: 'd1', amount: 50000, occurred_at: AT });

test('decisions held open run side by side on connections of their own; each answers as alone', async () => {
  const { url, store, engine, provider } = await setUp('concurrent_open');
  try {
    const alone = await Promise.all([0, 1].map((i) => provider.resolve((p) => engine.decide(event(i), p))));
    // Without the event, nothing is learned or fetched ahead: each decision holds its transaction open and reads lazily.
    const N = 6;
    const { seen, answers } = await underLock(url, N, (i) => provider.resolve((p) => engine.decide(event(i), p)), (w) => w >= N);
    assert.is(seen, N, `${N} decisions waiting on the server at the same time`);
    answers.forEach((d, i) => assert.equal([d.outcome, d.fired.map((f) => f.id)], [alone[i % 2]!.outcome, alone[i % 2]!.fired.map((f) => f.id)]));
  } finally {
    await store.close();
  }
});

test('self-contained decisions made at once share one connection, answered in turn; each answers as alone', async () => {
  const { url, store, engine, provider } = await setUp('concurrent_shared');
  try {
    // Learned first, so every decision below is one statement (it reads the customer table).
    for (let i = 0; i < 2; i++) await provider.resolve((p) => engine.decide(event(i), p), event(i));
    const alone = await Promise.all([0, 1].map((i) => provider.resolve((p) => engine.decide(event(i), p), event(i))));
    const N = 6;
    const before = provider.pool.totalCount;
    let connections = 0;
    const { seen, answers } = await underLock(url, N, (i) => provider.resolve((p) => engine.decide(event(i), p), event(i)), (w) => {
      connections = provider.pool.totalCount;
      return w >= 1;
    });
    assert.ok(seen >= 1, 'the first decision waits on the server');
    // Counted while they wait: the pool opened no connection for them (pg-pool's count); they went on the shared one.
    assert.is(connections, before, 'the decisions made at once went on one connection');
    answers.forEach((d, i) => assert.equal([d.outcome, d.fired.map((f) => f.id)], [alone[i % 2]!.outcome, alone[i % 2]!.fired.map((f) => f.id)]));
  } finally {
    await store.close();
  }
});

test('a shared connection the server ends is dropped: the decisions after it take another', async () => {
  const { url, store, engine, provider } = await setUp('concurrent_dropped');
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    for (let i = 0; i < 2; i++) await provider.resolve((p) => engine.decide(event(i), p), event(i));
    const alone = await provider.resolve((p) => engine.decide(event(0), p), event(0));
    // Every zhiyu connection ended by the server, the shared one among them.
    const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zhiyu' AND pid <> pg_backend_pid()`);
    assert.ok(ended.rows.length >= 1);
    // A decision may meet an ended connection (ZY7010: the store is unavailable), which is then dropped. The
    // shared one may be replaced by an idle one of the pool that is ended too, before the pool has read its
    // end: so at most one failed decision per ended connection, and then an answer.
    const tries: string[] = [];
    let answer;
    for (let k = 0; k <= ended.rows.length && !answer; k++) {
      answer = await provider.resolve((p) => engine.decide(event(0), p), event(0)).catch((e: { code?: string }) => { tries.push(String(e.code)); return undefined; });
    }
    assert.ok(answer, `no decision after the connection ended: ${tries.join(', ')}`);
    assert.ok(tries.every((t) => t === 'ZY7010'), tries.join(', '));
    assert.ok(tries.length <= ended.rows.length, `more decisions failed than connections ended (${ended.rows.length}): ${tries.join(', ')}`);
    assert.equal([answer!.outcome, answer!.fired.map((f) => f.id)], [alone.outcome, alone.fired.map((f) => f.id)]);
  } finally {
    await admin.end();
    await store.close();
  }
});

test.run();
