// Consumer-protection scenarios for the demo timeline, for the packs in
// rules/conduct: collection contacts (quiet hours, unanswered attempts per
// number per day, vulnerable customers, third parties), complaints (first
// response and handling limits) and hardship (missed instalments, salary
// credits that fall). Profiles change over the window: an account falls into arrears,
// a customer declares hardship or is bereaved. Ordinary calls are made in
// the daytime from an approved script, so each gate's hits are its own
// scenario.
//
// Labels are what QA and complaint handling found later: a breach in a
// collection contact QA listened to (qa_breach; most breaches, a sample of
// ordinary calls, and a few breaches no gate can see, like an abusive tone),
// complaints the lender upheld (complaint_upheld), and hardship the customer
// confirmed when called (hardship_confirmed).
import { DAY, DEMO_END, HOUR, Profiles, rng, type LabelSpec, type Row, type Timeline } from './rows.ts';

/** Calls follow an approved script unless the scenario is about the script. */
const APPROVED_SCRIPT = 'COL-CALL-003';
const YEAR = 365.2425 * DAY;

export interface ConductReport { customers: number; events: number; byScenario: Record<string, number>; labels: Record<string, number> }

interface Planned { row: Row; scenario: string; labels: LabelSpec[] }

export function conductTimeline(opts: { customers?: number; seed?: number } = {}): { timeline: Omit<Timeline, 'calendar'>; report: ConductReport } {
  const r = rng(opts.seed ?? 7);
  const n = opts.customers ?? 600;
  const start = DEMO_END - 90 * DAY;
  const profiles = new Profiles();
  const events: Planned[] = [];
  const byScenario: Record<string, number> = {};
  const labels: Record<string, number> = {};
  const mark = (s: string, e: Row) => { byScenario[s] = (byScenario[s] ?? 0) + 1; const p = { row: e, scenario: s, labels: [] }; events.push(p); return p; };
  // A label found `days` (3 to 16) days later.
  const label = (p: Planned, kind: string, positive: boolean) => {
    const at = (p.row['occurred_at'] as number) + (3 + Math.floor(r() * 14)) * DAY;
    p.labels.push({ kind, positive, at, note: p.scenario });
    const key = `${kind}${positive ? '' : ' (negative)'}`;
    labels[key] = (labels[key] ?? 0) + 1;
  };
  // QA listens to every scenario breach it hears about, most of the time, and to a tenth of ordinary calls.
  const qa = (p: Planned, breach: boolean) => {
    if (breach ? r() < 0.85 : r() < 0.1) label(p, 'qa_breach', breach || r() < 0.05);
  };
  // DEMO_END, and so start, is local midnight: hours count from there in Asia/Shanghai time.
  const at = (day: number, hour: number, minute = 0) => start + day * DAY + hour * HOUR + minute * 60_000;

  for (let i = 0; i < n; i++) {
    const id = `k${i}`;
    const vulnerable = i % 15 === 0;
    const joined = start - (200 + Math.floor(r() * 2000)) * DAY;
    profiles.set('customer', id, joined, {
      birth_date: start - (20 + Math.floor(r() * 60)) * YEAR - Math.floor(r() * 360) * DAY, jurisdiction: i % 10 === 0 ? 'US' : 'CN',
      vulnerability_flags: [], hardship_status: 'none', consent_night_contact: false,
    });
    // Bereaved during the window: from then on only the specialist queue may call.
    if (vulnerable) profiles.set('customer', id, at(40 + (i % 20), 9), { vulnerability_flags: ['bereaved'] });
    const acct = `loan-k${i}`;
    profiles.set('account', acct, start - 200 * DAY, { in_payment_plan: false, opened_at: start - 200 * DAY });
    // Overdue accounts: an instalment fell due and stayed unpaid, some weeks before collections start on day 60.
    if (i % 4 === 0) {
      const due = at(60 - 30 - Math.floor(r() * 60), 0);
      profiles.set('account', acct, due, { past_due_since: due });
    }
    const phone = `ph-k${i}`;
    // Ordinary collection calls on overdue accounts, answered now and then.
    if (i % 4 === 0) {
      for (let d = 60; d < 90; d += 1 + Math.floor(r() * 4)) {
        const t = at(d, 10 + Math.floor(r() * 8));
        const specialist = vulnerable && t >= at(40 + (i % 20), 9);
        qa(mark('collection_call', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
          target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: specialist ? 'specialist' : 'standard', connected: r() < 0.3, occurred_at: t }), false);
      }
    }
    // Six unanswered calls to one number in a day, then a seventh attempt.
    if (i % 20 === 4) {
      const d = 70 + (i % 15);
      for (let k = 0; k < 7; k++) {
        qa(mark(k < 6 ? 'unanswered_call' : 'seventh_call_same_day', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call',
          target_type: 'debtor', target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, occurred_at: at(d, 9 + k) }), k === 6);
      }
    }
    // A call in quiet hours without consent.
    if (i % 20 === 8) {
      qa(mark('quiet_hours_call', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, occurred_at: at(75 + (i % 10), 22, 30) }), true);
    }
    // A vulnerable customer routed to the standard queue (after the flag was recorded).
    if (vulnerable) {
      qa(mark('vulnerable_standard_queue', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'debtor',
        target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: false, occurred_at: at(80, 11) }), true);
    }
    // A call read from a script compliance never approved.
    if (i % 30 === 7) {
      qa(mark('unapproved_script', { type: 'collection_contact', script_id: 'COL-CALL-OLD-1', customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call',
        target_type: 'debtor', target_phone_hash: phone, target_person_id: `person-${i}`, agent_queue: 'standard', connected: true, occurred_at: at(78 + (i % 7), 14) }), true);
    }
    // An unrelated third party contacted about the debt.
    if (i % 25 === 3) {
      qa(mark('unrelated_third_party', { type: 'collection_contact', script_id: APPROVED_SCRIPT, customer_id: id, account_id: acct, debt_id: `debt-${i}`, channel: 'call', target_type: 'unrelated_third_party',
        target_phone_hash: `ph-x${i}`, target_person_id: `x${i}`, contact_purpose: 'collect', disclosed_debt_info: true, agent_queue: 'standard', occurred_at: at(82, 15) }), true);
    }
    // Hardship: two missed instalments in 90 days, then the daily account sweep.
    if (i % 9 === 0) {
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, occurred_at: at(30, 9) });
      // The account is in arrears from the first miss; the customer tells customer care the next day.
      if (i % 4 !== 0) profiles.set('account', acct, at(30, 0), { past_due_since: at(30, 0) });
      if (i % 2 === 0) profiles.set('customer', id, at(31, 10), { hardship_status: 'declared' });
      mark('missed_instalment', { type: 'instalment_missed', customer_id: id, account_id: acct, amount: 150000, occurred_at: at(60, 9) });
      // Salary on the 10th of every month from June 2025; for every other one, 35% less from January 2026,
      // so the sweep on 1 February sees January's pay down on the six months before (calendar months).
      const salary = (8_000 + (i * 37) % 120 * 100) * 100;
      for (let month = 5; month <= 13; month++) {
        const cut = i % 18 === 0 && month >= 12;
        mark('salary_credit', { type: 'salary_credit', customer_id: id, amount: cut ? Math.round(salary * 0.65) : salary, occurred_at: Date.UTC(2025, month, 10, 1) });
      }
      const sweep = mark('hardship_sweep', { type: 'account_review', customer_id: id, account_id: acct, occurred_at: at(62, 6) });
      // Customer care calls: most confirm the difficulty.
      label(sweep, 'hardship_confirmed', r() < 0.8);
    } else if (i % 9 === 4) {
      // A routine review of a customer who is fine; some are called and say so.
      const sweep = mark('account_review', { type: 'account_review', customer_id: id, account_id: acct, occurred_at: at(62, 6) });
      if (r() < 0.5) label(sweep, 'hardship_confirmed', false);
    }
    // Complaints: received, sometimes acknowledged late, reviewed by the daily sweep.
    if (i % 6 === 0) {
      const received = at(40 + (i % 40), 10);
      const ackLate = i % 18 === 0;
      const acknowledged = ackLate ? undefined : received + 20 * HOUR;
      // A complaint answered late is upheld; the others mostly not.
      const upheld = ackLate || r() < 0.1;
      mark('complaint', { type: 'complaint_received', customer_id: id, account_id: acct, complaint_id: `cp-${i}`, received_at: received, category: 'fees', occurred_at: received });
      for (let d = 1; d <= 20; d += 1) {
        const t = received + d * DAY - 4 * HOUR;
        if (t > DEMO_END) break;
        const review = mark(ackLate ? 'complaint_without_response' : d > 15 ? 'complaint_past_15_days' : 'complaint_review', {
          type: 'complaint_review', customer_id: id, account_id: acct, complaint_id: `cp-${i}`, received_at: received,
          ...(acknowledged !== undefined && acknowledged <= t ? { acknowledged_at: acknowledged } : {}), category: 'fees', occurred_at: t,
        });
        // The finding covers the days the complaint was in breach: no response after 48 hours, or past the 15-day limit.
        if (upheld && (ackLate ? d >= 2 : d > 15)) label(review, 'complaint_upheld', true);
        else if (!upheld && d === 1) label(review, 'complaint_upheld', false);
      }
    }
  }
  return {
    timeline: { events: events.map((e) => ({ row: e.row, pattern: e.scenario, labels: e.labels })), versions: profiles.versions(), lists: [], customerLabels: [] },
    report: { customers: n, events: events.length, byScenario, labels },
  };
}
