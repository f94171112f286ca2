// `zhiyu serve --bundle … --workers 2`: real worker processes on one port.
// Requests reach both workers; a reload reaches every worker before it is
// answered (and a refused one changes none); /metrics sums the workers; a
// replay header from outside is refused; the summing of Prometheus text.
// Over a SQLite store with the decision log: both workers decide and log,
// every decision once under its own id and replaying exactly, and a reload
// mid-way writes one history entry and one audit row, not one per worker.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { writeBundle } from '../runtime/bundle.ts';
import { sumMetrics } from '../runtime/cluster.ts';
import { verifyChain } from '../runtime/audit.ts';
import { load } from '../runtime/engine.ts';
import { bundleFromHistory } from '../runtime/history.ts';
import { DecisionLog, openStore } from '../runtime/store/sqlite/index.ts';
import { SnapshotProvider } from '../runtime/store/decision-log.ts';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveCli, spawnCli } from './cli-run.ts';

const dir = scratchDir('zhiyu-workers-');
const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const v1 = join(dir, 'v1.zyb');
writeFileSync(v1, writeBundle(compile(files), files));
const files2 = files.map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', 'version "0.2.0"') }));
const v2text = writeBundle(compile(files2), files2);
const TOKEN = 'workers-token-1';
const event = JSON.stringify({ type: 'transfer_out', payee_id: 'mule-7', amount: 500000, occurred_at: '2026-03-01T10:00' });

