// Changing rules in production from the command line (issue 16): keyrings,
// approvals and `verify` listing who signed; a real `zhiyu serve` with a
// shadow, whose decisions `shadow report` reads in the backtest's shape and
// `replay` re-runs with the bundle from the history; `audit verify` finding an
// edited, a deleted, a reordered and a cut-off row; `diff` on a changed
// threshold, with the backtest of the change; the editor's Diff route; the
// store and log migrations that hold all this.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compile } from '../compiler/index.ts';
import { startEditor } from '../editor/server/app.ts';
import { diffPacks } from '../runtime/diff.ts';
import { DecisionLog, logPathFor, openStore, StoreWriter } from '../runtime/store/sqlite/index.ts';
import { cli, serveCli } from './cli-run.ts';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-rollout-cli-'));
const at = (...p: string[]) => join(dir, ...p);
const TOKEN = 'cli-token-123';
const db = at('demo.db');

/** A copy of the demo pack at a version, with text replaced. */
function pack(name: string, version: string, edits: [string, string][] = []): string {
  const to = at(name);
  cpSync(join(root, 'rules', 'demo'), to, { recursive: true });
  for (const f of ['pack.zy', 'fraud.zy']) {
    let text = readFileSync(join(to, f), 'utf8').replace('version "0.1.0"', `version "${version}"`);
    for (const [a, b] of edits) text = text.replace(a, b);
    writeFileSync(join(to, f), text);
  }
  return to;
}
const THRESHOLD: [string, string][] = [['threshold review at 40', 'threshold review at 100']];

const ok = async (...args: string[]) => {
  const r = await cli(...args);
  assert.is(r.code, 0, `zhiyu ${args.join(' ')}:\n${r.out}${r.err}`);
  return r;
};

