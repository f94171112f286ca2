// The demo database: one SQLite file for every shipped pack. Its stored
// events, replayed with the real engine as of their own time (as
// `eval --labelled` and backtests do: profiles as they stood, history stored
// before), must make the packs' rules fire, with labels that leave precision
// short of 100%, and profiles that change over time.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CompileResult } from '../compiler/index.ts';
import { InputError } from '../compiler/input.ts';
import { load } from '../runtime/index.ts';
import { SqliteProvider, ensureIndexes, openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { seedDemoDatabase, type DemoReport } from '../demo/index.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { readCalendar } from '../runtime/store/calendar.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli } from './cli-run.ts';

const root = join(import.meta.dirname, '..');
const dir = scratchDir('zhiyu-seed-');
const pack = (d: string) => compile(readPack([join(root, 'rules', d)]));
const demo = pack('demo');
const fraud = pack('fraud');
const gates = pack('conduct/gates');
const sweeps = pack('conduct/sweeps');
const schemas = [demo, fraud, gates, sweeps].map((c) => c.checked!.schema);
// Small, so the replays below stay quick; every scenario is still injected at least three times.
const SIZE = { customers: 200 };

function seedFile(name: string): { path: string; report: DemoReport } {
  const path = join(dir, name);
  const db = openStore(path, { create: true });
  try { return { path, report: seedDemoDatabase(db, schemas, SIZE) }; } finally { db.close(); }
}

const { path, report } = seedFile('demo.db');
const store = openStore(path);
// The covering indexes a backtest would make; without them every window scans by time.
for (const c of [demo, fraud, gates, sweeps]) ensureIndexes(store, [c.optimized!]);

interface Hits { hits: number; fraud: number; good: number }

/**
 * Decides every stored event the pack knows the type of, each against the
 * history stored before it. Events the pack refuses as input (a field value
 * its schema does not allow) are counted by field in `skipped`, as backtests do.
 */
function replay(c: CompileResult, db: DB, skipped: Record<string, number> = {}): Map<string, Hits> {
  const engine = load({ pack: c.optimized!, code: c.code! });
  const provider = new SqliteProvider(db, c.optimized!);
  const schema = c.checked!.schema;
  const type = schema.event.fields.get('type')!.type;
  const types = c.checked!.decides ?? (type.t === 'enum' ? type.members : []);
  const name = (kind: string, positive: number) => (kind === 'fraud' && !positive ? 'not_fraud' : kind);
  const eventLabels = new Map((db.prepare(`SELECT subject, kind, positive FROM zy_labels WHERE subject_kind = 'event' ORDER BY labeled_at, id`).raw().all() as [string, string, number][]).map(([s, k, p]) => [Number(s), name(k, p)]));
  const customerLabels = new Map((db.prepare(`SELECT subject, kind, positive FROM zy_labels WHERE subject_kind = 'customer'`).raw().all() as [string, string, number][]).map(([s, k, p]) => [s, name(k, p)]));
  const rows = db.prepare(`SELECT * FROM zy_events WHERE type IN (${types.map(() => '?').join(', ')}) ORDER BY zy_seq`).all(...types) as Record<string, unknown>[];
  const out = new Map<string, Hits>();
  for (const row of rows) {
    const seq = row['zy_seq'] as number;
    const label = eventLabels.get(seq) ?? customerLabels.get(String(row['customer_id']));
    let fired;
    try {
      fired = engine.decide(decodeRow(schema.event, row), provider.asOf(row['occurred_at'] as number, seq)).fired;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const key = `${e.field} ${JSON.stringify(row[e.field.replace(/^event\./, '')])}`;
      skipped[key] = (skipped[key] ?? 0) + 1;
      continue;
    }
    for (const f of fired) {
      const h = out.get(f.id) ?? { hits: 0, fraud: 0, good: 0 };
      h.hits++;
      if (label === 'fraud' || label === 'chargeback') h.fraud++;
      if (label === 'not_fraud') h.good++;
      out.set(f.id, h);
    }
  }
  return out;
}

