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
import { importFilePg, indexesFor } from '../runtime/store/postgres/ingest.ts';
import { partitions } from '../runtime/store/postgres/schema.ts';
import { pgServer } from './pg-server.ts';
import { BIN } from './cli-run.ts';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { importFile, migrate as migrateSqlite, openStore } from '../runtime/store/sqlite/index.ts';

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
      assert.equal(await q(`SELECT reloptions FROM pg_class WHERE oid = '${name}'::regclass`), [{ reloptions: null }], `${name}: autovacuum as the server sets it`);
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

// Every type a pack can declare, in the columns the binary COPY writes.
const TYPES_PACK = `pack t
outcomes hold > allow
event {
  type: enum(pay, login) required
  s: string
  n: number
  i: integer
  m: money
  d: duration
  at: timestamp
  ok: bool
  tags: set<string>
  codes: set<integer>
}
rule R when event.type == "pay" then hold
`;

const LONG = `${'x'.repeat(70)}\t${'界'.repeat(40)}😀`;
const STRINGS = ['', 'plain', 'tab\there', 'line\nbreak\r\nwindows', 'back\\slash\\N', '\\N', '银行卡 转账', 'emoji 😀 pair', 'quote " and \' and ,', LONG, 'x'.repeat(200), 'é'];

function typedRows(months: readonly number[], n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const r: Record<string, unknown> = { type: i % 4 === 1 ? 'login' : 'pay', occurred_at: months[i % months.length]! + i * 1000 };
    // Every third row leaves the optional fields out: nulls in every column.
    if (i % 3 === 2) return r;
    const sign = i % 2 ? -1 : 1;
    return {
      ...r, s: STRINGS[Math.floor(i / 3) % STRINGS.length], n: [0.1, -0, 1e300, -2.5e-300, 42, sign * i / 7][i % 6], i: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 2 ** 32, -(2 ** 32) - 1, sign * i][i % 7],
      m: sign * i * 100, d: i * 1000, at: ['0001-01-01T00:00:00Z', -1, 0, 253402300799000, '2024-02-29T12:00:00+08:00', -(2 ** 40) + i][i % 6], ok: i % 2 === 0,
      tags: i % 5 ? ['a\tb', '中', 'x\\y'] : [], codes: [i, -i],
    };
  });
}

/** Every column of every event row, in zy_seq order, as text (the same on both backends for these columns). */
const pgRows = async (store: PostgresStore) => (await store.pool.query(
  `SELECT zy_seq, occurred_at, type, s, n, i, m, d, at, ok, tags, codes FROM zy_events ORDER BY zy_seq`)).rows.map((r) => Object.values(r).map((v) => (v === null ? null : typeof v === 'number' ? Object.is(v, -0) ? '-0' : String(v) : String(v))));

test('binary COPY: every column type round-trips (money, timestamps, doubles, bools, sets, nulls, enums, escapes, unicode), equal to SQLite', async () => {
  const store = await PostgresStore.open(await (await pgServer()).database('import_types'), { create: true });
  try {
    const c = compile([{ path: 't.zy', text: TYPES_PACK }]);
    assert.ok(c.ok, c.diagnostics.map((d) => d.message).join('; '));
    const schema = c.checked!.schema;
    await store.migrate(schema);
    // One month with no partition, one with an empty partition (swapped in), one with rows (copied into it).
    await store.partitionsFor(MONTH(2020, 5), MONTH(2020, 6));
    await store.pool.query(`INSERT INTO zy_events (zy_seq, occurred_at, type) VALUES (1, ${MONTH(2020, 6, 20)}, 'pay')`);
    await store.pool.query(`UPDATE zy_event_seq SET last_seq = 1`);
    const rows = typedRows([MONTH(1969, 11), MONTH(2020, 5), MONTH(2020, 6)], 3000);
    const file = write('events-typed.jsonl', rows);
    assert.is((await importFilePg(store, schema, file)).rows, 3000);

    const db = openStore(join(dir, 'typed.db'), { create: true });
    try {
      migrateSqlite(db, schema);
      db.prepare(`INSERT INTO zy_events (zy_seq, occurred_at, type) VALUES (1, ${MONTH(2020, 6, 20)}, 'pay')`).run();
      await importFile(db, schema, file);
      const want = (db.prepare(`SELECT zy_seq, occurred_at, type, s, n, i, m, d, at, ok, tags, codes FROM zy_events ORDER BY zy_seq`).raw().all() as unknown[][])
        .map((r) => r.map((v) => (v === null ? null : Object.is(v, -0) ? '-0' : String(v))));
      const got = await pgRows(store);
      assert.is(got.length, 3001);
      // SQLite keeps -0 as 0; PostgreSQL keeps the sign. Everything else is the same text.
      got.forEach((g, k) => assert.equal(g.map((v, j) => (v === '-0' && want[k]![j] === '0' ? '0' : v)), want[k], `row ${k + 1}`));
    } finally { db.close(); }
    // The strings came back byte for byte, tabs, backslashes and all.
    const texts = (await store.pool.query(`SELECT DISTINCT s FROM zy_events WHERE s IS NOT NULL`)).rows.map((r) => r.s as string).sort();
    assert.equal(texts, [...new Set(STRINGS)].sort());
    const parts = (await partitions(store.pool)).map((p) => p.name);
    assert.ok(parts.includes('zy_events_1969_12') && parts.includes('zy_events_2020_06') && parts.includes('zy_events_2020_07'), parts.join());
  } finally {
    await store.close();
  }
});

