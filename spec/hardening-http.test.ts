// Issue 15, defects 2, 3, 8 and 12: what an attack run did to the two HTTP
// servers (the production decision service and the editor, which serves the
// decision API next to its own routes), each as a regression test on a real
// loopback socket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { serve, type Service } from '../runtime/server.ts';
import { startEditor, type EditorService } from '../editor/server/app.ts';

const demo = join(import.meta.dirname, '..', 'rules', 'demo');
const files = readPack([demo]);
const bundleText = writeBundle(compile(files), files);
const TOKEN = 'hardening-token-123';
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-hardening-http-'));
const root = join(dir, 'rules');
/** An untouched copy for the servers the timeout tests start. */
const clean = join(dir, 'clean');
const EVENT = JSON.stringify({ type: 'login', customer_id: 'c1', occurred_at: '2026-03-01T10:00' });
let editor: EditorService;
let service: Service;

test.before(async () => {
  cpSync(demo, join(root, 'demo'), { recursive: true });
  cpSync(demo, join(clean, 'demo'), { recursive: true });
  editor = await startEditor({ root, port: 0, token: TOKEN, host: '127.0.0.1' });
  service = await serve({ bundle: loadBundle(bundleText), port: 0, token: TOKEN, insecureUnsigned: true });
});
test.after(async () => { await editor.close(); await service.close(); rmSync(dir, { recursive: true, force: true }); });

interface Reply { status: number; text: string; json: any }

/** One request with exactly these headers (Host included, which fetch will not let a caller set). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const hostOf = (base: string) => new URL(base).host;

// ---------- 2: one Host/Origin guard on every route of the editor server ----------

test('#15.2 the editor server refuses a foreign Host on every route, the decision API, /metrics and /healthz included', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const [method, path, body] of [
    ['POST', '/v1/decide', EVENT], ['GET', '/v1/bundle'], ['GET', '/metrics'], ['GET', '/healthz'], ['POST', '/v1/reload', bundleText],
    ['GET', '/api/workspace'], ['GET', '/'], ['GET', '/nowhere'],
  ] as [string, string, string?][]) {
    for (const type of ['text/plain', 'application/json']) {
      const r = await raw(editor.url, method, path, { host: 'attacker.example', 'content-type': type, ...auth }, body);
      assert.is(r.status, 403, `${method} ${path} (${type}) → ${r.status} ${r.text.slice(0, 200)}`);
      assert.is(r.json?.error?.code, 'ZY8105', `${method} ${path}`);
    }
  }
  // The same requests with our own host name are answered.
  const ok = await raw(editor.url, 'POST', '/v1/decide', { host: hostOf(editor.url), 'content-type': 'application/json', ...auth }, EVENT);
  assert.is(ok.status, 200, ok.text);
  assert.is((await raw(editor.url, 'GET', '/healthz', { host: hostOf(editor.url), ...auth })).status, 200);
});

test('#15.2 a page on another origin cannot decide, reload or read through the editor server', async () => {
  for (const [method, path, body] of [['POST', '/v1/decide', EVENT], ['POST', '/v1/reload', bundleText]] as [string, string, string][]) {
    const r = await raw(editor.url, method, path, { host: hostOf(editor.url), origin: 'http://evil.example', 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` }, body);
    assert.equal([r.status, r.json?.error?.code], [403, 'ZY8105'], `${method} ${path}: ${r.text.slice(0, 200)}`);
    const site = await raw(editor.url, method, path, { host: hostOf(editor.url), 'sec-fetch-site': 'cross-site', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body);
    assert.equal([site.status, site.json?.error?.code], [403, 'ZY8105'], `${method} ${path} cross-site`);
  }
});

// ---------- 3: /v1/reload takes bundle bytes only, and never echoes a file ----------

test('#15.3 /v1/reload never reads a server path from the body, and its errors do not echo what it was sent', async () => {
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'root:SECRET-HASH-VALUE:19000:0:99999:7:::\n');
  for (const svc of [service, editor]) {
    const r = await raw(svc.url, 'POST', '/v1/reload', { host: hostOf(svc.url), 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, secret);
    assert.is(r.status, 422, r.text);
    assert.is(r.json.error.code, 'ZY8001');
    assert.not.match(r.text, /SECRET-HASH-VALUE|root:/);
    // A body that is itself not JSON is not quoted back either.
    const junk = await raw(svc.url, 'POST', '/v1/reload', { host: hostOf(svc.url), 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, 'root:SECRET-HASH-VALUE');
    assert.is(junk.status, 422);
    assert.not.match(junk.text, /SECRET-HASH-VALUE/);
  }
  assert.is((await raw(service.url, 'GET', '/healthz', { host: hostOf(service.url) })).status, 200);
});

// ---------- 8: odd requests get 4xx, never 500 ----------

test('#15.8 odd request lines get a 4xx on both servers, never a 500', async () => {
  for (const svc of [service, editor]) {
    const host = hostOf(svc.url);
    for (const [method, path] of [['POST', '//'], ['GET', '//'], ['GET', '///etc/passwd'], ['POST', '//v1/decide'], ['GET', '/%'], ['GET', '/api/file?path=%E0%A4%A'], ['OPTIONS', '*'], ['GET', '/v1/decide'], ['DELETE', '/v1/bundle']]) {
      const r = await raw(svc.url, method!, path!, { host, 'content-type': 'application/json' }, method === 'POST' ? EVENT : undefined);
      assert.ok(r.status >= 400 && r.status < 500, `${svc === editor ? 'editor' : 'service'} ${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`);
    }
  }
});

test('#15.8 a file path through a file, or naming a folder, is refused: no folder is created, GET, DELETE and rename give 4xx', async () => {
  const call = (method: string, path: string, body?: unknown) => raw(editor.url, method, path, { host: hostOf(editor.url), 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body === undefined ? undefined : JSON.stringify(body));
  const created = await call('POST', '/api/file', { path: 'demo/d.zy/inner.zy', text: 'x' });
  assert.is(created.status, 403, created.text);
  assert.is(created.json.error.code, 'ZY8101');
  assert.not.ok(existsSync(join(root, 'demo', 'd.zy')), 'no folder named like a rule file is created');
  const through = await call('POST', '/api/file', { path: 'demo/fraud.zy/inner.zy', text: 'x' });
  assert.is(through.status, 403, through.text);
  // A folder named like a rule file that got there some other way is not a file.
  cpSync(join(root, 'demo', 'scenarios'), join(root, 'demo', 'folder.zy'), { recursive: true });
  for (const [method, path, body] of [
    ['GET', '/api/file?path=demo/folder.zy'], ['DELETE', '/api/file?path=demo/folder.zy'],
    ['PUT', '/api/file', { path: 'demo/folder.zy', text: 'x', force: true }],
    ['POST', '/api/rename', { from: 'demo/folder.zy', to: 'demo/moved.zy' }],
  ] as [string, string, unknown?][]) {
    const r = await call(method, path, body);
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.ok(existsSync(join(root, 'demo', 'folder.zy')), 'rename did not move the folder');
  assert.not.ok(existsSync(join(root, 'demo', 'moved.zy')));
});

// ---------- 12: header and body timeouts, and a connection cap, on both servers ----------

/** A connected socket that records what it received and resolves `closed` when the server hangs up. */
function open(base: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => { /* a reset is one way of being refused */ });
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Rejects when `p` has not settled after `ms`: turns a regression into a failure instead of a hang. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms); })]).finally(() => clearTimeout(timer));
}