test('two workers share the port; reload reaches both; /metrics sums them', async () => {
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--token', TOKEN]);
  try {
    assert.match(svc.out(), /2 workers/);
    // New connections are handed out round-robin: both workers answer.
    const answered = async (path: string, init?: RequestInit) => {
      const seen = new Map<string, unknown>();
      for (let i = 0; i < 12; i++) {
        const r = await fetch(`${svc.url}${path}`, { ...init, headers: { connection: 'close', ...(init?.headers ?? {}) } });
        seen.set(r.headers.get('x-zhiyu-worker') ?? '?', await r.json());
      }
      return seen;
    };
    const decided = await answered('/v1/decide', { method: 'POST', body: event });
    assert.equal([...decided.keys()].sort(), ['1', '2']);
    for (const d of decided.values()) assert.is((d as { outcome: string }).outcome, 'allow');
    // A refused reload changes no worker; an accepted one reaches every worker before it is answered.
    const refused = await fetch(`${svc.url}/v1/reload`, { method: 'POST', body: v2text, headers: { authorization: 'Bearer wrong' } });
    assert.is(refused.status, 401);
    const broken = await fetch(`${svc.url}/v1/reload`, { method: 'POST', body: v2text.slice(0, 300), headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(broken.status, 422);
    for (const h of (await answered('/healthz')).values()) assert.is((h as { version: string }).version, '0.1.0');
    const ok = await fetch(`${svc.url}/v1/reload`, { method: 'POST', body: v2text, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal([ok.status, ((await ok.json()) as { version: string }).version], [200, '0.2.0']);
    const after = await answered('/healthz');
    assert.equal([...after.keys()].sort(), ['1', '2']);
    for (const h of after.values()) assert.is((h as { version: string }).version, '0.2.0');
    // /metrics: both workers' decisions, one bundle, one reload each (not two).
    const m = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(m, /^zhiyu_decisions_total\{arm="live",outcome="allow"\} 12$/m);
    assert.match(m, /^zhiyu_workers 2$/m);
    assert.match(m, /^zhiyu_bundle_reloads_total 1$/m);
    assert.match(m, /^zhiyu_bundle_info\{arm="live",pack="demo",version="0.2.0",hash="sha256:[0-9a-f]+"\} 1$/m);
    // Only the primary may replay a request to a worker.
    const forged = await fetch(`${svc.url}/v1/reload`, { method: 'POST', body: v2text, headers: { authorization: `Bearer ${TOKEN}`, 'x-zhiyu-replay': 'guess' } });
    assert.is(forged.status, 403);
    assert.match(forged.headers.get('x-zhiyu-worker') ?? '', /^[12]$/);
    // A worker's answers start with its id, then the service's own headers, in this order (decisions, errors, /metrics).
    for (const [method, path, body] of [['POST', '/v1/decide', event], ['POST', '/v1/decide', '{bad'], ['GET', '/metrics', undefined], ['GET', '/nope', undefined]] as const) {
      const raw = await new Promise<string[]>((resolve, reject) => {
        const q = request(`${svc.url}${path}`, { method, headers: { connection: 'close' } }, (r) => { r.resume(); r.on('end', () => resolve(r.rawHeaders)); });
        q.on('error', reject);
        q.end(body);
      });
      assert.equal(raw.filter((_, i) => i % 2 === 0).slice(0, 4), ['x-zhiyu-worker', 'content-type', 'content-length', 'cache-control'], path);
      assert.match(raw[1]!, /^[12]$/);
    }
  } finally {
    assert.is(await svc.stop(), 0);
  }
});

test('--workers needs --bundle: the editor runs in one process', async () => {
  const { cli } = await import('./cli-run.ts');
  const editor = await cli('serve', join(import.meta.dirname, '..', 'rules'), '--workers', '2');
  assert.is(editor.code, 2);
  assert.match(editor.err, /--workers needs --bundle/);
});

test('two workers over one SQLite store with --log: each decision logged once, ids never collide, every one replays; a reload mid-way is one history entry and one audit row', async () => {
  const { cli } = await import('./cli-run.ts');
  const db = join(dir, 'demo.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '60')).code, 0);
  // Real events of the seeded customers (their devices, payees and history are in the store).
  const store = new Database(db, { readonly: true });
  const rows = store.prepare(`SELECT * FROM zy_events WHERE type IN ('transfer_out', 'login', 'drawdown') ORDER BY zy_seq LIMIT 40`).all() as Record<string, unknown>[];
  store.close();
  assert.ok(rows.length >= 20, 'the demo data has transfers and logins');
  const events = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== null && k !== 'zy_seq')
    .map(([k, v]) => [k, k === 'occurred_at' ? new Date(v as number).toISOString() : v]))));
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--token', TOKEN, '--db', db, '--log']);
  const answers: { worker: string; status: number; body: Record<string, unknown>; event: string }[] = [];
  let reload: Response | undefined;
  try {
    assert.match(svc.out(), /2 workers/);
    const decide = async (event: string) => {
      // A new connection each time: the primary hands them to the workers in turn.
      const r = await fetch(`${svc.url}/v1/decide`, { method: 'POST', body: event, headers: { connection: 'close' } });
      answers.push({ worker: r.headers.get('x-zhiyu-worker') ?? '?', status: r.status, body: await r.json() as Record<string, unknown>, event });
    };
    const round = (n: number) => Promise.all(events.slice(0, n).map((e, i) => new Promise<void>((res) => { setImmediate(() => { void decide(events[(i + n) % events.length]!).then(res); }); })));
    await round(events.length);
    // The reload while decisions are in flight: none of them fails.
    [reload] = await Promise.all([
      fetch(`${svc.url}/v1/reload`, { method: 'POST', body: v2text, headers: { authorization: `Bearer ${TOKEN}` } }),
      round(events.length),
    ]);
    assert.is(reload.status, 200, await reload.clone().text());
    await round(events.length);
    // An older version without a reason is refused, by every worker alike, with one audit row.
    const older = await fetch(`${svc.url}/v1/reload`, { method: 'POST', body: writeBundle(compile(files), files), headers: { authorization: `Bearer ${TOKEN}` } });
    const refusal = await older.json() as { error: { code: string } };
    assert.equal([older.status, refusal.error.code], [409, 'ZY8008'], JSON.stringify(refusal));
    const m = await (await fetch(`${svc.url}/metrics`)).text();
    const counted = [...m.matchAll(/^zhiyu_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((k, x) => k + Number(x[1]), 0);
    assert.is(counted, answers.length, '/metrics sums both workers');
  } finally {
    assert.is(await svc.stop(), 0);
  }
  assert.equal(answers.filter((a) => a.status !== 200).map((a) => a.body), [], '0 failed requests');
  assert.equal([...new Set(answers.map((a) => a.worker))].sort(), ['1', '2'], 'both workers decided');
  const versions = new Set(answers.map((a) => (a.body as { version: string }).version));
  assert.equal([...versions].sort(), ['0.1.0', '0.2.0']);

  const log = DecisionLog.open(openStore(db, { readonly: true }));
  try {
    // Every answer names its logged decision; no id twice; the log holds exactly those.
    const ids = answers.map((a) => a.body['decisionId'] as number);
    assert.ok(ids.every((id) => Number.isInteger(id)), 'every answer carries its decision id');
    assert.is(new Set(ids).size, ids.length, 'no two decisions share an id');
    assert.equal(log.ids(), [...ids].sort((a, b) => a - b), 'each decision logged exactly once');
    // Each one replays exactly, with the bundle that made it, from the history both workers read.
    for (const a of answers) {
      const d = log.get(a.body['decisionId'] as number);
      assert.equal(JSON.parse(JSON.stringify(d.input)), JSON.parse(a.event));
      assert.is(d.bundleHash, a.body['bundle']);
      const engine = load((await bundleFromHistory(log.history, d.bundleHash!)).program);
      const again = engine.decide(d.input, new SnapshotProvider(d.snapshot));
      const want = [a.body['outcome'], a.body['score'], (a.body['fired'] as { id: string }[]).map((f) => f.id)];
      assert.equal([d.outcome, d.score, d.fired], want);
      assert.equal([again.outcome, again.score, again.fired.map((f) => f.id)], want, `decision ${d.id} replays`);
    }
    // One writer: the start, the reload, the refusal and the stop once each, in an intact chain; two bundles kept.
    const trail = log.audit.rows();
    assert.equal(trail.map((r) => r.action), ['start', 'reload', 'refused', 'stop']);
    assert.equal(verifyChain(trail).findings, []);
    assert.equal(log.history.list().map((b) => b.version), ['0.1.0', '0.2.0']);
  } finally {
    log.close();
  }
});

test('with --db and no --workers the service runs one worker per core; a store that cannot be opened stops it before any worker starts', async () => {
  const db = join(dir, 'demo.db');
  const cores = availableParallelism();
  // The test before left 0.2.0 live in this store.
  const v2 = join(dir, 'v2.zyb');
  writeFileSync(v2, v2text);
  const svc = await serveCli(['--bundle', v2, '--insecure-unsigned', '--db', db]);
  try {
    const r = await fetch(`${svc.url}/v1/decide`, { method: 'POST', body: event });
    assert.is(r.status, 200, await r.clone().text());
    if (cores > 1) {
      assert.match(svc.out(), new RegExp(`${cores} workers`));
      assert.match(await (await fetch(`${svc.url}/metrics`)).text(), new RegExp(`^zhiyu_workers ${cores}$`, 'm'));
    }
  } finally {
    assert.is(await svc.stop(), 0);
  }
  const missing = await spawnCli(['serve', '--bundle', v1, '--insecure-unsigned', '--db', join(dir, 'missing.db'), '--port', '0']);
  assert.is(missing.code, 2, missing.out + missing.err);
  assert.equal(missing.err.trim().split('\n').filter((l) => /ZY7001/.test(l)).length, 1, missing.err);
  assert.not.match(missing.err, /a worker ended|before the service was up/);
});

test('workers that cannot listen (the port is taken) end the service with exit 1, not a loop of restarts', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  try {
    const r = await spawnCli(['serve', '--bundle', v1, '--insecure-unsigned', '--workers', '2', '--port', String((taken.address() as AddressInfo).port)]);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.err, /EADDRINUSE/);
    assert.match(r.err, /before the service was up/);
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

test('sumMetrics adds counters and histograms, keeps the largest gauge and reload count, and counts the workers', () => {
  const a = '# HELP c C.\n# TYPE c counter\nc{x="a"} 2\n# HELP g G.\n# TYPE g gauge\ng{v="1"} 1\n# HELP zhiyu_bundle_reloads_total R.\n# TYPE zhiyu_bundle_reloads_total counter\nzhiyu_bundle_reloads_total 3\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 0.5\nh_count 1\n';
  const b = '# HELP c C.\n# TYPE c counter\nc{x="a"} 5\nc{x="b"} 1\n# HELP g G.\n# TYPE g gauge\ng{v="1"} 1\n# HELP zhiyu_bundle_reloads_total R.\n# TYPE zhiyu_bundle_reloads_total counter\nzhiyu_bundle_reloads_total 3\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 0.25\nh_count 2\n';
  const s = sumMetrics([a, b]);
  assert.match(s, /^c\{x="a"\} 7$/m);
  assert.match(s, /^c\{x="b"\} 1$/m);
  assert.match(s, /^g\{v="1"\} 1$/m);
  assert.match(s, /^zhiyu_bundle_reloads_total 3$/m);
  assert.match(s, /^h_bucket\{le="1"\} 3$/m);
  assert.match(s, /^h_sum 0.75$/m);
  assert.match(s, /^zhiyu_workers 2$/m);
  // Each family stays one group, its samples after its HELP and TYPE.
  assert.ok(s.indexOf('c{x="b"}') < s.indexOf('# HELP g'));
});

test.run();
