// The PostgreSQL import on a real server: events of months that have no
// partition yet are loaded as tables of their own and attached with every
// index of the history; months that have one get the rows in place; either
// way one file is one transaction (a bad row after rows were already sent
// leaves nothing: no rows, no partition, no table), zy_seq follows the file,
// the aggregates read the new rows, and decisions keep being answered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { aggregateOver, type HistoryEvent } from '../runtime/index.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { importFilePg } from '../runtime/store/postgres/ingest.ts';
import { partitions } from '../runtime/store/postgres/schema.ts';
import { pgServer } from './pg-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-import-'));
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

const PACK = `pack p
outcomes hold > allow
event { type: enum(pay, login) required, k: string, device: string, amount: money }
rule Many when count(by k, last 30d) > 3 then hold
rule Devices when distinct(k, by device, last 30d) > 2 then hold
`;

const MONTH = (y: number, m: number, day = 1, s = 0) => Date.UTC(y, m, day) + s * 1000;

/** Rows over January and February 2019 (no partitions) and a month the store has (one of its partitions ahead of now). */
function rowsFor(ahead: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    type: i % 3 ? 'pay' : 'login', k: `k${i % 97}`, device: `d${i % 13}`, amount: (i % 500) * 100,
    // Not in time order: each month's rows are spread through the file.
    occurred_at: i % 3 === 0 ? MONTH(2019, 0, 1, i) : i % 3 === 1 ? MONTH(2019, 1, 1, i) : ahead + i * 1000,
  }));
}

const write = (name: string, rows: readonly unknown[], tail = '') => {
  const f = join(dir, name);
  writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n${tail}`);
  return f;
};

test('events into new and existing months: attached partitions with every index, rows in file order, all-or-nothing', async () => {
  const store = await PostgresStore.open(await (await pgServer()).database('import'), { create: true });
  try {
    const c = compile([{ path: 'p.zy', text: PACK }]);
    assert.ok(c.ok, c.diagnostics.map((d) => d.message).join('; '));
    const schema = c.checked!.schema;
    await store.migrate(schema);
    await store.ensureIndexes([c.checked!]);
    await store.partitionsFor(Date.now(), Date.now());
    const before = await partitions(store.pool);
    const ahead = before[before.length - 1]!.from;
    const q = async (sql: string) => (await store.pool.query(sql)).rows;
    const tables = async () => (await q(`SELECT relname FROM pg_class WHERE relkind = 'r' AND (relname LIKE 'zy_import%' OR relname LIKE 'zy_events_2019%') ORDER BY 1`)).map((r) => r.relname as string);

    // A bad row after more than one COPY chunk was sent (≈ 256 KB) and after both new months were begun.
    const rows = rowsFor(ahead, 9000);
    const bad = write('bad-events.jsonl', rows, `{"type":"pay","k":"x","occurred_at":"yesterday-ish"}\n`);
    const refused = await importFilePg(store, schema, bad, { into: 'events' }).then(() => undefined, (e: Error & { code?: string; line?: number }) => e);
    assert.is(refused?.code, 'ZY7005');
    assert.match(refused!.message, /bad-events\.jsonl:9001/);
    assert.equal(await q('SELECT count(*)::int AS n FROM zy_events'), [{ n: 0 }]);
    assert.equal(await tables(), [], 'no partition and no loading table is left');
    assert.equal(await q('SELECT last_seq::int AS n FROM zy_event_seq'), [{ n: 0 }]);

    // The good file, while reads of the history go on.
    const good = write('events.jsonl', rows);
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) { await store.pool.query(`SELECT count(*) FROM zy_events WHERE k = 'k1'`); reads++; }
    })();
    const r = await importFilePg(store, schema, good);
    reading = false;
    await reader;
    assert.is(r.rows, 9000);
    assert.ok(reads > 0);
    assert.equal(await tables(), ['zy_events_2019_01', 'zy_events_2019_02']);
    const now = await partitions(store.pool);
    for (const name of ['zy_events_2019_01', 'zy_events_2019_02']) assert.ok(now.some((p) => p.name === name), name);
    // Each new partition holds its own copy of every index of the history, attached to the parent's.
    const parentIx = (await q(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'zy_events'::regclass`))[0].n as number;
    assert.ok(parentIx >= 4, `${parentIx} indexes`);
    for (const name of ['zy_events_2019_01', 'zy_events_2019_02', before[before.length - 1]!.name]) {
      const attached = (await q(`SELECT count(*)::int AS n FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid WHERE i.indrelid = '${name}'::regclass`))[0].n;
      assert.is(attached, parentIx, `${name}: every index attached`);
      const named = (await q(`SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '${name}'::regclass`)).map((x) => x.relname as string);
      assert.ok(named.every((x) => x.startsWith(name)), named.join());
      const checks = (await q(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = '${name}'::regclass AND contype = 'c'`))[0].n;
      assert.is(checks, 0, `${name}: no loading constraint left`);
    }
    // zy_seq follows the file, whichever table a row went to.
    const stored = await q(`SELECT zy_seq::int AS seq, occurred_at::bigint AS t, k, amount::int AS amount FROM zy_events ORDER BY zy_seq`);
    assert.is(stored.length, 9000);
    stored.forEach((s, i) => {
      assert.is(s.seq, i + 1);
      assert.is(Number(s.t), rows[i]!['occurred_at']);
      assert.is(s.k, rows[i]!['k']);
    });
    assert.equal(await q('SELECT last_seq::int AS n FROM zy_event_seq'), [{ n: 9000 }]);
    // The aggregates read the loaded months through the provider, as decisions do.
    const provider = store.provider(c.checked!);
    const spec = c.checked!.aggregates.find((a) => a.text.startsWith('count'))!;
    const at = MONTH(2019, 1, 1, 9000);
    const query = { spec, key: 'k5', now: at };
    const want = aggregateOver(rows as unknown as HistoryEvent[], query);
    assert.ok((want as number) > 0);
    assert.is(await provider.resolve((rd) => rd.aggregate(query)), want);

    // A second file into the same months: now all existing partitions, rows appended after the first file's.
    const r2 = await importFilePg(store, schema, write('events-2.jsonl', rowsFor(ahead, 300)));
    assert.is(r2.rows, 300);
    assert.equal(await q('SELECT count(*)::int AS n, max(zy_seq)::int AS m FROM zy_events'), [{ n: 9300, m: 9300 }]);
    assert.equal(await tables(), ['zy_events_2019_01', 'zy_events_2019_02']);
  } finally {
    await store.close();
  }
});

test.run();
