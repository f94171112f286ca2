// Consumer-protection scenarios for the demo database, for the packs in
// rules/conduct: collection contacts (quiet hours, unanswered attempts per
// number per day, vulnerable customers, third parties), complaints (first
// response and handling limits) and hardship (missed instalments, income
// falls). Rows follow whatever schema the conduct packs declare: a field a
// schema does not have is simply not stored.
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { coerce } from '../../compiler/input.ts';
import type { EntityInfo, Schema, Value } from '../../compiler/ir.ts';
import { DEMO_END, rng } from './seed.ts';
import { migrate, type DB } from './schema.ts';
import { EVENTS, KEY, encode, entityTable, q } from './sql.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
type Row = Record<string, Value>;

/** Rows into a table, keeping only the fields the merged schema declares. */
function insert(db: DB, info: EntityInfo, table: string, rows: Row[], keyed: boolean): void {
  for (const row of rows) {
    const fields = [...info.fields.values()].filter((f) => row[f.name] !== undefined);
    const cols = [...(keyed ? [KEY] : []), ...fields.map((f) => f.name)];
    db.prepare(`INSERT OR REPLACE INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      .run([...(keyed ? [row[KEY] as string] : []), ...fields.map((f) => encode(f.type, coerce(f.type, row[f.name], `${info.name}.${f.name}`)))]);
  }
}

/** Every field of every schema, first declaration wins (migrate refuses real conflicts). */
function merged(schemas: readonly Schema[]): { event: EntityInfo; entities: Map<string, EntityInfo> } {
  const ent = (name: string, infos: EntityInfo[]): EntityInfo => {
    const fields = new Map<string, EntityInfo['fields'] extends ReadonlyMap<string, infer F> ? F : never>();
    for (const i of infos) {
      for (const [k, f] of i.fields) {
        const prev = fields.get(k);
        // The same enum field in several packs takes the members of all of them.
        if (prev && prev.type.t === 'enum' && f.type.t === 'enum') fields.set(k, { ...prev, type: { t: 'enum', members: [...new Set([...prev.type.members, ...f.type.members])] } });
        else if (!prev) fields.set(k, { ...f, required: false });
      }
    }
    return { ...infos[0]!, name, fields };
  };
  const names = new Set(schemas.flatMap((s) => [...s.entities.keys()]));
  return {
    event: ent('event', schemas.map((s) => s.event)),
    entities: new Map([...names].map((n) => [n, ent(n, schemas.flatMap((s) => (s.entities.get(n) ? [s.entities.get(n)!] : [])))])),
  };
}

export interface ConductReport { customers: number; events: number; byScenario: Record<string, number> }

export function seedConduct(db: DB, schemas: readonly Schema[], opts: { customers?: number; seed?: number } = {}): ConductReport {
  for (const s of schemas) migrate(db, s);
  const m = merged(schemas);
  const r = rng(opts.seed ?? 7);
  const n = opts.customers ?? 600;
  const start = DEMO_END - 90 * DAY;
  const customers: Row[] = [];
  const accounts: Row[] = [];
  const events: Row[] = [];
  const byScenario: Record<string, number> = {};
  const mark = (s: string, e: Row) => { byScenario[s] = (byScenario[s] ?? 0) + 1; events.push(e); };
  const at = (day: number, hour: number, minute = 0) => start + day * DAY + (hour - 8) * HOUR + minute * 60_000; // local time

  for (let i = 0; i < n; i++) {
    const id = `k${i}`;
    const vulnerable = i % 15 === 0;
    customers.push({
      [KEY]: id, age_years: 20 + Math.floor(r() * 60), jurisdiction: i % 10 === 0 ? 'US' : 'CN',
      vulnerability_flags: vulnerable ? ['bereaved'] : [], hardship_status: i % 12 === 0 ? 'declared' : 'none',
      consent_night_contact: false, income_change_pct: i % 9 === 0 ? -35 : Math.round(r() * 20 - 5),
    });
    const acct = `loan-k${i}`;
    accounts.push({ [KEY]: acct, in_payment_plan: false, days_past_due: i % 4 === 0 ? 30 + Math.floor(r() * 60) : 0, opened_at: start - 200 * DAY });
    const phone = `ph-k${i}`;
    // Ordinary collection calls on overdue accounts, answered now and then.
    if (i % 4 === 0) {
      for (let d = 60; d < 90; d += 1 + Math.floor(r() * 4)) {
        mark('collection_call', { type: 'collection_contact', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
          target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: vulnerable ? 'specialist' : 'standard', connected: r() < 0.3, [TIME_FIELD]: at(d, 10 + Math.floor(r() * 8)) });
      }
    }
    // Six unanswered calls to one number in a day, then a seventh attempt.
    if (i % 20 === 4) {
      const d = 70 + (i % 15);
      for (let k = 0; k < 7; k++) {
        mark(k < 6 ? 'unanswered_call' : 'seventh_call_same_day', { type: 'collection_contact', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call',
          target_type: 'debtor', target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(d, 9 + k) });
      }
    }
    // A call in quiet hours without consent.
    if (i % 20 === 8) {
      mark('quiet_hours_call', { type: 'collection_contact', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(75 + (i % 10), 22, 30) });
    }
    // A vulnerable customer routed to the standard queue.
    if (vulnerable) {
      mark('vulnerable_standard_queue', { type: 'collection_contact', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(80, 11) });
    }
    // An unrelated third party contacted about the debt.
    if (i % 25 === 3) {
      mark('unrelated_third_party', { type: 'collection_contact', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'unrelated_third_party',
        target_phone_hash: `ph-x${i}`, target_person_id: `x${i}`, contact_purpose: 'collect', disclosed_debt_info: true, agent_queue: 'standard', [TIME_FIELD]: at(82, 15) });
    }
    // Hardship: two missed instalments in 90 days, then the daily account sweep.
    if (i % 9 === 0) {
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, [TIME_FIELD]: at(30, 9) });
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, [TIME_FIELD]: at(60, 9) });
      mark('hardship_sweep', { type: 'account_review', customer_id: id, account_id: acct, [TIME_FIELD]: at(62, 6) });
    }
    // Complaints: received, sometimes acknowledged late, reviewed by the daily sweep.
    if (i % 6 === 0) {
      const received = at(40 + (i % 40), 10);
      const ackLate = i % 18 === 0;
      const acknowledged = ackLate ? undefined : received + 20 * HOUR;
      mark('complaint', { type: 'complaint_received', customer_id: id, account_id: acct, complaint_id: `cp-${i}`, received_at: received, category: 'fees', [TIME_FIELD]: received });
      for (let d = 1; d <= 20; d += 1) {
        const sweep = received + d * DAY - 4 * HOUR;
        if (sweep > DEMO_END) break;
        mark(ackLate ? 'complaint_without_response' : d > 15 ? 'complaint_past_15_days' : 'complaint_review', {
          type: 'complaint_review', customer_id: id, account_id: acct, complaint_id: `cp-${i}`, received_at: received,
          ...(acknowledged !== undefined && acknowledged <= sweep ? { acknowledged_at: acknowledged } : {}), category: 'fees', [TIME_FIELD]: sweep,
        });
      }
    }
  }
  events.sort((a, b) => (a[TIME_FIELD] as number) - (b[TIME_FIELD] as number));
  db.transaction(() => {
    if (m.entities.has('customer')) insert(db, m.entities.get('customer')!, entityTable('customer'), customers, true);
    if (m.entities.has('account')) insert(db, m.entities.get('account')!, entityTable('account'), accounts, true);
    insert(db, m.event, EVENTS, events, false);
  })();
  return { customers: n, events: events.length, byScenario };
}