const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 3 };

test('#15.12 a client that never finishes its headers, or its body, is disconnected by both servers', async () => {
  const prod = await serve({ bundle: loadBundle(bundleText), port: 0, insecureUnsigned: true, limits: LIMITS });
  const ed = await startEditor({ root: clean, port: 0, limits: LIMITS });
  try {
    for (const svc of [prod, ed]) {
      const slowHeaders = await open(svc.url);
      slowHeaders.socket.write(`POST /v1/decide HTTP/1.1\r\nHost: ${hostOf(svc.url)}\r\nContent-Type: application/json\r\n`);
      await within(slowHeaders.closed, 30_000, 'slow headers');
      const slowBody = await open(svc.url);
      slowBody.socket.write(`POST /v1/decide HTTP/1.1\r\nHost: ${hostOf(svc.url)}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"type":`);
      await within(slowBody.closed, 30_000, 'slow body');
      assert.not.match(slowBody.received(), /^HTTP\/1\.1 200/);
      // …and the server still answers a normal request.
      assert.is((await raw(svc.url, 'GET', '/healthz', { host: hostOf(svc.url) })).status, 200);
    }
  } finally { await prod.close(); await ed.close(); }
});

test('#15.12 both servers refuse the connection over their cap, and serve again once one closes', async () => {
  const limits = { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const prod = await serve({ bundle: loadBundle(bundleText), port: 0, insecureUnsigned: true, limits });
  const ed = await startEditor({ root: clean, port: 0, limits });
  try {
    for (const svc of [prod, ed]) {
      const accepted = new Set<Socket>();
      const seen = new Promise<void>((r) => { svc.server.on('connection', (s: Socket) => { accepted.add(s); if (accepted.size === limits.maxConnections) r(); }); });
      const held = [];
      for (let i = 0; i < limits.maxConnections; i++) held.push(await open(svc.url));
      await within(seen, 30_000, 'the held connections');
      const extra = await open(svc.url);
      extra.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostOf(svc.url)}\r\n\r\n`);
      await within(extra.closed, 30_000, 'the connection over the cap');
      assert.is(extra.received(), '', 'the connection over the cap got no answer');
      // One held connection goes away; the server takes new ones again.
      const gone = new Promise<void>((r) => [...accepted][0]!.once('close', () => r()));
      held[0]!.socket.destroy();
      await within(gone, 30_000, 'the server seeing a close');
      const again = await raw(svc.url, 'GET', '/healthz', { host: hostOf(svc.url), connection: 'close' });
      assert.is(again.status, 200);
      for (const h of held.slice(1)) h.socket.destroy();
    }
  } finally { await prod.close(); await ed.close(); }
});

test.run();
