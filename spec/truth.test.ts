// Decisions that stay true: the five places an audit of the demo database
// found where what zhiyu reported was not what happened, each reproduced
// (these tests failed before the fix), and an import that ran beside a
// logging service (issue 15, item 4).
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compile } from '../compiler/index.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { DecisionLog, importFile, migrate, openStore } from '../runtime/store/sqlite/index.ts';
import { cli, serveCli, spawnCli } from './cli-run.ts';

const root = join(import.meta.dirname, '..');
const dir = scratchDir('zhiyu-truth-');
let n = 0;
const fresh = () => join(dir, `t${n++}.db`);
const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
const post = async (url: string, body: unknown) => {
  const res = await fetch(`${url}/v1/decide`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() as Record<string, any> };
};
const healthz = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as { bundle: string };
/** A store with the pack's tables (and a calendar) made by `zhiyu db import`, and the pack compiled to a bundle. */
async function storeAndBundle(pack: string, calendar = 'date,is_working_day\n2026-10-01,0\n'): Promise<{ path: string; bundle: string }> {
  const path = fresh();
  const imported = await cli('db', 'import', path, write('calendar.csv', calendar), '--pack', pack);
  assert.is(imported.code, 0, imported.err);
  const bundle = join(dir, `b${n++}.zyb`);
  assert.is((await cli('compile', pack, '-o', bundle)).code, 0);
  return { path, bundle };
}
const logged = (db: string, id: number) => {
  const store = openStore(db, { readonly: true });
  const log = DecisionLog.open(store);
  try { return log.get(id); } finally { log.close(); store.close(); }
};

// ---------------------------------------------------------------- 1. profiles as of the event

const SIM_PACK = `pack sims version "1"
outcomes review > allow
decides transfer_out
measured by fraud
event {
  type: enum(transfer_out, login) required
  device_id: string
  amount: money
}
entity device by device_id { sim_bound_at: timestamp }
rule NEW_SIM "Money moved from a SIM bound less than 30 days ago"
  when event.type == "transfer_out" and age(device.sim_bound_at) < 30d
  then review
  reason NEW_SIM
`;

test('1. a backtest reads each profile as it stood at the event, not as it is now', async () => {
  const packDir = mkdtempSync(join(dir, 'sims-'));
  writeFileSync(join(packDir, 'pack.zy'), SIM_PACK);
  const c = compile([{ path: 'pack.zy', text: SIM_PACK }]);
  const path = fresh();
  const db = openStore(path, { create: true });
  migrate(db, c.checked!.schema);
  // The SIM in d1 was bound long ago, then swapped on 10 February: the second import is a new version, valid from then.
  await importFile(db, c.checked!.schema, write('device.csv', 'device_id,sim_bound_at,zy_valid_from\nd1,2024-06-01,2024-06-01\n'));
  await importFile(db, c.checked!.schema, write('device.csv', 'device_id,sim_bound_at,zy_valid_from\nd1,2026-02-10T09:00,2026-02-10T09:00\n'));
  await importFile(db, c.checked!.schema, write('events.jsonl', [
    { type: 'transfer_out', device_id: 'd1', amount: 1000, occurred_at: '2026-02-01T10:00' },
    { type: 'transfer_out', device_id: 'd1', amount: 1000, occurred_at: '2026-02-15T10:00' },
  ].map((e) => JSON.stringify(e)).join('\n')));
  db.close();
  const run = await backtest({ pack: c.optimized!, code: c.code! }, path, { workers: 0 });
  const rule = run.rules.find((r) => r.id === 'NEW_SIM')!;
  assert.is(rule.hits, 1, 'only the transfer after the swap: the one before it read the SIM bound in 2024');
  assert.equal(rule.examples, [2]);
  assert.ok(run.profiles.entities.some((p) => p.entity === 'device' && p.asOfEvent === p.reads && p.reads === 2), JSON.stringify(run.profiles));
  // eval reads the current row unless asked for the store as of a time.
  const before = JSON.stringify({ type: 'transfer_out', device_id: 'd1', amount: 1000, occurred_at: '2026-02-01T10:00' });
  const live = await cli('eval', packDir, '--db', path, '--event', before, '--json');
  assert.is(JSON.parse(live.out).outcome, 'review', live.err);
  const asOf = await cli('eval', packDir, '--db', path, '--event', before, '--at', '--json');
  assert.is(JSON.parse(asOf.out).outcome, 'allow', asOf.err);
});