test.before(async () => {
  await ok('db', 'seed', '--demo', db, '--customers', '50');
  for (const who of ['alice', 'bob', 'mallory']) await ok('keygen', at('keys', who));
  await ok('keyring', 'add', at('keyring.json'), '--name', 'alice', '--role', 'author', '--public-key', at('keys', 'alice', 'zhiyu.pub.pem'));
  await ok('keyring', 'add', at('keyring.json'), '--name', 'bob', '--role', 'approver', '--public-key', at('keys', 'bob', 'zhiyu.pub.pem'));
  await ok('compile', pack('v1', '0.1.0'), '-o', at('live.zyb'), '--sign', at('keys', 'alice', 'zhiyu.key.pem'));
  await ok('approve', at('live.zyb'), '--key', at('keys', 'bob', 'zhiyu.key.pem'));
  await ok('compile', pack('v2', '0.2.0', THRESHOLD), '-o', at('cand.zyb'), '--sign', at('keys', 'alice', 'zhiyu.key.pem'));
  // A device the demo data does not have, rooted: the live pack reviews its logins, the candidate allows them.
  const store = openStore(db);
  const schema = compile(readPackFiles(at('v1'))).checked!.schema;
  new StoreWriter(store, schema).entity('device', 'rooted-x', [0, 0, 0, 1, null], Date.parse('2026-01-01T00:00:00Z'));
  store.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function readPackFiles(p: string) {
  return ['pack.zy', 'fraud.zy'].map((f) => ({ path: join(p, f), text: readFileSync(join(p, f), 'utf8') }));
}

test('keyring, approve and verify: verify lists who signed, by name and role; one key cannot approve twice, and a key outside the keyring is refused', async () => {
  const list = await ok('keyring', 'list', at('keyring.json'));
  assert.match(list.out, /alice\s+author\s+ed25519:[0-9a-f]{16}/);
  assert.match(list.out, /bob\s+approver\s+ed25519:[0-9a-f]{16}/);
  const two = await ok('verify', at('live.zyb'), '--keyring', at('keyring.json'), '--require-approvals', '2');
  assert.match(two.out, /signature 1: alice \(author, ed25519:[0-9a-f]{16}\) — verified/);
  assert.match(two.out, /signature 2: bob \(approver, ed25519:[0-9a-f]{16}\) — verified/);
  assert.match(two.out, /approvals: 2 of 2 required, with an approver/);
  const one = await cli('verify', at('cand.zyb'), '--keyring', at('keyring.json'), '--require-approvals', '2');
  assert.is(one.code, 1);
  assert.match(one.out, /approvals: the bundle has 1 valid signature from trusted keys: alice/);
  const twice = await cli('approve', at('live.zyb'), '--key', at('keys', 'bob', 'zhiyu.key.pem'));
  assert.equal([twice.code, /ZY8007: .*has already signed this bundle/.test(twice.err)], [1, true], twice.err);
  const stranger = await cli('approve', at('cand.zyb'), '--key', at('keys', 'mallory', 'zhiyu.key.pem'), '--keyring', at('keyring.json'), '-o', at('x.zyb'));
  assert.equal([stranger.code, /ZY8007: your key ed25519:[0-9a-f]{16} is not in/.test(stranger.err)], [1, true], stranger.err);
  // Approving leaves the content hash alone.
  const before = JSON.parse(readFileSync(at('cand.zyb'), 'utf8')).sha256;
  await ok('approve', at('cand.zyb'), '--key', at('keys', 'bob', 'zhiyu.key.pem'), '--keyring', at('keyring.json'), '-o', at('cand-approved.zyb'));
  assert.is(JSON.parse(readFileSync(at('cand-approved.zyb'), 'utf8')).sha256, before);
  const bad = await cli('keyring', 'add', at('keyring.json'), '--name', 'eve', '--role', 'boss', '--public-key', at('keys', 'mallory', 'zhiyu.pub.pem'));
  assert.is(bad.code, 2);
  const dup = await cli('keyring', 'add', at('keyring.json'), '--name', 'bobby', '--role', 'approver', '--public-key', at('keys', 'bob', 'zhiyu.pub.pem'));
  assert.match(dup.err, /ZY8009: .*already in the keyring as bob: two people need two keys/);
});

test('serve refuses what cannot work: approvals without a keyring, a bad canary percent or key', async () => {
  const noRing = await cli('serve', '--bundle', at('live.zyb'), '--public-key', at('keys', 'alice', 'zhiyu.pub.pem'), '--require-approvals', '2');
  assert.equal([noRing.code, /--require-approvals needs --keyring/.test(noRing.err)], [2, true]);
  const pct = await cli('serve', '--bundle', at('live.zyb'), '--keyring', at('keyring.json'), '--canary', at('cand.zyb'), '--canary-percent', '150');
  assert.equal([pct.code, /ZY8203: --canary-percent takes a number from 0 to 100/.test(pct.err)], [2, true], pct.err);
  const key = await cli('serve', '--bundle', at('live.zyb'), '--keyring', at('keyring.json'), '--canary', at('cand.zyb'), '--canary-key', 'nope');
  assert.equal([key.code, /--canary-key nope is not an event field of pack demo/.test(key.err)], [2, true], key.err);
});

let shadowHead = '';

test('a real zhiyu serve with a shadow: shadow report reads both decisions in the backtest\'s shape, scored by labels on logged decisions; replay re-runs the bundle from the history', async () => {
  const svc = await serveCli(['--bundle', at('live.zyb'), '--keyring', at('keyring.json'), '--require-approvals', '2', '--shadow', at('cand.zyb'), '--db', db, '--log', '--token', TOKEN, '--workers', '1']);
  const ids: number[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const event = i < 4 ? { type: 'login', customer_id: `shadow-c${i}`, device_id: 'rooted-x', occurred_at: `2026-03-01T10:0${i}` } : { type: 'login', customer_id: `shadow-c${i}`, occurred_at: `2026-03-01T10:0${i}` };
      const r = await fetch(`${svc.url}/v1/decide`, { method: 'POST', body: JSON.stringify(event) });
      const d = await r.json() as { outcome: string; version: string; decisionId: number };
      assert.equal([r.status, d.version, d.outcome], [200, '0.1.0', i < 4 ? 'review' : 'allow']);
      ids.push(d.decisionId);
    }
    // The candidate has one signature: it shadows, but cannot be promoted without the approver's.
    const promote = await cli('promote', '--url', svc.url, '--token', TOKEN);
    assert.equal([promote.code, /ZY8007/.test(promote.err)], [1, true], promote.err);
  } finally {
    await svc.stop();
  }
  shadowHead = /head (\d+:[0-9a-f]{64})\)\s*$/.exec(svc.out().trim().split('\n').filter((l) => l.startsWith('audit #')).pop() ?? '')?.[1] ?? '';
  assert.match(shadowHead, /^\d+:[0-9a-f]{64}$/, svc.out());
  // The first two reviewed logins turned out to be fraud, one allowed one was checked and was not.
  writeFileSync(at('labels.csv'), `subject_kind,subject,kind,positive\ndecision,${ids[0]},fraud,1\ndecision,${ids[1]},fraud,1\ndecision,${ids[4]},fraud,0\n`);
  await ok('db', 'import', db, at('labels.csv'));
  const json = JSON.parse((await ok('shadow', 'report', '--db', db, '--json')).out);
  assert.equal([json.pack.version, json.comparison.baseline.version, json.events.decided], ['0.2.0', '0.1.0', 6]);
  assert.equal(json.comparison.transitions.map((t: { from: string; to: string; events: number; positive: number; examples: number[] }) => [t.from, t.to, t.events, t.positive, t.examples]),
    [['review', 'allow', 4, 2, ids.slice(0, 4)]]);
  assert.equal([json.labels.positive, json.labels.negative, json.labels.unlabelled], [2, 1, 3]);
  assert.equal(json.comparison.caughtPositive, { baseline: 2, candidate: 0, change: -2 });
  const tampered = json.rules.find((r: { id: string }) => r.id === 'TAMPERED_DEVICE');
  assert.equal([tampered.hits, tampered.positiveHits, tampered.precision], [4, 2, 0.5]);
  const text = await ok('shadow', 'report', '--db', db, '--html', at('shadow.html'));
  assert.match(text.out, /shadow report: demo 0\.2\.0 \(sha256:[0-9a-f]{12}…\) beside demo 0\.1\.0/);
  assert.match(text.out, /review → allow\s+4\s+2 .*examples|review → allow\s+4\s+2/);
  assert.match(readFileSync(at('shadow.html'), 'utf8'), /<title>Shadow report: demo 0\.2\.0/);
  // Replay without --pack: the bundle that decided, from the history.
  const replay = await ok('replay', db, String(ids[0]), '--keyring', at('keyring.json'));
  assert.match(replay.out, /replaying with bundle sha256:[0-9a-f]{64} from the bundle history/);
  assert.match(replay.out, /same result — review/);
  assert.not.match(replay.err, /warning/);
  const hist = await ok('history', '--db', db);
  assert.match(hist.out, /demo\s+0\.1\.0/);
  assert.match(hist.out, /demo\s+0\.2\.0/);
});

