// Profile history in the store: every write of an entity row keeps the
// version it replaces; a live decision reads the current row, a decision as
// of a time the row as it stood then; late corrections take their place in
// the history; versions older than the history kept are dropped; a store
// written before versions were kept is upgraded without losing a row.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compile } from '../compiler/index.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { load } from '../runtime/index.ts';
import { DecisionLog, SqliteProvider, StoreWriter, historyKept, importFile, logPathFor, migrate, openStore } from '../runtime/store/sqlite/index.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { STORE_VERSION } from '../runtime/store/stored-schema.ts';
import { cli } from './cli-run.ts';

const dir = scratchDir('zhiyu-history-');
let n = 0;
const fresh = () => join(dir, `h${n++}.db`);
const T = (iso: string) => Date.parse(`${iso}+08:00`);

const PACK = `pack h version "1"
outcomes hold > allow
decides transfer_out
measured by fraud
const HISTORY_KEPT = 30d
event {
  type: enum(transfer_out) required
  customer_id: string
  amount: money
}
entity customer by customer_id { daily_limit: money, birth_date: timestamp }
rule OVER "Above the daily limit"
  when event.amount > customer.daily_limit
  then hold
  reason OVER
rule MINOR "Under 18 on the day"
  when years_since(customer.birth_date) < 18
  then hold
  reason MINOR
`;
const c = compile([{ path: 'pack.zy', text: PACK }]);
const schema = c.checked!.schema;
const program = { pack: c.optimized!, code: c.code! };
const limitAt = (p: SqliteProvider, t?: number) => ((t === undefined ? p : p.asOf(t)).entity('customer', 'c1') as { daily_limit?: number } | undefined)?.daily_limit;

test('each write is a new version; the current row for a live decision, the row as it stood for a moment', () => {
  const db = openStore(fresh(), { create: true });
  migrate(db, schema);
  const w = new StoreWriter(db, schema);
  w.entity('customer', 'c1', [100, null], T('2026-01-01T00:00'));
  w.entity('customer', 'c1', [500, null], T('2026-02-01T00:00'));
  w.entity('customer', 'c1', [200, null], T('2026-02-10T00:00'));
  const p = new SqliteProvider(db, c.optimized!);
  assert.is(limitAt(p), 200, 'live: the current row');
  assert.equal([T('2025-12-31T23:59'), T('2026-01-01T00:00'), T('2026-01-31T23:59'), T('2026-02-01T00:00'), T('2026-02-09T00:00'), T('2026-03-01T00:00')].map((t) => limitAt(p, t)),
    [undefined, 100, 100, 500, 500, 200], 'as of a moment: nothing before the first version, then each in its time');
  assert.equal(p.entityVersions('customer', 'c1').map((v) => [v.validFrom, v.validTo, (v.row as { daily_limit: number }).daily_limit]), [
    [T('2026-01-01T00:00'), T('2026-02-01T00:00'), 100], [T('2026-02-01T00:00'), T('2026-02-10T00:00'), 500], [T('2026-02-10T00:00'), null, 200],
  ]);
  // A late correction: the limit was really raised on 20 January. It takes its place, and ends where the next change begins.
  w.entity('customer', 'c1', [300, null], T('2026-01-20T00:00'));
  assert.equal([T('2026-01-19T00:00'), T('2026-01-25T00:00'), T('2026-02-05T00:00')].map((t) => limitAt(p, t)), [100, 300, 500]);
  assert.is(limitAt(p), 200);
  // A second write at the same moment replaces that version; no duplicate current row can exist.
  w.entity('customer', 'c1', [250, null], T('2026-02-10T00:00'));
  assert.is(limitAt(p), 250);
  assert.is(db.prepare(`SELECT count(*) FROM zy_entity_customer WHERE zy_key = 'c1' AND zy_valid_to IS NULL`).pluck().get(), 1);
  assert.throws(() => db.prepare(`INSERT INTO zy_entity_customer (zy_key, daily_limit) VALUES ('c1', 1)`).run(), /UNIQUE/);
  db.close();
});