// ---------------------------------------------------------------- 2. logging and the calendar

const complaintReview = {
  type: 'complaint_review', customer_id: 'k1', account_id: 'a1', complaint_id: 'cp1', category: 'fees',
  received_at: '2026-02-02T10:00', acknowledged_at: '2026-02-02T15:00', occurred_at: '2026-02-09T06:00',
};

test('2. serve --log decides exactly as serve does: the calendar reaches the decision, and the snapshot holds it', async () => {
  // 4 February is a holiday: the complaint received on Monday 2 February is on its 4th working day, not its 5th.
  const { path, bundle } = await storeAndBundle('rules/conduct/sweeps', 'date,is_working_day,note\n2026-02-04,0,holiday\n');
  const outcomes: string[] = [];
  for (const log of [[], ['--log']]) {
    const svc = await serveCli(['--bundle', bundle, '--insecure-unsigned', '--db', path, '--workers', '1', ...log], root);
    try {
      const d = await post(svc.url, complaintReview);
      assert.is(d.status, 200, JSON.stringify(d.json));
      outcomes.push(d.json['outcome']);
    } finally { await svc.stop(); }
  }
  assert.equal(outcomes, ['none', 'none'], 'with and without --log');
  const rec = logged(path, 1);
  assert.equal(rec.snapshot.calendar?.[0]?.[2], [['2026-02-04', false]]);
  const replay = await cli('replay', path, '1', '--pack', 'rules/conduct/sweeps');
  assert.is(replay.code, 0, replay.out + replay.err);
  assert.match(replay.out, /same result — none/);
  assert.not.match(replay.out, /not in the snapshot/);
});

// ---------------------------------------------------------------- 3. the bundle the log names

test('3. the log names the bundle /healthz reports, and replay knows the pack however its path is spelt', async () => {
  const { path, bundle } = await storeAndBundle('rules/demo');
  const svc = await serveCli(['--bundle', bundle, '--insecure-unsigned', '--db', path, '--log', '--workers', '1'], root);
  let hash: string;
  try {
    hash = (await healthz(svc.url)).bundle;
    const d = await post(svc.url, { type: 'login', customer_id: 'c1', occurred_at: '2026-02-20T10:00' });
    assert.is(d.json['bundle'], hash);
  } finally { await svc.stop(); }
  const rec = logged(path, 1);
  assert.is(rec.bundleHash, hash);
  assert.equal([rec.pack, rec.version], ['demo', '0.1.0']);
  for (const spelt of ['rules/demo', './rules/demo', join(root, 'rules', 'demo'), bundle]) {
    const r = await cli('replay', path, '1', '--pack', spelt);
    assert.is(r.code, 0, r.out + r.err);
    assert.not.match(r.out, /differs/, `${spelt}: ${r.out}`);
    assert.ok(r.out.includes(hash), r.out);
  }
});

// ---------------------------------------------------------------- 4. editor mode logs

test('4. serve <dir> --db --log (the editor) logs its decisions', async () => {
  const { path } = await storeAndBundle('rules/demo');
  const svc = await serveCli(['rules', '--db', path, '--log', '--pack', 'demo'], root);
  let hash: string;
  try {
    hash = (await healthz(svc.url)).bundle;
    assert.is((await post(svc.url, { type: 'transfer_out', payee_id: 'p1', amount: 100, occurred_at: '2026-02-20T10:00' })).status, 200);
  } finally { await svc.stop(); }
  assert.is(logged(path, 1).bundleHash, hash);
  const r = await cli('replay', path, '1', '--pack', 'rules/demo');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /same result — allow/);
});

// ---------------------------------------------------------------- 5. scoped backtests