/** A copy of the store and its log file, the log changed by `sql` (the triggers an attacker would drop first). */
function tamper(name: string, sql: string): string {
  const copy = at(`${name}.db`);
  copyFileSync(db, copy);
  copyFileSync(logPathFor(db), logPathFor(copy));
  const log = new Database(logPathFor(copy));
  log.exec(`DROP TRIGGER zy_audit_no_update; DROP TRIGGER zy_audit_no_delete; ${sql}`);
  log.close();
  return copy;
}

test('audit verify finds an edited, a deleted and a reordered row, and says which; with the head the service printed, rows cut off the end too', async () => {
  const intact = await ok('audit', 'verify', '--db', db, '--head', shadowHead);
  assert.match(intact.out, /audit trail of \d+ rows, chain intact; head \d+:[0-9a-f]{64}/);
  const show = await ok('audit', 'show', '--db', db);
  assert.match(show.out, /approvals\s+demo 0\.1\.0 [0-9a-f]{12}\s+for live; ok; signed by alice \(author\), bob \(approver\)/);
  assert.match(show.out, /refused\s+demo 0\.2\.0 [0-9a-f]{12}\s+for promote|promote refused \(ZY8007\)/);
  // A reason rewritten after the fact.
  const edited = await cli('audit', 'verify', '--db', tamper('edited', `UPDATE zy_audit SET detail = json_set(detail, '$.for', 'canary') WHERE seq = 1`));
  assert.is(edited.code, 1);
  assert.match(edited.out, /ZY8012: .*the audit trail was altered/);
  assert.match(edited.out, /edited\s+row 1 \(approvals demo 0\.1\.0, [^)]+\) was edited: its content no longer matches its hash/);
  const deleted = await cli('audit', 'verify', '--db', tamper('deleted', `DELETE FROM zy_audit WHERE seq = 3`));
  assert.match(deleted.out, /deleted\s+before row 4 \([^)]+\): row 3 was deleted/);
  const reordered = await cli('audit', 'verify', '--db', tamper('reordered', `UPDATE zy_audit SET seq = 100 WHERE seq = 2; UPDATE zy_audit SET seq = 2 WHERE seq = 3; UPDATE zy_audit SET seq = 3 WHERE seq = 100`));
  assert.is(reordered.code, 1);
  assert.match(reordered.out, /reordered\s+row 2 \(candidate demo 0\.2\.0, [^)]+\) was written as row 3: rows were reordered/);
  assert.match(reordered.out, /reordered\s+row 3 \(start demo 0\.1\.0, [^)]+\) was written as row 2/);
  assert.not.match(reordered.out, /edited|deleted/);
  const [seq] = shadowHead.split(':');
  const cut = tamper('cut', `DELETE FROM zy_audit WHERE seq = ${seq}`);
  assert.is((await cli('audit', 'verify', '--db', cut)).code, 0, 'a chain cut at its end still links…');
  const withHead = await cli('audit', 'verify', '--db', cut, '--head', shadowHead);
  assert.equal([withHead.code, new RegExp(`row ${seq}, the head recorded, is not in the trail`).test(withHead.out)], [1, true], withHead.out);
});

