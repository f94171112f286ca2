// The editor over PostgreSQL where it used to differ from SQLite, each over
// HTTP against a real `zhiyu serve rules --db …`:
// - the roles docs/postgres.md gives, made with exactly its GRANTs: the editor
//   runs as the least-privilege service role (and on a read-only server, as a
//   replica is), says which covering indexes it may not create (ZY7012, in
//   its status and its log, naming `zhiyu db index`) and serves on; the owner
//   creates them with that command;
// - an edit that reads a column the store lacks is refused with ZY7001 before
//   any decision, with the same answer SQLite gives, even when no decision
//   would reach that read;
// - a backtest's snapshot copy reports its rows table by table, and Cancel
//   during the copy stops it, leaving no snapshot folder and no session.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { compile } from '../compiler/index.ts';
import { coveringIndexes as coveringIndexesOf } from '../runtime/store/covering.ts';
import { backtest, type BacktestProgress } from '../runtime/backtest/index.ts';
import { Workspace } from '../editor/server/workspace.ts';
import { cli, serveCli, type Served } from './cli-run.ts';
import { demoDb, editorFixture } from './editor-fixture.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import type { EditorOptions } from '../editor/server/app.ts';
import { pgServer, type PgServer } from './pg-server.ts';
import { afterSeed, beforeSeed, docsRoles, sql } from './pg-roles.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-editor-gaps-'));
const root = join(dir, 'rules');
const file = join(dir, 'demo.db');
// Where the editors started below take their snapshot copies (their TMPDIR): a cancelled copy must leave nothing there.
const snapshots = join(dir, 'tmp');
const savedTmp = process.env['TMPDIR'];
const ROLE = docsRoles();
let server: PgServer;
let admin: string;
const as = (role: string) => `postgres://${role}:pw@127.0.0.1:${server.port}/editor_gaps`;
let dropped: string[] = [];
let onFile: Served;
let onPg: Served;

const coveringIndexes = async () => (await sql(admin, `SELECT indexname FROM pg_indexes WHERE schemaname = 'zhiyu' AND tablename = 'zy_events' AND indexname ~ '^zy_ix_events_[0-9a-f]{12}$' ORDER BY 1`))[0]!.rows.map((r) => r.indexname as string);

interface Reply { status: number; text: string; json: any }
const call = async (base: string, method: string, path: string, body?: unknown): Promise<Reply> => {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
};
const sources = (pack = 'demo') => new Workspace(root).sources(pack);

test.before(async () => {
  server = await pgServer();
  admin = await server.database('editor_gaps');
  // docs/postgres.md, "Roles: least privilege", as written (with this file's role names).
  await sql(admin, ...beforeSeed(ROLE));
  const seeded = await cli('db', 'seed', '--demo', as(ROLE.owner), '--customers', '300');
  assert.is(seeded.code, 0, seeded.err);
  await sql(as(ROLE.owner), ...afterSeed(ROLE));
  // The packs gained windows since the indexes were made: none of their covering indexes is there.
  dropped = await coveringIndexes();
  assert.ok(dropped.length >= 3, 'the seed made covering indexes');
  await sql(as(ROLE.owner), ...dropped.map((i) => `DROP INDEX ${i}`));
  copyFileSync(await demoDb(), file);
  cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
  mkdirSync(snapshots);
  // For this file's suites only (the whole suite runs in one process): after() puts it back.
  process.env['TMPDIR'] = snapshots;
  [onFile, onPg] = [await serveCli([root, '--db', file]), await serveCli([root, '--db', as(ROLE.service)])];
});