test('5. a backtest decides only the event types the pack is for, says what it skipped, and counts only their labels', async () => {
  const c = compile([{ path: 'pack.zy', text: SIM_PACK }]);
  const path = fresh();
  const db = openStore(path, { create: true });
  migrate(db, c.checked!.schema);
  await importFile(db, c.checked!.schema, write('events.jsonl', [
    { type: 'login', device_id: 'd1', occurred_at: '2026-02-01T10:00' },
    { type: 'transfer_out', device_id: 'd1', amount: 1000, occurred_at: '2026-02-01T10:05' },
    { type: 'login', device_id: 'd2', occurred_at: '2026-02-01T11:00' },
  ].map((e) => JSON.stringify(e)).join('\n')));
  await importFile(db, c.checked!.schema, write('labels.csv', 'subject_kind,subject,kind,positive,labeled_at\nevent,1,fraud,true,2026-02-05\nevent,2,fraud,true,2026-02-05\nevent,3,qa_breach,true,2026-02-05\n'));
  db.close();
  const run = await backtest({ pack: c.optimized!, code: c.code! }, path, { workers: 0 });
  assert.equal([run.events.total, run.events.decided, run.events.skipped], [3, 1, 2]);
  assert.equal(run.events.skippedBy.map((s) => [s.reason, s.events]), [['not decided by the pack: type login', 2]]);
  assert.equal(run.scope.decides, ['transfer_out']);
  assert.equal(run.labels.kinds, ['fraud']);
  assert.is(run.labels.positive, 1, 'the fraud label on a login the pack does not decide does not count');
});

// ---------------------------------------------------------------- issue 15, item 4

test('an import beside serve --log: decisions and their records keep flowing, and the import stays all or nothing', async () => {
  const { path, bundle } = await storeAndBundle('rules/demo');
  const svc = await serveCli(['--bundle', bundle, '--insecure-unsigned', '--db', path, '--log', '--workers', '1'], root);
  const events = (n: number, from: number) => Array.from({ length: n }, (_, i) => `${JSON.stringify({ type: 'login', customer_id: `c${i}`, occurred_at: 1_771_000_000_000 + from + i })}\n`).join('');
  const writeLocked = () => {
    // Another writer cannot start: the import holds the store's write lock.
    const probe = new Database(path);
    probe.pragma('busy_timeout = 0');
    try { probe.exec('BEGIN IMMEDIATE'); probe.exec('ROLLBACK'); return false; } catch (e) { return /locked|busy/i.test((e as Error).message); } finally { probe.close(); }
  };
  const importing = async (tail: string) => {
    const fifo = join(mkdtempSync(join(dir, 'fifo-')), 'events.jsonl');
    execFileSync('mkfifo', [fifo]);
    const done = spawnCli(['db', 'import', path, fifo], root);
    // Opening the pipe for writing completes once the import opened it to read: after it began its transaction.
    const pipe = await open(fifo, 'w');
    await pipe.write(events(500, 0));
    assert.ok(writeLocked(), 'the import holds the write lock while the decisions below are made');
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await post(svc.url, { type: 'transfer_out', payee_id: `p${i}`, amount: 100, occurred_at: '2026-02-20T10:00' }));
    assert.equal(results.map((r) => r.status), new Array(20).fill(200), JSON.stringify(results.find((r) => r.status !== 200)));
    await pipe.write(events(500, 500) + tail);
    await pipe.close();
    return done;
  };
  try {
    const ok = await importing('');
    assert.is(ok.code, 0, ok.err);
    const bad = await importing('{"type":"login","occurred_at":"not a time"}\n');
    assert.is(bad.code, 1, 'a bad last line fails the import');
    assert.match(bad.err, /ZY7005/);
  } finally { await svc.stop(); }
  const store = openStore(path, { readonly: true });
  assert.is(store.prepare('SELECT count(*) FROM zy_events').pluck().get(), 1000, 'the good file whole, nothing of the bad one');
  store.close();
  const log = DecisionLog.open(openStore(path, { readonly: true }));
  assert.is(log.ids().length, 40, 'every decision made during the imports was logged');
  log.close();
});

test.run();
