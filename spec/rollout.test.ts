// Changing rules in production (issue 16), against a real decision service on
// loopback with its log file in SQLite: two-person approval, versions that
// must increase, shadow and canary decisions logged with their arm, promote
// and rollback under load with no failed request, effective_from switching on
// an injected clock, and the bundle history and audit trail they leave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type SourceFile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { decisionLogger } from '../cli/bundle-commands.ts';
import { addApproval, parseBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { withKey } from '../runtime/keyring.ts';
import { serve, type ServeOptions, type Service } from '../runtime/server.ts';
import { nextRow, verifyChain, type AuditRow } from '../runtime/audit.ts';
import { armOf, bucketOf } from '../runtime/canary.ts';
import { compareVersions } from '../runtime/version.ts';
import { DecisionLog, migrate, openStore, SqliteProvider, type DB } from '../runtime/store/sqlite/index.ts';
import { StoreWriter } from '../runtime/store/sqlite/write.ts';
import type { Keyring, TrustPolicy } from '../runtime/trust.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-rollout-'));
const demo = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const TOKEN = 'rollout-token-123';
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** The demo pack with its version set and text replaced (`[from, to]` pairs, each must occur). */
function variant(version: string, edits: [string, string][] = [], name = 'demo'): SourceFile[] {
  return demo.map((f) => {
    let text = f.text.replace('pack demo version "0.1.0"', `pack ${name} version "${version}"`);
    for (const [a, b] of edits) if (text.includes(a)) text = text.replace(a, b);
    return { ...f, text };
  });
}

const pair = () => generateKeyPairSync('ed25519');
const alice = pair(), bob = pair(), carol = pair(), mallory = pair();
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
let ring: Keyring = { entries: [] };
ring = withKey(ring, 'alice', ['author'], pem(alice.publicKey));
ring = withKey(ring, 'bob', ['approver'], pem(bob.publicKey));
ring = withKey(ring, 'carol', ['author'], pem(carol.publicKey));
const policy: TrustPolicy = { keys: [], allowUnverified: false, keyring: ring };

/** A bundle text signed by the first key and approved by the others. */
function bundleText(files: SourceFile[], signers: KeyObject[], effectiveFrom?: number): string {
  const r = compile(files);
  assert.ok(r.ok, JSON.stringify(r.diagnostics.slice(0, 2)));
  let text = writeBundle(r, files, signers[0], effectiveFrom !== undefined ? { effectiveFrom } : {});
  for (const k of signers.slice(1)) text = addApproval(text, k);
  return text;
}
const load = (text: string): Bundle => parseBundle(text, { trust: policy });

const v1 = bundleText(variant('0.1.0'), [alice.privateKey, bob.privateKey]);
// 0.2.0: review from a score of 100 (TAMPERED_DEVICE's +40 alone no longer reviews) and a lower elderly threshold.
const v2edits: [string, string][] = [['threshold review at 40', 'threshold review at 100'], ['event.amount >= ¥10000', 'event.amount >= ¥5000']];
const v2 = bundleText(variant('0.2.0', v2edits), [alice.privateKey, bob.privateKey]);
const v2alone = bundleText(variant('0.2.0', v2edits), [alice.privateKey]);
const v3 = bundleText(variant('0.3.0', v2edits), [alice.privateKey, bob.privateKey]);
const v0 = bundleText(variant('0.0.9'), [alice.privateKey, bob.privateKey]);

let n = 0;
/** A store with the demo tables, a rooted device and a customer profile; its log file beside it. */
function freshStore(): { db: DB; log: DecisionLog; path: string } {
  const path = join(dir, `s${n++}.db`);
  const db = openStore(path, { create: true });
  const c = compile(demo);
  migrate(db, c.checked!.schema);
  const w = new StoreWriter(db, c.checked!.schema);
  w.entity('device', 'rooted-1', [0, 0, 0, 1, null], T0 - 86_400_000);
  w.entity('customer', 'c-elder', [Date.parse('1950-01-01T00:00:00Z'), 5_000_000, null], T0 - 86_400_000);
  return { db, log: DecisionLog.open(db, { write: true }), path };
}

