// A decision over PostgreSQL whose reads are learned sends them as one
// statement (together.ts): reads of one row at most (a profile row, a list
// lookup, count/sum/distinct/max/time-since windows) as joins of one row,
// reads of several rows (a window's values for stddev or a sum of floats, the
// rows of a sequence) as JSON arrays, beside how far history goes. On property-generated histories — customers
// with and without a profile, windows left empty, events exactly on a
// window's edges and after the decision — every read of that statement
// answers what the same read alone answers: the decision made with its reads
// fetched ahead records the very snapshot of the lazy one (each read its own
// statement), history bound included, live and as of a past time and event.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import pg from 'pg';
import { load } from '../runtime/engine.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import type { PostgresProvider } from '../runtime/store/postgres/provider.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > review > allow
event { type: enum(t, u) required, customer_id: string, device_id: string, amount: money, ratio: number }
entity customer by customer_id { segment: string, cap: money }
list watched: string external "Watched devices"
rule Many when count(by customer_id, last 1h) >= 2 then review
rule Spent when sum(amount, by customer_id, last 24h, where type == "t") > ¥50 then review
rule Devices when distinct(device_id, by customer_id, last 30d) >= 2 then review
rule Biggest when max(amount, by device_id, last 1h) > ¥20 then review
rule Recent when time_since_last(by customer_id, last 7d) < 10m then review
rule Vip when customer.segment == "vip" then hold
rule Over when event.amount > customer.cap then hold
rule Watched when event.device_id in watched then hold
rule Spread when stddev(ratio, by customer_id, last 24h) > 1 then review
rule Scored when sum(ratio, by device_id, last 7d) > 2 then review
rule Steps when sequence(type == "t" followed by type == "u", by customer_id, within 1h) then review
`;
const T = (s: string) => Date.parse(`${s}Z`);
const NOW = T('2026-03-10T12:00');
const H = 3_600_000, D = 24 * H;
// Offsets from the decision's time: each window's edges exactly, a millisecond either side, and after the decision.
const EDGES = [0, -1, 1, -H, -H - 1, -H + 1, -10 * 60_000, -D, -D - 1, -D + 1, -7 * D, -7 * D - 1, -30 * D, -30 * D - 1, -30 * D + 1, H];

const history = fc.record({
  events: fc.array(fc.record({
    type: fc.constantFrom('t', 'u'),
    customer: fc.integer({ min: 0, max: 3 }),
    device: fc.integer({ min: 0, max: 2 }),
    amount: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    // Floats that JSON must carry exactly (and ±Infinity, which it writes as strings).
    ratio: fc.option(fc.constantFrom(0.1, 1 / 3, -2.5, 1e21, 5e-324, 123456.789, Infinity, -Infinity), { nil: null }),
    at: fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -31 * D, max: 2 * H })),
  }), { maxLength: 25 }),
  // Customer 3 never has a profile; the others may, some only from after the decision's time.
  profiles: fc.array(fc.record({ segment: fc.constantFrom('vip', 'std'), cap: fc.integer({ min: 0, max: 3000 }), from: fc.constantFrom(-D, 0, 1, D) }), { minLength: 3, maxLength: 3 }),
  hasProfile: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  watched: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  decisions: fc.array(fc.record({ customer: fc.integer({ min: 0, max: 3 }), device: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }), amount: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 4 }),
});

/** A decision's one statement: its parts' marker columns (together.ts). */
const ONE = /"zy:rows?"/;

/** Counts the one-statement reads the server answered and refused (a refused one falls back to reads alone, hiding it). */
function watchTogether(): { ok: number; failed: number; restore(): void } {
  const seen = { ok: 0, failed: 0, restore: () => { pg.Client.prototype.query = query; } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
    const text = (config as { text?: unknown } | null)?.text;
    // The one statement goes as a query object with its callback (described.ts), or as a config and a callback.
    if (config instanceof pg.Query && typeof text === 'string' && ONE.test(text)) {
      const q = config as unknown as { callback: (err: Error | null, r: unknown) => void };
      const cb = q.callback;
      q.callback = (err, r) => { if (err) seen.failed++; else seen.ok++; cb(err, r); };
      return (query as (...a: unknown[]) => unknown).call(this, config);
    }
    if (typeof text === 'string' && ONE.test(text) && typeof values === 'function') {
      const cb = values as (err: Error | null, r: unknown) => void;
      return (query as (...a: unknown[]) => unknown).call(this, config, (err: Error | null, r: unknown) => { if (err) seen.failed++; else seen.ok++; cb(err, r); });
    }
    return (query as (...a: unknown[]) => unknown).call(this, config, values, callback);
  } as typeof query;
  return seen;
}

test('reads sent as one statement answer what each read alone answers (property-generated histories)', async () => {
  const watch = watchTogether();
  const { store, compiled: c } = await pgPackStore('together', PACK, T('2026-01-01T00:00'), T('2026-04-01T00:00'));
  try {
    const schema = c.checked!.schema;
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    let run = 0;
    let compared = 0;
    await fc.assert(fc.asyncProperty(history, async (h) => {
      // Keys of their own per run: each run's history is the only one its reads can see.
      const r = run++;
      const cust = (i: number) => `r${r}c${i}`;
      const dev = (i: number) => `r${r}d${i}`;
      await store.write(schema, async (w) => {
        for (let i = 0; i < 3; i++) if (h.hasProfile[i]) await w.entity('customer', cust(i), [h.profiles[i]!.segment, h.profiles[i]!.cap], NOW + h.profiles[i]!.from);
        for (let i = 0; i < 3; i++) if (h.watched[i]) await w.listEntry('watched', dev(i), null, null, null);
        if (h.events.length) {
          await w.events(['type', 'customer_id', 'device_id', 'amount', 'ratio', 'occurred_at'],
            h.events.map((e) => [e.type, cust(e.customer), dev(e.device), e.amount, e.ratio, NOW + e.at]));
        }
      });
      const last = Number((await store.pool.query('SELECT last_seq FROM zy_event_seq')).rows[0].last_seq);
      // Live, and as of the decision's time with history up to half of this run's events (a replay's view).
      const views: [string, PostgresProvider][] = [['live', provider], ['as of', provider.asOf(NOW, last - Math.floor(h.events.length / 2))]];
      for (const d of h.decisions) {
        const event = { type: 't', customer_id: cust(d.customer), ...(d.device === null ? {} : { device_id: dev(d.device) }), amount: d.amount, occurred_at: new Date(NOW).toISOString() };
        for (const [name, view] of views) {
          const decide = async (ahead: boolean) => {
            let rec: RecordingProvider | undefined;
            const out = await view.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, ahead ? event : undefined);
            return { answer: [out.outcome, out.score, out.fired.map((f) => f.id)], snapshot: rec!.snapshot };
          };
          const lazy = await decide(false);
          const ahead = await decide(true);
          assert.equal(ahead, lazy, `${name}: ${JSON.stringify(event)} over ${JSON.stringify(h)}`);
          compared++;
        }
      }
    }), { numRuns: 40, seed: 20261207 });
    // The reads went as one statement, which the server never refused, and every comparison ran.
    assert.is(watch.failed, 0, 'one-statement reads refused');
    assert.ok(watch.ok >= compared / 2, `${watch.ok} one-statement reads for ${compared} decisions fetched ahead`);
    assert.ok(compared >= 80, `${compared} comparisons`);
  } finally {
    watch.restore();
    await store.close();
  }
});

// A decision held open (it reached a read its type had not made) ends its transaction once the tasks queued then have
// run. A decision sent as one statement that takes the connection before that must not run in the held snapshot: it
// sends the COMMIT first, and sees what was stored meanwhile.
const PACK2 = `pack p
outcomes hold > review > allow
event { type: enum(t) required, customer_id: string, flag: bool }
entity customer by customer_id { segment: string }
rule Many when count(by customer_id, last 1h) >= 2 then review
rule Vip when event.flag and customer.segment == "vip" then hold
`;

test('a decision sent as one statement right after one held open sees what was stored meanwhile', async () => {
  const { url, store: setup, compiled: c } = await pgPackStore('together_after_open', PACK2, T('2026-03-01T00:00'), T('2026-04-01T00:00'));
  // One connection for decisions: the held decision's and the next one's.
  const store = await PostgresStore.open(url, { max: 1 });
  const admin = new pg.Client(url);
  const watcher = new pg.Client(url);
  await admin.connect();
  await watcher.connect();
  try {
    const schema = c.checked!.schema;
    const at = new Date(NOW).toISOString();
    const fields = ['type', 'customer_id', 'flag', 'occurred_at'];
    await setup.write(schema, async (w) => {
      await w.entity('customer', 'c1', ['vip'], NOW - D);
      await w.events(fields, [['t', 'c1', 0, NOW - 60_000]]);
    });
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    const decide = async (event: Record<string, unknown>) => {
      let rec: RecordingProvider | undefined;
      await provider.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, event);
      return rec!.snapshot;
    };
    // Learns the window (not the profile: no rule reaches it without the flag).
    await decide({ type: 't', customer_id: 'c1', flag: false, occurred_at: at });
    // The profile's table locked: the next decision takes its snapshot, then waits for the profile it had not sent.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE zy_entity_customer IN ACCESS EXCLUSIVE MODE');
    const held = decide({ type: 't', customer_id: 'c1', flag: true, occurred_at: at });
    const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zhiyu' AND wait_event_type = 'Lock' AND state = 'active'`;
    while ((await watcher.query(waiting)).rows[0].n < 1) await new Promise((r) => setImmediate(r));
    // Meanwhile an event is stored; then the held decision goes on, in its snapshot from before.
    await setup.write(schema, (w) => w.events(fields, [['t', 'c1', 0, NOW - 30_000]]));
    await admin.query('COMMIT');
    const before = await held;
    // At once (no task in between): its type's reads are now the window and the profile, sent as one statement.
    const after = await decide({ type: 't', customer_id: 'c1', flag: true, occurred_at: at });
    assert.is(before.aggregates[0]![3], 1, 'the held decision counts what its snapshot held');
    assert.is(after.aggregates[0]![3], 2, 'the next decision counts the event stored meanwhile');
    assert.ok(after.historySeq! > before.historySeq!, 'and its history goes further');
  } finally {
    await admin.end();
    await watcher.end();
    await store.close();
    await setup.close();
  }
});

