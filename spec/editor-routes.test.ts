// The editor server's routes for issue 19, over a real loopback socket, a
// copy of the shipped packs and the seeded demo database: Try it's event
// search, the backtest's progress, cancel, rule marks, redundancy and event
// lists, and how the built editor is served (compressed, cached for good).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { backtestRoutes } from '../editor/server/backtest-routes.ts';
import { EDITOR_DIST } from '../editor/server/static.ts';
import { Workspace } from '../editor/server/workspace.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { ensureEditorBuilt } from './browser.ts';
import { demoDb } from './editor-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-editor-routes-'));
const root = join(dir, 'rules');
let svc: EditorService;
let store: DB;
/** The backtest the server runs waits for this before it starts (see the cancel test). */
let gate: Promise<void> = Promise.resolve();

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${svc.url}${path}`, { method, headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
};
type Found = { events: { seq: number; label: string | null; event: Record<string, unknown> }[]; more: boolean; ms: number };
const search = async (q: string): Promise<Found> => {
  const r = await call('GET', `/api/events?pack=demo&${q}`);
  assert.is(r.status, 200, r.text);
  return r.json as Found;
};
const sources = () => new Workspace(root).sources('demo');

test.before(async () => {
  cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
  store = openStore(await demoDb(), { readonly: true });
  const ws = new Workspace(root);
  const run: typeof backtest = async (...args) => { await gate; return backtest(...args); };
  svc = await startEditor({ root, store, port: 0, more: backtestRoutes(store, () => ws, { run }).more! });
});
test.after(async () => { await svc.close(); store.close(); rmSync(dir, { recursive: true, force: true }); });

test('event search: by number, customer, type, time and label, newest first, a page at a time', async () => {
  const latest = await search('limit=20');
  assert.is(latest.events.length, 20);
  assert.ok(latest.more);
  const times = latest.events.map((e) => Date.parse(String(e.event['occurred_at'])));
  assert.equal(times, [...times].sort((a, b) => b - a), 'newest first, by the event\'s own time');

  const one = latest.events[7]!;
  assert.equal((await search(`seq=%23${one.seq}`)).events.map((e) => e.seq), [one.seq], '#number');
  const customer = String(one.event['customer_id']);
  const mine = await search(`customer=${encodeURIComponent(customer)}&limit=200`);
  assert.ok(mine.events.length >= 1 && mine.events.every((e) => e.event['customer_id'] === customer));
  const logins = await search('type=login&limit=50');
  assert.ok(logins.events.length > 0 && logins.events.every((e) => e.event['type'] === 'login'));
  const day = String(one.event['occurred_at']).slice(0, 10);
  const thatDay = await search(`from=${day}&to=${day}%2023:59:59&limit=200`);
  assert.ok(thatDay.events.some((e) => e.seq === one.seq));
  assert.ok(thatDay.events.every((e) => String(e.event['occurred_at']).startsWith(day)), 'local dates (Asia/Shanghai)');
  const labelled = await search('labelled=1&limit=50');
  assert.ok(labelled.events.length > 0 && labelled.events.every((e) => e.label !== null));
  // A short page of labelled-only walks the time index (labels are dense enough here); narrowed by a
  // time range it looks the labelled events up by number instead: the same page either way.
  const walked = await search('labelled=1&limit=3');
  const byNumber = await search('labelled=1&limit=3&from=2000-01-01');
  assert.equal(walked.events.map((e) => e.seq), byNumber.events.map((e) => e.seq), 'both plans list the same events');
  assert.equal(walked.events.map((e) => e.seq), labelled.events.slice(0, 3).map((e) => e.seq));
  assert.ok(walked.more && byNumber.more);

  // Paging: the next page starts after the last event shown, and none repeats.
  const next = await search(`limit=20&before=${latest.events[19]!.seq}`);
  assert.is(next.events.length, 20);
  assert.not.ok(next.events.some((e) => latest.events.some((x) => x.seq === e.seq)));
  assert.ok(Date.parse(String(next.events[0]!.event['occurred_at'])) <= times[19]!);

  const bad = await call('GET', '/api/events?pack=demo&from=yesterday');
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ZY4003');
  assert.match(bad.json.error.message, /2026-03-01 10:00/);
  assert.is((await call('GET', '/api/events?pack=demo&seq=abc')).status, 400);
});

test('backtest: progress while it runs, and Cancel stops it', async () => {
  let release!: () => void;
  gate = new Promise((r) => { release = r; });
  assert.equal((await call('GET', '/api/backtest/progress')).json, { running: false });
  assert.is((await call('POST', '/api/backtest/cancel', {})).status, 409, 'nothing to cancel');
  const files = sources();
  const running = call('POST', '/api/backtest', { pack: 'demo', files });
  // The run is held at its start: the server says it is running, and a second one is refused.
  for (;;) { if ((await call('GET', '/api/backtest/progress')).json.running) break; }
  assert.is((await call('POST', '/api/backtest', { pack: 'demo', files })).status, 409);
  assert.equal((await call('POST', '/api/backtest/cancel', {})).json, { cancelled: true });
  release();
  const r = await running;
  assert.is(r.status, 422);
  assert.is(r.json.error.code, 'ZY7505');
  assert.equal((await call('GET', '/api/backtest/progress')).json, { running: false });
  gate = Promise.resolve();
});

test('backtest: money, new and changed rules, a rule redundant with another, and the events behind a number', async () => {
  const saved = sources();
  const i = saved.findIndex((f) => f.path === 'demo/fraud.zy');
  // Changed: a threshold moved in a rule. New: a copy of the police-list rule that only reviews, which the original always outranks.
  const police = /rule POLICE_LIST_PAYEE[\s\S]*?(?=\n(?:rule|test|const|predicate|#)|$)/.exec(saved[i]!.text)![0];
  const copy = police.replace('rule POLICE_LIST_PAYEE', 'rule POLICE_COPY').replace(/then \w+/, 'then review').replace(/reason \w+/, 'reason POLICE_COPY');
  const edited = saved.map((f, k) => (k === i ? { ...f, text: `${f.text.replace('and event.amount >= ¥10000', 'and event.amount >= ¥20000')}\n${copy}\n` } : f));
  const r = await call('POST', '/api/backtest', { pack: 'demo', files: edited });
  assert.is(r.status, 200, r.text);
  const rules = r.json.rules as { id: string; hits: number; caught: number | null; goodStopped: number | null; positiveHits: number; status?: string; redundantWith: string[] }[];
  const byId = (id: string) => rules.find((x) => x.id === id)!;
  assert.is(r.json.money, true);
  assert.is(byId('POLICE_COPY').status, 'new');
  assert.is(byId('ELDERLY_LARGE').status, 'changed');
  assert.is(byId('TF_NEW_PAYEE_ON_CALL').status, undefined, 'the rules not edited are not marked');
  assert.equal(byId('POLICE_COPY').redundantWith, ['POLICE_LIST_PAYEE'], 'every hit of the copy is already blocked by the original');
  assert.equal(byId('POLICE_LIST_PAYEE').redundantWith, [], 'the original is not redundant: the copy only reviews');
  const police2 = byId('POLICE_LIST_PAYEE');
  assert.ok(police2.hits > 0);
  assert.is((police2.caught ?? 0) + (police2.goodStopped ?? 0) > 0, true);

  const hits = await call('GET', '/api/backtest/events?rule=POLICE_LIST_PAYEE&kind=hits');
  assert.is(hits.status, 200, hits.text);
  assert.is(hits.json.total, police2.hits);
  assert.is(hits.json.events.length, Math.min(police2.hits, 200));
  assert.ok(hits.json.events.every((e: { event: { payee_id?: string } }) => typeof e.event.payee_id === 'string'));
  const fraud = await call('GET', '/api/backtest/events?rule=POLICE_LIST_PAYEE&kind=positive');
  assert.is(fraud.json.total, police2.positiveHits);
  assert.ok(fraud.json.events.every((e: { label: string | null }) => e.label === 'fraud' || e.label === 'chargeback' || e.label === null), 'labelled fraud (or through the customer)');
  assert.is((await call('GET', '/api/backtest/events?rule=NOPE&kind=hits')).status, 404);
  assert.is((await call('GET', '/api/backtest/events?rule=POLICE_LIST_PAYEE&kind=all')).status, 400);
});

test('the built editor is served compressed, and its hashed files are cached for good', async () => {
  await ensureEditorBuilt();
  const main = readdirSync(EDITOR_DIST).find((f) => /^main-[A-Z0-9]{8}\.js$/.test(f))!;
  const page = await fetch(`${svc.url}/`, { headers: { 'accept-encoding': 'br' } });
  assert.is(page.headers.get('cache-control'), 'no-cache', 'the page names the current files: always asked again');
  const html = await page.text();
  assert.ok(html.includes(`/${main}`), 'the page names the hashed script');
  // The script comes in chunks V8 parses side by side (scripts/build-editor.js): the page preloads every one, and each is kept for good.
  const chunks = readdirSync(EDITOR_DIST).filter((f) => /^chunk-[A-Z0-9]{8}\.js$/.test(f));
  assert.ok(chunks.length >= 2, `the script is split in chunks (${chunks.length})`);
  for (const c of [main, ...chunks]) assert.ok(html.includes(`<link rel="modulepreload" href="/${c}">`), `the page preloads ${c}`);
  const chunk = await fetch(`${svc.url}/${chunks[0]}`, { headers: { 'accept-encoding': 'br' } });
  assert.is(chunk.status, 200);
  assert.match(chunk.headers.get('cache-control') ?? '', /immutable/);
  const raw = await fetch(`${svc.url}/${main}`, { headers: { 'accept-encoding': 'identity' } });
  const rawBody = Buffer.from(await raw.arrayBuffer());
  assert.is(raw.headers.get('content-encoding'), null);
  assert.match(raw.headers.get('cache-control') ?? '', /immutable/);
  // fetch() decodes; read the compressed bytes through node's http instead.
  const { request } = await import('node:http');
  const br = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    request(`${svc.url}/${main}`, { headers: { 'accept-encoding': 'gzip, br' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
  assert.is(br.headers['content-encoding'], 'br');
  assert.is(br.headers['vary'], 'accept-encoding');
  assert.ok(br.body.length < rawBody.length / 3, `${br.body.length} bytes compressed, ${rawBody.length} plain`);
  assert.ok(brotliDecompressSync(br.body).equals(rawBody));
  assert.is((await fetch(`${svc.url}/${main}.br`)).status, 404, 'the compressed copies are not files of their own');
});

test.run();