/** A fresh database with PACK's tables and covering indexes. */
async function packStore(name: string) {
  const store = await PostgresStore.open(await (await pgServer()).database(name), { create: true });
  const c = compile([{ path: 'p.zy', text: PACK }]);
  assert.ok(c.ok);
  await store.migrate(c.checked!.schema);
  await store.ensureIndexes([c.checked!]);
  const q = async (sql: string) => (await store.pool.query(sql)).rows;
  /** How many of the history's indexes the partition `name` has attached, and how many the history has. */
  const indexes = async (part: string) => [(await q(`SELECT count(*)::int AS n FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid WHERE i.indrelid = '${part}'::regclass`))[0].n,
    (await q(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'zy_events'::regclass`))[0].n];
  return { store, c, schema: c.checked!.schema, q, indexes };
}

// Covering indexes over one long key: names the server would choose differ only past its 63 bytes.
const LONG_KEY_PACK = `pack p
outcomes hold > allow
event { type: enum(pay, login) required, customer_identifier_of_the_account_holder: string, amount: money, fee: money, device: string }
rule A when sum(amount, by customer_identifier_of_the_account_holder, last 30d) > ¥100 then hold
rule B when sum(fee, by customer_identifier_of_the_account_holder, last 30d) > ¥100 then hold
rule C when distinct(device, by customer_identifier_of_the_account_holder, last 30d) > 3 then hold
`;

// The server picks a free name for an unnamed index, but two builds on two connections can pick the same
// one in the same instant (the later fails on the catalog's unique name index, which failed a CI run);
// that instant cannot be forced in a test, so this checks what rules it out: every name is ours and distinct.
test("a month's own indexes are named by the import, each apart, within the server's 63 bytes", async () => {
  const store = await PostgresStore.open(await (await pgServer()).database('import_names'), { create: true });
  const c = compile([{ path: 'p.zy', text: LONG_KEY_PACK }]);
  assert.ok(c.ok, c.diagnostics.map((d) => d.message).join('; '));
  await store.migrate(c.checked!.schema);
  await store.ensureIndexes([c.checked!]);
  const a = await store.pool.connect();
  try {
    const table = 'zy_import_4194304_1743465600000';
    await a.query(`CREATE TABLE ${table} (LIKE zy_events)`);
    const sql = (await indexesFor(a))(table);
    const names = sql.map((s) => /^CREATE (?:UNIQUE )?INDEX "([^"]+)" ON /.exec(s)?.[1]);
    assert.ok(names.length >= 5 && names.every((n) => n && Buffer.byteLength(n) <= 63), sql.join('\n'));
    assert.is(new Set(names).size, names.length);
    for (const s of sql) await a.query(s);
    const made = (await a.query(`SELECT indexrelid::regclass::text AS n FROM pg_index WHERE indrelid = '${table}'::regclass ORDER BY 1`)).rows.map((r) => r.n);
    assert.equal(made, [...names].sort());
  } finally {
    a.release();
    await store.close();
  }
});

test('existing months: a bad row mid-file leaves their rows, partitions and indexes as they were; an empty partition whose lock is held gets the rows inserted', async () => {
  const { store, c, schema, q, indexes } = await packStore('import_existing');
  try {
    await store.partitionsFor(MONTH(2021, 0), MONTH(2021, 2));
    const state = async () => ({
      rows: await q(`SELECT tableoid::regclass::text AS part, count(*)::int AS n, max(zy_seq)::int AS m FROM zy_events GROUP BY 1 ORDER BY 1`),
      tables: (await q(`SELECT c.oid::int AS oid, c.relname FROM pg_class c WHERE c.relname LIKE 'zy_events_2021%' OR c.relname LIKE 'zy_import%' ORDER BY 2`)),
      seq: await q('SELECT last_seq::int AS n FROM zy_event_seq'),
    });
    const feb = (n: number, off = 0) => Array.from({ length: n }, (_, i) => ({ type: 'pay', k: `k${i % 50}`, device: `d${i % 7}`, amount: i, occurred_at: MONTH(2021, 1, 1, i + off) }));
    // February has rows; January and March are empty partitions.
    await importFilePg(store, schema, write('events-feb.jsonl', feb(500)));
    const before = await state();
    assert.equal(before.rows, [{ part: 'zy_events_2021_02', n: 500, m: 500 }]);

    // More than one COPY chunk into February, January and March begun, then a bad row.
    const big = [...feb(6000, 1000), ...Array.from({ length: 3000 }, (_, i) => ({ type: 'login', k: `k${i}`, occurred_at: MONTH(2021, i % 2 ? 0 : 2, 2, i) }))];
    const bad = write('events-bad.jsonl', big, `{"type":"pay","k":"x","amount":1.5,"occurred_at":${MONTH(2021, 1, 3)}}\n`);
    const refused = await importFilePg(store, schema, bad).then(() => undefined, (e: Error & { code?: string }) => e);
    assert.is(refused?.code, 'ZY7005');
    assert.match(refused!.message, /events-bad\.jsonl:9001/);
    assert.equal(await state(), before, 'rows, partitions (the same tables) and the numbering as before');

    // A reader holds its lock on the history: January's empty partition cannot be swapped, so the rows go into it.
    const reader = await store.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM zy_events');
      const jan = Array.from({ length: 400 }, (_, i) => ({ type: 'pay', k: `k${i % 9}`, device: 'd', amount: 1, occurred_at: MONTH(2021, 0, 5, i) }));
      assert.is((await importFilePg(store, schema, write('events-jan.jsonl', jan))).rows, 400);
      await reader.query('COMMIT');
    } finally { reader.release(); }
    const after = await state();
    assert.equal(after.rows, [{ part: 'zy_events_2021_01', n: 400, m: 900 }, { part: 'zy_events_2021_02', n: 500, m: 500 }]);
    assert.equal(after.tables, before.tables, 'the same partitions, no loading table left');
    const provider = store.provider(c.checked!);
    const spec = c.checked!.aggregates.find((a) => a.text.startsWith('count'))!;
    assert.is(await provider.resolve((rd) => rd.aggregate({ spec, key: 'k3', now: MONTH(2021, 0, 6) })), 45);

    // With no reader, March's empty partition is replaced by the loaded table, with every index.
    const mar = Array.from({ length: 300 }, (_, i) => ({ type: 'pay', k: 'k1', device: `d${i}`, amount: 1, occurred_at: MONTH(2021, 2, 5, i) }));
    await importFilePg(store, schema, write('events-mar.jsonl', mar));
    const last = await state();
    const oid = (s: typeof last, name: string) => s.tables.find((t) => t.relname === name)?.oid;
    assert.ok(oid(last, 'zy_events_2021_03') !== oid(before, 'zy_events_2021_03'), 'swapped');
    assert.is(last.tables.filter((t) => String(t.relname).startsWith('zy_import')).length, 0);
    const [attached, all] = await indexes('zy_events_2021_03');
    assert.is(attached, all);
    assert.is(await provider.resolve((rd) => rd.aggregate({ spec, key: 'k1', now: MONTH(2021, 2, 6) })), 300);
  } finally {
    await store.close();
  }
});

test('a file in time order: a month left behind is indexed while the next is read; its late rows still arrive, every index attached', async () => {
  const { store, c, schema, q, indexes } = await packStore('import_sorted');
  try {
    // 60,000 rows of March 2022 (more than are indexed early), then April, then late March rows.
    const ev = (month: number, i: number, k: string) => ({ type: 'pay', k, device: `d${i % 5}`, amount: i, occurred_at: MONTH(2022, month, 1, i * 30) });
    const rows = [
      ...Array.from({ length: 60_000 }, (_, i) => ev(2, i, `k${i % 40}`)),
      ...Array.from({ length: 2000 }, (_, i) => ev(3, i, `k${i % 40}`)),
      ...Array.from({ length: 500 }, (_, i) => ev(2, 60_000 + i, 'late')),
    ];
    assert.is((await importFilePg(store, schema, write('events-sorted.jsonl', rows))).rows, 62_500);
    assert.equal(await q(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM zy_events GROUP BY 1 ORDER BY 1`), [{ part: 'zy_events_2022_03', n: 60_500 }, { part: 'zy_events_2022_04', n: 2000 }]);
    for (const name of ['zy_events_2022_03', 'zy_events_2022_04']) {
      const [attached, all] = await indexes(name);
      assert.is(attached, all, name);
    }
    // The late rows are found through the indexes (as decisions read them), numbered after April's.
    await store.pool.query('ANALYZE zy_events');
    const provider = store.provider(c.checked!);
    const spec = c.checked!.aggregates.find((a) => a.text.startsWith('count'))!;
    assert.is(await provider.resolve((rd) => rd.aggregate({ spec, key: 'late', now: MONTH(2022, 3, 1) })), 500);
    assert.equal(await q(`SELECT min(zy_seq)::int AS a, max(zy_seq)::int AS b FROM zy_events WHERE k = 'late'`), [{ a: 62_001, b: 62_500 }]);
  } finally {
    await store.close();
  }
});