// Reads of several rows no longer make a decision a transaction: once its event type's reads are learned, a decision
// whose reads include a window's values and a sequence's rows sends one statement and nothing else (no BEGIN, no read
// alone, no COMMIT), and decides and records what the lazy reads give.
test('a decision whose reads include several rows each sends one statement and nothing else', async () => {
  const { store, compiled: c } = await pgPackStore('together_rows', PACK, T('2026-03-01T00:00'), T('2026-04-01T00:00'));
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    sent.push(typeof config === 'string' ? config : String((config as { text?: unknown } | null)?.text));
    return (query as (...a: unknown[]) => unknown).call(this, config, ...rest);
  } as typeof query;
  try {
    await store.write(c.checked!.schema, async (w) => {
      await w.entity('customer', 'c1', ['std', 1000], NOW - D);
      await w.events(['type', 'customer_id', 'device_id', 'amount', 'ratio', 'occurred_at'], [
        ['t', 'c1', 'd1', 100, 0.1, NOW - 50 * 60_000], ['u', 'c1', 'd1', 200, 2.5, NOW - 40 * 60_000], ['t', 'c1', 'd2', 300, -1 / 3, NOW - 30 * 60_000],
      ]);
    });
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    const turn = () => new Promise((r) => setImmediate(r));
    const decide = async (event: Record<string, unknown>, ahead: boolean) => {
      let rec: RecordingProvider | undefined;
      const out = await provider.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, ahead ? event : undefined);
      // The held transaction's COMMIT (the first decision's) goes once the tasks queued now have run.
      await turn(); await turn();
      return { answer: [out.outcome, out.score, out.fired.map((f) => f.id)], snapshot: rec!.snapshot };
    };
    const at = new Date(NOW).toISOString();
    await decide({ type: 'u', customer_id: 'c1', device_id: 'd1', amount: 5, ratio: 1, occurred_at: at }, true);
    for (const device of ['d1', 'd2']) {
      const event = { type: 'u', customer_id: 'c1', device_id: device, amount: 7, ratio: 0.5, occurred_at: at };
      sent.length = 0;
      const ahead = await decide(event, true);
      const statements = [...sent];
      assert.is(statements.length, 1, statements.join('\n---\n'));
      assert.match(statements[0]!, /"zy:rows"/);
      assert.equal(ahead, await decide(event, false));
      assert.ok(ahead.snapshot.aggregates.length >= 3, 'the windows were read');
    }
  } finally {
    pg.Client.prototype.query = query;
    await store.close();
  }
});

test.run();
