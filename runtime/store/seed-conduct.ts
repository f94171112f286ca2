// Consumer-protection scenarios for the demo database, for the packs in
// rules/conduct: collection contacts (quiet hours, unanswered attempts per
// number per day, vulnerable customers, third parties), complaints (first
// response and handling limits) and hardship (missed instalments, salary
// credits that fall). Rows follow whatever schema the conduct packs declare: a field a
// schema does not have is simply not stored. Ordinary calls are made in the
// daytime from an approved script, so each gate's hits are its own scenario.
import { TIME_FIELD } from '../../compiler/check/context.ts';
import type { Schema } from '../../compiler/ir.ts';
import { DEMO_END, rng } from './seed.ts';
import { DAY, HOUR, RowWriter, mergeSchemas, type Row } from './seed-rows.ts';
import { KEY } from './sql.ts';
import { migrate, type DB } from './schema.ts';

/** Calls follow an approved script unless the scenario is about the script. */
const APPROVED_SCRIPT = 'COL-CALL-003';

export interface ConductReport { customers: number; events: number; byScenario: Record<string, number> }

export function seedConduct(db: DB, schemas: readonly Schema[], opts: { customers?: number; seed?: number } = {}): ConductReport {
  for (const s of schemas) migrate(db, s);
  const m = mergeSchemas(schemas);
  const r = rng(opts.seed ?? 7);
  const n = opts.customers ?? 600;
  const start = DEMO_END - 90 * DAY;
  const customers: Row[] = [];
  const accounts: Row[] = [];
  const events: Row[] = [];
  const byScenario: Record<string, number> = {};
  const mark = (s: string, e: Row) => { byScenario[s] = (byScenario[s] ?? 0) + 1; events.push(e); };
  // DEMO_END, and so start, is local midnight: hours count from there in Asia/Shanghai time.
  const at = (day: number, hour: number, minute = 0) => start + day * DAY + hour * HOUR + minute * 60_000;

  for (let i = 0; i < n; i++) {
    const id = `k${i}`;
    const vulnerable = i % 15 === 0;
    customers.push({
      [KEY]: id, age_years: 20 + Math.floor(r() * 60), jurisdiction: i % 10 === 0 ? 'US' : 'CN',
      vulnerability_flags: vulnerable ? ['bereaved'] : [], hardship_status: i % 12 === 0 ? 'declared' : 'none',
      consent_night_contact: false,
    });
    if (i % 9 !== 0) r(); // the draw that gave the precomputed income change: kept, so the rest of the data is unchanged
    const acct = `loan-k${i}`;
    accounts.push({ [KEY]: acct, in_payment_plan: false, days_past_due: i % 4 === 0 ? 30 + Math.floor(r() * 60) : 0, opened_at: start - 200 * DAY });
    const phone = `ph-k${i}`;
    // Ordinary collection calls on overdue accounts, answered now and then.
    if (i % 4 === 0) {
      for (let d = 60; d < 90; d += 1 + Math.floor(r() * 4)) {
        mark('collection_call', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
          target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: vulnerable ? 'specialist' : 'standard', connected: r() < 0.3, [TIME_FIELD]: at(d, 10 + Math.floor(r() * 8)) });
      }
    }
    // Six unanswered calls to one number in a day, then a seventh attempt.
    if (i % 20 === 4) {
      const d = 70 + (i % 15);
      for (let k = 0; k < 7; k++) {
        mark(k < 6 ? 'unanswered_call' : 'seventh_call_same_day', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call',
          target_type: 'debtor', target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(d, 9 + k) });
      }
    }
    // A call in quiet hours without consent.
    if (i % 20 === 8) {
      mark('quiet_hours_call', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(75 + (i % 10), 22, 30) });
    }
    // A vulnerable customer routed to the standard queue.
    if (vulnerable) {
      mark('vulnerable_standard_queue', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, [TIME_FIELD]: at(80, 11) });
    }
    // A call read from a script compliance never approved.
    if (i % 30 === 7) {
      mark('unapproved_script', { type: 'collection_contact', script_id: 'COL-CALL-OLD-1', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call',
        target_type: 'debtor', target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: true, [TIME_FIELD]: at(78 + (i % 7), 14) });
    }
    // An unrelated third party contacted about the debt.
    if (i % 25 === 3) {
      mark('unrelated_third_party', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'unrelated_third_party',
        target_phone_hash: `ph-x${i}`, target_person_id: `x${i}`, contact_purpose: 'collect', disclosed_debt_info: true, agent_queue: 'standard', [TIME_FIELD]: at(82, 15) });
    }
    // Hardship: two missed instalments in 90 days, then the daily account sweep.
    if (i % 9 === 0) {
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, [TIME_FIELD]: at(30, 9) });
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, [TIME_FIELD]: at(60, 9) });
      mark('hardship_sweep', { type: 'account_review', customer_id: id, account_id: acct, [TIME_FIELD]: at(62, 6) });
      // Salary on the 10th of every month from June 2025; for every other one, 35% less from January 2026.
      const salary = (8_000 + (i * 37) % 120 * 100) * 100;
      for (let month = 5; month <= 13; month++) {
        const cut = i % 18 === 0 && month >= 12;
        mark('salary_credit', { type: 'salary_credit', customer_id: id, amount: cut ? Math.round(salary * 0.65) : salary, [TIME_FIELD]: Date.UTC(2025, month, 10, 1) });
      }
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
  const out = new RowWriter(db, m);
  db.transaction(() => {
    out.entities('customer', customers);
    out.entities('account', accounts);
    out.events(events);
  })();
  return { customers: n, events: events.length, byScenario };
}