test("months' own tables: committed outside the history, never read by it; an import killed before attaching leaves them for the next import (or db maintain) to drop", async () => {
  const { store, schema, q } = await packStore('import_crash');
  const blocker = new pg.Client(store.url);
  await blocker.connect();
  try {
    const staged = async () => (await q(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'zy_import%' ORDER BY 1`)).map((r) => r.relname as string);
    const rows = rowsFor(MONTH(2019, 5), 3000).map((r, i) => ({ ...r, occurred_at: i % 2 ? MONTH(2019, 3, 1, i) : MONTH(2019, 4, 1, i) }));
    const file = write('events-crash.jsonl', rows);
    // The import stops before its attach: it waits for the lock this transaction holds.
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE zy_events IN SHARE UPDATE EXCLUSIVE MODE');
    const child = spawn(process.execPath, [BIN, 'db', 'import', store.url, file, '--into', 'events'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const waiting = async () => (await q(`SELECT pid FROM pg_locks WHERE relation = 'zy_events'::regclass AND NOT granted`)).map((r) => r.pid as number);
    while ((await waiting()).length === 0) await blocker.query('SELECT pg_sleep(0.05)');
    const [importer] = await waiting();
    // Both months are loaded and indexed in tables of their own, committed, named after the import's server process.
    const loaded = await staged();
    assert.equal(loaded, [`zy_import_${importer}_${MONTH(2019, 3)}`, `zy_import_${importer}_${MONTH(2019, 4)}`]);
    assert.equal(await q(`SELECT (SELECT count(*) FROM ${loaded[0]})::int + (SELECT count(*) FROM ${loaded[1]})::int AS n`), [{ n: 3000 }]);
    for (const t of loaded) assert.is((await q(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = '${t}'::regclass`))[0].n, (await q(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'zy_events'::regclass`))[0].n);
    // Readers of the history see none of it.
    assert.equal(await q('SELECT count(*)::int AS n FROM zy_events'), [{ n: 0 }]);
    // The importing process dies (no cleanup of its own); its connections go with it.
    child.kill('SIGKILL');
    await exited;
    // Its server process notices only once it has the lock and answers: then it ends, its transaction rolled back.
    await blocker.query('ROLLBACK');
    while ((await q(`SELECT 1 FROM pg_stat_activity WHERE pid = ${importer}`)).length) await blocker.query('SELECT pg_sleep(0.05)');
    assert.equal(await staged(), loaded, 'what a killed import leaves');
    assert.equal(await q('SELECT count(*)::int AS n, (SELECT last_seq::int FROM zy_event_seq) AS seq FROM zy_events'), [{ n: 0, seq: 0 }]);

    // The next import drops them, and its own rows go in once.
    assert.is((await importFilePg(store, schema, file)).rows, 3000);
    assert.equal(await staged(), []);
    assert.equal(await q('SELECT count(*)::int AS n, max(zy_seq)::int AS m FROM zy_events'), [{ n: 3000, m: 3000 }]);

    // db maintain drops one too; a table of an import still running (its server process alive) is kept.
    const live = Number((await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    await q(`CREATE TABLE zy_import_999999999_0 (x int); CREATE TABLE zy_import_${live}_0 (x int)`);
    assert.equal((await store.maintain()).abandoned, ['zy_import_999999999_0']);
    assert.equal(await staged(), [`zy_import_${live}_0`]);
  } finally {
    await blocker.end();
    await store.close();
  }
});

test('migration 4: the history\'s text columns become bytewise (COLLATE "C") in place, rows and indexes kept; imports load them the same way', async () => {
  const { store, schema, q, indexes } = await packStore('import_collate');
  try {
    const collations = async () => (await q(`SELECT attname, attcollation::regcollation::text AS coll FROM pg_attribute WHERE attrelid = 'zy_events'::regclass AND atttypid = 'text'::regtype ORDER BY 1`)).map((r) => `${r.attname} ${r.coll}`);
    assert.equal(await collations(), ['device "C"', 'k "C"', 'type "C"']);
    // A store as zhiyu left it before migration 4: text in the database's collation, with rows in two months.
    for (const col of ['device', 'k', 'type']) await q(`ALTER TABLE zy_events ALTER COLUMN ${col} TYPE text COLLATE "default"`);
    await q(`DELETE FROM zy_migrations WHERE version = 4`);
    const rows = rowsFor(MONTH(2019, 5), 2000);
    assert.is((await importFilePg(store, schema, write('events-collate.jsonl', rows))).rows, 2000);
    const sums = async () => q(`SELECT count(*)::int AS n, count(DISTINCT k)::int AS k, count(DISTINCT device)::int AS d, max(zy_seq)::int AS m FROM zy_events`);
    const before = await sums();
    assert.equal(await collations(), ['device "default"', 'k "default"', 'type "default"']);

    const r = await store.maintain();
    assert.ok(r.migrated.some((m) => m.startsWith('4 ')), r.migrated.join());
    assert.equal(await collations(), ['device "C"', 'k "C"', 'type "C"']);
    assert.equal(await sums(), before);
    for (const part of ['zy_events_2019_01', 'zy_events_2019_02']) {
      const [attached, all] = await indexes(part);
      assert.is(attached, all, part);
    }
    // Every index on a text column of the history compares bytewise now.
    const ixColl = await q(`SELECT DISTINCT c::regcollation::text AS coll FROM pg_index i, unnest(i.indcollation::oid[]) c WHERE i.indrelid = 'zy_events'::regclass AND c <> 0`);
    assert.equal(ixColl, [{ coll: '"C"' }]);
    // A later import into a new month attaches with the same collation.
    assert.is((await importFilePg(store, schema, write('events-collate-2.jsonl', rows.map((x, i) => ({ ...x, occurred_at: MONTH(2018, 6, 1, i) }))))).rows, 2000);
    assert.equal(await q(`SELECT count(*)::int AS n FROM zy_events_2018_07 WHERE k = 'k5'`), [{ n: rows.filter((x) => x['k'] === 'k5').length }]);
  } finally {
    await store.close();
  }
});

test.run();
