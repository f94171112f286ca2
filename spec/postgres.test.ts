// PostgreSQL gives the answers SQLite gives, end to end, on a real server
// the suite starts itself (spec/pg-server.ts): the demo seeded into both,
// every shipped pack backtested on both with identical per-rule results;
// decisions served from PostgreSQL, logged there and replayed exactly (from
// the snapshot, and from the store as of the event); a server that goes
// away answers 503 ZY7010 per request and is used again when it returns,
// with no restart; an import (COPY) is all-or-nothing while decisions keep
// flowing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { compile } from '../compiler/index.ts';
import { loadBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { load } from '../runtime/engine.ts';
import { serve, type Service } from '../runtime/server.ts';
import { SnapshotProvider } from '../runtime/store/decision-log.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { importFilePg } from '../runtime/store/postgres/ingest.ts';
import { decisionLogger } from '../cli/bundle-commands.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli } from './cli-run.ts';
import { demoDb } from './editor-fixture.ts';
import { pgServer, type PgServer } from './pg-server.ts';
import { outcomesText } from '../cli/outcomes-report.ts';
import type { OutcomesReport } from '../runtime/outcomes/index.ts';

const root = join(import.meta.dirname, '..');
const PACKS = ['demo', 'fraud', 'conduct/gates', 'conduct/sweeps'];
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-test-'));
const file = join(dir, 'demo.db');
let server: PgServer;
let url: string;

test.before(async () => {
  server = await pgServer();
  url = await server.database('demo');
  const r = await cli('db', 'seed', '--demo', url, '--customers', '300');
  assert.is(r.code, 0, r.err);
  // The same seed on SQLite: the run's demo database (seeded once, by the same command), copied.
  copyFileSync(await demoDb(), file);
});

test.after(() => { rmSync(dir, { recursive: true, force: true }); });

const bundleOf = (pack: string): Bundle => {
  const files = readPack([join(root, 'rules', pack)]);
  const c = compile(files);
  assert.ok(c.ok, pack);
  return loadBundle(writeBundle(c, files));
};

test('db seed --demo into PostgreSQL: the URL is shown without its password, and a second seed is refused', async () => {
  const again = await cli('db', 'seed', '--demo', url, '--customers', '300');
  assert.is(again.code, 2);
  assert.match(again.err, /holds a zhiyu store already/);
  assert.not.match(again.err + again.out, /zhiyu:zhiyu@/);
});

test('every shipped pack backtests the same on SQLite and PostgreSQL: per-rule hits, outcomes, precision and recall', async () => {
  for (const name of PACKS) {
    const program = bundleOf(name).program;
    const [a, b] = [await backtest(program, file, { workers: 0, decisions: true }), await backtest(program, url, { workers: 0, decisions: true })];
    assert.ok(a.events.decided > 0, `${name}: nothing decided`);
    assert.ok(a.rules.some((r) => r.hits > 0), `${name}: no rule fired`);
    assert.equal(b.rules, a.rules, `${name}: per-rule results differ`);
    assert.equal(b.outcomes, a.outcomes, `${name}: outcomes differ`);
    assert.equal(b.stopped, a.stopped, `${name}: precision and recall differ`);
    assert.equal(b.decisions, a.decisions, `${name}: event decisions differ`);
    const { run: _r, warnings: wa, ...restA } = a;
    const { run: _s, warnings: wb, ...restB } = b;
    assert.equal(restB, restA, `${name}: the reports differ`);
    assert.equal(wb.filter((w) => !/copy of postgres/.test(w)), wa);
    assert.ok(wb.some((w) => /copy of postgres:\/\/zhiyu:\*\*\*@/.test(w)), 'says it read a copy');
  }
});

test('zhiyu report over PostgreSQL gives the figures the same store gives on SQLite, and says it read a copy', async () => {
  // Before any test below adds events to one store only. One week, to keep the suite quick: the packs decide every event of the period again, on both stores.
  const last = Number((await withPg((pg) => pg.pool.query('SELECT max(occurred_at) AS t FROM zy_events'))).rows[0].t);
  const period = ['--from', new Date(last - 7 * 86_400_000).toISOString(), '--to', new Date(last + 1).toISOString(), '--json', '--workers', '0'];
  const [onFile, onPg] = [await cli('report', '--db', file, ...period), await cli('report', '--db', url, ...period)];
  assert.is(onFile.code, 0, onFile.err);
  assert.is(onPg.code, 0, onPg.err);
  const a = JSON.parse(onFile.out) as OutcomesReport;
  const { copyOf, ...b } = JSON.parse(onPg.out) as OutcomesReport;
  assert.match(String(copyOf), /^postgres:\/\/zhiyu:\*\*\*@/);
  assert.ok(a.scams!.intercepted > 0 && a.gates!.contacts > 0, 'the report has figures to compare');
  assert.equal(b, a);
  assert.match(outcomesText({ ...b, copyOf: copyOf! }), /Read from a copy of postgres:\/\/zhiyu:\*\*\*@/);
});

test('zhiyu report over PostgreSQL reads the decisions logged there, as it reads the SQLite log', async () => {
  // The fraud pack's service logs the same stored transfers of the last week into each store's log.
  const last = Number((await withPg((pg) => pg.pool.query('SELECT max(occurred_at) AS t FROM zy_events'))).rows[0].t);
  const from = last - 7 * 86_400_000;
  const rows = (await withPg((pg) => pg.pool.query(`SELECT type, customer_id, device_id, payee_id, amount, auth_method, occurred_at FROM zy_events
    WHERE type = 'transfer_out' AND occurred_at >= $1 ORDER BY zy_seq DESC LIMIT 25`, [from]))).rows as Record<string, unknown>[];
  const events = rows.map((r) => Object.fromEntries(Object.entries({ ...r, occurred_at: new Date(Number(r['occurred_at'])).toISOString() }).filter(([, v]) => v !== null)));
  assert.is(events.length, 25);
  const fraud = bundleOf('fraud');
  const { openAnyStore, logOf, closeAnyStore, providerOf } = await import('../runtime/store/open.ts');
  for (const where of [file, url]) {
    const store = await openAnyStore(where, { readonly: true });
    const log = logOf(store, { write: true });
    const svc = await serve({ bundle: fraud, port: 0, provider: (b) => providerOf(store, b.program.pack), onDecision: decisionLogger(log) });
    try {
      for (const e of events) { const r = await post(svc, e); assert.is(r.status, 200, JSON.stringify(r.body)); }
    } finally { await svc.close(); log.close(); await closeAnyStore(store); }
  }
  const period = ['--from', new Date(from).toISOString(), '--to', new Date(last + 1).toISOString(), '--json', '--workers', '0'];
  const [onFile, onPg] = [await cli('report', '--db', file, ...period), await cli('report', '--db', url, ...period)];
  assert.is(onFile.code, 0, onFile.err);
  assert.is(onPg.code, 0, onPg.err);
  const a = JSON.parse(onFile.out) as OutcomesReport;
  const { copyOf: _c, ...b } = JSON.parse(onPg.out) as OutcomesReport;
  assert.is(a.sources['fraud'], 'decision log');
  assert.is(b.sources['fraud'], 'decision log', 'the PostgreSQL decision log was read');
  assert.ok(Object.values(b.sources).includes('replayed from the events'), 'the packs with nothing logged decide the events again');
  assert.equal(b, a);
});

test('eval --labelled over PostgreSQL decides the same labelled events, each as of its own time, as on SQLite', async () => {
  const [onFile, onPg] = [await cli('eval', join(root, 'rules', 'demo'), '--db', file, '--labelled', '6'), await cli('eval', join(root, 'rules', 'demo'), '--db', url, '--labelled', '6')];
  assert.is(onFile.code, 0, onFile.err);
  assert.is(onPg.code, 0, onPg.out + onPg.err);
  assert.is((onFile.out.match(/^event #\d+/gm) ?? []).length, 6, onFile.out);
  assert.is(onPg.out, onFile.out);
  const json = [await cli('eval', join(root, 'rules', 'demo'), '--db', file, '--labelled', '3', '--json'), await cli('eval', join(root, 'rules', 'demo'), '--db', url, '--labelled', '3', '--json')];
  assert.is(json[1]!.out, json[0]!.out);
});

test('shadow report over PostgreSQL gives the figures SQLite gives for the same logged decisions, labels and bundles', async () => {
  // The same requests to a live bundle with a shadow beside it, once over each store, each logging there.
  const files = readPack([join(root, 'rules', 'demo')]).map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', 'version "0.2.0"').replace('threshold review at 40', 'threshold review at 100') }));
  const live = bundleOf('demo');
  const shadow = loadBundle(writeBundle(compile(files), files));
  const { openAnyStore, logOf, closeAnyStore, providerOf } = await import('../runtime/store/open.ts');
  const pg = await PostgresStore.open(url);
  const events = await sampleEvents(pg, 40);
  await pg.close();
  const ids: number[][] = [];
  for (const where of [file, url]) {
    const store = await openAnyStore(where, { readonly: true });
    const log = logOf(store, { write: true });
    const svc = await serve({ bundle: live, shadow, port: 0, provider: (b) => providerOf(store, b.program.pack), history: log.history, audit: log.audit, onDecision: decisionLogger(log) });
    try {
      const got: number[] = [];
      for (const e of events) {
        const r = await post(svc, e);
        assert.is(r.status, 200, JSON.stringify(r.body));
        got.push(r.body['decisionId'] as number);
      }
      ids.push(got);
    } finally { await svc.close(); log.close(); await closeAnyStore(store); }
  }
  assert.equal(ids[1], ids[0], 'the logs number the decisions alike');
  // Labels on logged decisions in both stores: one without a time (the oldest), one overturned later, one known only after --labels-as-of.
  const labels = [[ids[0]![0], 'fraud', 1, null], [ids[0]![1], 'fraud', 1, 1_000], [ids[0]![1], 'fraud', 0, 2_000], [ids[0]![2], 'chargeback', 1, 9_000_000_000_000]] as const;
  const sqlite = await import('../runtime/store/sqlite/index.ts');
  const db = sqlite.openStore(file);
  try {
    for (const [id, kind, positive, at] of labels) db.prepare(`INSERT INTO zy_labels (subject_kind, subject, kind, positive, labeled_at) VALUES ('decision', ?, ?, ?, ?)`).run(String(id), kind, positive, at);
  } finally { db.close(); }
  await withPg(async (p) => {
    for (const [id, kind, positive, at] of labels) await p.pool.query(`INSERT INTO zy_labels (subject_kind, subject, kind, positive, labeled_at) VALUES ('decision', $1, $2, $3, $4)`, [String(id), kind, positive === 1, at]);
  });
  for (const extra of [[], ['--labels-as-of', '2026-12-01'], ['--candidate', shadow.hash.slice(0, 20), '--labels', 'fraud']]) {
    const [a, b] = [await cli('shadow', 'report', '--db', file, '--json', ...extra), await cli('shadow', 'report', '--db', url, '--json', ...extra)];
    assert.is(a.code, 0, a.err);
    assert.is(b.code, 0, b.out + b.err);
    const { run: _a, ...ra } = JSON.parse(a.out) as Record<string, unknown>;
    const { run: _b, ...rb } = JSON.parse(b.out) as Record<string, unknown>;
    assert.equal(rb, ra, `shadow report ${extra.join(' ')}`);
    assert.is((ra['shadow'] as { logged: number }).logged, events.length);
    assert.is((ra['shadow'] as { candidate: string }).candidate, shadow.hash);
  }
  const text = [await cli('shadow', 'report', '--db', file), await cli('shadow', 'report', '--db', url)];
  // The same text but for how long it took (the run line).
  const notRun = (out: string) => out.split('\n').filter((l) => !/^\s*run\s/.test(l)).join('\n');
  assert.is(notRun(text[1]!.out), notRun(text[0]!.out));
  assert.match(text[0]!.out, /changes|transitions|review/i);
});

/** Decisions for the demo pack: stored events found to be fraud, and the latest ones, each again a minute later. */
async function sampleEvents(store: PostgresStore, n: number): Promise<Record<string, unknown>[]> {
  const rows = (await store.pool.query(`SELECT type, customer_id, device_id, payee_id, id_number_hash, amount, auth_method, occurred_at FROM zy_events
    WHERE type IN ('transfer_out', 'login', 'payee_add', 'drawdown', 'application') AND customer_id IS NOT NULL
    ORDER BY zy_seq IN (SELECT subject::bigint FROM zy_labels WHERE subject_kind = 'event' AND positive) DESC, zy_seq DESC LIMIT $1`, [n])).rows as Record<string, unknown>[];
  return rows.map((r) => Object.fromEntries(Object.entries({ ...r, occurred_at: new Date(Number(r['occurred_at']) + 60_000).toISOString() }).filter(([, v]) => v !== null)));
}

/** One request on a connection of its own (no keep-alive race between client and server decides a count). */
function post(svc: Service, event: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}/v1/decide`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end(JSON.stringify(event));
  });
}

test('decisions served from PostgreSQL are the decisions SQLite gives, are logged there, and replay exactly', async () => {
  const pg = await PostgresStore.open(url);
  const log = pg.log();
  const bundle = bundleOf('demo');
  const svc = await serve({ bundle, port: 0, provider: (b) => pg.provider(b.program.pack), onDecision: decisionLogger(log) });
  const sqlite = await import('../runtime/store/sqlite/index.ts');
  const db = sqlite.openStore(file, { readonly: true });
  try {
    const events = await sampleEvents(pg, 60);
    const engine = load(bundle.program);
    const local = new sqlite.SqliteProvider(db, bundle.program.pack);
    const before = new Set(await log.ids());
    let fired = 0;
    for (const e of events) {
      const r = await post(svc, e);
      assert.is(r.status, 200, JSON.stringify(r.body));
      const want = engine.decide(e, local);
      assert.equal({ outcome: r.body['outcome'], score: r.body['score'], fired: r.body['fired'] }, JSON.parse(JSON.stringify({ outcome: want.outcome, score: want.score, fired: want.fired })));
      fired += want.fired.length;
    }
    assert.ok(fired > 0, 'some rules fired');
    const ids = (await log.ids()).filter((id) => !before.has(id));
    assert.is(ids.length, events.length, 'every decision logged once');
    for (const id of ids) {
      const logged = await log.get(id);
      const fromSnapshot = engine.decide(logged.input, new SnapshotProvider(logged.snapshot));
      assert.equal([fromSnapshot.outcome, fromSnapshot.score, fromSnapshot.fired.map((f) => f.id)], [logged.outcome, logged.score, logged.fired]);
      const asOf = await pg.provider(bundle.program.pack).asOf(logged.eventTime, logged.snapshot.historySeq! + 1).resolve((p) => engine.decide(logged.input, p));
      assert.equal([asOf.outcome, asOf.score, asOf.fired.map((f) => f.id)], [logged.outcome, logged.score, logged.fired]);
    }
    const replayed = await cli('replay', url, String(ids[0]), '--pack', join(root, 'rules', 'demo'), '--as-of');
    assert.is(replayed.code, 0, replayed.out + replayed.err);
    assert.match(replayed.out, /same result/);
  } finally {
    db.close();
    await svc.close();
    await pg.close();
  }
});

test('a PostgreSQL that goes away: each request gets 503 ZY7010, and decisions resume by themselves when it returns', async () => {
  const pg = await PostgresStore.open(url, { acquireTimeoutMs: 1000 });
  const bundle = bundleOf('demo');
  const svc = await serve({ bundle, port: 0, provider: (b) => pg.provider(b.program.pack) });
  try {
    const [e] = await sampleEvents(pg, 1);
    assert.is((await post(svc, e)).status, 200);
    await server.stop();
    for (let i = 0; i < 3; i++) {
      const r = await post(svc, e);
      assert.is(r.status, 503, JSON.stringify(r.body));
      assert.is((r.body['error'] as { code: string }).code, 'ZY7010');
    }
    const health = await fetch(`${svc.url}/healthz`);
    assert.is(health.status, 200, 'the service itself stays up');
    await server.start();
    const back = await post(svc, e);
    assert.is(back.status, 200, JSON.stringify(back.body));
  } finally {
    await svc.close();
    await pg.close();
  }
});

test('db import into PostgreSQL: COPY, all-or-nothing per file, while decisions keep flowing (0 failed)', async () => {
  const pg = await PostgresStore.open(url);
  const bundle = bundleOf('demo');
  const svc = await serve({ bundle, port: 0, provider: (b) => pg.provider(b.program.pack) });
  try {
    const schema = (await pg.schema())!;
    const count = async () => Number((await pg.pool.query('SELECT count(*) AS n FROM zy_events')).rows[0].n);
    const start = await count();
    const events = await sampleEvents(pg, 20);
    const good = join(dir, 'events.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ ...events[i % events.length], occurred_at: new Date(Date.UTC(2026, 3, 1) + i * 1000).toISOString() }));
    writeFileSync(good, `${lines.join('\n')}\n`);
    const bad = join(dir, 'bad-events.jsonl');
    writeFileSync(bad, `${lines.slice(0, 500).join('\n')}\n{"type":"transfer","customer_id":"c1","occurred_at":"not a time"}\n`);
    const refused = await importFilePg(pg, schema, bad, { into: 'events' }).then(() => undefined, (e: Error & { code?: string }) => e);
    assert.is(refused?.code, 'ZY7005');
    assert.match(refused!.message, /bad-events\.jsonl:501/);
    assert.is(await count(), start, 'nothing of the bad file');
    // Decisions run the whole time the good file is imported.
    let importing = true;
    let ok = 0;
    let failed = 0;
    const load = (async () => {
      while (importing) {
        const r = await post(svc, events[ok % events.length]).catch((e: Error) => ({ status: 0, body: { error: e.message } }));
        if (r.status === 200) ok++; else { failed++; console.error(r); }
      }
    })();
    // The load stops however the import ends: left running, it would post to a closed service forever.
    const r = await importFilePg(pg, schema, good).finally(() => { importing = false; });
    await load;
    assert.is(r.rows, 20_000);
    assert.is(await count(), start + 20_000);
    assert.is(failed, 0);
    assert.ok(ok > 0, 'decisions were made during the import');
    const seq = Number((await pg.pool.query('SELECT last_seq FROM zy_event_seq')).rows[0].last_seq);
    const max = Number((await pg.pool.query('SELECT max(zy_seq) AS m FROM zy_events')).rows[0].m);
    assert.is(seq, max, 'the history bound is the last event stored');
  } finally {
    await svc.close();
    await pg.close();
  }
});

test('the CLI over a URL: eval --log, replay from the log, db import, db maintain', async () => {
  const pg = await PostgresStore.open(url);
  try {
    const [e] = await sampleEvents(pg, 1);
    const ev = await cli('eval', join(root, 'rules', 'demo'), '--event', JSON.stringify(e), '--db', url, '--log', '--json');
    assert.is(ev.code, 0, ev.err);
    const id = Math.max(...await pg.log().ids());
    const logged = await pg.log().get(id);
    assert.is(logged.outcome, JSON.parse(ev.out.slice(0, ev.out.lastIndexOf('}') + 1)).outcome);
    const again = await cli('replay', url, String(id), '--pack', join(root, 'rules', 'demo'));
    assert.is(again.code, 0, again.out + again.err);
    assert.match(again.out, /same result/);
    const noPack = await cli('replay', url, String(id));
    assert.is(noPack.code, 2);
    assert.match(noPack.err, /--pack/);
    const f = join(dir, 'customer.csv');
    writeFileSync(f, 'customer_id,daily_transfer_limit,zy_valid_from\nnew-customer-1,500000,2026-03-01T00:00:00Z\n');
    const imp = await cli('db', 'import', url, f);
    assert.is(imp.code, 0, imp.err);
    assert.match(imp.out, /1 rows into customer/);
    assert.not.match(imp.out + imp.err, /zhiyu:zhiyu@/);
    const row = (await pg.pool.query(`SELECT daily_transfer_limit FROM zy_entity_customer WHERE zy_key = 'new-customer-1' AND zy_valid_to IS NULL`)).rows[0];
    assert.is(Number(row.daily_transfer_limit), 500000);
    const m = await cli('db', 'maintain', url);
    assert.is(m.code, 0, m.err);
  } finally {
    await pg.close();
  }
});

test('the library opens a URL as a PostgreSQL store; partitions are kept ahead and dropped behind HISTORY_KEPT; history is append-only; migrations are versioned', async () => {
  const { openStore } = await import('../index.ts');
  const fresh = await server.database('upkeep');
  const missing = await openStore(fresh as `postgres://${string}`).then(() => undefined, (e: { code?: string }) => e.code);
  assert.is(missing, 'ZY7001', 'a database without zhiyu tables is not opened for reading');
  const pg = await openStore(fresh as `postgres://${string}`, { create: true });
  assert.ok(pg instanceof PostgresStore);
  try {
    const c = compile([{ path: 'p.zy', text: 'pack p\noutcomes hold > allow\nevent { type: enum(a) required, k: string }\nrule R when count(by k, last 1h) > 3 then hold' }]);
    const DAY = 86_400_000;
    await pg.migrate(c.checked!.schema, { historyKept: 60 * DAY });
    const now = Date.UTC(2026, 11, 6);
    await pg.partitionsFor(Date.UTC(2026, 0, 15), now);
    const names = async () => (await pg.pool.query(`SELECT c.relname AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'zy_events'::regclass ORDER BY 1`)).rows.map((r) => r.n as string);
    assert.ok((await names()).includes('zy_events_2026_01'));
    await pg.write(c.checked!.schema, (w) => w.events(['type', 'k', 'occurred_at'], [['a', 'x', Date.UTC(2026, 0, 20)], ['a', 'x', Date.UTC(2026, 11, 1)]]));
    const r = await pg.maintain(now);
    // Months that ended more than 60 days before now go; the ones after stay, and three months ahead exist.
    assert.ok(r.dropped.includes('zy_events_2026_01') && r.dropped.includes('zy_events_2026_09'), r.dropped.join());
    assert.not.ok(r.dropped.includes('zy_events_2026_10'));
    const left = await names();
    for (const m of ['2026_10', '2026_11', '2026_12', '2027_01', '2027_02', '2027_03']) assert.ok(left.includes(`zy_events_${m}`), m);
    assert.is(Number((await pg.pool.query('SELECT count(*) AS n FROM zy_events')).rows[0].n), 1);
    const refused = await pg.pool.query('DELETE FROM zy_events').then(() => 'deleted', (e: Error) => e.message);
    assert.match(refused, /append-only/);
    const versions = (await pg.pool.query('SELECT version FROM zy_migrations ORDER BY version')).rows.map((x) => x.version);
    assert.equal(versions, [1, 2, 3, 4]);
    await pg.ensureIndexes([c.checked!]);
    const ix = (await pg.pool.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'zy_events' AND indexname LIKE 'zy_ix_events_%' AND indexname NOT IN ('zy_ix_events_time', 'zy_ix_events_seq')`)).rows.map((x) => x.indexdef as string);
    assert.equal(ix.length, 1);
    assert.match(ix[0]!, /\(k, occurred_at, zy_seq\)/);
  } finally {
    await pg.close();
  }
});

test('db calendar import into PostgreSQL replaces the days it lists, in one transaction; a bad file writes nothing', async () => {
  const days = async () => (await withPg((pg) => pg.pool.query(`SELECT to_char(date, 'YYYY-MM-DD') AS d, is_working_day AS w FROM zy_calendar WHERE date >= '2027-01-01' ORDER BY date`))).rows;
  const bad = join(dir, 'bad-calendar.csv');
  writeFileSync(bad, 'date,is_working_day,note\n2027-01-01,false,元旦\n2027-02-30,false,not a day\n');
  const refused = await cli('db', 'calendar', 'import', url, bad);
  assert.is.not(refused.code, 0);
  assert.match(refused.err, /row 3/);
  assert.equal(await days(), []);
  const good = join(dir, 'calendar-2027.csv');
  writeFileSync(good, 'date,is_working_day,note\n2027-01-01,false,元旦\n2027-02-07,true,春节调休上班\n');
  const r = await cli('db', 'calendar', 'import', url, good);
  assert.is(r.code, 0, r.err);
  assert.not.match(r.out, /zhiyu:zhiyu@/);
  assert.equal(await days(), [{ d: '2027-01-01', w: false }, { d: '2027-02-07', w: true }]);
});

async function withPg<T>(fn: (pg: PostgresStore) => Promise<T>): Promise<T> {
  const pg = await PostgresStore.open(url);
  try { return await fn(pg); } finally { await pg.close(); }
}

test.run();
