// node --import tsx scripts/same-serve.ts <old tree> [--events 3000] [--workers 1] [--db <file.db>] [--seed 1]
//
// Proves a change to the HTTP service changes no answer: `zhiyu serve --bundle`
// on rules/demo from an older tree (a worktree of the baseline commit, its
// command built or run from its sources) and from this one, the same
// requests sent to both one after another over one keep-alive connection
// each — seeded events of every type the pack decides (unknown customers and
// devices, bad field types, missing fields, strict mode with an extra field),
// malformed JSON, batches, a body over the limit, wrong paths and methods,
// and the read routes — and every answer compared byte for byte: status,
// header names, values and order (the Date header's value and a cluster
// worker's id aside), and body. Exits 1 on the first difference.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../bench/events.ts';

const args = process.argv.slice(2);
const opt = (name: string, d?: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : d; };
const oldTree = args[0];
if (!oldTree || oldTree.startsWith('--')) { console.error('usage: scripts/same-serve.ts <old tree> [--events N] [--workers N] [--db file.db] [--seed N]'); process.exit(2); }
const N = Number(opt('--events', '3000'));
const workers = opt('--workers', '1')!;
const db = opt('--db');
const rand = prng(Number(opt('--seed', '1')));
const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'zhiyu-same-serve-'));
const bundle = join(tmp, 'demo.zyb');
const built = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'compile', join(root, 'rules', 'demo'), '-o', bundle], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`compile failed: ${built.stderr}`);

function start(tree: string): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(tree, 'cli', 'bin.js'), 'serve', '--bundle', bundle, '--insecure-unsigned', '--port', '0', '--workers', workers, '--token', 'same-serve', ...(db ? ['--db', db] : [])], { cwd: tree, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out); if (m) resolve({ port: Number(m[1]), child }); });
    child.stderr!.resume();
    child.on('exit', (code) => reject(new Error(`serve from ${tree} ended (${code}) before listening: ${out}`)));
  });
}

interface Sent { readonly method: string; readonly path: string; readonly body?: string; readonly headers?: Record<string, string> }
interface Got { readonly status: number; readonly head: string; readonly body: string }

