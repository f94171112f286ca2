// Decisions of one read set whose one statements are written on a connection
// in the same turn go to the server as one execution (batch.ts): the
// statement's parameters as arrays, one element per decision, joined LATERAL
// to the reads, one row per decision. On property-generated histories, k = 1…8
// decisions started together (mixed keys, the same key twice, times apart,
// empty windows, NULL amounts and floats, events exactly on a window's edges and
// after the decision, months in different partitions, a device missing) each
// decide and record exactly what the same decision alone (each read its own
// statement) records, live and as of a past time and event. A batch handing a
// decision another's row makes decisions of other keys or times answer for
// each other, which the comparison catches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import pg from 'pg';
import { load } from '../runtime/engine.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { arrayLiteral } from '../runtime/store/postgres/batch.ts';
import { RowsQuery } from '../runtime/store/postgres/described.ts';
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
// Offsets from a decision's time: each window's edges exactly, a millisecond either side, and after the decision.
const EDGES = [0, -1, 1, -H, -H - 1, -H + 1, -10 * 60_000, -D, -D - 1, -D + 1, -7 * D, -7 * D - 1, -30 * D, -30 * D - 1, -30 * D + 1, H];
// Decisions' times: the same, a few minutes, an hour and a day apart, and back in February's partition.
const TIMES = [0, 0, -5 * 60_000, -H, -D, -12 * D];

const history = fc.record({
  events: fc.array(fc.record({
    type: fc.constantFrom('t', 'u'),
    customer: fc.integer({ min: 0, max: 3 }),
    device: fc.integer({ min: 0, max: 2 }),
    amount: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    ratio: fc.option(fc.constantFrom(0.1, 1 / 3, -2.5, 1e21, 5e-324, Infinity, -Infinity), { nil: null }),
    at: fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -43 * D, max: 2 * H })),
  }), { maxLength: 25 }),
  profiles: fc.array(fc.record({ segment: fc.constantFrom('vip', 'std'), cap: fc.integer({ min: 0, max: 3000 }), from: fc.constantFrom(-D, 0, 1, D) }), { minLength: 3, maxLength: 3 }),
  hasProfile: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  watched: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  // Customer 3 has no profile; a device of null leaves the event without one (another read set).
  decisions: fc.array(fc.record({
    customer: fc.integer({ min: 0, max: 3 }),
    device: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 6, nil: null }),
    amount: fc.integer({ min: 0, max: 5000 }),
    at: fc.constantFrom(...TIMES),
  }), { minLength: 1, maxLength: 8 }),
});

/** Counts the batches the server answered (RowsQuery executions) and the decisions in them; refused ones apart. */
function watchBatches(): { batches: number; decisions: number; failed: number; restore(): void } {
  const seen = { batches: 0, decisions: 0, failed: 0, restore: () => { pg.Client.prototype.query = query; } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    if (config instanceof RowsQuery) {
      const q = config as unknown as { callback: (err: Error | null) => void; gotRows: unknown[] };
      const cb = q.callback;
      q.callback = (err) => { if (err) seen.failed++; else { seen.batches++; seen.decisions += q.gotRows.length; } cb(err); };
    }
    return (query as (...a: unknown[]) => unknown).call(this, config, ...rest);
  } as typeof query;
  return seen;
}