test('an import is a new version from its zy_valid_from, else from the time of the import; a decision as of a time reads the row as it stood', async () => {
  const path = fresh();
  const db = openStore(path, { create: true });
  migrate(db, schema);
  const file = join(dir, 'customer.csv');
  writeFileSync(file, 'customer_id,daily_limit,birth_date,zy_valid_from\nc1,100000,2008-03-15,2026-01-01\n');
  await importFile(db, schema, file);
  const before = Date.now();
  writeFileSync(file, 'customer_id,daily_limit,birth_date\nc1,900000,2008-03-15\n');
  await importFile(db, schema, file);
  const [v1, v2] = new SqliteProvider(db, c.optimized!).entityVersions('customer', 'c1');
  assert.is(v1!.validFrom, T('2026-01-01T00:00'));
  assert.ok(v2!.validFrom! >= before && v2!.validTo === null, 'the second version is valid from the import');
  const engine = load(program);
  const p = new SqliteProvider(db, c.optimized!);
  const event = { type: 'transfer_out', customer_id: 'c1', amount: 200_000, occurred_at: '2026-03-14T10:00' };
  assert.is(engine.decide(event, p).outcome, 'hold', 'live: today\'s limit is higher, but the customer is 17 on 14 March 2026');
  assert.equal(engine.decide(event, p).fired.map((f) => f.id), ['MINOR']);
  assert.equal(engine.decide(event, p.asOf(T('2026-03-14T10:00'))).fired.map((f) => f.id), ['OVER', 'MINOR'], 'as of the event: the limit then');
  assert.equal(engine.decide({ ...event, occurred_at: '2026-03-15T10:00' }, p).fired.map((f) => f.id), [], '18 on the birthday');
  db.close();
});

test('versions that ended longer ago than HISTORY_KEPT before a newer write are dropped', () => {
  const db = openStore(fresh(), { create: true });
  migrate(db, schema, { historyKept: 30 * 86_400_000 });
  migrate(db, schema, { historyKept: 10 * 86_400_000 });
  assert.is(historyKept(db), 30 * 86_400_000, 'the longest any pack asks for');
  const w = new StoreWriter(db, schema);
  w.entity('customer', 'c1', [1, null], T('2026-01-01T00:00'));
  w.entity('customer', 'c1', [2, null], T('2026-01-10T00:00'));
  w.entity('customer', 'c1', [3, null], T('2026-02-05T00:00'));
  const p = new SqliteProvider(db, c.optimized!);
  assert.equal(p.entityVersions('customer', 'c1').map((v) => (v.row as { daily_limit: number }).daily_limit), [1, 2, 3], 'the first ended 26 days before the newest write: kept');
  w.entity('customer', 'c1', [4, null], T('2026-02-15T00:00'));
  assert.equal(p.entityVersions('customer', 'c1').map((v) => (v.row as { daily_limit: number }).daily_limit), [2, 3, 4], 'it ended 36 days before: dropped');
  db.close();
});

