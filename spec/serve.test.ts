import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { HttpError, requestTarget, send, serve, type RequestTarget, type Service } from '../runtime/server.ts';
import { Engine, MemoryProvider } from '../runtime/index.ts';
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';

const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const r = compile(files);
const keys = generateKeyPairSync('ed25519');
const v1 = writeBundle(r, files, keys.privateKey);
const r2 = compile(files.map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', 'version "0.2.0"') })));
const v2 = writeBundle(r2, files, keys.privateKey);
const TOKEN = 'test-token-123';
let svc: Service;

const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${svc.url}${path}`, { method, ...(body !== undefined ? { body } : {}), headers });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
};
const event = { type: 'transfer_out', payee_id: 'mule-7', amount: 500000, occurred_at: '2026-03-01T10:00' };

test.before(async () => {
  svc = await serve({ bundle: loadBundle(v1, { publicKey: keys.publicKey }), port: 0, token: TOKEN, verify: { publicKey: keys.publicKey }, provider: () => new MemoryProvider({ lists: { police_fraud_accounts: ['mule-7'] } }) });
});
test.after(async () => { await svc.close(); });

test('the service listens on loopback and decides', async () => {
  assert.match(svc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const d = await call('POST', '/v1/decide', JSON.stringify(event));
  assert.is(d.status, 200);
  assert.is(d.json.outcome, 'block');
  assert.is(d.json.fired[0].id, 'POLICE_LIST_PAYEE');
  assert.is(d.json.bundle, loadBundle(v1).hash);
  const h = await call('GET', '/healthz');
  assert.equal([h.status, h.json.status, h.json.version], [200, 'ok', '0.1.0']);
  const m = await call('GET', '/v1/bundle');
  assert.is(m.json.manifest.pack, 'demo');
});

test('bad requests get 4xx with field-level detail, and the service keeps serving', async () => {
  const bad = await call('POST', '/v1/decide', '{"type": "transfer_out", ');
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ZY4003');
  const wrong = await call('POST', '/v1/decide', JSON.stringify({ ...event, amount: 'lots' }));
  assert.equal([wrong.status, wrong.json.error.code, wrong.json.error.field], [422, 'ZY4001', 'event.amount']);
  const missing = await call('POST', '/v1/decide', JSON.stringify({ type: 'login' }));
  assert.equal([missing.status, missing.json.error.field], [422, 'event.occurred_at']);
  const strict = await call('POST', '/v1/decide?strict=1', JSON.stringify({ ...event, surprise: 1 }));
  assert.equal([strict.status, strict.json.error.code], [422, 'ZY4002']);
  const huge = await call('POST', '/v1/decide', JSON.stringify({ ...event, pad: 'x'.repeat(100_000) }));
  assert.is(huge.status, 413);
  assert.is((await call('GET', '/nope')).status, 404);
  assert.is((await call('POST', '/v1/decide', JSON.stringify(event))).status, 200);
});

test('POST /v1/decide/batch decides up to 1,000 events by one bundle, each bad event in its own place', async () => {
  const single = (await call('POST', '/v1/decide', JSON.stringify(event))).json;
  const login = { type: 'login', occurred_at: '2026-03-01T10:00' };
  const b = await call('POST', '/v1/decide/batch', JSON.stringify([event, { ...event, amount: 'lots' }, login, 7]));
  assert.is(b.status, 200);
  assert.is(b.json.decided, 2);
  assert.equal(b.json.results[0], single);
  assert.equal([b.json.results[1].error.code, b.json.results[1].error.field], ['ZY4001', 'event.amount']);
  assert.is(b.json.results[2].outcome, 'allow');
  assert.is(b.json.results[3].error.code, 'ZY4003');
  // The { "events": [...] } form and strict mode.
  const strict = await call('POST', '/v1/decide/batch?strict=1', JSON.stringify({ events: [{ ...event, surprise: 1 }, event] }));
  assert.equal([strict.json.results[0].error.code, strict.json.results[1].outcome], ['ZY4002', 'block']);
  const full = await call('POST', '/v1/decide/batch', JSON.stringify(Array.from({ length: 1000 }, () => login)));
  assert.equal([full.status, full.json.decided], [200, 1000]);
  const over = await call('POST', '/v1/decide/batch', JSON.stringify(Array.from({ length: 1001 }, () => login)));
  assert.equal([over.status, over.json.error.code], [413, 'ZY4003']);
  assert.equal((await call('POST', '/v1/decide/batch', '{"events": 3}')).status, 400);
  assert.equal((await call('POST', '/v1/decide/batch', '[')).status, 400);
  assert.is((await call('POST', '/v1/decide', JSON.stringify(event))).status, 200);
});

test('reload needs the token; a broken bundle leaves the old one serving; a good one swaps', async () => {
  assert.is((await call('POST', '/v1/reload', v2)).status, 401);
  assert.is((await call('POST', '/v1/reload', v2, { authorization: 'Bearer wrong' })).status, 401);
  const broken = await call('POST', '/v1/reload', v2.slice(0, 200), { authorization: `Bearer ${TOKEN}` });
  assert.equal([broken.status, broken.json.error.code], [422, 'ZY8001']);
  const tampered = await call('POST', '/v1/reload', v2.replace('0.2.0', '0.2.1'), { authorization: `Bearer ${TOKEN}` });
  assert.equal([tampered.status, tampered.json.error.code], [422, 'ZY8002']);
  const unsigned = await call('POST', '/v1/reload', writeBundle(r2, files), { authorization: `Bearer ${TOKEN}` });
  assert.equal([unsigned.status, unsigned.json.error.code], [422, 'ZY8003']);
  assert.is((await call('GET', '/healthz')).json.version, '0.1.0');
  const ok = await call('POST', '/v1/reload', v2, { authorization: `Bearer ${TOKEN}` });
  assert.equal([ok.status, ok.json.version], [200, '0.2.0']);
  assert.is((await call('POST', '/v1/decide', JSON.stringify(event))).json.version, '0.2.0');
});

test('metrics count decisions by outcome and rule, latency, errors and the bundle', async () => {
  const m = await call('GET', '/metrics');
  assert.is(m.status, 200);
  assert.match(m.text, /^zhiyu_decisions_total\{arm="live",outcome="block"\} \d+$/m);
  assert.match(m.text, /^zhiyu_rule_fired_total\{arm="live",rule="POLICE_LIST_PAYEE"\} \d+$/m);
  assert.match(m.text, /^zhiyu_decision_seconds_count \d+$/m);
  // Two bad single requests and one bad event in a batch.
  assert.match(m.text, /^zhiyu_errors_total\{code="ZY4001"\} 3$/m);
  assert.match(m.text, /^zhiyu_bundle_info\{arm="live",pack="demo",version="0.2.0",hash="sha256:[0-9a-f]+"\} 1$/m);
  assert.match(m.text, /^zhiyu_bundle_reloads_total 1$/m);
});

test('binding beyond loopback needs a token', async () => {
  let refused = false;
  try { await serve({ bundle: loadBundle(v1), host: '0.0.0.0', port: 0 }); } catch { refused = true; }
  assert.ok(refused);
});

test('a decision is answered as the engine decided it, then bundle, arm and decisionId, byte for byte, with the same headers', async () => {
  // The answer is written from the decision's own JSON (no copy of it): it must read exactly as the copy's JSON did.
  const live = loadBundle(v1);
  const candidate = loadBundle(v2);
  const lists = { police_fraud_accounts: ['mule-7'] };
  let id = 40;
  const s = await serve({
    bundle: live, port: 0, canary: { bundle: candidate, percent: 100, key: 'payee_id' },
    provider: () => new MemoryProvider({ lists }), onDecision: () => ++id,
  });
  try {
    for (const ev of [event, { ...event, payee_id: 'acct-1', amount: 100 }]) {
      const body = JSON.stringify(ev);
      const res = await new Promise<{ status: number; raw: string[]; text: string }>((resolve, reject) => {
        const q = request(`${s.url}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => { text += c; });
          r.on('end', () => resolve({ status: r.statusCode ?? 0, raw: r.rawHeaders, text }));
        });
        q.on('error', reject);
        q.end(body);
      });
      const decided = new Engine(candidate.program).decide(ev, new MemoryProvider({ lists }), { strict: false });
      assert.is(res.status, 200);
      assert.is(res.text, JSON.stringify({ ...decided, bundle: candidate.hash, arm: 'canary', decisionId: id }));
      const names = res.raw.filter((_, i) => i % 2 === 0);
      assert.equal(names.slice(0, 3), ['content-type', 'content-length', 'cache-control']);
      assert.equal(res.raw.slice(0, 6), ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(res.text)), 'cache-control', 'no-store']);
    }
    const m = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(m, /^zhiyu_decisions_total\{arm="canary",outcome="block"\} 1$/m);
    assert.match(m, /^zhiyu_decisions_total\{arm="canary",outcome="allow"\} 1$/m);
    assert.match(m, /^zhiyu_rule_fired_total\{arm="canary",rule="POLICE_LIST_PAYEE"\} 1$/m);
  } finally { await s.close(); }
});

