// `zhiyu serve --bundle … --workers 2`: real worker processes on one port.
// Requests reach both workers; a reload reaches every worker before it is
// answered (and a refused one changes none); /metrics sums the workers; a
// replay header from outside is refused; the summing of Prometheus text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { writeBundle } from '../runtime/bundle.ts';
import { sumMetrics } from '../runtime/cluster.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveCli, spawnCli } from './cli-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-workers-'));
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
  } finally {
    assert.is(await svc.stop(), 0);
  }
});

test('--workers needs --bundle, and --db (history, audit trail, log: one writer) keeps one process', async () => {
  const { cli } = await import('./cli-run.ts');
  const editor = await cli('serve', join(import.meta.dirname, '..', 'rules'), '--workers', '2');
  assert.is(editor.code, 2);
  assert.match(editor.err, /--workers needs --bundle/);
  const logged = await cli('serve', '--bundle', v1, '--insecure-unsigned', '--db', join(dir, 'x.db'), '--log', '--workers', '2');
  assert.is(logged.code, 2);
  assert.match(logged.err, /--db .* --workers 1/);
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
