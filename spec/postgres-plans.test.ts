// Decisions over PostgreSQL plan each statement once per connection (the
// decision pool runs with plan_cache_mode=force_generic_plan: a custom plan
// per read cost more server CPU than the read). A generic plan is made
// without the values, so the statements are written for it: every window's
// plan reads the pack's covering (key, time, …) index of each month, never
// the time-only index, which would read every event of the window.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../runtime/engine.ts';
import { togetherStmt } from '../runtime/store/postgres/together.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > review > allow
event { type: enum(t, u) required, customer_id: string, device_id: string, amount: money }
entity customer by customer_id { segment: string }
rule Burst when count(by customer_id, last 24h) >= 20 then review
rule Sum when sum(amount, by customer_id, today, where type == "t") > ¥1000 then hold
rule Device when distinct(customer_id, by device_id, last 30d) >= 3 then review
rule Latest when latest(amount, by customer_id, last 7d) > ¥5000 then review
`;
const DAY = 86_400_000;
const T = (s: string) => Date.parse(`${s}Z`);
const FROM = T('2026-01-01T00:00');

test('every window reads its covering index under a generic plan, and the statements are planned once', async () => {
  const { url, store: setup, compiled: c } = await pgPackStore('plans', PACK, FROM, T('2026-03-31T00:00'));
  const pack = c.checked!;
  // One connection for decisions, so its prepared statements (and how they were planned) can be read back.
  const store = await PostgresStore.open(url, { max: 1 });
  try {
    // Three months of events: 400 customers, 300 devices; enough rows for the planner to weigh the indexes.
    await setup.write(pack.schema, async (w) => {
      const rows: unknown[][] = [];
      for (let i = 0; i < 6000; i++) rows.push([i % 3 ? 't' : 'u', `c${i % 400}`, `d${(i * 7) % 300}`, 1000 + i, FROM + Math.floor((i * 90 * DAY) / 6000)]);
      for (let i = 0; i < rows.length; i += 1000) await w.events(['type', 'customer_id', 'device_id', 'amount', 'occurred_at'], rows.slice(i, i + 1000) as never);
      await w.entity('customer', 'c1', ['vip'], FROM);
    });
    await setup.ensureIndexes([pack]);
    await setup.pool.query('ANALYZE');
    const provider = store.provider(pack);
    assert.is((await provider.pool.query('SHOW plan_cache_mode')).rows[0].plan_cache_mode, 'force_generic_plan');

    // The indexes of the months, by name: which columns each leads with.
    const lead = new Map<string, string>();
    for (const r of (await setup.pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'zy_events_%'`)).rows) {
      lead.set(r.indexname, /USING btree \((\w+)/.exec(r.indexdef)![1]!);
    }
    const internals = provider as unknown as { plans: { main?: { text: string } }[] };
    for (const a of pack.aggregates) {
      const text = internals.plans[a.id]!.main!.text;
      const plan = (await provider.pool.query(`EXPLAIN (GENERIC_PLAN) ${text}`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      // The months that hold events are read through an index that leads with the window's key.
      const used = [...plan.matchAll(/Index (?:Only )?Scan(?: Backward)? using (\S+) on (zy_events_2026_0[123])\b/g)];
      assert.is(new Set(used.map((m) => m[2])).size, 3, `${a.text}: each month with events read through an index\n${plan}`);
      for (const [, index] of used) assert.is(lead.get(index!), a.by, `${a.text} reads ${index}, not its covering index\n${plan}`);
      assert.not.match(plan, /Bitmap|Seq Scan on zy_events_2026_0[123]\b/, `${a.text}: no month with events read whole\n${plan}`);
    }

    // The same windows as parts of a decision's one statement (together.ts), with the profile row: each
    // still reads its covering index of each month.
    const parts = [
      { s: (provider as unknown as { entityStmts: Map<string, { current: unknown }> }).entityStmts.get('customer')!.current, values: ['c1'] },
      ...pack.aggregates.filter((a) => a.fn !== 'latest').map((a) => ({ s: internals.plans[a.id]!.main, values: [0, 0, 0, 0, ...(a.filter ? ['t'] : [])] })),
    ];
    const one = togetherStmt(parts as unknown as Parameters<typeof togetherStmt>[0]);
    const plan = (await provider.pool.query(`EXPLAIN (GENERIC_PLAN) ${one.text}`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
    const used = [...plan.matchAll(/Index (?:Only )?Scan(?: Backward)? using (\S+) on (zy_events_2026_0[123])\b/g)];
    assert.is(used.length, 3 * 3, `the one statement reads each month with events through an index, per window\n${plan}`);
    for (const [, index] of used) assert.ok(['customer_id', 'device_id'].includes(lead.get(index!)!), `the one statement reads ${index}, not a covering index\n${plan}`);
    assert.not.match(plan, /Bitmap|Seq Scan on zy_events_2026_0[123]\b/, `the one statement: no month with events read whole\n${plan}`);

    // Decisions: each statement planned once (generic), none planned per value.
    const engine = load({ pack: c.optimized!, code: c.code! });
    for (let i = 0; i < 12; i++) {
      const e = { type: 't', customer_id: `c${i % 5}`, device_id: `d${i}`, amount: 500, occurred_at: new Date(T('2026-03-20T10:00') + i * 60_000).toISOString() };
      await provider.resolve((p) => engine.decide(e, p), e);
    }
    const prepared = (await provider.pool.query(`SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'zy_%'`)).rows;
    assert.ok(prepared.length >= 4, `the decisions' statements are prepared: ${JSON.stringify(prepared)}`);
    for (const s of prepared) {
      assert.is(Number(s.custom_plans), 0, `${s.name} planned per value: ${JSON.stringify(s)}`);
      assert.ok(Number(s.generic_plans) >= 1, `${s.name}: ${JSON.stringify(s)}`);
    }
  } finally {
    await store.close();
    await setup.close();
  }
});

test.run();