test.after(async () => {
  if (savedTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmp;
  await Promise.all([onFile?.stop(), onPg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('as the least-privilege service role the editor says which indexes it may not create (ZY7012, naming zhiyu db index) and serves search, Try it and backtests', async () => {
  await onPg.printed(/warning ZY7012[^\n]*\n/);
  const logged = /warning ZY7012[^\n]*/.exec(onPg.out())![0];
  for (const ix of dropped) assert.ok(logged.includes(ix), `the log names ${ix}: ${logged}`);
  assert.match(logged, /zhiyu db index postgres:\/\/<owner>@<primary>\/<database> /);
  assert.match(logged, /must be owner/);
  const ws = await call(onPg.url, 'GET', '/api/workspace');
  assert.is(ws.status, 200, ws.text);
  assert.equal(ws.json.warnings.map((w: any) => [w.code, [...w.indexes].sort()]), [['ZY7012', dropped]]);
  assert.is(`warning ${ws.json.warnings[0].code}: ${ws.json.warnings[0].message}`, logged, 'the status and the log say the same');
  assert.equal(await coveringIndexes(), [], 'it created nothing');
  // The editor over SQLite (writable) made its own, and has nothing to say.
  assert.equal((await call(onFile.url, 'GET', '/api/workspace')).json.warnings, []);

  const found = await call(onPg.url, 'GET', '/api/events?pack=demo&labelled=1&type=transfer_out&limit=5');
  assert.is(found.status, 200, found.text);
  assert.is(found.json.events.length, 5);
  const e = found.json.events[0];
  const tried = await call(onPg.url, 'POST', '/api/try', { files: sources(), seq: e.seq, event: e.event });
  assert.is(tried.status, 200, tried.text);
  assert.ok(tried.json.trace.length > 0);
  const run = await call(onPg.url, 'POST', '/api/backtest', { pack: 'demo', files: sources() });
  assert.is(run.status, 200, run.text);
  assert.ok(run.json.events > 0 && run.json.rules.some((r: any) => r.hits > 0));
  const listed = await call(onPg.url, 'GET', `/api/backtest/events?rule=${run.json.rules.find((r: any) => r.hits > 0).id}&kind=hits`);
  assert.is(listed.status, 200, listed.text);

  // The owner runs the command the warning names; then the service role's editor has nothing to say.
  const made = await cli('db', 'index', as(ROLE.owner), root);
  assert.is(made.code, 0, made.err);
  for (const ix of dropped) assert.match(made.out, new RegExp(`created [^\\n]*${ix}`));
  assert.equal(await coveringIndexes(), dropped);
  // The running editor's status no longer warns once they are there.
  assert.equal((await call(onPg.url, 'GET', '/api/workspace')).json.warnings, []);
  const again = await cli('db', 'index', as(ROLE.owner), root);
  assert.match(again.out, /every index the packs need is there/);
  const quiet = await serveCli([root, '--db', as(ROLE.service)]);
  try {
    assert.equal((await call(quiet.url, 'GET', '/api/workspace')).json.warnings, []);
    assert.not.match(quiet.out(), /ZY7012/);
  } finally { await quiet.stop(); }
});

test('on a read-only server (as a read replica is) even the owner\'s editor warns and serves', async () => {
  const one = (await coveringIndexes())[0]!;
  await sql(as(ROLE.owner), `DROP INDEX ${one}`);
  const replica = await serveCli([root, '--db', `${as(ROLE.owner)}?options=${encodeURIComponent('-c default_transaction_read_only=on')}`]);
  try {
    const ws = await call(replica.url, 'GET', '/api/workspace');
    assert.equal(ws.json.warnings.map((w: any) => [w.code, w.indexes]), [['ZY7012', [one]]]);
    assert.match(ws.json.warnings[0].message, /read-only transaction/);
    assert.match(replica.out(), /warning ZY7012/);
    const found = await call(replica.url, 'GET', '/api/events?pack=demo&limit=3');
    assert.is(found.status, 200, found.text);
    const e = found.json.events[0];
    assert.is((await call(replica.url, 'POST', '/api/try', { files: sources(), seq: e.seq, event: e.event })).status, 200);
  } finally { await replica.stop(); }
  assert.is((await cli('db', 'index', as(ROLE.owner), root)).code, 0);
});

test('an edit reading a column the store lacks is ZY7001 before any decision, the answer SQLite gives, even where no decision reaches that read', async () => {
  const files = sources();
  // The new rule's window is read only when the amount is negative, which it never is: a decision never reaches it.
  const widened = files.map((f) => (f.path === 'demo/pack.zy' ? { ...f, text: f.text.replace('  amount: money "Amount in fen"', '  amount: money "Amount in fen"\n  merchant_code: string "The merchant"') }
    : f.path === 'demo/fraud.zy' ? { ...f, text: `${f.text}\nrule NEW_COLUMN "A window over a column not stored yet"\n  when event.amount < ¥0 and distinct(merchant_code, by customer_id, last 7d) >= 2\n  score +1\n  reason DEVICE_RISK\n` } : f));
  assert.ok(compile(widened).ok, 'the edit compiles');
  const found = await call(onPg.url, 'GET', '/api/events?pack=demo&type=transfer_out&limit=3');
  for (const e of found.json.events) {
    for (const body of [{ files: widened, event: e.event }, { files: widened, seq: e.seq, event: e.event }]) {
      const [x, y] = [await call(onFile.url, 'POST', '/api/try', body), await call(onPg.url, 'POST', '/api/try', body)];
      assert.is(x.status, 422, x.text);
      assert.is(y.status, 422, y.text);
      assert.equal(y.json, x.json, 'the same answer from both');
      assert.equal([y.json.error.code, y.json.error.field], ['ZY7001', 'merchant_code']);
      assert.match(y.json.error.message, /no such column: "merchant_code"/);
    }
  }
  // A profile of an entity the store has no table for: the same on both too.
  const entity = widened.map((f) => (f.path === 'demo/pack.zy' ? { ...f, text: `${f.text}\nentity merchant by merchant_code "A merchant" {\n  risk_tier: string "The tier"\n}\n` } : f));
  assert.ok(compile(entity).ok, compile(entity).diagnostics.map((d) => d.message).join('; '));
  const e = found.json.events[0];
  const [x, y] = [await call(onFile.url, 'POST', '/api/try', { files: entity, event: e.event }), await call(onPg.url, 'POST', '/api/try', { files: entity, event: e.event })];
  assert.is(x.status, 422, x.text);
  assert.equal([y.status, y.json], [x.status, x.json]);
  assert.match(y.json.error.message, /no such table: "?zy_entity_merchant/);
});

test('the snapshot copy reports its rows table by table, to the snapshot\'s own counts, before the replay', async () => {
  const c = compile(sources());
  const seen: BacktestProgress[] = [];
  const run = await backtest({ pack: c.optimized!, code: c.code! }, as(ROLE.analyst), { workers: 0, onProgress: (p) => seen.push(p) });
  const copy = seen.filter((p) => p.phase === 'copy');
  const tables = [...new Set(copy.map((p) => p.copy!.table))];
  assert.is(tables[0], 'zy_events');
  assert.equal(tables.slice(-3), ['zy_list_entries', 'zy_calendar', 'zy_labels']);
  assert.ok(tables.includes('zy_entity_customer'));
  assert.ok(copy.every((p) => p.copy!.tables === tables.length));
  for (const [i, t] of tables.entries()) {
    const mine = copy.filter((p) => p.copy!.table === t);
    assert.ok(mine.every((p) => p.copy!.index === i + 1));
    assert.equal([mine[0]!.done, mine[0]!.copy!.counted], [0, false], `${t} starts uncounted`);
    const [n] = await sql(as(ROLE.analyst), `SELECT count(*)::int AS n FROM ${t}`);
    const last = mine[mine.length - 1]!;
    assert.equal([last.done, last.total, last.copy!.counted], [n!.rows[0].n, n!.rows[0].n, true], `${t} ends at its rows`);
    for (let k = 1; k < mine.length; k++) assert.ok(mine[k]!.done >= mine[k - 1]!.done, 'rows only go up');
  }
  const firstReplay = seen.findIndex((p) => p.phase === 'replay');
  assert.ok(firstReplay > 0 && seen.slice(firstReplay).every((p) => p.phase === 'replay'), 'the copy, then the replay');
  const end = seen[seen.length - 1]!;
  assert.ok(end.done === end.total && end.total >= run.events.decided, 'the replay counted to its end');
});

test('Cancel during the snapshot copy stops it over HTTP: 422 ZY7505, no snapshot folder, no session left on the server, and the next backtest runs', async () => {
  // (tsx keeps its cache in the children's TMPDIR too.)
  const copies = () => readdirSync(snapshots).filter((d) => d.startsWith('zhiyu-snapshot-'));
  assert.equal(copies(), []);
  // Held at a known moment: the copy reaches the labels, which a transaction of this test keeps locked.
  const lock = new pg.Client(admin);
  await lock.connect();
  let running: Promise<Reply> | undefined;
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE zhiyu.zy_labels IN ACCESS EXCLUSIVE MODE');
    running = call(onPg.url, 'POST', '/api/backtest', { pack: 'demo', files: sources() });
    let p: any;
    for (let i = 0; ; i++) {
      p = (await call(onPg.url, 'GET', '/api/backtest/progress')).json;
      if (p.phase === 'copy' && p.copy?.table === 'zy_labels') break;
      assert.ok(i < 20_000, `the progress never said it was copying zy_labels: ${JSON.stringify(p)}`);
    }
    assert.equal([p.running, p.copy.counted, p.copy.index, p.copy.index === p.copy.tables], [true, false, p.copy.tables, true]);
    // The copy's count is waiting for the lock on the server.
    for (let i = 0; ; i++) {
      assert.ok(i < 20_000, 'the copy never waited for the lock');
      const [w] = await sql(admin, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'zhiyu-snapshot' AND wait_event_type = 'Lock'`);
      if (w!.rows[0].n === 1) break;
    }
    assert.is(copies().length, 1, 'the copy is being written');
    assert.equal((await call(onPg.url, 'POST', '/api/backtest/cancel', {})).json, { cancelled: true });
    const r = await running;
    assert.is(r.status, 422, r.text);
    assert.is(r.json.error.code, 'ZY7505');
  } finally {
    await lock.query('ROLLBACK').catch(() => undefined);
    await lock.end();
  }
  assert.equal((await call(onPg.url, 'GET', '/api/backtest/progress')).json, { running: false });
  assert.equal(copies(), [], 'no snapshot folder left');
  // Its session ends with it (the server notices the closed connection); nothing temporary stays.
  for (let i = 0; ; i++) {
    const [s] = await sql(admin, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'zhiyu-snapshot'`);
    if (s!.rows[0].n === 0) break;
    assert.ok(i < 10_000, 'the copy\'s session ended');
  }
  const [temp] = await sql(admin, `SELECT count(*)::int AS n FROM pg_class WHERE relpersistence = 't'`);
  assert.is(temp!.rows[0].n, 0);
  const next = await call(onPg.url, 'POST', '/api/backtest', { pack: 'demo', files: sources() });
  assert.is(next.status, 200, next.text);
  assert.equal(copies(), []);
});

// In real Chromium: the status bar's warning, and the Backtest panel counting and cancelling the copy.
const served: Partial<EditorOptions> = {};
const fixture = editorFixture({ server: served });

let store: PostgresStore | undefined;
const closeChromium = async () => {
  await fixture.close();
  await store?.close();
  store = undefined;
};

test('in Chromium: the status bar shows ZY7012; the Backtest panel shows the copy\'s progress by table, and Cancel during the copy', async () => {
  const one = (await coveringIndexes())[0]!;
  await sql(as(ROLE.owner), `DROP INDEX ${one}`);
  store = await PostgresStore.open(as(ROLE.service));
  Object.assign(served, { store });
  const lock = new pg.Client(admin);
  await lock.connect();
  try {
    const f = await fixture.get();
    const { page } = f;
    await f.open('demo/fraud.zy');
    await f.checked(0);
    const warning = page.locator('[data-testid=store-warning]');
    await warning.waitFor();
    assert.match(await warning.textContent() ?? '', new RegExp(`^ZY7012: .*${one}.*zhiyu db index`));
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE zhiyu.zy_labels IN ACCESS EXCLUSIVE MODE');
    await page.click('#tab-backtest');
    await page.click('[data-testid=backtest-run]');
    const progress = page.locator('[data-testid=backtest-progress]');
    await page.waitForFunction(() => /^Copying a snapshot of the store: zy_labels \(counting rows\) · table (\d+) of \1$/.test(document.querySelector('[data-testid=backtest-progress]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.click('[data-testid=backtest-cancel]');
    await page.waitForFunction(() => document.querySelector('[data-testid=backtest-progress]')?.textContent === 'Cancelled.', undefined, { timeout: 60_000 });
    await lock.query('ROLLBACK');
    assert.equal(readdirSync(snapshots).filter((d) => d.startsWith('zhiyu-snapshot-')), []);
    // Run again: the copy's rows, then the events, then the table.
    await page.click('[data-testid=backtest-run]');
    await page.locator('[data-testid=backtest-table]').waitFor({ timeout: 120_000 });
    assert.match(await progress.textContent() ?? '', /^Done: /);
    assert.equal(f.problems, []);
  } catch (e) {
    await closeChromium();
    throw e;
  } finally {
    await lock.query('ROLLBACK').catch(() => undefined);
    await lock.end();
    await cli('db', 'index', as(ROLE.owner), root);
  }
});

test('in Chromium: the status bar clears once the owner makes the index, and warns again when a saved edit needs a new one', async () => {
  const f = await fixture.get();
  const { page } = f;
  const warning = page.locator('[data-testid=store-warning]');
  const path = 'demo/fraud.zy';
  let wanted: string[] = [];
  try {
    // The previous test's index is back (its finally made it): the page's next look at the workspace clears the bar.
    await page.waitForFunction(() => (document.querySelector('[data-testid=store-warning]') as HTMLElement | null)?.hidden === true, undefined, { timeout: 60_000 });
    const rule = `
rule DEVICE_PASSWORD_BURST "Many password logins from one device"
  when event.type == "login" and count(by device_id, last 3d, where auth_method == "password") >= 40
  then review
  reason DEVICE_PASSWORD_BURST
`;
    const edited = (new Workspace(f.root).sources('demo').find((x) => x.path === path)!.text) + rule;
    const before = new Set(await coveringIndexes());
    const columns = new Set((await sql(admin, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'zhiyu' AND table_name = 'zy_events'`))[0]!.rows.map((r) => r.column_name as string));
    wanted = [...coveringIndexesOf([compile(new Workspace(f.root).sources('demo').map((x) => (x.path === path ? { ...x, text: edited } : x))).checked!], columns).keys()].filter((n) => !before.has(n));
    assert.is(wanted.length, 1, 'the edit needs one new index');
    await f.open(path);
    await page.evaluate((text) => {
      const m = (window as unknown as { __zhiyu: { editor: { getModel(): any } } }).__zhiyu.editor.getModel();
      m.pushEditOperations([], [{ range: m.getFullModelRange(), text }], () => null);
    }, edited);
    await f.checked(0);
    // The page's own 3-second look at the workspace skips a hidden page: hidden to it, only the save itself can bring the warning.
    await page.evaluate(() => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }));
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => /saved demo\/fraud\.zy/.test(document.getElementById('announce')?.textContent ?? ''));
    await page.waitForFunction((ix) => {
      const w = document.querySelector('[data-testid=store-warning]') as HTMLElement | null;
      return !!w && !w.hidden && (w.textContent ?? '').includes(ix);
    }, wanted[0]!, { timeout: 60_000 });
    assert.match(await warning.textContent() ?? '', new RegExp(`^ZY7012: .*${wanted[0]}.*zhiyu db index`));
    assert.equal(await coveringIndexes(), [...before].sort(), 'the service role created nothing');
    await page.evaluate(() => delete (document as { visibilityState?: unknown }).visibilityState);
    // The command the bar names, as the owner: the bar clears.
    assert.is((await cli('db', 'index', as(ROLE.owner), f.root)).code, 0);
    await page.waitForFunction(() => (document.querySelector('[data-testid=store-warning]') as HTMLElement | null)?.hidden === true, undefined, { timeout: 60_000 });
    assert.equal(f.problems, []);
  } finally {
    // The next test adds a rule over the same columns: it must find the database as the seed left it.
    for (const ix of wanted) await sql(as(ROLE.owner), `DROP INDEX IF EXISTS zhiyu.${ix}`);
    await closeChromium();
  }
});

test('an edit that adds a window re-checks the indexes: the service role\'s editor warns of the new one (ZY7012), and stops once the owner creates it', async () => {
  assert.is((await cli('db', 'index', as(ROLE.owner), root)).code, 0);
  assert.equal((await call(onPg.url, 'GET', '/api/workspace')).json.warnings, []);
  const path = 'demo/fraud.zy';
  const opened = await call(onPg.url, 'GET', `/api/file?path=${encodeURIComponent(path)}`);
  const rule = `
rule FACE_DEVICE_BURST "Many face logins from one device"
  when event.type == "login" and count(by device_id, last 7d, where auth_method == "face") >= 30
  then review
  reason FACE_DEVICE_BURST
`;
  const edited = opened.json.text + rule;
  // The one covering index the edit adds: over the device, the time and the filter's column.
  const before = new Set(await coveringIndexes());
  const columns = new Set((await sql(admin, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'zhiyu' AND table_name = 'zy_events'`))[0]!.rows.map((r) => r.column_name as string));
  const wanted = [...coveringIndexesOf([compile(sources().map((f) => (f.path === path ? { ...f, text: edited } : f))).checked!], columns).keys()].filter((n) => !before.has(n));
  assert.is(wanted.length, 1, 'the edit needs one new index');
  const saved = await call(onPg.url, 'PUT', '/api/file', { path, text: edited, baseHash: opened.json.hash });
  assert.is(saved.status, 200, saved.text);
  try {
    const ws = await call(onPg.url, 'GET', '/api/workspace');
    assert.equal(ws.json.warnings.map((w: any) => [w.code, w.indexes]), [['ZY7012', wanted]]);
    assert.match(ws.json.warnings[0].message, /must be owner/);
    assert.equal(await coveringIndexes(), [...before].sort(), 'the service role created nothing');
    const made = await cli('db', 'index', as(ROLE.owner), root);
    assert.match(made.out, new RegExp(`created [^\\n]*${wanted[0]}`));
    assert.equal((await call(onPg.url, 'GET', '/api/workspace')).json.warnings, []);
  } finally {
    const now = await call(onPg.url, 'GET', `/api/file?path=${encodeURIComponent(path)}`);
    assert.is((await call(onPg.url, 'PUT', '/api/file', { path, text: opened.json.text, baseHash: now.json.hash })).status, 200);
  }
});

test.run();
