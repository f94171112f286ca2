// A decision over PostgreSQL whose learned reads each return one row at most
// (a profile row, a list lookup, count/sum/distinct/max/time-since windows)
// sends them as one statement (provider.ts: the reads as joins of one row
// beside how far history goes). On property-generated histories — customers
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
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > review > allow
event { type: enum(t, u) required, customer_id: string, device_id: string, amount: money }
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
    at: fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -31 * D, max: 2 * H })),
  }), { maxLength: 25 }),
  // Customer 3 never has a profile; the others may, some only from after the decision's time.
  profiles: fc.array(fc.record({ segment: fc.constantFrom('vip', 'std'), cap: fc.integer({ min: 0, max: 3000 }), from: fc.constantFrom(-D, 0, 1, D) }), { minLength: 3, maxLength: 3 }),
  hasProfile: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  watched: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  decisions: fc.array(fc.record({ customer: fc.integer({ min: 0, max: 3 }), device: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }), amount: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 4 }),
});

/** Counts the one-statement reads the server answered and refused (a refused one falls back to reads alone, hiding it). */
function watchTogether(): { ok: number; failed: number; restore(): void } {
  const seen = { ok: 0, failed: 0, restore: () => { pg.Client.prototype.query = query; } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
    const text = (config as { text?: unknown } | null)?.text;
    if (typeof text === 'string' && text.includes('"zy:row"') && typeof values === 'function') {
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
          await w.events(['type', 'customer_id', 'device_id', 'amount', 'occurred_at'],
            h.events.map((e) => [e.type, cust(e.customer), dev(e.device), e.amount, NOW + e.at]));
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

test.run();
