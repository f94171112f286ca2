// Many instances over one PostgreSQL: three real `zhiyu serve --bundle …
// --db postgres://… --log` processes decide at once while a `zhiyu db
// import` process appends events and a reload swaps the bundle on each.
// Nothing fails; every decision answered is logged exactly once (by its
// decision id, with the event it was asked) and replays exactly, from its
// snapshot and from the store as of the event; `zhiyu replay` agrees, with
// the bundle it finds in the shared bundle history. The instances write one
// audit chain: each start, reload and stop once per instance. The first
// instance runs two worker processes (--workers 2), which both answer.
// Phases advance on real conditions (decisions answered, processes ended),
// never on time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { loadBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { load } from '../runtime/engine.ts';
import { verifyChain } from '../runtime/audit.ts';
import { SnapshotProvider } from '../runtime/store/decision-log.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli, serveCli, spawnCli, type Served } from './cli-run.ts';
import { pgServer } from './pg-server.ts';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-instances-'));
const TOKEN = 'instances-token-1';
const INSTANCES = 3;
/** Clients per instance, each one request at a time. */
const CLIENTS = 2;
/** Decisions each instance answers before the import and the reloads start, and again after both ended. */
const PHASE = 10;
/** Events the importer appends. */
const IMPORTED = 2_000;

test.after(() => { rmSync(dir, { recursive: true, force: true }); });

/** The demo pack as a bundle; v2 also raises a threshold, so the two bundles decide some events differently. */
function bundles(): { v1: string; v2: string; text2: string; byHash: Map<string, Bundle>; paths: Map<string, string> } {
  const files = readPack([join(root, 'rules', 'demo')]);
  const files2 = files.map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', 'version "0.2.0"') }));
  assert.ok(files2.some((f, i) => f.text !== files[i]!.text), 'the demo pack says its version');
  const text1 = writeBundle(compile(files), files);
  const text2 = writeBundle(compile(files2), files2);
  const v1 = join(dir, 'v1.zyb');
  const v2 = join(dir, 'v2.zyb');
  writeFileSync(v1, text1);
  writeFileSync(v2, text2);
  const b1 = loadBundle(text1);
  const b2 = loadBundle(text2);
  assert.is.not(b1.hash, b2.hash);
  return { v1, v2, text2, byHash: new Map([[b1.hash, b1], [b2.hash, b2]]), paths: new Map([[b1.hash, v1], [b2.hash, v2]]) };
}

interface Answer { readonly status: number; readonly body: Record<string, unknown>; readonly worker?: string }

function post(agent: Agent, url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const worker = String(res.headers['x-zhiyu-worker'] ?? '');
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, worker }); } catch { resolve({ status: res.statusCode ?? 0, body: { text }, worker }); }
      });
      res.on('error', (e) => resolve({ status: 0, body: { error: e.message } }));
    });
    req.on('error', (e) => resolve({ status: 0, body: { error: e.message } }));
    req.end(body);
  });
}

/** Resolves when `check()` holds, tested after every answered decision (no timers). */
class Waiter {
  private readonly waiting: { check: () => boolean; done: () => void }[] = [];
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((done) => this.waiting.push({ check, done }));
  }
  poke(): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (w.check()) { this.waiting.splice(i, 1); w.done(); }
    }
  }
}