function start(extra: Partial<ServeOptions> & { bundle: Bundle }, s: { db: DB; log: DecisionLog }): Promise<Service> {
  return serve({
    port: 0, token: TOKEN, verify: { trust: policy }, provider: (b) => new SqliteProvider(s.db, b.program.pack),
    history: s.log.history, audit: s.log.audit, onDecision: decisionLogger(s.log), ...extra,
  });
}

const post = async (url: string, path: string, body = '', token = TOKEN) => {
  const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() as Record<string, any> };
};
const decide = async (url: string, event: Record<string, unknown>) => {
  const res = await fetch(`${url}/v1/decide`, { method: 'POST', body: JSON.stringify(event) });
  return { status: res.status, json: await res.json() as Record<string, any> };
};
const rooted = (customer: string, minute = 0) => ({ type: 'login', customer_id: customer, device_id: 'rooted-1', occurred_at: `2026-03-01T10:${String(minute % 60).padStart(2, '0')}` });

test.after(() => rmSync(dir, { recursive: true, force: true }));

// ---------- two-person approval ----------

test('--require-approvals 2: a bundle signed by one key is refused at start and at reload; with an approver\'s signature it goes live; the audit holds each check', async () => {
  const s = freshStore();
  let refused: Error | undefined;
  try { await start({ bundle: load(v2alone), requireApprovals: 2 }, s); } catch (e) { refused = e as Error; }
  assert.is((refused as { code?: string })?.code, 'ZY8007');
  assert.match(refused!.message, /1 valid signature.*alice \(author.*requires 2 from distinct keys, one of them an approver's/);
  const svc = await start({ bundle: load(v1), requireApprovals: 2 }, s);
  try {
    const one = await post(svc.url, '/v1/reload', v2alone);
    assert.equal([one.status, one.json.error.code], [422, 'ZY8007']);
    assert.is((await decide(svc.url, rooted('c1'))).json.version, '0.1.0', 'still serving the approved bundle');
    // Two authors are two keys but no approver.
    const twoAuthors = bundleText(variant('0.2.0', v2edits), [alice.privateKey, carol.privateKey]);
    assert.match((await post(svc.url, '/v1/reload', twoAuthors)).json.error.message, /none of the 2 keys that signed is an approver/);
    // A key outside the keyring does not count.
    const outsider = bundleText(variant('0.2.0', v2edits), [alice.privateKey, mallory.privateKey]);
    assert.is((await post(svc.url, '/v1/reload', outsider)).json.error.code, 'ZY8007');
    const ok = await post(svc.url, '/v1/reload', v2);
    assert.equal([ok.status, ok.json.status, ok.json.version], [200, 'reloaded', '0.2.0']);
  } finally { await svc.close(); }
  const rows = s.log.audit.rows();
  const actions = rows.map((r) => `${r.action}:${r.bundle?.version}`);
  assert.equal(actions, [
    'approvals:0.2.0', 'refused:0.2.0', // the refused start
    'approvals:0.1.0', 'start:0.1.0',
    'approvals:0.2.0', 'refused:0.2.0', 'approvals:0.2.0', 'refused:0.2.0', 'approvals:0.2.0', 'refused:0.2.0',
    'approvals:0.2.0', 'reload:0.2.0', 'stop:0.2.0',
  ]);
  const check = rows[10]!.detail as { ok: boolean; signers: { name: string; roles: string[] }[] };
  assert.equal([check.ok, check.signers.map((x) => `${x.name}:${x.roles.join('+')}`)], [true, ['alice:author', 'bob:approver']]);
  assert.equal(verifyChain(rows).findings, []);
  s.log.close(); s.db.close();
});

// ---------- no silent rollback or pack switch ----------

test('an older version or another pack is refused unless allow_rollback gives a reason, which the audit trail keeps; the same version rebuilt from the same sources is not a change', async () => {
  const s = freshStore();
  const svc = await start({ bundle: load(v2) }, s);
  try {
    const older = await post(svc.url, '/v1/reload', v1);
    assert.equal([older.status, older.json.error.code], [409, 'ZY8008']);
    assert.match(older.json.error.message, /version 0\.1\.0 is older than the live 0\.2\.0.*--allow-rollback/);
    const other = bundleText(variant('0.9.0', [], 'other_pack'), [alice.privateKey]);
    assert.match((await post(svc.url, '/v1/reload', other)).json.error.message, /it is pack other_pack, and this service runs pack demo/);
    const sameVersion = bundleText(variant('0.2.0', [['threshold hold at 80', 'threshold hold at 90'], ...v2edits]), [alice.privateKey]);
    assert.match((await post(svc.url, '/v1/reload', sameVersion)).json.error.message, /version 0\.2\.0 is the live version, but its rules differ/);
    // Recompiled (a new bundle hash) from the same sources: allowed.
    const rebuilt = bundleText(variant('0.2.0', v2edits), [carol.privateKey]);
    assert.is((await post(svc.url, '/v1/reload', rebuilt)).status, 200);
    assert.is((await post(svc.url, '/v1/reload?allow_rollback=', v1)).status, 400, 'a reason in words');
    const back = await post(svc.url, `/v1/reload?allow_rollback=${encodeURIComponent('0.2.0 blocks payroll transfers (INC-2291)')}`, v1);
    assert.equal([back.status, back.json.version], [200, '0.1.0']);
  } finally { await svc.close(); }
  const rows = s.log.audit.rows();
  const reload = rows.filter((r) => r.action === 'reload').pop()!;
  assert.equal([reload.bundle?.version, reload.detail['allowRollback'], reload.detail['problem']], ['0.1.0', '0.2.0 blocks payroll transfers (INC-2291)', 'version 0.1.0 is older than the live 0.2.0']);
  assert.is(rows.filter((r) => r.action === 'refused' && r.detail['code'] === 'ZY8008').length, 3);
  // A restart with an older bundle than the last one live is refused too, unless the operator says why.
  let refused: { code?: string; message: string } | undefined;
  const s2 = { db: s.db, log: s.log };
  try { await start({ bundle: load(v0) }, s2); } catch (e) { refused = e as never; }
  assert.is(refused?.code, 'ZY8008');
  assert.match(refused!.message, /version 0\.0\.9 is older than the live 0\.1\.0.*--allow-rollback/);
  const again = await start({ bundle: load(v0), allowRollback: 'restore the January rules for the audit' }, s2);
  await again.close();
  assert.is(s.log.audit.rows().filter((r) => r.action === 'start').pop()!.detail['allowRollback'], 'restore the January rules for the audit');
  s.log.close(); s.db.close();
});

test('versions order as people write them', () => {
  assert.ok(compareVersions('2026.03.0', '2026.02.9') > 0);
  assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
  assert.is(compareVersions('2026.03.0', '2026.3'), 0);
  assert.ok(compareVersions('1.2.0-rc1', '1.2.0') < 0);
  assert.ok(compareVersions('1.2.0-rc2', '1.2.0-rc10') > 0, 'pre-release words compare as text');
  assert.ok(compareVersions('1.2.0-2', '1.2.0-10') < 0);
});

// ---------- shadow ----------

test('shadow: the live bundle answers, the candidate decides the same request on the same read of the store, both are logged side by side, and a failing shadow fails nothing', async () => {
  const s = freshStore();
  // The shadow requires a field the live pack does not: it fails on events without it.
  const strictShadow = bundleText(variant('0.2.0', [...v2edits, ['customer_id: string "The customer"', 'customer_id: string required "The customer"']]), [alice.privateKey]);
  const svc = await start({ bundle: load(v1), shadow: load(strictShadow) }, s);
  try {
    const a = await decide(svc.url, rooted('c1'));
    assert.equal([a.status, a.json.outcome, a.json.version, a.json.bundle], [200, 'review', '0.1.0', load(v1).hash], 'the response comes from the live pack');
    const noCustomer = await decide(svc.url, { type: 'login', device_id: 'rooted-1', occurred_at: '2026-03-01T10:05' });
    assert.is(noCustomer.status, 200, 'the shadow failed; the request did not');
    const logged = s.log.get(a.json.decisionId);
    assert.equal([logged.arm, logged.outcome, logged.shadow?.outcome, logged.shadow?.bundleHash], ['live', 'review', 'allow', load(strictShadow).hash]);
    assert.equal(logged.shadow?.fired, ['TAMPERED_DEVICE']);
    assert.ok(logged.snapshot.entities.filter(([e, k]) => e === 'device' && k === 'rooted-1').length >= 2, 'both reads of the device are in the snapshot');
    const failed = s.log.get(noCustomer.json.decisionId);
    assert.equal([failed.outcome, failed.shadow?.outcome], ['review', undefined]);
    assert.match(failed.shadow!.error!, /^ZY400\d event\.customer_id/);
    const m = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(m, /^zhiyu_shadow_changed_total\{from="review",to="allow"\} 1$/m);
    assert.match(m, /^zhiyu_shadow_errors_total\{code="ZY400\d"\} 1$/m);
    assert.match(m, /^zhiyu_bundle_info\{arm="shadow",pack="demo",version="0.2.0",hash="sha256:[0-9a-f]{64}"\} 1$/m);
    assert.equal((await (await fetch(`${svc.url}/healthz`)).json()).shadow.version, '0.2.0');
  } finally { await svc.close(); }
  assert.ok(s.log.history.get(load(strictShadow).hash), 'the shadow bundle is kept in the history');
  s.log.close(); s.db.close();
});

// ---------- canary ----------

test('canary: the key\'s hash picks the arm, the same customer always gets the same one, and the log and metrics carry it', async () => {
  const s = freshStore();
  const svc = await start({ bundle: load(v1), canary: { bundle: load(v2), percent: 30, key: 'customer_id' } }, s);
  const customers = Array.from({ length: 60 }, (_, i) => `cust-${i}`);
  try {
    const arms = new Map<string, string>();
    for (let round = 0; round < 2; round++) {
      for (const [i, c] of customers.entries()) {
        const r = await decide(svc.url, rooted(c, i));
        assert.is(r.status, 200);
        const arm = r.json.arm as string;
        if (round === 0) arms.set(c, arm); else assert.is(arm, arms.get(c), `${c} keeps its arm`);
        assert.is(arm, armOf({ customer_id: c }, 'customer_id', 30));
        // The canary (review only from 100) allows what the live bundle (review from 40) reviews.
        assert.equal([r.json.version, r.json.outcome], arm === 'canary' ? ['0.2.0', 'allow'] : ['0.1.0', 'review']);
        const logged = s.log.get(r.json.decisionId);
        assert.equal([logged.arm, logged.bundleHash], [arm, r.json.bundle]);
      }
    }
    const canary = [...arms.values()].filter((a) => a === 'canary').length;
    assert.ok(canary > 0 && canary < customers.length, `both arms decide (${canary} of ${customers.length} in the canary)`);
    const noKey = await decide(svc.url, { type: 'login', device_id: 'rooted-1', occurred_at: '2026-03-01T11:00' });
    assert.is(noKey.json.arm, 'live', 'without the key: the live bundle');
    const m = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(m, new RegExp(`^zhiyu_decisions_total\\{arm="canary",outcome="allow"\\} ${canary * 2}$`, 'm'));
    assert.match(m, /^zhiyu_bundle_info\{arm="canary",pack="demo",version="0\.2\.0",/m);
  } finally { await svc.close(); }
  s.log.close(); s.db.close();
});

test('canary buckets: a larger percent only adds keys; 0 % and 100 % are all or nothing', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
  const at = (p: number) => new Set(keys.filter((k) => armOf({ customer_id: k }, 'customer_id', p) === 'canary'));
  const five = at(5), twenty = at(20);
  for (const k of five) assert.ok(twenty.has(k));
  assert.is(at(0).size, 0);
  assert.is(at(100).size, keys.length);
  assert.is(bucketOf('cust-1'), bucketOf('cust-1'));
});

// ---------- promote and rollback under load ----------

test('promote and rollback under load: every request of a concurrent client loop is answered 200, through every change', async () => {
  const s = freshStore();
  const svc = await start({ bundle: load(v1), canary: { bundle: load(v2), percent: 50, key: 'customer_id' } }, s);
  const seen = new Map<string, number>();
  const statuses = new Map<number, number>();
  let running = true;
  let waiters: (() => void)[] = [];
  const CLIENTS = 8;
  const loop = async (c: number) => {
    for (let i = 0; running; i++) {
      const r = await fetch(`${svc.url}/v1/decide`, { method: 'POST', body: JSON.stringify(rooted(`cust-${c}-${i % 40}`, i)) });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const body = await r.json() as { version?: string };
      if (body.version) seen.set(body.version, (seen.get(body.version) ?? 0) + 1);
      const ws = waiters; waiters = []; ws.forEach((w) => w());
    }
  };
  /** Resolves once `k` more responses from `version` have arrived: synchronised on what the loop saw, never on time. */
  const served = (version: string, k = 20) => {
    const target = (seen.get(version) ?? 0) + k;
    return new Promise<void>((resolve) => {
      const check = () => { if ((seen.get(version) ?? 0) >= target) resolve(); else waiters.push(check); };
      check();
    });
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => loop(c));
  try {
    await served('0.1.0'); await served('0.2.0');
    assert.equal([(await post(svc.url, '/v1/promote')).json.status], ['promoted']);
    await served('0.2.0', 100);
    assert.is((await post(svc.url, '/v1/reload', v3)).json.version, '0.3.0');
    await served('0.3.0');
    const back = await post(svc.url, '/v1/rollback?reason=load%20test');
    assert.equal([back.status, back.json.version], [200, '0.2.0']);
    await served('0.2.0');
    assert.is((await post(svc.url, '/v1/rollback')).json.version, '0.1.0');
    await served('0.1.0');
    assert.equal((await post(svc.url, '/v1/rollback')).json.error.code, 'ZY8011', 'nothing before the first bundle');
    await served('0.1.0');
  } finally {
    running = false;
    await Promise.all(clients);
    await svc.close();
  }
  assert.equal([...statuses.keys()], [200], `every answer was 200: ${JSON.stringify([...statuses])}`);
  const total = statuses.get(200)!;
  const m = s.log.ids().length;
  assert.is(m, total, 'every answered request was logged');
  const actions = s.log.audit.rows().map((r) => r.action);
  assert.equal(actions, ['start', 'candidate', 'promote', 'reload', 'rollback', 'rollback', 'stop']);
  s.log.close(); s.db.close();
});

test('promote and rollback need the token: without it or with another nothing changes; a service without a token refuses them', async () => {
  const s = freshStore();
  const svc = await start({ bundle: load(v1), canary: { bundle: load(v2), percent: 50, key: 'customer_id' } }, s);
  try {
    for (const path of ['/v1/promote', '/v1/rollback']) {
      const none = await fetch(`${svc.url}${path}`, { method: 'POST' });
      assert.equal([none.status, ((await none.json()) as any).error.code], [401, 'ZY8000'], path);
      assert.is((await post(svc.url, path, '', 'wrong-token-456')).status, 401, path);
    }
    const h = await (await fetch(`${svc.url}/healthz`)).json() as Record<string, any>;
    assert.equal([h.version, h.canary?.version], ['0.1.0', '0.2.0'], 'the canary still runs beside the same live bundle');
  } finally { await svc.close(); }
  const open = await start({ bundle: load(v1), token: undefined }, s);
  try {
    for (const path of ['/v1/promote', '/v1/rollback']) {
      const r = await fetch(`${open.url}${path}`, { method: 'POST' });
      assert.equal([r.status, ((await r.json()) as any).error.message], [403, `${path.slice(4)} is disabled: the service was started without an access token`]);
    }
  } finally { await open.close(); }
  assert.is(s.log.audit.rows().filter((r) => r.action === 'promote' || r.action === 'rollback').length, 0);
  s.log.close(); s.db.close();
});

test('rollback after a restart restores the bundle before, from the history and the audit trail', async () => {
  const s = freshStore();
  const first = await start({ bundle: load(v1) }, s);
  assert.is((await post(first.url, '/v1/reload', v2)).status, 200);
  assert.is((await post(first.url, '/v1/reload', v3)).status, 200);
  await first.close();
  const second = await start({ bundle: load(v3) }, s);
  try {
    assert.is((await post(second.url, '/v1/rollback')).json.version, '0.2.0');
    assert.is((await post(second.url, '/v1/rollback')).json.version, '0.1.0', 'the stack rebuilt from the trail, not the bundle rolled back from');
  } finally { await second.close(); }
  s.log.close(); s.db.close();
});

// ---------- effective_from ----------

test('effective_from: a bundle reloaded early is scheduled and takes effect when the clock reaches it; a service started with it serves the bundle before, from the history', async () => {
  const s = freshStore();
  let now = T0;
  const clock = () => now;
  const at = T0 + 3_600_000;
  const later = bundleText(variant('0.2.0', v2edits), [alice.privateKey, bob.privateKey], at);
  const svc = await start({ bundle: load(v1), clock }, s);
  try {
    const r = await post(svc.url, '/v1/reload', later);
    assert.equal([r.status, r.json.status, r.json.effectiveFrom, r.json.live], [200, 'scheduled', new Date(at).toISOString(), load(v1).hash]);
    assert.is((await decide(svc.url, rooted('c1'))).json.version, '0.1.0');
    now = at - 1;
    assert.is((await decide(svc.url, rooted('c1'))).json.version, '0.1.0', 'a millisecond before');
    now = at;
    assert.is((await decide(svc.url, rooted('c1'))).json.version, '0.2.0', 'at the moment');
    assert.is((await (await fetch(`${svc.url}/healthz`)).json()).scheduled, undefined);
  } finally { await svc.close(); }
  const rows = s.log.audit.rows();
  assert.equal(rows.map((x) => x.action), ['start', 'schedule', 'effective', 'stop']);
  assert.is(rows[2]!.at, at, 'the switch is recorded at the moment it happened');
  // A new service, started with the bundle before its time: it serves 0.1.0 from the history until then.
  const s2 = freshStore();
  const early = await start({ bundle: load(v1), clock }, s2);
  await early.close();
  now = T0;
  const restarted = await start({ bundle: load(later), clock }, s2);
  try {
    assert.is((await decide(restarted.url, rooted('c1'))).json.version, '0.1.0');
    now = at;
    assert.is((await decide(restarted.url, rooted('c1'))).json.version, '0.2.0');
  } finally { await restarted.close(); }
  // With nothing in the history to serve first, a bundle not yet in effect does not start.
  const s3 = freshStore();
  now = T0;
  let refused: { code?: string } | undefined;
  try { await start({ bundle: load(later), clock }, s3); } catch (e) { refused = e as never; }
  assert.is(refused?.code, 'ZY8010');
  for (const x of [s, s2, s3]) { x.log.close(); x.db.close(); }
});

// ---------- the chain ----------

test('the audit chain: every edit, deletion, move and insertion is found at the row where it happened', () => {
  const rows: AuditRow[] = [];
  for (let i = 0; i < 6; i++) rows.push(nextRow(rows[rows.length - 1], { action: 'reload', at: T0 + i, bundle: { hash: `sha256:${i}`, pack: 'demo', version: `0.${i}.0` }, detail: { i } }));
  assert.equal(verifyChain(rows).findings, []);
  const kinds = (rs: AuditRow[]) => verifyChain(rs).findings.map((f) => `${f.kind}@${f.seq}`);
  assert.equal(kinds([rows[0]!, rows[1]!, { ...rows[2]!, detail: { i: 99 } }, ...rows.slice(3)]), ['edited@3']);
  assert.equal(kinds([rows[0]!, rows[1]!, ...rows.slice(4)]), ['deleted@5']);
  assert.match(verifyChain([rows[0]!, rows[1]!, ...rows.slice(4)]).findings[0]!.message, /rows 3–4 were deleted/);
  assert.equal(kinds([rows[0]!, { ...rows[2]!, seq: 2 }, { ...rows[1]!, seq: 3 }, ...rows.slice(3)]), ['reordered@2', 'reordered@3']);
  // A forged row with a hash of its own, put in row 3's place: row 3 and the forgery both follow row 2.
  const forged = nextRow(rows[1], { action: 'reload', at: T0 + 2, bundle: { hash: 'sha256:evil', pack: 'demo', version: '9.9.9' }, detail: {} });
  assert.equal(kinds([...rows.slice(0, 3), { ...forged, seq: 4 }, ...rows.slice(3).map((r) => ({ ...r, seq: r.seq + 1 }))]).filter((k) => k.startsWith('inserted')), ['inserted@4']);
});

// ---------- audit trail failure changes nothing ----------

test('an audit trail that cannot be written refuses the change and keeps serving the live bundle', async () => {
  const s = freshStore();
  const svc = await start({ bundle: load(v1), onDecision: undefined }, s);
  try {
    s.log.close(); // the trail is gone from under the service
    const r = await post(svc.url, '/v1/reload', v2);
    assert.equal([r.status, r.json.error.code], [503, 'ZY8014']);
    const d = await decide(svc.url, { type: 'login', customer_id: 'c1', occurred_at: '2026-03-01T10:00' });
    assert.equal([d.status, d.json.version], [200, '0.1.0']);
  } finally { await svc.close(); s.db.close(); }
});

test.run();
