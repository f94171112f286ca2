// A deterministic demo database for the demo pack: customers, devices and
// payees, 90 days of ordinary events, and injected fraud patterns with labels
// (shared application devices, phone-scam transfers, credential stuffing,
// police-list payees, SIM swaps). The same seed always gives the same file.
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { coerce } from '../../compiler/input.ts';
import type { EntityInfo, Schema, Value } from '../../compiler/ir.ts';
import { StoreError } from './errors.ts';
import { migrate, type DB } from './schema.ts';
import { EVENTS, KEY, encode, entityTable, q } from './sql.ts';

export const DEMO_END = Date.UTC(2026, 2, 1) - 8 * 3600_000; // 2026-03-01 00:00 Asia/Shanghai
const DAY = 86_400_000;

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedReport { customers: number; events: number; labels: number; byPattern: Record<string, number> }

type Row = Record<string, Value>;

export function seedDemo(db: DB, schema: Schema, opts: { customers?: number; days?: number; seed?: number } = {}): SeedReport {
  for (const need of ['customer', 'device', 'payee']) {
    if (!schema.entities.has(need)) throw new StoreError('ZY7006', `the demo seed needs a pack with a ${need} entity (use rules/demo)`);
  }
  const customers = opts.customers ?? 3000;
  const days = opts.days ?? 90;
  const r = rng(opts.seed ?? 20260301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const start = DEMO_END - days * DAY;
  const events: Row[] = [];
  const fraud: { index: number; pattern: string }[] = [];
  const byPattern: Record<string, number> = {};
  const devices: Row[] = [];
  const payees: Row[] = [];
  const custs: Row[] = [];
  const mark = (e: Row, pattern: string) => { fraud.push({ index: events.length, pattern }); byPattern[pattern] = (byPattern[pattern] ?? 0) + 1; events.push(e); };

  for (let c = 0; c < customers; c++) {
    const id = `c${c}`;
    const age = 18 + Math.floor(r() * 62);
    custs.push({ [KEY]: id, age_years: age, daily_transfer_limit: pick([500000, 2000000, 5000000]), gender: pick(['female', 'male', 'undisclosed']) });
    const dev = `d${c}`;
    devices.push({ [KEY]: dev, in_call: false, call_peer_in_contacts: true, is_emulator: false, is_rooted: r() < 0.01, sim_changed_at: start - Math.floor(r() * 400) * DAY });
    const own = `p${c}`;
    payees.push({ [KEY]: own, first_seen_at: start - Math.floor(r() * 300) * DAY });
    const n = 20 + Math.floor(r() * 60);
    for (let i = 0; i < n; i++) {
      const t = start + Math.floor(r() * days * DAY);
      const kind = r();
      if (kind < 0.45) events.push({ type: 'login', customer_id: id, device_id: dev, [TIME_FIELD]: t, auth_method: 'password' });
      else if (kind < 0.5) events.push({ type: 'login_failed', customer_id: id, device_id: dev, [TIME_FIELD]: t });
      else if (kind < 0.8) events.push({ type: 'transfer_out', customer_id: id, device_id: dev, payee_id: own, amount: 100 * Math.floor(50 + r() * 3000), [TIME_FIELD]: t, auth_method: pick(['password', 'face', 'sms_otp']) });
      else events.push({ type: 'drawdown', customer_id: id, device_id: dev, amount: 100 * Math.floor(500 + r() * 20000), [TIME_FIELD]: t, auth_method: pick(['password', 'face']) });
    }
  }
  // Injected patterns, each labelled fraud.
  const patterns = Math.max(10, Math.floor(customers / 30));
  for (let k = 0; k < patterns; k++) {
    const t0 = start + DAY + Math.floor(r() * (days - 2) * DAY);
    // Several identities applying from one device within days.
    const shared = `dx${k}`;
    devices.push({ [KEY]: shared, in_call: false, call_peer_in_contacts: true, is_emulator: r() < 0.5, is_rooted: false });
    for (let j = 0; j < 3 + Math.floor(r() * 4); j++) {
      mark({ type: 'application', device_id: shared, id_number_hash: `idx${k}_${j}`, [TIME_FIELD]: t0 + j * 3600_000 }, 'shared_device_applications');
    }
    // A phone-scam transfer: new payee, during a call with an unknown number.
    const victim = `c${Math.floor(r() * customers)}`;
    const scamDevice = `ds${k}`;
    const scamPayee = `px${k}`;
    devices.push({ [KEY]: scamDevice, in_call: true, call_peer_in_contacts: false, is_emulator: false, is_rooted: false });
    payees.push({ [KEY]: scamPayee, first_seen_at: t0 + 2 * 3600_000 - 5 * 60_000 });
    mark({ type: 'transfer_out', customer_id: victim, device_id: scamDevice, payee_id: scamPayee, amount: 100 * (5000 + Math.floor(r() * 45000)), [TIME_FIELD]: t0 + 2 * 3600_000, auth_method: 'sms_otp' }, 'phone_scam_transfer');
    // Credential stuffing: a burst of failures, then a login.
    const target = `c${Math.floor(r() * customers)}`;
    for (let j = 0; j < 6; j++) mark({ type: 'login_failed', customer_id: target, device_id: `dz${k}`, [TIME_FIELD]: t0 + 3 * 3600_000 + j * 30_000 }, 'credential_stuffing');
    mark({ type: 'login', customer_id: target, device_id: `dz${k}`, [TIME_FIELD]: t0 + 3 * 3600_000 + 200_000, auth_method: 'password' }, 'credential_stuffing');
    // A transfer to a payee on the police list.
    mark({ type: 'transfer_out', customer_id: `c${Math.floor(r() * customers)}`, payee_id: `mule-${k}`, amount: 100 * (1000 + Math.floor(r() * 9000)), [TIME_FIELD]: t0 + 4 * 3600_000, auth_method: 'password' }, 'police_list_payee');
  }

  const order = events.map((e, i) => i).sort((a, b) => (events[a]![TIME_FIELD] as number) - (events[b]![TIME_FIELD] as number) || a - b);
  const fraudAt = new Map(fraud.map((f) => [f.index, f.pattern]));
  migrate(db, schema);
  const insertRows = (info: EntityInfo, table: string, rows: Row[], keyed: boolean) => {
    const fields = [...info.fields.values()];
    const cols = [...(keyed ? [KEY] : []), ...fields.map((f) => f.name)];
    const stmt = db.prepare(`INSERT OR REPLACE INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    return rows.map((row) => Number(stmt.run([...(keyed ? [row[KEY] as string] : []), ...fields.map((f) => encode(f.type, coerce(f.type, row[f.name], `${info.name}.${f.name}`)))]).lastInsertRowid));
  };
  let labels = 0;
  db.transaction(() => {
    insertRows(schema.entities.get('customer')!, entityTable('customer'), custs, true);
    insertRows(schema.entities.get('device')!, entityTable('device'), devices, true);
    insertRows(schema.entities.get('payee')!, entityTable('payee'), payees, true);
    const seqs = insertRows(schema.event, EVENTS, order.map((i) => events[i]!), false);
    const label = db.prepare(`INSERT INTO zy_labels (subject_kind, subject, label, labeled_at, note) VALUES ('event', ?, 'fraud', ?, ?)`);
    order.forEach((i, pos) => {
      const p = fraudAt.get(i);
      if (p) { label.run(String(seqs[pos]), (events[i]![TIME_FIELD] as number) + 7 * DAY, p); labels++; }
    });
    const list = db.prepare(`INSERT OR REPLACE INTO zy_list_entries (list, value, source, added_at, expires_at) VALUES ('police_fraud_accounts', ?, 'demo', ?, NULL)`);
    for (let k = 0; k < patterns; k++) list.run(`mule-${k}`, start - DAY);
  })();
  return { customers, events: events.length, labels, byPattern };
}
