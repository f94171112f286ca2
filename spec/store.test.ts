import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { load, MemoryProvider } from '../runtime/index.ts';
import { DecisionLog, SqliteProvider, importFile, logPathFor, migrate, openStore } from '../runtime/store/sqlite/index.ts';
import { RecordingProvider, SnapshotProvider } from '../runtime/store/decision-log.ts';
import { StoreError } from '../runtime/store/errors.ts';
import Database from 'better-sqlite3';
import { readPack } from '../cli/pack-files.ts';
import { prepareDemoStore, TimelinePlayer } from '../demo/index.ts';
import { conductTimeline } from '../demo/conduct.ts';
import { decodeRow } from '../runtime/store/tables.ts';

const dir = scratchDir('zhiyu-store-');
let n = 0;
const fresh = () => join(dir, `t${n++}.db`);
const demo = compile(readPack([join(import.meta.dirname, '..', 'rules', 'demo')]));
const schema = demo.checked!.schema;
const schemaOf = (src: string) => compile([{ path: 's.zy', text: `pack p\noutcomes hold > allow\n${src}` }]).checked!.schema;
const count = (db: ReturnType<typeof openStore>, table = 'zy_events') => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const storeError = (code: string) => (e: Error) => e instanceof StoreError && e.code === code;

test('migrations add tables and columns, keep what the pack dropped, refuse type changes', () => {
  const path = fresh();
  const db = openStore(path, { create: true });
  const first = migrate(db, schemaOf('event { a: integer, b: string }\nentity customer by b { age: integer }'));
  assert.ok(first.created.includes('zy_events'));
  db.prepare('INSERT INTO zy_events (occurred_at, a, b) VALUES (1, 2, ?)').run('x');
  const second = migrate(db, schemaOf('event { a: integer, c: bool }\nentity customer by c { age: integer, vip: bool }'));
  assert.equal(second.added.sort(), ['zy_entity_customer.vip', 'zy_events.c']);
  assert.equal(second.kept, ['zy_events.b']);
  assert.is(count(db), 1, 'no data lost');
  assert.throws(() => migrate(db, schemaOf('event { a: string }')), storeError('ZY7004'));
  assert.is(db.prepare('SELECT b FROM zy_events').pluck().get(), 'x');
  assert.throws(() => db.prepare('DELETE FROM zy_events').run(), /append-only/);
  db.close();
});

test('opening a missing, foreign, newer or read-only database says what is wrong', () => {
  assert.throws(() => openStore(join(dir, 'nope.db')), storeError('ZY7001'));
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'this is not sqlite at all, just text '.repeat(200));
  assert.throws(() => openStore(junk), storeError('ZY7007'));
  const newer = fresh();
  const db = openStore(newer, { create: true });
  migrate(db, schema);
  db.prepare("UPDATE zy_meta SET value = '99' WHERE key = 'store_version'").run();
  db.close();
  assert.throws(() => openStore(newer), storeError('ZY7003'));
  const ro = fresh();
  const w = openStore(ro, { create: true });
  migrate(w, schema);
  w.close();
  const r = openStore(ro, { readonly: true });
  const rec = new RecordingProvider(new MemoryProvider());
  const d = load({ pack: demo.optimized!, code: demo.code! }).decide({ type: 'login', occurred_at: 0 }, rec);
  const log = DecisionLog.open(r);
  assert.throws(() => log.append({ bundleHash: 'h', sourceHash: 'h', input: {}, eventTime: 0, snapshot: rec.snapshot, decision: d }), storeError('ZY7002'));
  log.close();
  r.close();
});

