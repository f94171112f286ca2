// The editor over PostgreSQL (`zhiyu serve <dir> --db postgres://…`): Try
// it's stored-event search, Try it on a stored event and the Backtest panel
// answer over HTTP exactly what the same editor answers over a SQLite file
// seeded with the same demo data; a backtest reports its progress and can be
// cancelled; a PostgreSQL that goes away mid-session gives each panel a 503
// with ZY7010, and the panels work again when it returns, with no restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { backtestRoutes } from '../editor/server/backtest-routes.ts';
import { Workspace } from '../editor/server/workspace.ts';
import { backtest, type BacktestProgress } from '../runtime/backtest/index.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import type { EditorOptions } from '../editor/server/app.ts';
import { cli, serveCli, type Served } from './cli-run.ts';
import { demoDb, editorFixture } from './editor-fixture.ts';
import { pgServer, type PgServer } from './pg-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-editor-'));
const root = join(dir, 'rules');
const file = join(dir, 'demo.db');
let server: PgServer;
let url: string;
let onFile: Served;
let onPg: Served;

interface Reply { status: number; text: string; json: any }
const call = async (base: string, method: string, path: string, body?: unknown): Promise<Reply> => {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
};
/** The same request to both editors: both must answer 200; returns [SQLite's, PostgreSQL's]. */
const both = async (method: string, path: string, body?: unknown): Promise<[any, any]> => {
  const [a, b] = [await call(onFile.url, method, path, body), await call(onPg.url, method, path, body)];
  assert.is(a.status, 200, `SQLite: ${path}: ${a.text}`);
  assert.is(b.status, 200, `PostgreSQL: ${path}: ${b.text}`);
  return [a.json, b.json];
};
const sources = (pack = 'demo') => new Workspace(root).sources(pack);

test.before(async () => {
  server = await pgServer();
  url = await server.database('editor');
  const r = await cli('db', 'seed', '--demo', url, '--customers', '300');
  assert.is(r.code, 0, r.err);
  // The same seed on SQLite: the run's demo database (seeded once, by the same command), copied.
  copyFileSync(await demoDb(), file);
  cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
  [onFile, onPg] = [await serveCli([root, '--db', file]), await serveCli([root, '--db', url])];
});