test('diff on a changed threshold: the pack\'s threshold and the rule\'s condition before and after, and with --db the outcomes it changes on the stored events', async () => {
  await ok('compile', pack('v3', '0.3.0', [...THRESHOLD, ['event.amount >= ¥10000', 'event.amount >= ¥5000'], ['then review\n  reason ELDER_PROTECT', 'then hold\n  reason ELDER_PROTECT']]), '-o', at('v3.zyb'), '--sign', at('keys', 'alice', 'zhiyu.key.pem'));
  const r = await cli('diff', at('live.zyb'), at('v3.zyb'));
  assert.is(r.code, 1, 'exit 1: they differ');
  assert.match(r.out, /thresholds\s+review at 40, hold at 80\s+→\s+review at 100, hold at 80/);
  assert.match(r.out, /rule ELDERLY_LARGE "Elderly customer, large transfer to a new payee": changed/);
  assert.match(r.out, /~ changed\s+event\.amount >= ¥10,000\.00\s+→\s+event\.amount >= ¥5,000\.00/);
  assert.match(r.out, /same\s+event\.type == "transfer_out"/);
  assert.match(r.out, /outcome\s+review\s+→\s+hold/);
  const json = JSON.parse((await cli('diff', at('live.zyb'), at('v3.zyb'), '--json')).out);
  const elderly = json.rules.find((x: { id: string }) => x.id === 'ELDERLY_LARGE');
  assert.equal(elderly.conditions.filter((c: { status: string }) => c.status !== 'same'), [{ status: 'changed', old: 'event.amount >= ¥10,000.00', new: 'event.amount >= ¥5,000.00' }]);
  assert.equal(json.summary, { added: 0, removed: 0, changed: 1, same: 7 });
  const withDb = await cli('diff', at('live.zyb'), at('v3.zyb'), '--db', db, '--keyring', at('keyring.json'), '--html', at('change.html'));
  assert.is(withDb.code, 1, withDb.err);
  assert.not.match(withDb.err, /warning/);
  assert.match(withDb.out, /backtest of the change on [\d,]+ stored events/);
  assert.match(withDb.out, /review → allow\s+\d+/);
  const html = readFileSync(at('change.html'), 'utf8');
  assert.match(html, /<td class="old">event\.amount &gt;= ¥10,000\.00<\/td><td class="new">event\.amount &gt;= ¥5,000\.00<\/td>/);
  assert.match(html, /review → allow/);
  const same = await cli('diff', at('live.zyb'), at('live.zyb'));
  assert.equal([same.code, /0 changed, 0 added, 0 removed, 8 the same/.test(same.out)], [0, true]);
});

test('diff reads the second-round language: lets paired by name, quantifiers, last N events and notes, each changed value side by side', () => {
  const packOf = (body: string) => {
    const files = [...readPackFiles(at('v1')).filter((f) => f.path.endsWith('pack.zy')), { path: at('v1', 'extra.zy'), text: body }];
    const r = compile(files);
    assert.ok(r.ok, JSON.stringify(r.diagnostics.slice(0, 2)));
    return r.optimized!;
  };
  const rule = (n: number, list: string, note: string) => `rule R "r"
  let recent = sum(amount, by customer_id, last ${n} events)
  when recent > ¥1,000 and any of [event.payee_id, event.device_id] in ${list}
  then review
  note when recent is missing "${note}"
`;
  const d = diffPacks(packOf(rule(3, 'police_fraud_accounts', 'no history')), packOf(rule(5, '["x"]', 'no history yet')));
  const r = d.rules.find((x) => x.id === 'R')!;
  assert.is(r.status, 'changed');
  assert.equal(r.conditions, [
    { status: 'changed', old: 'let recent = sum(amount, by customer_id, last 3 events)', new: 'let recent = sum(amount, by customer_id, last 5 events)' },
    { status: 'same', old: 'recent > ¥1,000.00', new: 'recent > ¥1,000.00' },
    { status: 'changed', old: 'any of [event.payee_id, event.device_id] in police_fraud_accounts', new: 'any of [event.payee_id, event.device_id] in ["x"]' },
  ]);
  assert.equal(r.changes, [{ what: 'note (zh)', old: 'no history', new: 'no history yet' }]);
  assert.is(diffPacks(packOf(rule(3, '["x"]', 'a')), packOf(rule(3, '["x"]', 'a'))).rules.find((x) => x.id === 'R')!.status, 'same');
});

