// The editor's server on a real loopback socket, over a copy of the demo pack
// and a real SQLite demo database: files, path safety, conflicts, Try it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { demoDb } from './editor-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-editor-api-'));
const root = join(dir, 'rules');
const outside = join(dir, 'outside.zy');
let svc: EditorService;
let store: DB;

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${svc.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
};
const read = async (path: string) => (await call('GET', `/api/file?path=${encodeURIComponent(path)}`)).json as { text: string; hash: string };

test.before(async () => {
  cpSync(join(import.meta.dirname, '..', 'rules', 'demo'), join(root, 'demo'), { recursive: true });
  writeFileSync(outside, '# not part of any pack\n');
  // The run's demo database (300 customers, seeded once), copied.
  copyFileSync(await demoDb(), join(dir, 'demo.db'));
  store = openStore(join(dir, 'demo.db'), { readonly: true });
  svc = await startEditor({ root, store, port: 0 });
});
test.after(async () => { await svc.close(); store.close(); rmSync(dir, { recursive: true, force: true }); });

test('the workspace lists the packs and their files', async () => {
  const r = await call('GET', '/api/workspace');
  assert.is(r.status, 200);
  const demo = r.json.packs.find((p: { name: string }) => p.name === 'demo');
  assert.ok(demo.files.some((f: { path: string }) => f.path === 'demo/fraud.zy'));
  assert.match(svc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('save writes the file; a stale save is refused and the disk is untouched; force overwrites', async () => {
  const f = await read('demo/fraud.zy');
  const edited = `${f.text}\n# edited in the browser\n`;
  const ok = await call('PUT', '/api/file', { path: 'demo/fraud.zy', text: edited, baseHash: f.hash });
  assert.is(ok.status, 200, ok.text);
  assert.is(readFileSync(join(root, 'demo/fraud.zy'), 'utf8'), edited);
  // Someone else changes the file; the browser still holds the old hash.
  writeFileSync(join(root, 'demo/fraud.zy'), `${edited}# changed on disk\n`);
  const stale = await call('PUT', '/api/file', { path: 'demo/fraud.zy', text: 'mine', baseHash: ok.json.hash });
  assert.is(stale.status, 409);
  assert.is(stale.json.error.code, 'ZY8102');
  assert.match(readFileSync(join(root, 'demo/fraud.zy'), 'utf8'), /# changed on disk/);
  const forced = await call('PUT', '/api/file', { path: 'demo/fraud.zy', text: f.text, baseHash: ok.json.hash, force: true });
  assert.is(forced.status, 200);
  assert.is(readFileSync(join(root, 'demo/fraud.zy'), 'utf8'), f.text);
});

test('paths outside the pack are refused: .., absolute, symlinks, hidden, other extensions', async () => {
  symlinkSync(outside, join(root, 'demo', 'link.zy'));
  symlinkSync(dir, join(root, 'demo', 'linkdir'));
  const bad = ['../outside.zy', 'demo/../../outside.zy', '/etc/passwd', outside, 'demo/link.zy', 'demo/linkdir/outside.zy',
    'demo/.hidden.zy', 'demo/notes.txt', 'elsewhere/x.zy', 'demo\\..\\..\\outside.zy', 'demo/./fraud.zy', ''];
  for (const path of bad) {
    const w = await call('PUT', '/api/file', { path, text: 'pwned', baseHash: 'x', force: true });
    assert.is(w.status, 403, `save ${path}: ${w.text}`);
    assert.is(w.json.error.code, 'ZY8101');
    const c = await call('POST', '/api/file', { path, text: 'pwned' });
    assert.ok(c.status === 403, `create ${path}: ${c.status}`);
    const r = await call('GET', `/api/file?path=${encodeURIComponent(path)}`);
    assert.is(r.status, 403, `read ${path}`);
  }
  assert.is(readFileSync(outside, 'utf8'), '# not part of any pack\n');
  const ren = await call('POST', '/api/rename', { from: 'demo/fraud.zy', to: '../stolen.zy' });
  assert.is(ren.status, 403);
  assert.ok(existsSync(join(root, 'demo/fraud.zy')));
  const del = await call('DELETE', `/api/file?path=${encodeURIComponent('demo/link.zy')}`);
  assert.is(del.status, 403);
  assert.ok(existsSync(outside));
  rmSync(join(root, 'demo', 'link.zy'));
  rmSync(join(root, 'demo', 'linkdir'));
});

test('create, rename and delete inside a pack', async () => {
  const c = await call('POST', '/api/file', { path: 'demo/extra.zy', text: 'const EXTRA = 1\n' });
  assert.is(c.status, 200, c.text);
  assert.is((await call('POST', '/api/file', { path: 'demo/extra.zy', text: '' })).json.error.code, 'ZY8103');
  const r = await call('POST', '/api/rename', { from: 'demo/extra.zy', to: 'demo/more.zy' });
  assert.is(r.status, 200, r.text);
  assert.ok(existsSync(join(root, 'demo/more.zy')));
  assert.not.ok(existsSync(join(root, 'demo/extra.zy')));
  assert.is((await call('DELETE', '/api/file?path=demo%2Fmore.zy')).status, 200);
  assert.not.ok(existsSync(join(root, 'demo/more.zy')));
  assert.is((await call('DELETE', '/api/file?path=demo%2Fmore.zy')).json.error.code, 'ZY8104');
});

const sources = async () => {
  const ws = (await call('GET', '/api/workspace')).json;
  const demo = ws.packs.find((p: { name: string }) => p.name === 'demo');
  return Promise.all(demo.files.filter((f: { path: string }) => f.path.endsWith('.zy')).map(async (f: { path: string }) => ({ path: f.path, text: (await read(f.path)).text })));
};

test('Try it: a test case, a stored event as of its own time, and a hand-typed event', async () => {
  const files = await sources();
  const t = await call('POST', '/api/try', { files, test: 'the police list blocks' });
  assert.is(t.status, 200, t.text);
  assert.is(t.json.decision.outcome, 'block');
  const rule = t.json.trace.find((x: { id: string }) => x.id === 'POLICE_LIST_PAYEE');
  assert.ok(rule.fired);
  assert.ok(rule.steps.some((s: { truth?: boolean }) => s.truth === true), 'the conditions that decided, with their truth');

  const ev = await call('GET', '/api/events?pack=demo&labelled=1');
  assert.is(ev.status, 200);
  assert.ok(ev.json.events.length > 0, 'the demo database has labelled events');
  const demoTypes = ['application', 'login', 'login_failed', 'password_reset', 'payee_add', 'drawdown', 'transfer_out'];
  const all = (await call('GET', '/api/events?pack=demo')).json.events;
  assert.ok(all.length > 0 && all.every((e: { event: { type: string } }) => demoTypes.includes(e.event.type)), 'only events the pack can decide (the database also holds conduct events)');
  const stored = ev.json.events[0];
  assert.match(stored.event.occurred_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  const s = await call('POST', '/api/try', { files, event: stored.event, seq: stored.seq });
  assert.is(s.status, 200, s.text);
  assert.ok(typeof s.json.decision.outcome === 'string');

  const hand = await call('POST', '/api/try', { files, event: { type: 'transfer_out', amount: 100, payee_id: 'nobody', occurred_at: '2026-03-01T10:00:00+08:00' } });
  assert.is(hand.status, 200, hand.text);
  assert.is(hand.json.decision.outcome, 'allow');
});

test('Try it: bad input gets a clear error and the server keeps serving', async () => {
  const files = await sources();
  const wrong = await call('POST', '/api/try', { files, event: { type: 'transfer_out', amount: 'lots', occurred_at: '2026-03-01T10:00' } });
  assert.is(wrong.status, 422);
  assert.is(wrong.json.error.code, 'ZY4001');
  assert.is(wrong.json.error.field, 'event.amount');
  const broken = files.map((f: { path: string; text: string }) => (f.path === 'demo/fraud.zy' ? { ...f, text: f.text.replace('device.in_call', 'device.in_cal') } : f));
  const b = await call('POST', '/api/try', { files: broken, event: {} });
  assert.is(b.status, 422);
  assert.ok(b.json.error.diagnostics.length > 0);
  assert.is((await call('POST', '/api/try', '{not json')).status, 400);
  assert.is((await call('POST', '/api/try', { files: 'nope' })).status, 400);
  assert.is((await call('POST', '/api/try', { files, test: 'no such test' })).status, 404);
  const health = await call('GET', '/healthz');
  assert.is(health.status, 200);
});

test('a pack with a JSON Logic predicate: the named file is a source, scenarios are not', async () => {
  await call('POST', '/api/file', { path: 'demo/big_transfer.json', text: '{ ">=": [{ "var": "amount" }, 1000000] }' });
  await call('POST', '/api/file', { path: 'demo/imported.zy', text: 'predicate big_transfer = jsonlogic "big_transfer.json"\n\nrule BIG "Big transfer (JSON Logic)"\n  when event.type == "transfer_out" and big_transfer\n  then review\n  reason BIG\n' });
  try {
    const files = await sources();
    assert.ok(files.some((f: { path: string }) => f.path === 'demo/imported.zy'));
    const withJson = [...files, { path: 'demo/big_transfer.json', text: (await read('demo/big_transfer.json')).text }];
    const t = await call('POST', '/api/try', { files: withJson, event: { type: 'transfer_out', amount: 2000000, payee_id: 'p', occurred_at: '2026-03-01T10:00:00+08:00' } });
    assert.is(t.status, 200, t.text);
    assert.ok(t.json.decision.fired.some((f: { id: string }) => f.id === 'BIG'));
    const { Workspace } = await import('../editor/server/workspace.ts');
    const paths = new Workspace(root).sources('demo').map((f) => f.path);
    assert.ok(paths.includes('demo/big_transfer.json'), 'the named JSON file is a source');
    assert.not.ok(paths.some((p) => p.includes('scenarios/')), 'scenario JSON is not');
  } finally {
    await call('DELETE', '/api/file?path=demo%2Fimported.zy');
    await call('DELETE', '/api/file?path=demo%2Fbig_transfer.json');
  }
});

test('Backtest: the pack as edited against the pack as saved, over the database', async () => {
  const files = await sources();
  const same = await call('POST', '/api/backtest', { pack: 'demo', files });
  assert.is(same.status, 200, same.text);
  assert.ok(same.json.events > 1000, 'the demo database replays');
  assert.is(same.json.baseline, undefined, 'nothing edited: no comparison');
  const police = same.json.rules.find((r: { id: string }) => r.id === 'POLICE_LIST_PAYEE');
  assert.ok(police.hits > 0 && police.precision > 0.5, JSON.stringify(police));
  // Loosen a rule: more events are held, and the comparison says which moved.
  const edited = files.map((f: { path: string; text: string }) => (f.path === 'demo/fraud.zy' ? { ...f, text: f.text.replace('count(by customer_id, last 10m, where type == "login_failed") >= 5', 'count(by customer_id, last 10m, where type == "login_failed") >= 1') } : f));
  const changed = await call('POST', '/api/backtest', { pack: 'demo', files: edited });
  assert.is(changed.status, 200, changed.text);
  assert.ok(changed.json.baseline.changed > 0);
  assert.ok(changed.json.baseline.transitions.some((t: { from: string; to: string }) => t.from === 'allow' && t.to === 'review'));
  const broken = await call('POST', '/api/backtest', { pack: 'demo', files: files.map((f: { text: string }) => ({ ...f, text: f.text.replace('then review', 'then reviw') })) });
  assert.is(broken.status, 422);
});

test('the decision API serves the pack next to the editor', async () => {
  const d = await call('POST', '/v1/decide', { type: 'transfer_out', amount: 100, payee_id: 'x', occurred_at: '2026-03-01T10:00' });
  assert.is(d.status, 200, d.text);
  assert.is(d.json.outcome, 'allow');
  assert.is(d.json.pack, 'demo');
});

test('another web page cannot drive the editor: origin, content type and host are checked', async () => {
  const before = readFileSync(join(root, 'demo/fraud.zy'), 'utf8');
  const f = await read('demo/fraud.zy');
  const attempt = (headers: Record<string, string>) => fetch(`${svc.url}/api/file`, { method: 'PUT', headers, body: JSON.stringify({ path: 'demo/fraud.zy', text: 'pwned', baseHash: f.hash }) });
  assert.is((await attempt({ 'content-type': 'application/json', origin: 'http://evil.example' })).status, 403);
  assert.is((await attempt({ 'content-type': 'text/plain' })).status, 415, 'a form or no-cors post cannot send JSON');
  assert.is((await attempt({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status, 403);
  const del = await fetch(`${svc.url}/api/file?path=demo%2Ffraud.zy`, { method: 'DELETE', headers: { origin: 'http://evil.example' } });
  assert.is(del.status, 403);
  assert.is(readFileSync(join(root, 'demo/fraud.zy'), 'utf8'), before);
  // DNS rebinding: a foreign host name pointing at 127.0.0.1 gets nothing.
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve) => {
    request(`${svc.url}/api/workspace`, { headers: { host: 'attacker.example:80' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).end();
  });
  assert.is(status, 403);
  assert.is((await attempt({ 'content-type': 'application/json', origin: svc.url })).status, 200, 'our own origin may');
  writeFileSync(join(root, 'demo/fraud.zy'), before);
});

test('off loopback, the editor needs the access token', async () => {
  const open = await startEditor({ root, host: '0.0.0.0', port: 0, token: 'sesame-123' });
  const port = new URL(open.url).port;
  try {
    const base = `http://127.0.0.1:${port}`;
    assert.is((await fetch(`${base}/api/workspace`)).status, 401);
    assert.is((await fetch(`${base}/api/workspace`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.is((await fetch(`${base}/api/workspace`, { headers: { authorization: 'Bearer sesame-123' } })).status, 200);
    const login = await fetch(`${base}/?token=sesame-123`, { redirect: 'manual' });
    assert.is(login.status, 303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    assert.match(login.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict/);
    assert.is((await fetch(`${base}/api/workspace`, { headers: { cookie } })).status, 200);
  } finally { await open.close(); }
});

test('binding beyond loopback needs a token', async () => {
  let refused = false;
  try { await startEditor({ root, host: '0.0.0.0', port: 0 }); } catch { refused = true; }
  assert.ok(refused);
});

test.run();
