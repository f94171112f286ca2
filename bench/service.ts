// node --import tsx bench/service.ts [--quick]   (also part of `npm run bench`: runServiceBench)
//
// The decision service (runtime/server.ts) under load, on loopback only.
// Starts the service in this process on 127.0.0.1, port 0, and drives it
// with Node's own http client (keep-alive agents). Bounded in count and time;
// stops by itself. Three parts:
//   1. throughput and latency at concurrency 1, 16 and 64 for a fixed time
//      each, with the in-process engine-only decide loop as the baseline
//      (measured in the same run);
//   2. hot swap: 100 POST /v1/reload alternating two bundle versions while
//      16 clients decide; every decide must be a 200 with a valid decision
//      from one of the two versions, and every reload must succeed;
//   3. malformed requests: a few thousand garbled bodies, wrong types, huge
//      bodies around the 64 KiB limit, deep nesting, wrong methods and paths;
//      every answer must be a 4xx (no 5xx, no dropped connection) and a valid
//      decide must still succeed afterwards.
// Any failed assertion prints `BENCHMARK FAILED` and exits 1.
// Note: the load generator shares the service's process (one event loop), so
// the HTTP numbers include the client's cost too; they are a lower bound.
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { Engine } from '../runtime/engine.ts';
import { MemoryProvider } from '../runtime/index.ts';
import { serve } from '../runtime/server.ts';

let QUICK = process.argv.includes('--quick');
let LEVEL_MS = QUICK ? 1500 : 5000;
let FUZZ_N = QUICK ? 2000 : 4000;
const RELOADS = 100;
const TOKEN = 'bench-token-' + process.pid;
const HARD_LIMIT_MS = 5 * 60_000;

const root = join(import.meta.dirname, '..');
const files = readPack([join(root, 'rules', 'demo')]);
const r1 = compile(files);
// Reloads must be signed by the key the service trusts, as in production.
const keys = generateKeyPairSync('ed25519');
const v1 = writeBundle(r1, files, keys.privateKey);
const files2 = files.map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', 'version "0.2.0"') }));
const v2 = writeBundle(compile(files2), files2, keys.privateKey);
const b1 = loadBundle(v1);
const b2 = loadBundle(v2);
if (b1.manifest.version !== '0.1.0' || b2.manifest.version !== '0.2.0') throw new Error('bundle versions not as expected');
const HASH: Record<string, string> = { '0.1.0': b1.hash, '0.2.0': b2.hash };
const provider = () => new MemoryProvider({ lists: { police_fraud_accounts: ['mule-7'] } });
const event = { type: 'transfer_out', payee_id: 'mule-7', amount: 500000, occurred_at: '2026-03-01T10:00' };
const EVENT = JSON.stringify(event);

const failures: string[] = [];
const fail = (m: string) => { if (failures.length < 50) failures.push(m); };