test.after(async () => {
  await Promise.all([onFile?.stop(), onPg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('event search over PostgreSQL lists the rows SQLite lists: by number, customer, type, time, label, a page at a time', async () => {
  const [latest, latestPg] = await both('GET', '/api/events?pack=demo&limit=30');
  const { ms: _a, ...rest } = latest;
  const { ms: _b, ...restPg } = latestPg;
  assert.is(latest.events.length, 30);
  assert.equal(restPg, rest, 'the newest 30');
  const one = latest.events[7];
  const customer = encodeURIComponent(String(one.event['customer_id']));
  const day = String(one.event['occurred_at']).slice(0, 10);
  const queries = [
    `seq=%23${one.seq}`,
    `customer=${customer}&limit=200`,
    `customer=${customer}&type=${encodeURIComponent(String(one.event['type']))}`,
    'type=login&limit=50',
    'type=no_such_type',
    `from=${day}&to=${day}%2023:59:59&limit=200`,
    `from=${day}&limit=10`,
    'labelled=1&limit=50',
    'labelled=1&limit=3',
    'labelled=1&limit=3&from=2000-01-01',
    `limit=20&before=${latest.events[19].seq}`,
    `customer=${customer}&limit=2&before=${latest.events[0].seq}`,
  ];
  for (const pack of ['demo', 'fraud']) {
    for (const q of queries) {
      const [a, b] = await both('GET', `/api/events?pack=${pack}&${q}`);
      assert.equal({ events: b.events, more: b.more }, { events: a.events, more: a.more }, `${pack}: ${q}`);
    }
  }
  // Something was found, by each kind of search (the comparison above is not of empty lists).
  const [mine] = await both('GET', `/api/events?pack=demo&customer=${customer}&limit=200`);
  assert.ok(mine.events.length >= 1 && mine.events.every((e: any) => e.event['customer_id'] === one.event['customer_id']));
  const [labelled] = await both('GET', '/api/events?pack=demo&labelled=1&limit=50');
  assert.ok(labelled.events.length > 0 && labelled.events.every((e: any) => e.label !== null));
  const [bad, badPg] = [await call(onFile.url, 'GET', '/api/events?pack=demo&from=yesterday'), await call(onPg.url, 'GET', '/api/events?pack=demo&from=yesterday')];
  assert.is(badPg.status, 400);
  assert.equal(badPg.json, bad.json);
  const [ws, wsPg] = await both('GET', '/api/workspace');
  assert.is(ws.database, file);
  assert.match(wsPg.database, /^postgres:\/\/zhiyu:\*\*\*@127\.0\.0\.1:\d+\/editor$/, 'the URL without its password');
});

test('Try it on stored events over PostgreSQL: the decision and the painted trace SQLite gives', async () => {
  const files = sources();
  // Recent events, then labelled transfers until some rule has fired (the comparison is not only of quiet decisions).
  const [recent] = await both('GET', '/api/events?pack=demo&limit=4');
  const [labelled] = await both('GET', '/api/events?pack=demo&labelled=1&type=transfer_out&limit=50');
  const events = [...recent.events, ...labelled.events];
  let fired = 0;
  let tried = 0;
  for (const e of events) {
    const [a, b] = await both('POST', '/api/try', { files, seq: e.seq, event: e.event });
    assert.equal(b, a, `#${e.seq}`);
    fired += a.decision.fired?.length ?? 0;
    if (++tried >= 10 && fired > 0) break;
  }
  assert.ok(fired > 0, 'some rule fired on the events tried');
  // Typed JSON (no number): read against the store as it is now.
  const [a, b] = await both('POST', '/api/try', { files, event: events[0].event });
  assert.equal(b, a, 'typed event');
  assert.ok(a.trace.length > 0, 'a trace to paint');
  // An edit whose window reads a column the store does not have: the same coded answer from both (the messages are the databases' own).
  const widened = files.map((f) => (f.path === 'demo/pack.zy' ? { ...f, text: f.text.replace('  amount: money "Amount in fen"', '  amount: money "Amount in fen"\n  merchant_code: string "The merchant"') }
    : f.path === 'demo/fraud.zy' ? { ...f, text: `${f.text}\nrule NEW_COLUMN "A window over a column not stored yet"\n  when distinct(merchant_code, by customer_id, last 7d) >= 2\n  score +1\n  reason DEVICE_RISK\n` } : f));
  const e = events[0];
  const [x, y] = [await call(onFile.url, 'POST', '/api/try', { files: widened, seq: e.seq, event: e.event }), await call(onPg.url, 'POST', '/api/try', { files: widened, seq: e.seq, event: e.event })];
  assert.equal([x.status, x.json?.error?.code], [422, 'ZY7001'], x.text);
  assert.equal([y.status, y.json?.error?.code], [422, 'ZY7001'], y.text);
  assert.match(y.json.error.message, /merchant_code/);
});

test('the Backtest panel over PostgreSQL: the per-rule hits, outcomes, precision and recall SQLite gives, and the events behind a number', async () => {
  const files = sources();
  const i = files.findIndex((f) => f.path === 'demo/fraud.zy');
  const edited = files.map((f, k) => (k === i ? { ...f, text: f.text.replace('and event.amount >= ¥10000', 'and event.amount >= ¥20000') } : f));
  assert.ok(edited[i]!.text !== files[i]!.text, 'the edit applies');
  const [a, b] = await both('POST', '/api/backtest', { pack: 'demo', files: edited });
  assert.ok(a.events > 0 && a.rules.some((r: any) => r.hits > 0 && r.precision !== null), 'something to compare');
  const { ms: _m, warnings: wa, ...restA } = a;
  const { ms: _n, warnings: wb, ...restB } = b;
  assert.equal(restB.rules, restA.rules, 'per-rule results');
  assert.equal(restB.outcomes, restA.outcomes, 'outcomes');
  assert.equal(restB, restA, 'the whole summary');
  assert.equal(wb.filter((w: string) => !/copy of postgres/.test(w)), wa);
  assert.ok(a.baseline && a.baseline.changed > 0, 'compared with the pack as saved');
  for (const r of a.rules.filter((x: any) => x.hits > 0).slice(0, 4)) {
    for (const kind of ['hits', 'positive', 'other']) {
      const [x, y] = await both('GET', `/api/backtest/events?rule=${r.id}&kind=${kind}`);
      assert.equal(y, x, `${r.id} ${kind}`);
    }
  }
  // The Outcomes page reads a snapshot copy of the server, and says so.
  const page = await call(onPg.url, 'GET', '/outcomes');
  assert.is(page.status, 200, page.text.slice(0, 500));
  assert.match(page.text, /read from a copy of postgres:\/\/zhiyu:\*\*\*@/);
  const [p, q] = await both('GET', '/api/backtest/progress');
  assert.equal([p, q], [{ running: false }, { running: false }]);
});

// The last tests run one editor in this process over its own connection, to hold a backtest at a known moment and to stop the server.
let store: PostgresStore;
let svc: EditorService;
/** The backtest the in-process editor runs waits for this before it starts; what it reported is kept. */
let gate: Promise<void> = Promise.resolve();
const reported: BacktestProgress[] = [];

test('a backtest over PostgreSQL reports its progress to the end, and Cancel stops one', async () => {
  store = await PostgresStore.open(url, { acquireTimeoutMs: 1000 });
  const ws = new Workspace(root);
  const run: typeof backtest = async (program, ref, opts = {}) => {
    await gate;
    return backtest(program, ref, { ...opts, onProgress: (p) => { reported.push(p); opts.onProgress?.(p); } });
  };
  svc = await startEditor({ root, store, port: 0, more: backtestRoutes(store, () => ws, { run }).more! });
  const files = sources();
  const done = await call(svc.url, 'POST', '/api/backtest', { pack: 'demo', files });
  assert.is(done.status, 200, done.text);
  const last = reported[reported.length - 1]!;
  assert.ok(last.total > 0 && last.done === last.total && last.done >= done.json.events, 'progress counted every event');

  let release!: () => void;
  gate = new Promise((r) => { release = r; });
  const running = call(svc.url, 'POST', '/api/backtest', { pack: 'demo', files });
  for (;;) { if ((await call(svc.url, 'GET', '/api/backtest/progress')).json.running) break; }
  assert.is((await call(svc.url, 'POST', '/api/backtest', { pack: 'demo', files })).status, 409, 'one at a time');
  assert.equal((await call(svc.url, 'POST', '/api/backtest/cancel', {})).json, { cancelled: true });
  release();
  const r = await running;
  assert.is(r.status, 422, r.text);
  assert.is(r.json.error.code, 'ZY7505');
  assert.equal((await call(svc.url, 'GET', '/api/backtest/progress')).json, { running: false });
  gate = Promise.resolve();
});

test('PostgreSQL goes away mid-session: search, Try it and Backtest answer 503 ZY7010, and work again when it returns', async () => {
  const files = sources();
  const found = await call(svc.url, 'GET', '/api/events?pack=demo&limit=3');
  assert.is(found.status, 200, found.text);
  const e = found.json.events[0];
  const tried = await call(svc.url, 'POST', '/api/try', { files, seq: e.seq, event: e.event });
  assert.is(tried.status, 200, tried.text);
  await server.stop();
  try {
    for (const [method, path, body] of [
      ['GET', '/api/events?pack=demo&limit=3'], ['POST', '/api/try', { files, seq: e.seq, event: e.event }],
      ['POST', '/api/backtest', { pack: 'demo', files }], ['GET', `/api/backtest/events?rule=${encodeURIComponent('POLICE_LIST_PAYEE')}&kind=hits`],
    ] as [string, string, unknown?][]) {
      const r = await call(svc.url, method, path, body);
      assert.is(r.status, 503, `${method} ${path}: ${r.text}`);
      assert.is(r.json.error.code, 'ZY7010', r.text);
      assert.match(r.json.error.message, /unavailable/);
    }
    assert.is((await call(svc.url, 'GET', '/api/workspace')).status, 200, 'the editor itself stays up');
  } finally {
    await server.start();
  }
  const again = await call(svc.url, 'GET', '/api/events?pack=demo&limit=3');
  assert.is(again.status, 200, again.text);
  assert.equal(again.json.events, found.json.events);
  const retried = await call(svc.url, 'POST', '/api/try', { files, seq: e.seq, event: e.event });
  assert.is(retried.status, 200, retried.text);
  assert.equal(retried.json, tried.json);
  // (A backtest after an outage: the Chromium test below.)
  await svc.close();
  await store.close();
});

// In real Chromium: the editor's page over PostgreSQL, through an outage.
const served: Partial<EditorOptions> = {};
const fixture = editorFixture({ server: served });

test('in Chromium: Try it on a stored event and a backtest over PostgreSQL; an outage shows ZY7010 in each panel, and both work again after it', async () => {
  const pgStore = await PostgresStore.open(url, { acquireTimeoutMs: 1000 });
  Object.assign(served, { store: pgStore });
  try {
    const f = await fixture.get();
    const { page } = f;
    await f.open('demo/fraud.zy');
    await f.checked(0);
    // A labelled transfer, and what the editor over SQLite decides for it.
    const [found] = await both('GET', '/api/events?pack=demo&labelled=1&type=transfer_out&limit=1');
    const e = found.events[0];
    const [expected] = await both('POST', '/api/try', { files: sources(), seq: e.seq, event: e.event });
    await page.click('#tab-try');
    await page.selectOption('[data-testid=try-source]', 'stored');
    await page.locator('[data-testid=try-events] .event-row').first().waitFor({ timeout: 60_000 });
    await page.fill('[data-testid=search-seq]', `#${e.seq}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((s) => { const r = document.querySelectorAll('[data-testid=try-events] .event-row'); return r.length === 1 && (r[0] as HTMLElement).dataset['seq'] === s; }, String(e.seq));
    const run = async () => {
      await page.click('[data-testid=try-run]');
      await page.locator('[data-testid=try-outcome], [data-testid=try-error]').first().waitFor({ timeout: 60_000 });
    };
    await run();
    assert.is(await page.locator('[data-testid=try-outcome]').textContent(), expected.decision.outcome, 'the outcome SQLite gives');

    await server.stop();
    try {
      await run();
      assert.match(await page.locator('[data-testid=try-error]').textContent() ?? '', /^ZY7010: the feature store \(postgres:\/\/zhiyu:\*\*\*@[^)]*\) is unavailable/);
      await page.click('#tab-backtest');
      await page.click('[data-testid=backtest-run]');
      await page.locator('[data-testid=backtest-out] .bad').waitFor({ timeout: 60_000 });
      assert.match(await page.locator('[data-testid=backtest-out] .bad').textContent() ?? '', /^ZY7010: .*unavailable/);
    } finally {
      await server.start();
    }
    await page.click('[data-testid=backtest-run]');
    await page.locator('[data-testid=backtest-table]').waitFor({ timeout: 120_000 });
    assert.ok(await page.locator('tr[data-rule=POLICE_LIST_PAYEE]').count() === 1);
    await page.click('#tab-try');
    await run();
    assert.is(await page.locator('[data-testid=try-outcome]').textContent(), expected.decision.outcome, 'the same outcome after the outage');
    assert.equal(f.problems.filter((p) => !/status of 503/.test(p)), []);
  } finally {
    await fixture.close();
    await pgStore.close();
  }
});

test.run();