test('k decisions in one execution answer what each alone answers (property-generated histories)', async () => {
  const watch = watchBatches();
  const { url, store: setup, compiled: c } = await pgPackStore('batch', PACK, T('2026-01-01T00:00'), T('2026-04-01T00:00'));
  // One connection for decisions: the decisions started together queue on it in one turn.
  const store = await PostgresStore.open(url, { max: 1 });
  try {
    const schema = c.checked!.schema;
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    let run = 0;
    let compared = 0;
    await fc.assert(fc.asyncProperty(history, async (h) => {
      const r = run++;
      const cust = (i: number) => `r${r}c${i}`;
      const dev = (i: number) => `r${r}d${i}`;
      await setup.write(schema, async (w) => {
        for (let i = 0; i < 3; i++) if (h.hasProfile[i]) await w.entity('customer', cust(i), [h.profiles[i]!.segment, h.profiles[i]!.cap], NOW + h.profiles[i]!.from);
        for (let i = 0; i < 3; i++) if (h.watched[i]) await w.listEntry('watched', dev(i), null, null, null);
        if (h.events.length) {
          await w.events(['type', 'customer_id', 'device_id', 'amount', 'ratio', 'occurred_at'],
            h.events.map((e) => [e.type, cust(e.customer), dev(e.device), e.amount, e.ratio, NOW + e.at]));
        }
      });
      const last = Number((await setup.pool.query('SELECT last_seq FROM zy_event_seq')).rows[0].last_seq);
      const views: [string, PostgresProvider][] = [['live', provider], ['as of', provider.asOf(NOW, last - Math.floor(h.events.length / 2))]];
      const events = h.decisions.map((d) => ({
        type: 't', customer_id: cust(d.customer), ...(d.device === null ? {} : { device_id: dev(d.device) }), amount: d.amount,
        occurred_at: new Date(NOW + d.at).toISOString(),
      }));
      for (const [name, view] of views) {
        const decide = async (event: Record<string, unknown>, ahead: boolean) => {
          let rec: RecordingProvider | undefined;
          const out = await view.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, ahead ? event : undefined);
          return { answer: [out.outcome, out.score, out.fired.map((f) => f.id)], snapshot: rec!.snapshot };
        };
        const alone: Awaited<ReturnType<typeof decide>>[] = [];
        for (const e of events) alone.push(await decide(e, false));
        // Twice together: the first may still learn the reads (and the batch form's types); the second is batched.
        for (let round = 0; round < 2; round++) {
          const together = await Promise.all(events.map((e) => decide(e, true)));
          together.forEach((got, i) => assert.equal(got, alone[i], `${name}, decision ${i} of ${events.length}: ${JSON.stringify(events[i])} over ${JSON.stringify(h)}`));
          compared += events.length;
        }
      }
    }), { numRuns: 40, seed: 20261208 });
    // Batches happened, with several decisions each, and the server refused none.
    assert.is(watch.failed, 0, 'batches refused');
    assert.ok(watch.batches >= 20, `${watch.batches} batches`);
    assert.ok(watch.decisions >= 3 * watch.batches / 2 && watch.decisions >= 100, `${watch.decisions} decisions in ${watch.batches} batches (${compared} compared)`);
  } finally {
    watch.restore();
    await store.close();
    await setup.close();
  }
});

test('array literals bind each element as pg binds the value alone', async () => {
  const { store } = await pgPackStore('batch_literal', PACK, T('2026-03-01T00:00'), T('2026-04-01T00:00'));
  try {
    const texts = ['', 'NULL', 'null', 'a,b', '{x}', 'quote " here', 'back\\slash', '\\"', ' spaced ', 'é', '😀', '\u{10FFFF}', 'x'.repeat(5000)];
    const got = (await store.pool.query({ text: 'SELECT $1::text[] AS t', values: [arrayLiteral([...texts, null, undefined])] })).rows[0].t;
    assert.equal(got, [...texts, null, null]);
    const nums = [0, -0, 1.5, -2.5e-300, 1e21, 9007199254740991, -8.64e15];
    const back = (await store.pool.query({ text: 'SELECT $1::float8[] AS f, $2::bigint[]::text[] AS b', values: [arrayLiteral(nums), arrayLiteral([9007199254740991, -8.64e15, 0])] })).rows[0];
    assert.equal(back.f, nums.map((n) => (Object.is(n, -0) ? 0 : n)));
    assert.equal(back.b, ['9007199254740991', '-8640000000000000', '0']);
  } finally {
    await store.close();
  }
});

test.run();
