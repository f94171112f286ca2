// The bundle history and the audit trail on PostgreSQL (zy_bundles,
// zy_audit): several writers at once make one intact chain with no repeated
// seq and keep each bundle once; a service's start, reload and rollback read
// and write them as on SQLite (a rollback after a restart restores the bundle
// from the history; a restart with an older bundle is refused); a store made
// by the zhiyu before them reads them as empty and migrates up without losing
// anything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { compile, type SourceFile } from '../compiler/index.ts';
import { verifyChain, type AuditEntry } from '../runtime/audit.ts';
import { parseBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { serve } from '../runtime/server.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli } from './cli-run.ts';
import { pgServer } from './pg-server.ts';

const demo = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const key = generateKeyPairSync('ed25519');
const policy = { keys: [key.publicKey], allowUnverified: false };
const TOKEN = 'pg-control-token-1';

function bundle(version: string): Bundle {
  const files: SourceFile[] = demo.map((f) => ({ ...f, text: f.text.replace('pack demo version "0.1.0"', `pack demo version "${version}"`) }));
  const r = compile(files);
  assert.ok(r.ok);
  return parseBundle(writeBundle(r, files, key.privateKey), { trust: policy });
}
const v1 = bundle('0.1.0');
const v2 = bundle('0.2.0');

/**
 * The tests' pools wait for a connection as long as a busy machine needs: 45 appends at once queue for 8 connections a
 * pool while each holds the chain's lock in turn, which can take longer than the service's 2 s default at load 10+.
 */
const WAIT = { acquireTimeoutMs: 120_000 };

async function freshStore(name: string): Promise<{ url: string; store: PostgresStore }> {
  const url = await (await pgServer()).database(name);
  const store = await PostgresStore.open(url, { create: true, ...WAIT });
  await store.migrate(compile(demo).checked!.schema);
  return { url, store };
}

test('writers on several connections at once: one intact chain, seq 1…n with none repeated; each bundle kept once', async () => {
  const { url, store } = await freshStore('control_concurrent');
  const others = await Promise.all([1, 2].map(() => PostgresStore.open(url, WAIT)));
  try {
    const writers = [store, ...others];
    const entry = (w: number, i: number): AuditEntry => ({ action: 'reload', at: 1_000 + i, bundle: { hash: v2.hash, pack: 'demo', version: '0.2.0' }, detail: { writer: w, i } });
    await Promise.all(writers.flatMap((s, w) => Array.from({ length: 15 }, (_, i) => s.audit().append(entry(w, i)))));
    await Promise.all(writers.flatMap((s) => [v1, v2, v1].map((b, i) => s.history().keep(b, 2_000 + i))));
    const rows = await store.audit().rows();
    assert.equal(rows.map((r) => r.seq), Array.from({ length: 45 }, (_, i) => i + 1));
    assert.equal(verifyChain(rows).findings, []);
    for (let w = 0; w < writers.length; w++) assert.is(rows.filter((r) => r.detail['writer'] === w).length, 15, `writer ${w}'s rows all there`);
    const kept = await store.history().list();
    assert.equal(kept.map((b) => b.hash).sort(), [v1.hash, v2.hash].sort());
    const got = await others[0]!.history().get(v2.hash);
    assert.is(got?.text, v2.text, 'the bundle text, signatures and all');
  } finally { await Promise.all([store, ...others].map((s) => s.close())); }
});

test('a service over PostgreSQL: start and reload recorded; after a restart, rollback restores the bundle before from the history; an older bundle is refused at start', async () => {
  const { store } = await freshStore('control_service');
  const opts = { port: 0, token: TOKEN, verify: { trust: policy }, history: store.history(), audit: store.audit() };
  const post = async (url: string, path: string, body = '') => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, json: await res.json() as Record<string, any> };
  };
  try {
    const first = await serve({ ...opts, bundle: v1 });
    try {
      const r = await post(first.url, '/v1/reload', v2.text);
      assert.equal([r.status, r.json['version']], [200, '0.2.0'], JSON.stringify(r.json));
    } finally { await first.close(); }
    // A new process knows nothing in memory: what came before is read from the trail and the history.
    let refused: { code?: string } | undefined;
    try { const s = await serve({ ...opts, bundle: v1 }); await s.close(); } catch (e) { refused = e as never; }
    assert.is(refused?.code, 'ZY8008', 'the trail says 0.2.0 was live last');
    const second = await serve({ ...opts, bundle: v2 });
    try {
      const r = await post(second.url, '/v1/rollback');
      assert.equal([r.status, r.json['status'], r.json['bundle']], [200, 'rolled back', v1.hash], JSON.stringify(r.json));
      assert.is(second.bundle().hash, v1.hash);
    } finally { await second.close(); }
    const rows = await store.audit().rows();
    assert.equal(rows.map((r) => r.action), ['start', 'reload', 'stop', 'refused', 'start', 'rollback', 'stop']);
    assert.equal(verifyChain(rows).findings, []);
    assert.equal((await store.history().list()).map((b) => b.version), ['0.1.0', '0.2.0']);
  } finally { await store.close(); }
});

test('a store from before migration 3 reads an empty history and trail, refuses to record (ZY7002), and migrates up with db maintain, keeping its decisions', async () => {
  const { url, store } = await freshStore('control_older');
  try {
    // The store as the zhiyu before this migration left it, with a logged decision.
    await store.pool.query(`INSERT INTO zy_decisions (logged_at, event_time, pack, input, snapshot, outcome, score, fired) VALUES (1, 1, 'demo', '{}', '{}', 'allow', 0, '[]')`);
    await store.pool.query(`DROP TABLE zy_bundles, zy_audit`);
    await store.pool.query(`DELETE FROM zy_migrations WHERE version >= 3`);
    assert.equal(await store.history().list(), []);
    assert.equal(await store.audit().rows(), []);
    assert.is(await store.history().get(v1.hash), undefined);
    const e = await store.audit().append({ action: 'start', at: 1, detail: {} }).then(() => undefined, (x: { code?: string; message: string }) => x);
    assert.is(e?.code, 'ZY7002');
    assert.match(e!.message, /older zhiyu migration; run `zhiyu db maintain/, e!.message);

    const r = await cli('db', 'maintain', url);
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, /applied migration 3 \(bundle history and audit trail\)/);
    await store.history().keep(v1, 5);
    assert.is((await store.audit().append({ action: 'start', at: 5, detail: {} })).seq, 1);
    assert.is(Number((await store.pool.query(`SELECT count(*) AS n FROM zy_decisions`)).rows[0].n), 1, 'the decision logged before is still there');
    const again = await cli('db', 'maintain', url);
    assert.is(again.code, 0);
    assert.not.match(again.out, /applied migration/);
  } finally { await store.close(); }
});

test.run();