test('a request target reads the same split by hand as through the URL parser, or is refused the same way', () => {
  // Most targets skip the URL parser (runtime/server.ts requestTarget): what routing reads must not change.
  const parsed = (t: string) => {
    try {
      const r = requestTarget({ url: t });
      return { pathname: r.pathname, search: r.search, params: [...r.searchParams], strict: r.param('strict'), href: r.url().href };
    } catch (e) { return { refused: e instanceof HttpError ? [e.status, e.body['code']] : String(e) }; }
  };
  const viaUrl = (t: string) => {
    if (!t.startsWith('/')) return { refused: [400, 'ZY4003'] };
    try {
      const u = new URL(`http://localhost${t}`);
      return { pathname: u.pathname, search: u.search, params: [...u.searchParams], strict: u.searchParams.get('strict'), href: u.href };
    } catch { return { refused: [400, 'ZY4003'] }; }
  };
  for (const t of ['/v1/decide', '/v1/decide?strict=1', '/v1/decide?', '/v1/decide?strict=1&strict=0', '/v1//decide', '/v1/./decide', '/v1/../x', '/v1/%64ecide',
    '/v1/decide?x=%20+y', '/v1/decide?a="b"', "/v1/decide?a='b'", '/a\\b', '/~x/_-', '/healthz#frag', '/é', '/v1/decide?arm=canary&reason=a.b', '*', 'http://x/healthz', '', '/?&&=']) {
    assert.equal(parsed(t), viaUrl(t), t);
  }
  const char = fc.constantFrom(...'/aZ09_-~.?=&%2F+ #\\"\'<>é\t'.split(''));
  fc.assert(fc.property(fc.array(char, { maxLength: 24 }).map((cs) => cs.join('')), fc.boolean(), (rest, slash) => {
    const t = (slash ? '/' : '') + rest;
    assert.equal(parsed(t), viaUrl(t), t);
  }), { numRuns: 3000, seed: 20261207 });
});

