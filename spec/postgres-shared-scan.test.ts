// Windows of one key sent as a part of a decision's one statement share one
// scan (together.ts, partsOf): the key's rows over the union of their
// ranges, each window's aggregates kept to its own rows by FILTER. On
// property-generated histories — empty windows, NULL amounts, events exactly
// on a window's edges and at the event's time, events in two monthly
// partitions, history bounds part-way — the shared form answers exactly
// what each window as a part of its own answers, for every aggregate that can
// share (count, sum, avg, min, max, distinct, time_since_last); reads of
// other keys, or whose ranges do not meet, stay parts of their own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type pg from 'pg';
import type { AggregateSpec } from '../compiler/ir.ts';
import { pending, type Ahead, type Stmt } from '../runtime/store/postgres/statements.ts';
import { partsOf, sendTogether, togetherStmt } from '../runtime/store/postgres/together.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes review > allow
event { type: enum(t, u) required, customer_id: string, device_id: string, amount: money }
rule A when count(by customer_id, last 1h) >= 2 then review
rule B when sum(amount, by customer_id, today, where type == "t") > ¥50 then review
rule C when avg(amount, by customer_id, last 24h) > ¥20 then review
rule D when min(amount, by customer_id, last 7d) < ¥1 then review
rule E when max(amount, by customer_id, last 30d, where type == "u") > ¥20 then review
rule F when distinct(device_id, by customer_id, last 30d) >= 2 then review
rule G when time_since_last(by customer_id, last 7d) < 10m then review
rule H when count(by device_id, last 24h) >= 2 then review
`;
const T = (s: string) => Date.parse(`${s}Z`);
// Two days into March: the 7- and 30-day windows reach into February's partition.
const NOW = T('2026-03-02T03:00');
const H = 3_600_000, D = 24 * H;
// The windows' edges exactly, a millisecond either side, the event's own time and after it.
const EDGES = [0, -1, 1, -H, -H - 1, -H + 1, -10 * 60_000, -3 * H, -3 * H - 1, -D, -D - 1, -D + 1, -7 * D, -7 * D - 1, -7 * D + 1, -30 * D, -30 * D - 1, -30 * D + 1, H];

const scenario = fc.record({
  events: fc.array(fc.record({
    type: fc.constantFrom('t', 'u'),
    customer: fc.integer({ min: 0, max: 2 }),
    device: fc.integer({ min: 0, max: 2 }),
    amount: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    at: fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -31 * D, max: 2 * H })),
  }), { maxLength: 30 }),
  // Each decision: its reads (which windows, in which order), each read's key and time; most share both.
  reads: fc.array(fc.array(fc.record({
    agg: fc.integer({ min: 0, max: 7 }),
    customer: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
    shift: fc.oneof(fc.constant(0), fc.constant(0), fc.constantFrom(-2 * H, -40 * D, 5 * D)),
  }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
  // The history bound: every event stored, or only the first part of this run's (a replay's view).
  bound: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
});

test('windows sharing a scan answer what each window alone answers (property-generated histories)', async () => {
  const { store, compiled: c } = await pgPackStore('shared_scan', PACK, T('2026-01-01T00:00'), T('2026-04-01T00:00'));
  const client = await store.pool.connect();
  try {
    const pack = c.checked!;
    const provider = store.provider(pack);
    type Plans = { plans: { main?: Stmt; params: readonly unknown[] }[]; base(spec: AggregateSpec, key: unknown, now: number): unknown[] };
    const aggs = [...pack.aggregates].sort((a, b) => a.text.localeCompare(b.text));
    assert.is(aggs.length, 8);
    let run = 0, shared = 0, alone = 0, compared = 0;
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const r = run++;
      const cust = (i: number) => `r${r}c${i}`;
      let seqs: number[] = [];
      await store.write(pack.schema, async (w) => {
        if (s.events.length) seqs = await w.events(['type', 'customer_id', 'device_id', 'amount', 'occurred_at'], s.events.map((e) => [e.type, cust(e.customer), `r${r}d${e.device}`, e.amount, NOW + e.at]));
      });
      const before = s.bound === null || !seqs.length ? Number.MAX_SAFE_INTEGER : (seqs[Math.min(s.bound, seqs.length - 1)] ?? 0);
      const view = provider.asOf(NOW, before) as unknown as Plans;
      for (const reads of s.reads) {
        // The same window with the same values is one read of a decision (provider.ts memoizes it): keep the first.
        const seen = new Set<string>();
        const ahead: Ahead[] = [];
        for (const x of reads) {
          const a = aggs[x.agg]!;
          const key = a.by === 'device_id' ? `r${r}d${x.customer % 3}` : cust(x.customer);
          const plan = (provider as unknown as Plans).plans[a.id]!;
          const values = [...view.base(a, key, NOW + x.shift), ...plan.params];
          const id = `${a.id} ${JSON.stringify(values)}`;
          if (seen.has(id)) continue;
          seen.add(id);
          ahead.push({ s: plan.main!, values, r: pending() });
        }
        const lead = partsOf(ahead);
        const apart = ahead.map((a) => ({ ...a, r: pending() }));
        const [one, each] = await Promise.all([
          sendTogether(client, togetherStmt(ahead, lead), ahead),
          sendTogether(client, togetherStmt(apart, apart.map((_, i) => i)), apart),
        ]);
        assert.is(one, each);
        const got = await Promise.all(ahead.map((a) => a.r.promise));
        const want = await Promise.all(apart.map((a) => a.r.promise));
        assert.equal(got.map((rows) => rows.map((x) => Object.values(x))), want.map((rows) => rows.map((x) => Object.values(x))), `${JSON.stringify(ahead.map((a) => [a.s.text, a.values]))} over ${JSON.stringify(s.events)}`);
        for (let i = 0; i < ahead.length; i++) {
          if (lead[i] !== i) {
            shared++;
            // Only a window of the same key column and value shares a scan.
            assert.is(ahead[i]!.values[0], ahead[lead[i]!]!.values[0]);
            assert.is(ahead[i]!.s.shared!.by, ahead[lead[i]!]!.s.shared!.by);
          } else if (!lead.some((l, k) => l === i && k !== i)) alone++;
        }
        compared++;
      }
    }), { numRuns: 60, seed: 20261208 });
    // Both forms were exercised: windows that shared a scan, and windows that stayed alone.
    assert.ok(shared >= 50, `${shared} windows shared a scan`);
    assert.ok(alone >= 20, `${alone} windows stayed alone`);
    assert.ok(compared >= 60, `${compared} comparisons`);
  } finally {
    client.release();
    await store.close();
  }
});

test('windows of different keys, or whose ranges do not meet, do not share a scan', () => {
  const s = (by: string): Stmt => ({ name: `n${by}`, text: 'x', one: true, shared: { from: 'e', by, time: 't', select: ['count(*)'], cond: 't >= $2 AND t <= $3' } });
  const read = (st: Stmt, values: unknown[]): Ahead => ({ s: st, values, r: pending() });
  const a = s('k'), b = s('j');
  // Same key column and value, ranges nested or touching: one part.
  assert.equal(partsOf([read(a, ['x', 0, 10, 5]), read(a, ['x', 5, 10, 5]), read(a, ['x', 10, 20, 5])]), [0, 0, 0]);
  // Another value, another column, a range apart, a read that cannot share: parts of their own.
  assert.equal(partsOf([read(a, ['x', 0, 10, 5]), read(a, ['y', 0, 10, 5]), read(b, ['x', 0, 10, 5]), read(a, ['x', 11, 20, 5]), read({ ...a, shared: undefined } as Stmt, ['x', 0, 10, 5])]), [0, 1, 2, 3, 4]);
  // A range that meets the union grown so far joins it.
  assert.equal(partsOf([read(a, ['x', 0, 10, 5]), read(a, ['x', 10, 30, 5]), read(a, ['x', 25, 40, 5])]), [0, 0, 0]);
});

test.run();
