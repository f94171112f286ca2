// Decisions over PostgreSQL fetch the reads their event type made before in
// the round trip that opens the snapshot (provider.ts). That changes when a
// read happens, never what a decision sees: a read fetched ahead that no rule
// reaches stays out of the logged snapshot, every answer is the lazy one,
// each decision reads its own snapshot (nothing carried over from the last),
// and an event whose key the server refuses still gets the engine's own
// input error, with the next decisions unaffected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../runtime/engine.ts';
import { InputError } from '../runtime/index.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import type { CompileResult } from '../compiler/index.ts';
import type { PostgresStore } from '../runtime/store/postgres/store.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > allow
event { type: enum(t) required, customer_id: string, n: integer, amount: money }
entity customer by customer_id { segment: string }
rule Big when event.amount > ¥100 and customer.segment == "vip" and count(by customer_id, last 1h) >= 2 then hold
rule Many when event.amount > ¥100 and count(by n, last 1h) >= 2 then hold
`;
const T = (s: string) => Date.parse(`${s}Z`);

/** Decides an event with its reads fetched ahead or lazily: the answer and the logged snapshot (its bound left out). */
function decider(store: PostgresStore, c: CompileResult) {
  const engine = load({ pack: c.optimized!, code: c.code! });
  const provider = store.provider(c.checked!);
  const decide = async (event: Record<string, unknown>, ahead: boolean) => {
    let recorder: RecordingProvider | undefined;
    const d = await provider.resolve((p) => { recorder = new RecordingProvider(p); return engine.decide(event, recorder); }, ahead ? event : undefined);
    return { answer: [d.outcome, d.score, d.fired.map((f) => f.id)], snapshot: { ...recorder!.snapshot, historySeq: undefined } };
  };
  return Object.assign(decide, { engine, provider });
}

test('reads fetched ahead change nothing a decision sees: answers, logged snapshots, fresh data, a refused key', async () => {
  const { store, compiled: c } = await pgPackStore('prefetch', PACK, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  try {
    const schema = c.checked!.schema;
    await store.write(schema, async (w) => {
      await w.entity('customer', 'c1', ['vip'], T('2026-01-01T00:00'));
      await w.entity('customer', 'c2', ['regular'], T('2026-01-01T00:00'));
      await w.events(['type', 'customer_id', 'n', 'amount', 'occurred_at'], [['t', 'c1', 7, 500, T('2026-03-01T09:30')], ['t', 'c2', 7, 500, T('2026-03-01T09:40')]]);
    });
    const decide = decider(store, c);
    const { engine, provider } = decide;
    const both = async (event: Record<string, unknown>) => {
      const lazy = await decide(event, false);
      const ahead = await decide(event, true);
      assert.equal(ahead, lazy, `ahead and lazy agree on ${JSON.stringify(event)}`);
      return ahead;
    };
    const at = '2026-03-01T10:00:00Z';
    // The first of its type: nothing learned yet; it reads the customer and both windows.
    const big = await both({ type: 't', customer_id: 'c1', n: 7, amount: 50000, occurred_at: at });
    assert.equal(big.answer[2], ['Many']);
    assert.is(big.snapshot.entities.length, 1);
    assert.is(big.snapshot.aggregates.length, 2);
    // A small amount reaches no read: the customer and windows fetched ahead are not in its snapshot.
    const small = await both({ type: 't', customer_id: 'c2', n: 7, amount: 5000, occurred_at: at });
    assert.equal(small.answer, ['allow', 0, []]);
    assert.equal([small.snapshot.entities, small.snapshot.aggregates], [[], []]);
    // Data stored between two decisions is seen by the second: nothing carries over.
    await store.write(schema, (w) => w.events(['type', 'customer_id', 'n', 'amount', 'occurred_at'], [['t', 'c1', 8, 500, T('2026-03-01T09:50')]]));
    const after = await both({ type: 't', customer_id: 'c1', n: 7, amount: 50000, occurred_at: at });
    assert.equal(after.answer[2], ['Big', 'Many']);
    // A key the server refuses (n is a bigint column): the engine's own input error, as without reads ahead.
    const refused = await provider.resolve((p) => engine.decide({ type: 't', customer_id: 'c1', n: 'seven', amount: 50000, occurred_at: at }, p), { type: 't', customer_id: 'c1', n: 'seven', amount: 50000, occurred_at: at })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof InputError, String(refused));
    const again = await both({ type: 't', customer_id: 'c1', n: 7, amount: 50000, occurred_at: at });
    assert.equal(again, after);
  } finally {
    await store.close();
  }
});

// An event type whose reads are known decides in one self-contained transaction (BEGIN, reads, COMMIT sent together).
// A decision that reaches a read its type never made, or one whose key no event field holds, is made again in a
// transaction held open: the answers stay the lazy ones.
const PACK2 = `pack p
outcomes hold > allow
event { type: enum(t) required, customer_id: string, device_id: string, flag: bool, amount: money }
entity customer by customer_id { segment: string, referrer: string }
list bad_referrers: string external "Referrers under investigation"
rule Vip when customer.segment == "vip" and count(by customer_id, last 1h) >= 1 then hold
rule Device when event.flag and count(by device_id, last 1h) >= 2 then hold
rule Referred when event.amount > ¥900 and customer.referrer in bad_referrers then hold
`;

test('a decision lacking a read in its self-contained transaction is made again, with the lazy answer', async () => {
  const { store, compiled: c } = await pgPackStore('prefetch_lacking', PACK2, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  try {
    const schema = c.checked!.schema;
    await store.write(schema, async (w) => {
      await w.entity('customer', 'c1', ['vip', 'r1'], T('2026-01-01T00:00'));
      await w.entity('customer', 'c2', ['regular', 'r2'], T('2026-01-01T00:00'));
      await w.listEntry('bad_referrers', 'r1', null, null, null);
      await w.events(['type', 'customer_id', 'device_id', 'flag', 'amount', 'occurred_at'], [
        ['t', 'c1', 'd1', 0, 500, T('2026-03-01T09:30')], ['t', 'c2', 'd1', 0, 500, T('2026-03-01T09:40')]]);
    });
    const decide = decider(store, c);
    const at = '2026-03-01T10:00:00Z';
    const cases = [
      { customer_id: 'c1', device_id: 'd1', flag: false, amount: 1 }, // learns the customer and its window
      { customer_id: 'c2', device_id: 'd1', flag: false, amount: 1 }, // self-contained
      { customer_id: 'c2', device_id: 'd1', flag: true, amount: 1 }, // the device window: never read before
      { customer_id: 'c1', device_id: 'd1', flag: true, amount: 1 }, // now known: self-contained
      { customer_id: 'c1', device_id: 'd1', flag: false, amount: 500000 }, // the list, asked with a profile field: never learnable
      { customer_id: 'c2', device_id: 'd2', flag: true, amount: 500000 },
      { customer_id: 'c1', device_id: 'd2', flag: true, amount: 500000 },
    ];
    const answers: unknown[] = [];
    for (const x of cases) {
      const event = { type: 't', ...x, occurred_at: at };
      const lazy = await decide(event, false);
      const ahead = await decide(event, true);
      assert.equal(ahead, lazy, `ahead and lazy agree on ${JSON.stringify(event)}`);
      answers.push(ahead.answer[2]);
      // Data stored between decisions is seen by the next, whichever way it decides.
      await store.write(schema, (w) => w.events(['type', 'customer_id', 'device_id', 'flag', 'amount', 'occurred_at'], [['t', 'c9', 'd2', 0, 1, T('2026-03-01T09:50')]]));
    }
    assert.equal(answers, [['Vip'], [], ['Device'], ['Vip', 'Device'], ['Vip', 'Referred'], ['Device'], ['Vip', 'Device', 'Referred']]);
  } finally {
    await store.close();
  }
});

test.run();