const missing = (fired: Map<string, Hits>, ids: string[]) => ids.filter((id) => !fired.has(id));

test('the fraud pack fires on the demo data, in every area, with fraud and not-fraud hits', () => {
  const skipped: Record<string, number> = {};
  const fired = replay(fraud, store, skipped);
  assert.equal(skipped, {}, 'every stored event of a type rules/fraud decides is valid input for it');
  const all = fraud.checked!.rules.map((r) => r.id);
  const never = all.filter((id) => !fired.has(id));
  assert.ok(all.length >= 40, 'rules/fraud is the full pack');
  assert.ok(fired.size >= Math.ceil(all.length * 0.9), `only ${fired.size} of ${all.length} rules/fraud rules fire; never: ${never.join(', ')}`);
  const areas = {
    application: ['APP_DEVICE_MANY_IDS', 'APP_ID_VELOCITY', 'APP_PHONE_VELOCITY', 'APP_IP_DEVICE_BURST', 'APP_LOCATION_MISMATCH', 'APP_NIGHT_SCRIPTED', 'APP_KYC_FAILED', 'BLOCKLIST_HIT', 'APP_RISKY_CONTACTS', 'DEVICE_GREYLISTED'],
    takeover: ['ATO_NEW_DEVICE_CHANGE_CASHOUT', 'ATO_SIM_SWAP_OTP', 'ATO_NEW_DEVICE_COOLING', 'ATO_FAILED_LOGINS', 'IP_MANY_ACCOUNTS', 'ATO_WEAK_AUTH_CHANGE'],
    scam: ['SCAM_UNKNOWN_CALLER', 'SCAM_REPEAT_AFTER_WARNING', 'SCAM_SCREEN_SHARING', 'SCAM_SAFE_ACCOUNT', 'SCAM_POLICE_LIST_PAYEE', 'SCAM_POLICE_FLAGGED_PERSON', 'SCAM_ELDERLY_NEW_PAYEE', 'SCAM_NON_COUNTER_CERT'],
    mule: ['MULE_NEW_PAYEE_ACCOUNT', 'MULE_DORMANT_REACTIVATED', 'MULE_FAN_IN', 'MULE_FAN_OUT', 'MULE_PASS_THROUGH', 'MULE_REPEATED_AMOUNTS', 'MULE_JUST_BELOW_THRESHOLD', 'MULE_CARDS_PER_CUSTOMER', 'MULE_SHARED_CARD', 'MULE_LOAN_FORBIDDEN_USE'],
  };
  for (const [area, ids] of Object.entries(areas)) assert.equal(missing(fired, ids), [], `${area} rules that never fire`);
  // Hits on labelled fraud and on good customers who were checked: precision is neither 0 nor 100%.
  const both = [...fired].filter(([, h]) => h.fraud > 0 && h.good > 0).map(([id]) => id);
  assert.ok(both.length >= 8, `rules with both fraud and not-fraud hits: ${both.join(', ')}`);
  const fraudHits = [...fired.values()].reduce((n, h) => n + h.fraud, 0);
  const goodHits = [...fired.values()].reduce((n, h) => n + h.good, 0);
  assert.ok(fraudHits > goodHits && goodHits > 0, `${fraudHits} fraud and ${goodHits} not-fraud labelled hits`);
  // A policy rule, not fraud: its hits carry no fraud label.
  assert.is(fired.get('APP_COURT_DISHONEST')?.fraud, 0);
});