test('import: JSONL and CSV into events, entities, lists and the calendar', async () => {
  const db = openStore(fresh(), { create: true });
  migrate(db, schema);
  const ev = join(dir, 'events.jsonl');
  writeFileSync(ev, [
    JSON.stringify({ type: 'login', customer_id: 'c1', occurred_at: '2026-03-01T10:00' }),
    '',
    JSON.stringify({ type: 'transfer_out', customer_id: 'c1', amount: 5000, occurred_at: 1772330400000 }),
  ].join('\n'));
  assert.is((await importFile(db, schema, ev)).rows, 2);
  const cust = join(dir, 'customer.csv');
  writeFileSync(cust, 'customer_id,birth_date,daily_transfer_limit,gender\nc1,1958-09-23,500000,female\n"c2",,,\n');
  assert.is((await importFile(db, schema, cust)).rows, 2);
  const lists = join(dir, 'lists.csv');
  writeFileSync(lists, 'list,value,source,added_at,expires_at\npolice_fraud_accounts,mule-1,police,2026-01-01,\npolice_fraud_accounts,mule-2,police,2026-01-01,2026-02-01\n');
  await importFile(db, schema, lists);
  const cal = join(dir, 'calendar.csv');
  writeFileSync(cal, 'date,is_working_day,note\n2026-02-17,0,春节\n2026-02-28,1,调休\n');
  await importFile(db, schema, cal);
  const p = new SqliteProvider(db, demo.optimized!);
  assert.equal({ ...p.entity('customer', 'c1') }, { birth_date: Date.parse('1958-09-23T00:00:00+08:00'), daily_transfer_limit: 500000, gender: 'female' });
  assert.equal({ ...p.entity('customer', 'c2') }, {});
  const now = Date.parse('2026-03-01T00:00:00+08:00');
  assert.is(p.listHas('police_fraud_accounts', 'mule-1', now), true);
  assert.is(p.listHas('police_fraud_accounts', 'mule-2', now), false, 'expired');
  assert.is(p.listHas('police_fraud_accounts', 'mule-1', Date.parse('2025-12-31T00:00:00+08:00')), false, 'not yet added');
  assert.is(count(db, 'zy_calendar'), 2);
  db.close();
});

test('import: a bad row names file, line and field, and nothing of the file is kept', async () => {
  const db = openStore(fresh(), { create: true });
  migrate(db, schema);
  const cases: [string, string, number, string | undefined][] = [
    ['events.jsonl', [{ type: 'login', occurred_at: 1 }, { type: 'login', occurred_at: 2 }, { type: 'login', amount: 'lots', occurred_at: 3 }].map((r) => JSON.stringify(r)).join('\n'), 3, 'amount'],
    ['events.jsonl', '{"type":"login","occurred_at":1}\n{"type":"login",', 2, undefined],
    ['events.jsonl', '{"type":"login","occurred_at":1}\n{"type":"logn","occurred_at":1}', 2, 'type'],
    ['events.jsonl', '{"type":"login","occurred_at":1,"surprise":1}', 1, 'surprise'],
    ['events.csv', 'type,occurred_at,amount\nlogin,1,5\nlogin,,5\n', 3, 'occurred_at'],
  ];
  for (const [name, text, line, field] of cases) {
    const f = join(dir, name);
    writeFileSync(f, text);
    try {
      await importFile(db, schema, f);
      assert.unreachable(`${name} imported`);
    } catch (e) {
      assert.instance(e, StoreError);
      const err = e as StoreError;
      assert.is(err.code, 'ZY7005', err.message);
      assert.is(err.detail?.line, line, err.message);
      assert.is(err.detail?.field, field, err.message);
      assert.match(err.message, new RegExp(`${name}:${line}:`));
    }
    assert.is(count(db), 0, `nothing of ${name} was kept`);
  }
  db.close();
});