test('three serve processes over one PostgreSQL, an importer and a reload on each: 0 failed, every decision logged once, every one replays', async () => {
  const server = await pgServer();
  const url = await server.database('instances');
  const seeded = await cli('db', 'seed', '--demo', url, '--customers', '100');
  assert.is(seeded.code, 0, seeded.err);
  const { v1, text2, byHash, paths } = bundles();
  const pg = await PostgresStore.open(url);
  const services: Served[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: INSTANCES * CLIENTS + INSTANCES });
  try {
    // Events of the seeded customers, a minute after their stored ones; the import adds more of the same kind just before them.
    const rows = (await pg.pool.query(`SELECT type, customer_id, device_id, payee_id, id_number_hash, amount, auth_method, occurred_at FROM zy_events
      WHERE type IN ('transfer_out', 'login', 'payee_add', 'drawdown', 'application') AND customer_id IS NOT NULL ORDER BY zy_seq DESC LIMIT 40`)).rows as Record<string, unknown>[];
    const clean = (r: Record<string, unknown>, shift: number) => Object.fromEntries(Object.entries({ ...r, occurred_at: new Date(Number(r['occurred_at']) + shift).toISOString() }).filter(([, v]) => v !== null));
    const events = rows.map((r) => JSON.stringify(clean(r, 60_000)));
    const imported = join(dir, 'events.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < IMPORTED; i++) lines.push(JSON.stringify(clean(rows[i % rows.length]!, 1_000 + (i % 50) * 1_000)));
    writeFileSync(imported, `${lines.join('\n')}\n`);
    const before = Number((await pg.pool.query('SELECT count(*) AS n FROM zy_decisions')).rows[0].n);

    services.push(...await Promise.all(Array.from({ length: INSTANCES }, (_, k) => serveCli(['--bundle', v1, '--insecure-unsigned', '--db', url, '--log', '--token', TOKEN, '--workers', k === 0 ? '2' : '1']))));
    assert.is(new Set(services.map((s) => s.url)).size, INSTANCES, 'three ports');

    const answered = services.map(() => 0);
    const answers: { instance: number; event: string; answer: Answer }[] = [];
    const failures: string[] = [];
    const waiter = new Waiter();
    let stop = false;
    let n = 0;
    const client = async (i: number) => {
      while (!stop) {
        const event = events[n++ % events.length]!;
        const answer = await post(agent, `${services[i]!.url}/v1/decide`, event);
        if (answer.status === 200) { answered[i]!++; answers.push({ instance: i, event, answer }); } else failures.push(`instance ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
        waiter.poke();
      }
    };
    const clients = Promise.all(services.flatMap((_, i) => Array.from({ length: CLIENTS }, () => client(i))));
    const each = (k: number) => () => answered.every((a) => a >= k) || failures.length > 0;

    await waiter.until(each(PHASE));
    // The import (its own process) and a reload on each instance, while the clients keep deciding.
    const during = answers.length;
    const [imp, reloads] = await Promise.all([
      spawnCli(['db', 'import', url, imported, '--into', 'events']),
      Promise.all(services.map((s) => post(agent, `${s.url}/v1/reload`, text2, { authorization: `Bearer ${TOKEN}` }))),
    ]);
    const whileChanging = answers.length - during;
    const mark = [...answered];
    await waiter.until(() => answered.every((a, i) => a >= mark[i]! + PHASE) || failures.length > 0);
    stop = true;
    await clients;

    assert.equal(failures, [], 'no request failed');
    assert.is(imp.code, 0, imp.out + imp.err);
    assert.match(imp.out, new RegExp(`${IMPORTED} rows into events`));
    for (const r of reloads) assert.equal([r.status, r.body['version']], [200, '0.2.0'], JSON.stringify(r.body));
    assert.ok(whileChanging > 0, 'decisions were answered while the import and the reloads ran');
    for (const s of services) {
      const h = await (await fetch(`${s.url}/healthz`)).json() as { version: string };
      assert.is(h.version, '0.2.0');
    }

    // Every answer carries its decision id; each id once; the log holds exactly those, each with the event asked.
    const ids = answers.map((a) => a.answer.body['decisionId'] as number);
    assert.ok(ids.every((id) => Number.isInteger(id)), 'every answer names its logged decision');
    assert.is(new Set(ids).size, ids.length, 'no two answers share a decision id');
    const logged = (await pg.pool.query('SELECT id, input::text AS input, bundle_hash FROM zy_decisions WHERE id > 0 ORDER BY id')).rows as { id: string; input: string; bundle_hash: string }[];
    assert.is(logged.length, before + ids.length, 'every decision logged once, nothing else');
    const byId = new Map(logged.map((r) => [Number(r.id), r]));
    for (const a of answers) {
      const row = byId.get(a.answer.body['decisionId'] as number)!;
      assert.ok(row, `decision ${a.answer.body['decisionId']} is in the log`);
      assert.equal(JSON.parse(row.input), JSON.parse(a.event), 'the log holds the event that was asked');
      assert.is(row.bundle_hash, a.answer.body['bundle'], 'logged under the bundle that answered');
    }
    assert.is(new Set(answers.map((a) => a.answer.body['bundle'])).size, 2, 'both bundles decided');
    assert.equal([...new Set(answers.filter((a) => a.instance === 0).map((a) => a.answer.worker))].sort(), ['1', '2'], 'both workers of the first instance answered');

    // Every logged decision replays exactly: from its snapshot, and from the store as of the event (the history the decision had).
    const provider = new Map([...byHash].map(([h, b]) => [h, pg.provider(b.program.pack)]));
    const engines = new Map([...byHash].map(([h, b]) => [h, load(b.program)]));
    let sawImport = 0;
    const lastSeeded = Number((await pg.pool.query('SELECT max(zy_seq) AS m FROM zy_events')).rows[0].m) - IMPORTED;
    const replay = async (a: typeof answers[number]) => {
      const d = await pg.log().get(a.answer.body['decisionId'] as number);
      const engine = engines.get(d.bundleHash!)!;
      const want = [d.outcome, d.score, d.fired];
      assert.equal([d.outcome, d.score, d.fired], [a.answer.body['outcome'], a.answer.body['score'], (a.answer.body['fired'] as { id: string }[]).map((f) => f.id)]);
      const snap = engine.decide(d.input, new SnapshotProvider(d.snapshot));
      assert.equal([snap.outcome, snap.score, snap.fired.map((f) => f.id)], want, `decision ${d.id} from its snapshot`);
      const asOf = await provider.get(d.bundleHash!)!.asOf(d.eventTime, d.snapshot.historySeq! + 1).resolve((p) => engine.decide(d.input, p));
      assert.equal([asOf.outcome, asOf.score, asOf.fired.map((f) => f.id)], want, `decision ${d.id} as of its event`);
      if (d.snapshot.historySeq! > lastSeeded) sawImport++;
    };
    // A few at a time: the pool's connections are used at once.
    for (let i = 0; i < answers.length; i += 8) await Promise.all(answers.slice(i, i + 8).map(replay));
    assert.ok(sawImport > 0, 'later decisions counted the imported events');
    // And through the command, for a decision of each bundle: with the bundle given, and with the one the shared history kept.
    for (const hash of byHash.keys()) {
      const a = answers.find((x) => x.answer.body['bundle'] === hash)!;
      for (const args of [['--pack', paths.get(hash)!], [], ['--as-of']]) {
        const r = await cli('replay', url, String(a.answer.body['decisionId']), ...args);
        assert.is(r.code, 0, r.out + r.err);
        assert.match(r.out, /same result/);
        if (!args.includes('--pack')) assert.match(r.out, new RegExp(`replaying with bundle ${hash} from the bundle history`));
      }
    }
  } finally {
    agent.destroy();
    const codes = await Promise.all(services.map((s) => s.stop()));
    assert.equal(codes, services.map(() => 0), 'each instance stopped cleanly');
  }
  try {
    // One bundle history for all: each bundle kept once, whichever instances ran it.
    const kept = await pg.history().list();
    assert.equal(kept.map((b) => b.hash).sort(), [...byHash.keys()].sort());
    // One audit chain, seq 1, 2, 3, … with no gap or repeat, intact; each instance's start, reload and stop once.
    const rows = await pg.audit().rows();
    assert.equal(rows.map((r) => r.seq), rows.map((_, i) => i + 1));
    assert.equal(verifyChain(rows).findings, []);
    // The first instance's rows are written by its writer worker (a pid of its own); the others' by the instance itself.
    const pids = services.slice(1).map((s) => s.pid);
    const writers = new Set<number>();
    for (const action of ['start', 'reload', 'stop'] as const) {
      const of = rows.filter((r) => r.action === action).map((r) => (r.detail['service'] as { pid: number }).pid);
      assert.is(of.length, INSTANCES, `one ${action} row per instance`);
      assert.equal(of.filter((p) => pids.includes(p)).sort(), [...pids].sort(), `one ${action} row per single-process instance`);
      for (const p of of.filter((p) => !pids.includes(p))) writers.add(p);
    }
    assert.is(writers.size, 1, "the clustered instance's start, reload and stop come from one writer worker");
    assert.equal(rows.filter((r) => r.action === 'reload').map((r) => r.bundle?.version), ['0.2.0', '0.2.0', '0.2.0']);
    assert.is(rows.length, 3 * INSTANCES, 'nothing else was recorded');
  } finally { await pg.close(); }
});


test.run();