test('labels: mostly on injected fraud, some on ordinary events, chargebacks, conduct findings, all known after the event', () => {
  const byKind = Object.fromEntries(store.prepare(`SELECT kind || ':' || positive, count(*) FROM zy_labels GROUP BY 1`).raw().all() as [string, number][]);
  assert.ok(['fraud:1', 'fraud:0', 'chargeback:1', 'qa_breach:1', 'qa_breach:0', 'complaint_upheld:1', 'complaint_upheld:0', 'hardship_confirmed:1', 'hardship_confirmed:0']
    .every((k) => (byKind[k] ?? 0) > 0), JSON.stringify(byKind));
  const notes = (kind: string, positive: number) => Object.fromEntries(store.prepare(`SELECT note = 'ordinary', count(*) FROM zy_labels WHERE kind = ? AND positive = ? AND subject_kind = 'event' GROUP BY 1`).raw().all(kind, positive) as [number, number][]);
  assert.ok((notes('fraud', 1)[0] ?? 0) > 0 && !notes('fraud', 1)[1], 'fraud labels are on injected scenarios only');
  assert.ok((notes('fraud', 0)[1] ?? 0) > 0 && (notes('fraud', 0)[0] ?? 0) > 0, 'not-fraud labels on ordinary events and on good customers who trip rules');
  const early = store.prepare(`SELECT count(*) FROM zy_labels l JOIN zy_events e ON e.zy_seq = CAST(l.subject AS INTEGER)
    WHERE l.subject_kind = 'event' AND l.labeled_at <= e.occurred_at`).pluck().get();
  assert.is(early, 0, 'a label becomes known after the event it is about');
  // Not every injected fraud event is confirmed yet: the backtest's recall is short of 100% too.
  const injected = Object.entries(report.fraud.byPattern).filter(([k]) => k !== 'ordinary' && !k.startsWith('good_')).reduce((n, [, v]) => n + v, 0);
  assert.ok(report.fraud.labels.fraud < injected);
  assert.ok(store.prepare(`SELECT count(*) FROM zy_labels WHERE subject_kind = 'customer'`).pluck().get() as number > 0);
});

test('the conduct packs still find their scenarios, quiet hours at local night only', () => {
  // The gates decide drawdowns and transfers too, so the customers' events must be valid input for them.
  const skipped: Record<string, number> = {};
  const fired = new Map([...replay(gates, store, skipped), ...replay(sweeps, store, skipped)]);
  assert.equal(skipped, {}, 'every stored event of a type the conduct packs decide is valid input for them');
  assert.equal(missing(fired, ['GATE_QUIET_HOURS', 'GATE_DAILY_UNANSWERED_CAP', 'GATE_VULNERABLE_SPECIALIST', 'GATE_UNRELATED_THIRD_PARTY', 'GATE_UNAPPROVED_SCRIPT',
    'COMPLAINT_ACK_OVERDUE', 'COMPLAINT_LIMIT_15', 'SWEEP_MISSED_INSTALMENT', 'SWEEP_HARDSHIP_WAIVER']), []);
  // Daytime collection calls are allowed: only the scenario's 22:30 calls are in quiet hours.
  assert.is(fired.get('GATE_QUIET_HOURS')!.hits, report.conduct.byScenario['quiet_hours_call']);
  assert.is(fired.get('GATE_UNAPPROVED_SCRIPT')!.hits, report.conduct.byScenario['unapproved_script']);
});