test('a store written before versions were kept is upgraded when opened: every row kept, as a version with no known start', async () => {
  const path = fresh();
  const old = new Database(path);
  // Store version 1, as the previous zhiyu wrote it.
  old.exec(`CREATE TABLE zy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO zy_meta VALUES ('store_version', '1');
    CREATE TABLE zy_events (zy_seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, customer_id TEXT, amount INTEGER, occurred_at INTEGER);
    CREATE TABLE zy_entity_customer (zy_key TEXT PRIMARY KEY, daily_limit INTEGER, birth_date INTEGER);
    CREATE TABLE zy_entity_device (zy_key TEXT PRIMARY KEY, rooted INTEGER);
    CREATE TABLE zy_list_entries (list TEXT NOT NULL, value NOT NULL, source TEXT, added_at INTEGER, expires_at INTEGER, PRIMARY KEY (list, value));
    CREATE TABLE zy_calendar (date TEXT PRIMARY KEY, is_working_day INTEGER NOT NULL CHECK (is_working_day IN (0, 1)), note TEXT);
    CREATE TABLE zy_labels (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_kind TEXT NOT NULL CHECK (subject_kind IN ('event', 'customer')),
      subject TEXT NOT NULL, label TEXT NOT NULL CHECK (label IN ('fraud', 'not_fraud', 'chargeback')), labeled_at INTEGER, note TEXT);
    CREATE TABLE zy_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, logged_at INTEGER NOT NULL, event_time INTEGER NOT NULL,
      bundle_hash TEXT NOT NULL, pack TEXT NOT NULL, version TEXT, input TEXT NOT NULL, snapshot TEXT NOT NULL, outcome TEXT NOT NULL, score REAL NOT NULL, fired TEXT NOT NULL);
    INSERT INTO zy_entity_customer VALUES ('c1', 100000, NULL), ('c2', 5, NULL);
    INSERT INTO zy_entity_device VALUES ('d1', 1);
    INSERT INTO zy_labels (subject_kind, subject, label, labeled_at) VALUES ('event', '1', 'fraud', 10), ('event', '1', 'not_fraud', 20), ('customer', 'c2', 'chargeback', 5);
    INSERT INTO zy_decisions (id, logged_at, event_time, bundle_hash, pack, version, input, snapshot, outcome, score, fired)
      VALUES (7, 1, 2, 'sha256:oldsource', 'h', '1', '{}', '{"entities":[],"aggregates":[],"lists":[]}', 'allow', 0, '[]');`);
  old.prepare(`INSERT INTO zy_events (type, customer_id, amount, occurred_at) VALUES ('transfer_out', 'c1', 200000, ?)`).run(T('2026-02-01T10:00'));
  old.close();
  // A reader upgrades it (a backtest opens the store read-only).
  const run = await backtest(program, path, { workers: 0 });
  assert.equal(run.profiles.entities, [{ entity: 'customer', fields: ['birth_date', 'daily_limit'], reads: 1, asOfEvent: 0, notYet: 0, undated: 1 }]);
  assert.ok(run.warnings.some((w) => /1 of 1 customer profile reads found only a version with no known start/.test(w)), run.warnings.join('\n'));
  assert.equal([run.rules[0]!.hits, run.labels.positive, run.labels.negative], [1, 0, 1], 'the rows and labels as before: fraud, then not fraud');
  const db = openStore(path);
  assert.is(db.prepare(`SELECT value FROM zy_meta WHERE key = 'store_version'`).pluck().get(), String(STORE_VERSION));
  assert.equal(db.prepare(`SELECT zy_key, zy_valid_from, zy_valid_to, rooted FROM zy_entity_device`).raw().all(), [['d1', null, null, 1]], 'a table no pack here declares is upgraded too');
  assert.equal(db.prepare(`SELECT subject, kind, positive FROM zy_labels ORDER BY id`).raw().all(), [['1', 'fraud', 1], ['1', 'fraud', 0], ['c2', 'chargeback', 1]]);
  // The old in-store log: readable, then moved to the log file the first time the log is written.
  const read = DecisionLog.open(db);
  assert.is(read.get(7).sourceHash, 'sha256:oldsource');
  read.close();
  const log = DecisionLog.open(db, { write: true });
  const rec = new RecordingProvider(new SqliteProvider(db, c.optimized!));
  const d = load(program).decide({ type: 'transfer_out', customer_id: 'c1', amount: 1, occurred_at: T('2026-02-02T10:00') }, rec);
  const id = log.append({ bundleHash: 'sha256:b', sourceHash: 'sha256:s', input: {}, eventTime: 0, snapshot: rec.snapshot, decision: d });
  assert.equal([log.get(7).sourceHash, log.get(7).bundleHash, id > 7], ['sha256:oldsource', undefined, true]);
  log.close();
  assert.is(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'zy_decisions'`).pluck().get(), 0, 'moved out of the store file');
  assert.is(new Database(logPathFor(path), { readonly: true }).prepare('SELECT count(*) FROM zy_decisions').pluck().get(), 2);
  db.close();
});

test('replay --as-of decides from the store as it stood at the event, not the snapshot', async () => {
  const path = fresh();
  const packDir = mkdtempSync(join(dir, 'pack-'));
  writeFileSync(join(packDir, 'pack.zy'), PACK);
  const db = openStore(path, { create: true });
  migrate(db, schema);
  const w = new StoreWriter(db, schema);
  w.entity('customer', 'c1', [100_000, null], T('2026-01-01T00:00'));
  db.close();
  const event = JSON.stringify({ type: 'transfer_out', customer_id: 'c1', amount: 200_000, occurred_at: '2026-02-01T10:00' });
  const logged = await cli('eval', packDir, '--db', path, '--event', event, '--log');
  assert.is(logged.code, 0, logged.err);
  assert.match(logged.out, /outcome hold/);
  // Later the limit is corrected, back to 1 January: the event was within the limit after all.
  const w2 = openStore(path);
  new StoreWriter(w2, schema).entity('customer', 'c1', [300_000, null], T('2026-01-01T00:00'));
  w2.close();
  const snap = await cli('replay', path, '1', '--pack', packDir);
  assert.match(snap.out, /same result — hold/);
  assert.match(snap.out, /no bundle \(a pack compiled from source\)/);
  const asOf = await cli('replay', path, '1', '--pack', packDir, '--as-of');
  assert.is(asOf.code, 1);
  assert.match(asOf.out, /replayed: allow/);
});

test.run();