function runChild(mode: string, db: string, file = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'store-child.ts'), mode, db, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('busy')) child.kill('SIGKILL'); });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the child ended by itself (${_code})`))));
  });
}

test('a process killed in the middle of an import leaves no partial import, and readers keep reading', async () => {
  const path = fresh();
  const db = openStore(path, { create: true });
  migrate(db, schema);
  db.prepare("INSERT INTO zy_events (type, occurred_at) VALUES ('login', 1)").run();
  const big = join(dir, 'events.big.jsonl');
  writeFileSync(big, Array.from({ length: 200_000 }, (_, i) => JSON.stringify({ type: 'login', customer_id: `c${i % 500}`, occurred_at: 1000 + i })).join('\n'));
  const reads: number[] = [];
  const reader = setInterval(() => reads.push(count(db)), 5);
  await runChild('import', path, big);
  clearInterval(reader);
  db.close();
  const after = openStore(path);
  assert.is(after.pragma('integrity_check', { simple: true }), 'ok');
  assert.is(count(after), 1);
  assert.ok(reads.length > 0 && reads.every((c) => c === 1), 'a reader saw only committed data while the import ran');
  after.close();
});

test('a process killed while logging decisions leaves whole records only', async () => {
  const path = fresh();
  const db = openStore(path, { create: true });
  migrate(db, schema);
  db.close();
  await runChild('log', path);
  const after = new Database(logPathFor(path));
  assert.is(after.pragma('integrity_check', { simple: true }), 'ok');
  const rows = after.prepare('SELECT input, snapshot, fired, outcome FROM zy_decisions').all() as Record<string, string>[];
  assert.ok(rows.length > 200);
  for (const r of rows) {
    JSON.parse(r['input']!); JSON.parse(r['snapshot']!); JSON.parse(r['fired']!);
    assert.ok(['block', 'allow'].includes(r['outcome']!));
  }
  after.close();
});

test('a logged decision replays from its snapshot to the same result', () => {
  const db = openStore(fresh(), { create: true });
  migrate(db, schema);
  db.prepare("INSERT INTO zy_list_entries (list, value, added_at) VALUES ('police_fraud_accounts', 'mule', 0)").run();
  db.prepare("INSERT INTO zy_entity_device (zy_key, in_call, call_peer_in_contacts) VALUES ('d1', 1, 0)").run();
  db.prepare("INSERT INTO zy_entity_payee (zy_key, first_seen_at) VALUES ('mule', ?)").run(1_772_330_000_000);
  const engine = load({ pack: demo.optimized!, code: demo.code! });
  const event = { type: 'transfer_out', device_id: 'd1', payee_id: 'mule', amount: 900000, occurred_at: 1_772_330_400_000 };
  const rec = new RecordingProvider(new SqliteProvider(db, demo.optimized!));
  const d = engine.decide(event, rec);
  assert.is(d.outcome, 'block');
  const log = DecisionLog.open(db, { write: true });
  const id = log.append({ bundleHash: 'sha256:x', sourceHash: 'sha256:y', input: event, eventTime: event.occurred_at, snapshot: rec.snapshot, decision: d });
  const logged = log.get(id);
  log.close();
  const snap = new SnapshotProvider(logged.snapshot);
  const again = engine.decide(logged.input, snap);
  assert.equal(again, d);
  assert.equal(snap.gaps, []);
  db.close();
});

test('the demo seed holds consumer-protection scenarios that the conduct packs find', () => {
  const packs = ['gates', 'sweeps'].map((d) => compile(readPack([join(import.meta.dirname, '..', 'rules', 'conduct', d)])));
  const db = openStore(':memory:', { create: true });
  const merged = prepareDemoStore(db, packs.map((p) => p.checked!.schema));
  const { timeline, report: rep } = conductTimeline({ customers: 120 });
  const events = [...timeline.events].sort((a, b) => (a.row['occurred_at'] as number) - (b.row['occurred_at'] as number));
  new TimelinePlayer(db, merged, { ...timeline, events, calendar: [] }).finish();
  assert.ok(rep.byScenario['seventh_call_same_day']! > 0 && rep.byScenario['complaint_without_response']! > 0 && rep.byScenario['missed_instalment']! > 0);
  const fired = new Set<string>();
  for (const p of packs) {
    const engine = load({ pack: p.optimized!, code: p.code! });
    const provider = new SqliteProvider(db, p.optimized!);
    const types = (p.checked!.schema.event.fields.get('type')!.type as unknown as { members: string[] }).members;
    const rows = db.prepare(`SELECT * FROM zy_events WHERE type IN (${types.map(() => '?').join(', ')}) ORDER BY zy_seq`).all(...types) as Record<string, unknown>[];
    for (const row of rows) {
      const event = decodeRow(p.checked!.schema.event, row);
      for (const f of engine.decide(event, provider.asOf(row['occurred_at'] as number, row['zy_seq'] as number)).fired) fired.add(f.id);
    }
  }
  for (const id of ['GATE_QUIET_HOURS', 'GATE_DAILY_UNANSWERED_CAP', 'GATE_VULNERABLE_SPECIALIST', 'COMPLAINT_ACK_OVERDUE', 'COMPLAINT_LIMIT_15', 'SWEEP_MISSED_INSTALMENT']) {
    assert.ok(fired.has(id), `${id} never fired on the seeded data`);
  }
  db.close();
});

test.run();
