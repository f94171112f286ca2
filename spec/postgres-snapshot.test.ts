// All reads of one decision over PostgreSQL see one consistent state
// (provider.ts: one statement holding every read fetched ahead beside the
// snapshot's last event number, or one REPEATABLE READ transaction opened by
// one message with that number). Writers append a customer's events and set
// that customer's profile to how many events they have, in one transaction,
// while decisions read the profile and a window over the same events: in
// every decision the profile, the window and the logged history bound agree
// with a brute-force count of the stored events up to that bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../runtime/engine.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { pgPackStore } from './pg-server.ts';

const PACK = `pack p
outcomes hold > allow
event { type: enum(t, q) required, customer_id: string }
entity customer by customer_id { n: integer }
rule Seen when customer.n >= 0 and count(by customer_id, last 30d, where type == "t") >= 0 then hold
`;
const T = (s: string) => Date.parse(`${s}Z`);
const CUSTOMERS = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];

test('decisions during concurrent appends: profile, window and history bound are one state', async () => {
  const { store, compiled: c } = await pgPackStore('snapshot_consistency', PACK, T('2026-03-01T00:00'), T('2026-03-02T00:00'));
  try {
    const schema = c.checked!.schema;
    const fields = ['type', 'customer_id', 'occurred_at'];
    await store.write(schema, async (w) => { for (const id of CUSTOMERS) await w.entity('customer', id, [0], T('2026-01-01T00:00')); });
    const engine = load({ pack: c.optimized!, code: c.code! });
    const provider = store.provider(c.checked!);
    let writing = 2;
    // Two writers (each its own customers, so each knows their counts), appending 1–4 events per transaction.
    const writer = async (mine: string[]) => {
      const n = new Map(mine.map((id) => [id, 0]));
      for (let i = 0; i < 120; i++) {
        const id = mine[i % mine.length]!;
        const k = 1 + (i % 4);
        n.set(id, n.get(id)! + k);
        await store.write(schema, async (w) => {
          await w.events(fields, Array.from({ length: k }, (_, j) => ['t', id, T('2026-03-01T09:00') + i * 1000 + j]));
          await w.entity('customer', id, [n.get(id)!], T('2026-01-01T00:00'));
        });
      }
      writing--;
    };
    type Seen = { id: string; n: number; count: number; seq: number };
    const seen: Seen[] = [];
    const decider = async (w: number) => {
      for (let i = 0; writing > 0 || i < 5; i++) {
        const id = CUSTOMERS[(i + w) % CUSTOMERS.length]!;
        const event = { type: 'q', customer_id: id, occurred_at: '2026-03-01T10:00:00Z' };
        let rec: RecordingProvider | undefined;
        // Half with the reads fetched ahead in the opening round trip, half lazy.
        await provider.resolve((p) => { rec = new RecordingProvider(p); return engine.decide(event, rec); }, w % 2 ? event : undefined);
        const s = rec!.snapshot;
        assert.is(s.entities.length, 1);
        assert.is(s.aggregates.length, 1);
        seen.push({ id, n: Number((s.entities[0]![2] as { n: number }).n), count: Number(s.aggregates[0]![3]), seq: s.historySeq! });
      }
    };
    await Promise.all([writer(['a1', 'a2', 'a3']), writer(['b1', 'b2', 'b3']), decider(0), decider(1), decider(2), decider(3)]);
    // Brute force: each customer's stored events, by number.
    const rows = (await store.pool.query(`SELECT customer_id, zy_seq FROM zy_events ORDER BY zy_seq`)).rows as { customer_id: string; zy_seq: number }[];
    const upTo = (id: string, seq: number) => rows.filter((r) => r.customer_id === id && Number(r.zy_seq) <= seq).length;
    for (const s of seen) {
      const want = upTo(s.id, s.seq);
      assert.equal({ profile: s.n, window: s.count }, { profile: want, window: want }, `${s.id} as of event ${s.seq}`);
    }
    assert.ok(new Set(seen.map((s) => s.seq)).size > 1, 'decisions were made while events were appended');
    assert.is(rows.length, 2 * 300, "every append stored");
  } finally {
    await store.close();
  }
});

test.run();