// ---------- HTTP client ----------
interface Res { status: number; body: string; ms: number }
function call(agent: Agent, url: URL, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ agent, host: url.hostname, port: url.port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timeout')));
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

const pct = (sorted: number[], p: number) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

function checkDecision(res: Res, versions: readonly string[]): boolean {
  if (res.status !== 200) { fail(`decide: status ${res.status}: ${res.body.slice(0, 200)}`); return false; }
  let d: { outcome?: unknown; version?: unknown; bundle?: unknown; fired?: { id?: string }[] };
  try { d = JSON.parse(res.body); } catch { fail(`decide: body not JSON: ${res.body.slice(0, 200)}`); return false; }
  const v = String(d.version);
  if (!versions.includes(v)) { fail(`decide: version ${v}`); return false; }
  if (d.bundle !== HASH[v]) { fail(`decide: bundle ${String(d.bundle)} does not match version ${v}`); return false; }
  if (d.outcome !== 'block' || d.fired?.[0]?.id !== 'POLICE_LIST_PAYEE') { fail(`decide: unexpected decision ${res.body.slice(0, 200)}`); return false; }
  return true;
}

/** `conc` workers deciding in a loop until `until()`; returns latencies and counts. */
async function load(url: URL, conc: number, until: () => boolean, versions: readonly string[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const lat: number[] = [];
  let ok = 0, bad = 0;
  const worker = async () => {
    while (!until()) {
      try {
        const res = await call(agent, url, 'POST', '/v1/decide', EVENT);
        lat.push(res.ms);
        if (checkDecision(res, versions)) ok++; else bad++;
      } catch (e) { bad++; fail(`decide: ${(e as Error).message}`); }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { n: lat.length, ok, bad, secs, rps: lat.length / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

// ---------- engine-only baseline ----------
function engineBaseline(ms: number) {
  const engine = new Engine(b1.program);
  const p = provider();
  for (let i = 0; i < 2000; i++) engine.decide(event, p); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) engine.decide(JSON.parse(EVENT), p); // parse as the service does
    n += 1000;
    t = performance.now();
  }
  return { n, secs: (t - t0) / 1000, rps: n / ((t - t0) / 1000), usPer: ((t - t0) * 1000) / n };
}

// ---------- fuzz corpus ----------
let seed = 20260301;
const rnd = () => { // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
const ri = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[ri(xs.length)]!;
const randBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => ri(256)));
const LIMIT = 64 * 1024;
const HUGE_SIZES = [LIMIT - 100, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 100, 2 * LIMIT, 16 * LIMIT];
let hugeI = 0;

interface FuzzCase { kind: string; method: string; path: string; body?: string | Buffer; headers?: Record<string, string> }
function fuzzCase(): FuzzCase {
  const k = ri(12);
  const post = (kind: string, body: string | Buffer, path = '/v1/decide'): FuzzCase => ({ kind, method: 'POST', path, body });
  switch (k) {
    case 0: { // truncated JSON (cut before the closing brace, so never valid)
      const cut = 1 + ri(EVENT.length - 2);
      return post('truncated JSON', EVENT.slice(0, cut));
    }
    case 1: { // wrong types for known fields (null is "absent", which is fine for optional fields, so not used)
      const field = pick(['type', 'payee_id', 'amount', 'occurred_at'] as const);
      // (a number is a valid occurred_at: epoch milliseconds)
      const val = field === 'amount' ? pick(['lots', true, [], {}, '500000', 1.5]) : field === 'occurred_at' ? pick([true, [], {}, 'yesterday', -1.5]) : pick([42, true, [], {}, -1.5]);
      return post('wrong type', JSON.stringify({ ...event, [field]: val }));
    }
    case 2: { // missing required fields
      const e: Record<string, unknown> = { ...event };
      delete e[pick(['type', 'occurred_at'])];
      return post('missing field', JSON.stringify(e));
    }
    case 3: { // huge string near/above the limit (exact byte sizes, cycled), with a wrong-typed field so it is never a valid event
      const size = HUGE_SIZES[hugeI++ % HUGE_SIZES.length]!;
      const base = JSON.stringify({ ...event, amount: '' });
      const body = JSON.stringify({ ...event, amount: 'x'.repeat(size - base.length) });
      return post(body.length > LIMIT ? 'huge (over limit)' : 'huge (at/under limit)', body);
    }
    case 4: return post('random bytes', randBytes(1 + ri(2048)));
    case 5: { // deep nesting
      const d = pick([100, 1000, 10_000, 30_000]);
      const open = pick(['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const inner = open.repeat(d) + '1' + close.repeat(d);
      const body = rnd() < 0.5 ? inner : `{"type":"transfer_out","payee_id":${inner},"amount":1,"occurred_at":"2026-03-01T10:00"}`;
      return post('deep nesting', body.length > LIMIT ? body.slice(0, LIMIT - 1) : body);
    }
    case 6: return post('non-object JSON', pick(['null', 'true', '42', '"transfer_out"', '[]', `[${EVENT}]`, '""', '-0', '1e999']));
    case 7: return post('empty / whitespace', pick(['', ' ', '\n\t', '\u0000']));
    case 8: { // garbled: flip a few characters of a valid event
      const chars = EVENT.split('');
      for (let i = 0, n = 1 + ri(4); i < n; i++) chars[ri(chars.length)] = pick(['{', '}', '"', ',', ':', '\\', '\u0000', 'x', ']']);
      const body = chars.join('');
      // a flip inside a string value can leave valid JSON (a different, valid event): keep only invalid ones
      const valid = (() => { try { JSON.parse(body); return true; } catch { return false; } })();
      return post('garbled JSON', valid ? body.slice(0, -1) : body);
    }
    case 9: { // wrong method or path
      const [method, path] = pick([
        ['GET', '/v1/decide'], ['PUT', '/v1/decide'], ['DELETE', '/v1/decide'], ['PATCH', '/v1/decide'],
        ['POST', '/v1/decide/'], ['POST', '/v1/Decide'], ['POST', '/decide'], ['POST', '/healthz'],
        ['GET', '/'], ['GET', '/nope'], ['GET', '/v1/reload'], ['POST', '/metrics'], ['OPTIONS', '/v1/decide'],
        ['GET', '/../../etc/passwd'], ['GET', '/%00'], ['POST', '/v1/bundle'],
      ] as const);
      return { kind: 'wrong method/path', method, path, ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: EVENT }) };
    }
    case 10: { // reload without / with a wrong token, or with garbage under the right token
      const r = ri(3);
      if (r === 0) return { kind: 'reload: no token', method: 'POST', path: '/v1/reload', body: v2 };
      if (r === 1) return { kind: 'reload: wrong token', method: 'POST', path: '/v1/reload', body: v2, headers: { authorization: 'Bearer ' + 'x'.repeat(ri(40)) } };
      return { kind: 'reload: garbage bundle', method: 'POST', path: '/v1/reload', body: pick([randBytes(ri(512)), v1.slice(0, ri(v1.length - 1)), '{}', 'null', v1.replace('0.1.0', '0.1.9')]), headers: { authorization: `Bearer ${TOKEN}` } };
    }
    default: { // strict mode with extra fields, or prototype tricks with wrong types
      if (rnd() < 0.5) return post('strict + extra field', JSON.stringify({ ...event, ['x' + ri(1000)]: 1 }), '/v1/decide?strict=1');
      return post('__proto__ / constructor', `{"__proto__":{"amount":"x"},"type":"transfer_out","payee_id":"mule-7","amount":{"constructor":1},"occurred_at":"2026-03-01T10:00"}`);
    }
  }
}

export interface ServiceOptions {
  readonly quick: boolean;
  /** Milliseconds per concurrency level (default 5,000; 1,500 quick). */
  readonly levelMs?: number;
  /** Malformed requests to send (default 4,000; 2,000 quick). */
  readonly fuzz?: number;
}

export interface ServiceReport {
  readonly engineRps: number;
  readonly levels: readonly { readonly concurrency: number; readonly rps: number; readonly p50: number; readonly p99: number }[];
  readonly swap: { readonly reloads: number; readonly ok: number; readonly decides: number; readonly failed: number; readonly rps: number };
  readonly fuzz: { readonly requests: number; readonly all4xx: boolean };
  readonly passed: boolean;
}

// ---------- main ----------
export async function runServiceBench(o: ServiceOptions): Promise<ServiceReport> {
  QUICK = o.quick;
  LEVEL_MS = o.levelMs ?? (QUICK ? 1500 : 5000);
  FUZZ_N = o.fuzz ?? (QUICK ? 2000 : 4000);
  const killer = setTimeout(() => { console.error('BENCHMARK FAILED: hard time limit reached'); process.exit(1); }, HARD_LIMIT_MS);
  killer.unref();
  const started = Date.now();
  const svc = await serve({ bundle: b1, port: 0, token: TOKEN, verify: { publicKey: keys.publicKey }, provider: () => provider() });
  const url = new URL(svc.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`not on loopback: ${svc.url}`);
  try {
    console.log(`\nzhiyu decision service bench: ${QUICK ? 'quick' : 'full'} run, ${LEVEL_MS} ms per level, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    // warm up
    await load(url, 8, ((end) => () => performance.now() > end)(performance.now() + 500), ['0.1.0']);

    // 1. throughput
    const base = engineBaseline(LEVEL_MS);
    const levels: { conc: number; r: Awaited<ReturnType<typeof load>> }[] = [];
    for (const conc of [1, 16, 64]) {
      const end = performance.now() + LEVEL_MS;
      levels.push({ conc, r: await load(url, conc, () => performance.now() > end, ['0.1.0']) });
    }
    const base2 = engineBaseline(Math.min(LEVEL_MS, 2000)); // again after, to see drift
    const baseRps = (base.rps + base2.rps) / 2;

    // 2. hot swap under load
    const failsBeforeSwap = failures.length;
    let swapping = true;
    const swapLoad = load(url, 16, () => !swapping, ['0.1.0', '0.2.0']);
    const ra = new Agent({ keepAlive: true, maxSockets: 1 });
    let reloadsOk = 0;
    const reloadFails: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < RELOADS; i++) {
      const [text, version] = i % 2 === 0 ? [v2, '0.2.0'] : [v1, '0.1.0'];
      try {
        const res = await call(ra, url, 'POST', '/v1/reload', text, { authorization: `Bearer ${TOKEN}` });
        const j = JSON.parse(res.body);
        if (res.status === 200 && j.version === version && j.bundle === HASH[version]) reloadsOk++;
        else reloadFails.push(`${res.status} ${res.body.slice(0, 120)}`);
      } catch (e) { reloadFails.push((e as Error).message); }
      await new Promise((r) => setTimeout(r, 5)); // spread the reloads over the load
    }
    const swapMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
    swapping = false;
    const swap = await swapLoad;
    ra.destroy();
    const finalVersion = svc.bundle().manifest.version;
    const swapOk = swap.bad === 0 && reloadsOk === RELOADS && failures.length === failsBeforeSwap;

    // 3. fuzzing
    const fa = new Agent({ keepAlive: true, maxSockets: 8 });
    const byStatus = new Map<string, number>();
    const byKind = new Map<string, Map<string, number>>();
    let fuzzBad = 0;
    const cases = Array.from({ length: FUZZ_N }, fuzzCase);
    let next = 0;
    const fuzzWorker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        let key: string;
        try {
          const res = await call(fa, url, c.method, c.path, c.body, c.headers);
          key = String(res.status);
          if (res.status < 400 || res.status >= 500) { fuzzBad++; fail(`fuzz ${c.kind}: ${c.method} ${c.path} → ${res.status} ${res.body.slice(0, 160)}`); }
        } catch (e) {
          key = 'dropped';
          fuzzBad++; fail(`fuzz ${c.kind}: ${c.method} ${c.path} → ${(e as Error).message}`);
        }
        byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
        const m = byKind.get(c.kind) ?? new Map<string, number>();
        m.set(key, (m.get(key) ?? 0) + 1);
        byKind.set(c.kind, m);
      }
    };
    const tf = performance.now();
    await Promise.all(Array.from({ length: 8 }, fuzzWorker));
    const fuzzMs = performance.now() - tf;
    fa.destroy();
    const after = await call(new Agent({ keepAlive: false }), url, 'POST', '/v1/decide', EVENT);
    const afterOk = checkDecision(after, [finalVersion ?? '']);
    const health = await call(new Agent({ keepAlive: false }), url, 'GET', '/healthz');
    const fuzzOk = fuzzBad === 0 && afterOk && health.status === 200;

    // ---------- report ----------
    const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
    const f2 = (x: number) => x.toFixed(2);
    console.log('\n| measure | requests/s | p50 ms | p99 ms | ÷ engine-only | requests |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| engine only, in process (\`Engine.decide\` + JSON.parse) | ${f0(baseRps)} | ${(base.usPer / 1000).toFixed(4)} | | 1.00× | ${f0(base.n + base2.n)} |`);
    for (const { conc, r } of levels) console.log(`| HTTP, concurrency ${conc} | ${f0(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${(baseRps / r.rps).toFixed(1)}× slower | ${f0(r.n)} |`);
    console.log(`| HTTP, concurrency 16, during ${RELOADS} reloads | ${f0(swap.rps)} | ${f2(swap.p50)} | ${f2(swap.p99)} | ${(baseRps / swap.rps).toFixed(1)}× slower | ${f0(swap.n)} |`);
    console.log(`\nengine-only drift: ${f0(base.rps)} before, ${f0(base2.rps)} after the HTTP levels`);
    console.log(`\nhot swap: ${reloadsOk}/${RELOADS} reloads succeeded in ${(swapMs / 1000).toFixed(1)} s; ${swap.ok} decides ok, ${swap.bad} failed → ${swapOk ? 'PASS' : 'FAIL'}`);
    for (const m of reloadFails.slice(0, 5)) console.log('  reload failure: ' + m);
    console.log(`\nfuzz: ${FUZZ_N} malformed requests in ${(fuzzMs / 1000).toFixed(1)} s; by status: ${[...byStatus].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}; valid decide afterwards: ${afterOk ? 'ok' : 'FAILED'} → ${fuzzOk ? 'PASS' : 'FAIL'}`);
    console.log('| kind | responses |\n| --- | --- |');
    for (const [k, m] of [...byKind].sort()) console.log(`| ${k} | ${[...m].sort().map(([s, n]) => `${s}×${n}`).join(', ')} |`);
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const passed = swapOk && fuzzOk && failures.length === 0;
    if (!passed) {
      console.log('\nBENCHMARK FAILED');
      for (const f of failures) console.log('  ' + f);
      process.exitCode = 1;
    }
    return {
      engineRps: baseRps,
      levels: levels.map(({ conc, r }) => ({ concurrency: conc, rps: r.rps, p50: r.p50, p99: r.p99 })),
      swap: { reloads: RELOADS, ok: reloadsOk, decides: swap.ok, failed: swap.bad, rps: swap.rps },
      fuzz: { requests: FUZZ_N, all4xx: fuzzOk },
      passed,
    };
  } finally {
    await svc.close();
    clearTimeout(killer);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  runServiceBench({ quick: QUICK }).catch((e) => { console.error('BENCHMARK FAILED:', e); process.exit(1); });
}