test('the editor\'s Diff route compares the pack as edited with the pack as saved, the same diff', async () => {
  const ws = at('ws');
  cpSync(join(root, 'rules', 'demo'), join(ws, 'demo'), { recursive: true });
  const svc = await startEditor({ root: ws, port: 0 });
  try {
    const files = svc.workspace.sources('demo').map((f) => ({ ...f, text: f.text.replace('threshold review at 40', 'threshold review at 100') }));
    const res = await fetch(`${svc.url}/api/diff`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pack: 'demo', files }) });
    const d = await res.json() as { pack: { what: string; old: string; new: string }[]; summary: unknown };
    assert.is(res.status, 200);
    assert.equal(d.pack, [{ what: 'thresholds', old: 'review at 40, hold at 80', new: 'review at 100, hold at 80' }]);
    const broken = await fetch(`${svc.url}/api/diff`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pack: 'demo', files: [{ path: 'demo/pack.zy', text: 'pack' }] }) });
    assert.is(broken.status, 422);
  } finally { await svc.close(); }
});

test('migrations keep every row: a version 1 log gains arms, shadows, the history and the trail; a version 2 store lets labels name decisions', async () => {
  const path = at('old.db');
  const s = new Database(path);
  s.exec(`CREATE TABLE zy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO zy_meta VALUES ('store_version', '2');
    CREATE TABLE zy_labels (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_kind TEXT NOT NULL CHECK (subject_kind IN ('event', 'customer')),
      subject TEXT NOT NULL, kind TEXT NOT NULL, positive INTEGER NOT NULL CHECK (positive IN (0, 1)), labeled_at INTEGER, note TEXT);
    INSERT INTO zy_labels (subject_kind, subject, kind, positive) VALUES ('customer', 'c1', 'fraud', 1);`);
  s.close();
  const log = new Database(logPathFor(path));
  log.exec(`CREATE TABLE zy_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, logged_at INTEGER NOT NULL, event_time INTEGER NOT NULL,
    bundle_hash TEXT, source_hash TEXT, pack TEXT NOT NULL, version TEXT, history_seq INTEGER,
    input TEXT NOT NULL, snapshot TEXT NOT NULL, outcome TEXT NOT NULL, score REAL NOT NULL, fired TEXT NOT NULL);
    INSERT INTO zy_decisions (logged_at, event_time, bundle_hash, source_hash, pack, input, snapshot, outcome, score, fired)
      VALUES (1, 2, 'sha256:b', 'sha256:s', 'demo', '{}', '{"entities":[],"aggregates":[],"lists":[]}', 'allow', 0, '[]');`);
  log.close();
  // Read-only first: an old log reads as before, with no history or trail.
  const ro = openStore(path, { readonly: true });
  const r1 = DecisionLog.open(ro);
  assert.equal([r1.get(1).outcome, r1.get(1).arm, r1.audit.rows(), r1.history.list()], ['allow', undefined, [], []]);
  r1.close();
  ro.close();
  const store = openStore(path);
  const w = DecisionLog.open(store, { write: true });
  assert.equal([w.get(1).outcome, w.get(1).bundleHash], ['allow', 'sha256:b']);
  const cols = (w as unknown as { db: Database.Database }).db.prepare(`PRAGMA table_info(zy_decisions)`).all().map((c) => (c as { name: string }).name);
  for (const c of ['arm', 'shadow_bundle_hash', 'shadow_outcome', 'shadow_error']) assert.ok(cols.includes(c), c);
  assert.is((w as unknown as { db: Database.Database }).db.prepare(`SELECT value FROM zy_log_meta WHERE key = 'log_version'`).pluck().get(), '2');
  w.close();
  store.prepare(`INSERT INTO zy_labels (subject_kind, subject, kind, positive) VALUES ('decision', '1', 'fraud', 1)`).run();
  assert.equal(store.prepare(`SELECT subject_kind, subject FROM zy_labels ORDER BY id`).raw().all(), [['customer', 'c1'], ['decision', '1']]);
  store.close();
});

test.run();