test('profiles change over time: the same customers and devices read differently at different moments', () => {
  const versions = (table: string) => store.prepare(`SELECT count(*) FROM (SELECT zy_key FROM ${table} GROUP BY zy_key HAVING count(*) > 1)`).pluck().get() as number;
  // SIM swaps and new SIMs, calls that start and end, screens shared; phone numbers changed and limits raised.
  assert.ok(versions('zy_entity_device') > 10, `${versions('zy_entity_device')} devices with more than one version`);
  assert.ok(versions('zy_entity_customer') > 5, `${versions('zy_entity_customer')} customers with more than one version`);
  assert.ok(versions('zy_entity_account') > 5, `${versions('zy_entity_account')} accounts with more than one version`);
  // A device on a scam call: in a call during it, not before or after.
  const call = store.prepare(`SELECT zy_key, zy_valid_from, zy_valid_to FROM zy_entity_device WHERE in_call = 1 LIMIT 1`).raw().get() as [string, number, number];
  const p = new SqliteProvider(store, fraud.optimized!);
  const inCall = (t: number) => (p.asOf(t).entity('device', call[0]) as { in_call?: boolean }).in_call;
  assert.equal([inCall(call[1] - 1), inCall(call[1]), inCall(call[2] - 1), inCall(call[2])], [false, true, true, false]);
  // No drifting fields: the stored profiles hold moments, not ages.
  for (const f of ['age_years', 'phone_tenure_months', 'sim_bound_days', 'days_past_due', 'months_in_persistent_debt', 'call_duration']) {
    for (const t of ['zy_entity_customer', 'zy_entity_device', 'zy_entity_account']) {
      assert.not.ok((store.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).some((c) => c.name === f), `${t}.${f}`);
    }
  }
});

test('rules/demo decides the same customers\' events as rules/fraud, and finds what they hold', () => {
  const skipped: Record<string, number> = {};
  const fired = replay(demo, store, skipped);
  assert.equal(skipped, {});
  assert.equal(missing(fired, ['TF_NEW_PAYEE_ON_CALL', 'POLICE_LIST_PAYEE', 'VEL_DEVICE_IDS', 'FAILED_LOGINS', 'TAMPERED_DEVICE', 'SIM_SWAP_OTP']), []);
  assert.ok(fired.get('POLICE_LIST_PAYEE')!.fraud > 0);
});

test('the seed loads the shipped PRC calendar (2025 and 2026 holidays and make-up days)', () => {
  const rows = store.prepare('SELECT date, is_working_day FROM zy_calendar ORDER BY date').all() as { date: string; is_working_day: number }[];
  assert.is(rows.length, readCalendar().length);
  assert.equal(rows.find((r) => r.date === '2026-02-14'), { date: '2026-02-14', is_working_day: 1 });
  assert.equal(rows.find((r) => r.date === '2025-10-08'), { date: '2025-10-08', is_working_day: 0 });
});

test('the same seed gives the same database', () => {
  const digest = (p: string) => {
    const db = openStore(p, { readonly: true });
    try {
      const h = createHash('sha256');
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
      for (const t of tables) for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().iterate()) h.update(JSON.stringify(row));
      return h.digest('hex');
    } finally { db.close(); }
  };
  const again = seedFile('again.db');
  assert.equal(again.report, report);
  assert.is(digest(again.path), digest(path));
});

test('zhiyu db seed --demo prints what it seeded, per scenario, and eval --labelled reads the file', async () => {
  const file = join(dir, 'cli.db');
  const r = await cli('db', 'seed', '--demo', file, '--customers', '200');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /customers: \d+ customers, \d+ events; labels: fraud \d+, not_fraud \d+, chargeback \d+/);
  assert.match(r.out, /events per scenario: ordinary \d+, .*device_farm \d+, .*safe_account \d+, .*fan_in \d+/);
  assert.match(r.out, /collections, complaints and hardship: 60 customers, \d+ events \(collection_call \d+.*; labels: qa_breach/);
  assert.match(r.out, /\d+ events, \d+ profile versions, \d+ labels in all, [\d.]+ MB, seeded in [\d.]+ s/);
  assert.is((await cli('db', 'seed', '--demo', file)).code, 2, 'an existing file is not overwritten');
  assert.is((await cli('db', 'seed', '--demo', file, '--if-missing')).code, 0);
  const e = await cli('eval', 'rules/fraud', '--db', file, '--labelled', '3');
  assert.is(e.code, 0, e.err);
  assert.match(e.out, /event #\d+/);
  assert.ok(existsSync(file));
});

test.after(() => { store.close(); });
test.run();
