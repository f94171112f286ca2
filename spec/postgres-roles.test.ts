// docs/postgres.md's least-privilege set-up, run as written on a real server:
// an owner role sets the store up in a schema of its own, the service role
// decides, logs, and records the bundles it serves and its audit rows with
// SELECT and INSERT on those three tables only, the analyst role backtests and
// replays (with the bundle from the history) reading only, and neither can
// change the history, the audit trail or the schema. A service pointed at an empty database refuses to start rather
// than creating tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli, serveCli } from './cli-run.ts';
import { pgServer, type PgServer } from './pg-server.ts';
import { afterSeed, beforeSeed, docsRoles, sql } from './pg-roles.ts';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-roles-'));
const ROLE = docsRoles();
let server: PgServer;
let admin: string;
const as = (role: string, db = 'roles') => `postgres://${role}:pw@127.0.0.1:${server.port}/${db}`;

async function refused(url: string, statement: string): Promise<string> {
  const e = await sql(url, statement).then(() => undefined, (x: Error & { code?: string }) => x);
  assert.ok(e, `${statement} should be refused`);
  return `${e!.code ?? ''} ${e!.message}`;
}

test.before(async () => {
  server = await pgServer();
  admin = await server.database('roles');
  await server.database('roles_empty');
  // The set-up docs/postgres.md gives, as a database administrator.
  await sql(admin, ...beforeSeed(ROLE), `GRANT CONNECT ON DATABASE roles_empty TO ${ROLE.service}`);
  const seeded = await cli('db', 'seed', '--demo', as(ROLE.owner), '--customers', '40');
  assert.is(seeded.code, 0, seeded.err);
  await sql(as(ROLE.owner), ...afterSeed(ROLE));
});

test.after(() => { rmSync(dir, { recursive: true, force: true }); });

test('the owner\'s store lives in its schema; the service and the analyst cannot change history, profiles or the schema', async () => {
  const [tables] = await sql(admin, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'zhiyu' AND tablename LIKE 'zy_%'`);
  assert.ok(tables!.rows[0].n > 5, 'the store was created in the owner\'s schema');
  for (const role of [ROLE.service, ROLE.analyst]) {
    const url = as(role);
    assert.match(await refused(url, `INSERT INTO zy_events (occurred_at) VALUES (0)`), /permission denied/);
    assert.match(await refused(url, `UPDATE zy_entity_customer SET zy_valid_to = 0`), /permission denied/);
    assert.match(await refused(url, `DELETE FROM zy_list_entries`), /permission denied/);
    assert.match(await refused(url, `CREATE TABLE zhiyu.zy_other (x int)`), /permission denied/);
    // What the services recorded stays as written: no role but the owner edits the bundle history or the audit trail.
    assert.match(await refused(url, `UPDATE zy_audit SET action = 'start'`), /permission denied/);
    assert.match(await refused(url, `DELETE FROM zy_audit`), /permission denied/);
    assert.match(await refused(url, `UPDATE zy_bundles SET text = ''`), /permission denied/);
    assert.match(await refused(url, `DELETE FROM zy_bundles`), /permission denied/);
  }
  assert.match(await refused(as(ROLE.analyst), `INSERT INTO zy_audit (seq, at, action, detail, prev_hash, hash) VALUES (0, 0, 'start', '{}', '', '')`), /permission denied/);
  assert.match(await refused(as(ROLE.analyst), `INSERT INTO zy_decisions (logged_at, event_time, pack, input, snapshot, outcome, score, fired) VALUES (0, 0, 'x', '{}', '{}', 'allow', 0, '[]')`), /permission denied/);
  // Not even the owner rewrites the past: retention drops whole months.
  assert.match(await refused(as(ROLE.owner), `DELETE FROM zy_events`), /append-only/);
});

test('the service role decides and logs every decision; the analyst role backtests and replays them, reading only', async () => {
  const files = readPack([join(root, 'rules', 'demo')]);
  const c = compile(files);
  assert.ok(c.ok);
  const bundleFile = join(dir, 'demo.zyb');
  const bundleText = writeBundle(c, files);
  writeFileSync(bundleFile, bundleText);
  const svc = await serveCli(['--bundle', bundleFile, '--insecure-unsigned', '--db', as(ROLE.service), '--log', '--workers', '1']);
  try {
    const [events] = await sql(as(ROLE.analyst), `SELECT type, customer_id, device_id, payee_id, amount::float8 AS amount, auth_method, occurred_at FROM zy_events
      WHERE type IN ('transfer_out', 'login', 'payee_add') AND customer_id IS NOT NULL ORDER BY zy_seq DESC LIMIT 12`);
    assert.is(events!.rows.length, 12);
    for (const row of events!.rows) {
      const event = Object.fromEntries(Object.entries({ ...row, occurred_at: new Date(Number(row.occurred_at) + 60_000).toISOString() }).filter(([, v]) => v !== null));
      const r = await fetch(`${svc.url}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      assert.is(r.status, 200, `${await r.text()}\n${svc.out()}`);
    }
  } finally {
    assert.is(await svc.stop(), 0);
  }
  const [logged] = await sql(as(ROLE.analyst), `SELECT id FROM zy_decisions ORDER BY id`);
  assert.is(logged!.rows.length, 12, 'every decision logged once');
  // The service recorded the bundle it served and its start and stop, as the service role.
  const [kept] = await sql(as(ROLE.analyst), `SELECT hash FROM zy_bundles`);
  assert.equal(kept!.rows.map((r) => r.hash), [loadBundle(bundleText).hash]);
  const [trail] = await sql(as(ROLE.analyst), `SELECT action FROM zy_audit ORDER BY seq`);
  assert.equal(trail!.rows.map((r) => r.action), ['start', 'stop']);
  const verified = await cli('audit', 'verify', '--db', as(ROLE.analyst));
  assert.is(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, /audit trail of 2 rows, chain intact/);
  // Replayed with the very bundle that decided, from the history: no --pack.
  for (const mode of [[], ['--as-of']]) {
    const replayed = await cli('replay', as(ROLE.analyst), String(logged!.rows[5].id), ...mode);
    assert.is(replayed.code, 0, replayed.out + replayed.err);
    assert.match(replayed.out, /from the bundle history/);
    assert.match(replayed.out, /same result/);
  }
  const backtest = await cli('backtest', join(root, 'rules', 'demo'), '--db', as(ROLE.analyst), '--json');
  assert.is(backtest.code, 0, backtest.err);
  assert.ok((JSON.parse(backtest.out) as { events: { decided: number } }).events.decided > 0);
});

test('a service pointed at a database with no store refuses to start (ZY7001) and creates nothing there', async () => {
  const files = readPack([join(root, 'rules', 'demo')]);
  const bundleFile = join(dir, 'demo-empty.zyb');
  writeFileSync(bundleFile, writeBundle(compile(files), files));
  const started = await serveCli(['--bundle', bundleFile, '--insecure-unsigned', '--db', as(ROLE.service, 'roles_empty')]).then(
    async (s) => { await s.stop(); return undefined; },
    (e: Error) => e.message,
  );
  assert.ok(started, 'the service must not start');
  assert.match(started!, /ZY7001/);
  const [tables] = await sql(admin.replace(/\/roles$/, '/roles_empty'), `SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'zy_%'`);
  assert.is(tables!.rows[0].n, 0);
});

test.run();