function send(agent: Agent, port: number, r: Sent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method: r.method, path: r.path, headers: { ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = res.rawHeaders;
        const head: string[] = [];
        for (let i = 0; i < h.length; i += 2) head.push(`${h[i]}: ${/^date$/i.test(h[i]!) ? '<date>' : /^x-zhiyu-worker$/i.test(h[i]!) ? '<worker>' : h[i + 1]}`);
        resolve({ status: res.statusCode ?? 0, head: head.join('\n'), body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const TYPES = ['application', 'login', 'login_failed', 'password_reset', 'payee_add', 'drawdown', 'transfer_out'] as const;
const two = (n: number) => String(n).padStart(2, '0');
/** An event's time, in each ISO 8601 form an event may carry (most often the plain one), now and then epoch milliseconds. */
const at = (): string | number => {
  const day = `2026-0${1 + Math.floor(rand() * 6)}-${two(1 + Math.floor(rand() * 28))}`;
  const minute = `${two(Math.floor(rand() * 24))}:${two(Math.floor(rand() * 60))}`;
  const r = rand();
  if (r < 0.6) return `${day}T${minute}`;
  if (r < 0.7) return `${day} ${minute}:${two(Math.floor(rand() * 60))}`;
  if (r < 0.8) return `${day}T${minute}:${two(Math.floor(rand() * 60))}.${Math.floor(rand() * 1000)}Z`;
  if (r < 0.85) return `${day}T${minute}${pick(['+08:00', '-0500', '+05:30', '+15:00'])}`;
  if (r < 0.9) return day;
  if (r < 0.95) return pick(['2024-02-29T12:00', '2026-02-29T12:00', '2026-04-31', '2026-03-01T24:00', '2026-03-01T10:00:00.1234', '2026-03-01t10:00']);
  return Date.UTC(2026, Math.floor(rand() * 6), 1 + Math.floor(rand() * 28), Math.floor(rand() * 24));
};
function event(): Record<string, unknown> {
  const e: Record<string, unknown> = { type: pick(TYPES), occurred_at: at() };
  if (rand() < 0.9) e['customer_id'] = rand() < 0.7 ? `f${1 + Math.floor(rand() * 300)}` : `C-${Math.floor(rand() * 1e6)}`;
  if (rand() < 0.7) e['device_id'] = `d${Math.floor(rand() * 40)}`;
  if (rand() < 0.6) e['payee_id'] = rand() < 0.2 ? 'mule-7' : `acct-${Math.floor(rand() * 50)}`;
  if (rand() < 0.7) e['amount'] = Math.floor(rand() * 2_000_000);
  if (rand() < 0.4) e['auth_method'] = pick(['sms_otp', 'face', 'password', 'cert']);
  if (rand() < 0.2) e['id_number_hash'] = `id${Math.floor(rand() * 5)}`;
  if (rand() < 0.05) e['channel'] = 'app';
  return e;
}
function requestAt(i: number): Sent {
  const r = rand();
  if (r < 0.80) return { method: 'POST', path: '/v1/decide', body: JSON.stringify(event()) };
  if (r < 0.84) { const e = event(); e[pick(['amount', 'occurred_at', 'type', 'customer_id'])] = pick(['lots', 7, null, true, '2026-13-45']); return { method: 'POST', path: '/v1/decide', body: JSON.stringify(e) }; }
  if (r < 0.86) { const e = event(); delete e[pick(['occurred_at', 'type'])]; return { method: 'POST', path: '/v1/decide', body: JSON.stringify(e) }; }
  if (r < 0.88) return { method: 'POST', path: '/v1/decide?strict=1', body: JSON.stringify({ ...event(), ...(rand() < 0.5 ? { surprise: i } : {}) }) };
  if (r < 0.90) return { method: 'POST', path: '/v1/decide', body: pick(['{"type": "transfer_out", ', '', 'null', '[]', '7', '"x"', '{"type":"login","occurred_at":"2026-03-01T10:00",}']) };
  if (r < 0.92) return { method: 'POST', path: '/v1/decide/batch', body: JSON.stringify(Array.from({ length: 1 + Math.floor(rand() * 6) }, () => (rand() < 0.8 ? event() : { type: 'nope' }))) };
  if (r < 0.93) return { method: 'POST', path: '/v1/decide', body: JSON.stringify({ ...event(), pad: 'x'.repeat(70_000) }) };
  if (r < 0.95) return { method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: pick(['/v1/decide', '/nope', '/v1/decide/', '/v1/decide?x=%41', '/v1//decide', '/v1/decide/../healthz']) };
  if (r < 0.97) return { method: 'GET', path: pick(['/healthz', '/v1/bundle', '/healthz?x=1']) };
  if (r < 0.98) return { method: 'POST', path: '/v1/reload', body: '{}', headers: { authorization: 'Bearer wrong' } };
  return { method: 'POST', path: pick(['/v1/decide?strict=0', '/v1/decide?strict=1&x=y', '/v1/decide#frag']), body: JSON.stringify(event()) };
}

const [a, b] = [await start(oldTree), await start(root)];
const [agentA, agentB] = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
let failed = 0;
const statuses = new Map<number, number>();
try {
  for (let i = 0; i < N; i++) {
    const r = requestAt(i);
    const [x, y] = [await send(agentA, a.port, r), await send(agentB, b.port, r)];
    statuses.set(x.status, (statuses.get(x.status) ?? 0) + 1);
    if (x.status !== y.status || x.head !== y.head || x.body !== y.body) {
      console.error(`DIFFERENT answers to request ${i}: ${r.method} ${r.path} ${r.body?.slice(0, 200) ?? ''}\n--- old (${x.status})\n${x.head}\n\n${x.body.slice(0, 500)}\n--- new (${y.status})\n${y.head}\n\n${y.body.slice(0, 500)}`);
      failed++;
      break;
    }
  }
} finally {
  agentA.destroy(); agentB.destroy();
  for (const s of [a, b]) await new Promise<void>((res) => { s.child.once('exit', () => res()); s.child.kill('SIGTERM'); });
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`${failed ? 'DIFFERENT' : 'same'}: ${N} requests (${[...statuses].sort(([p], [q]) => p - q).map(([s, n]) => `${n}× ${s}`).join(', ')}), --workers ${workers}${db ? `, --db ${db}` : ''}`);
process.exit(failed ? 1 : 0);