test('the headers given to serve start every answer; a relay sees the path and query first; a target that is not a path goes without them', async () => {
  const seen: string[] = [];
  const relay = (_req: unknown, res: import('node:http').ServerResponse, t: RequestTarget) => {
    seen.push(`${t.pathname} ${t.search} ${t.searchParams.get('x')}`);
    if (t.pathname !== '/relayed') return false;
    send(res, 200, { relayed: true }, undefined, ['x-first', 'one']);
    return true;
  };
  const s = await serve({ bundle: loadBundle(v1), port: 0, headers: { 'x-first': 'one', 'x-second': '2' }, relay, provider: () => new MemoryProvider({ lists: { police_fraud_accounts: ['mule-7'] } }) });
  const raw = (head: string, body = '') => new Promise<string>((resolve, reject) => {
    const c = connect(Number(new URL(s.url).port), '127.0.0.1');
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('end', () => resolve(got));
    c.on('error', reject);
    c.end(`${head}\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  const names = (text: string) => text.split('\r\n\r\n')[0]!.split('\r\n').slice(1).map((l) => l.slice(0, l.indexOf(':')));
  const own = ['x-first', 'x-second', 'content-type', 'content-length', 'cache-control', 'Date', 'Connection'];
  try {
    const decided = await raw('POST /v1/decide?x=7 HTTP/1.1', JSON.stringify(event));
    assert.match(decided, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(names(decided), own);
    assert.match(decided, /\r\nx-first: one\r\nx-second: 2\r\ncontent-type: application\/json; charset=utf-8\r\n/);
    for (const [head, status] of [['GET /healthz HTTP/1.1', 200], ['GET /metrics HTTP/1.1', 200], ['GET /nope HTTP/1.1', 404], ['POST /v1/decide HTTP/1.1', 400]] as const) {
      const text = await raw(head, head.startsWith('POST') ? '{bad' : '');
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), head);
      assert.equal(names(text), own, head);
    }
    assert.equal(names(await raw('GET /relayed HTTP/1.1')), ['x-first', 'content-type', 'content-length', 'cache-control', 'Date', 'Connection']);
    assert.equal(seen.slice(0, 2), ['/v1/decide ?x=7 7', '/healthz  null']);
    const refused = await raw('OPTIONS * HTTP/1.1');
    assert.match(refused, /^HTTP\/1\.1 400 /);
    assert.equal(names(refused), ['content-type', 'content-length', 'cache-control', 'Date', 'Connection']);
  } finally { await s.close(); }
});

test.run();
