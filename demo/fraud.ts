// Demo data for the customer-event packs (rules/fraud, rules/demo): a
// population of customers with full profiles (devices, credit lines, payees,
// bureau snapshots) whose histories change over the window (new SIMs and
// phone numbers, raised limits, calls that start and end), 90 days of
// ordinary traffic, and injected scenarios for application fraud, account
// takeover, phone-scam interception and mule accounts (fraud-*.ts). Labels say
// what a fraud team would know later: most injected fraud is labelled fraud
// (some not yet), victims dispute some takeovers (chargeback), call-backs
// confirm some ordinary events and the good customers who trip a rule
// (not_fraud), so a backtest's precision and recall are both below 100%.
// Deterministic: the same seed gives the same rows.
import { FraudSeed, yuan, type Person } from './fraud-context.ts';
import { applicationScenarios } from './fraud-apply.ts';
import { takeoverScenarios } from './fraud-takeover.ts';
import { scamScenarios } from './fraud-scam.ts';
import { muleScenarios } from './fraud-mule.ts';
import { DAY, DEMO_END, HOUR, MINUTE, labelOf, type LabelSpec, type Timeline, type Verdict } from './rows.ts';

export interface FraudReport {
  customers: number;
  events: number;
  labels: Record<Verdict, number>;
  /** How many of the labels are on a whole customer rather than one event. */
  customerLabels: number;
  /** Events per scenario ("ordinary" for everyday traffic). */
  byPattern: Record<string, number>;
}

const MERCHANTS = 30;

/** One customer's everyday activity from `fromDay` to the end of the window. */
function ordinaryTraffic(s: FraudSeed, p: Person, fromDay: number, days: number): void {
  const span = days - fromDay;
  const confirm = (): Verdict[] => (s.chance(0.01) ? ['not_fraud'] : []);
  for (let i = 0, n = Math.round(span / 5) + s.int(-2, 2); i < n; i++) {
    const t = s.someTime(fromDay, days - 1, 7, 23);
    if (s.chance(0.04)) s.emit('ordinary', s.base(p, 'login_failed', t - s.int(20, 90) * 1000));
    s.emit('ordinary', s.login(p, t));
  }
  for (let i = 0, n = Math.round(span / 7) + s.int(-1, 2); i < n; i++) {
    const t = s.someTime(fromDay, days - 1, 8, 23);
    const kind = s.r();
    if (kind < 0.4) s.emit('ordinary', s.transfer(p, t, p.ownCard, yuan(100 * s.int(5, 50)), { payee_type: 'self_card' }), ...confirm());
    else if (kind < 0.65) s.emit('ordinary', s.transfer(p, t, p.family, yuan(100 * s.int(10, 40))), ...confirm());
    else {
      // Shops and utilities are paid by many customers; a few payments are disputed later.
      const merchant = `merchant-${s.int(0, MERCHANTS - 1)}`;
      s.emit('ordinary', s.transfer(p, t, merchant, yuan(s.int(30, 800)), { payee_type: 'merchant' }), ...(s.chance(0.004) ? ['chargeback' as const] : confirm()));
    }
  }
  for (let i = 0, n = s.int(0, Math.max(0, Math.round(span / 30))); i < n; i++) {
    const available = Math.round(p.creditLimit * (0.5 + s.r() * 0.5));
    s.emit('ordinary', s.drawdown(p, s.someTime(fromDay, days - 1, 9, 22), Math.round(available * (0.1 + s.r() * 0.4) / 100) * 100, available), ...confirm());
  }
  for (let d = fromDay + 3; d < days; d += 30) {
    s.emit('ordinary', s.base(p, 'repayment', s.at(d, s.int(9, 20), s.int(0, 59)), { amount: yuan(100 * s.int(8, 40)), auth_method: 'password' }));
  }
  for (let d = 10; d < days; d += 30) if (d >= fromDay) s.emit('ordinary', s.transferIn(p, s.at(d, 9, s.int(0, 30)), yuan(1_000 * s.int(6, 25))));
  if (s.chance(0.25)) {
    // Now and then a new payee: added, then paid a small amount.
    const t = s.someTime(fromDay, days - 1, 9, 21);
    const payee = s.payee(`pn-${p.id}`, t - s.int(100, 3000) * DAY, t);
    s.emit('ordinary', s.payeeAdd(p, t, payee, { auth_method: s.pick(['face', 'sms_otp']) }));
    s.emit('ordinary', s.newPayeeTransfer(p, t + s.int(5, 60) * MINUTE, payee, yuan(s.int(100, 1500)), t));
  }
  // Account changes: mostly with a face check; the rest trip ATO_WEAK_AUTH_CHANGE.
  for (const [type, p0] of [['bankcard_bind', 0.04], ['limit_increase', 0.03], ['password_reset', 0.03], ['phone_change', 0.01]] as const) {
    if (!s.chance(p0)) continue;
    const weak = s.chance(0.25);
    const card = type === 'bankcard_bind' ? { bank_card_hash: `card-${p.id}-2` } : {};
    const t = s.someTime(fromDay, days - 1, 9, 21);
    s.emit(weak ? 'good_customer_weak_auth_change' : 'ordinary',
      s.base(p, type, t, { auth_method: weak ? s.pick(['sms_otp', 'password']) : 'face', ...card }), ...(weak && s.chance(0.5) ? ['not_fraud' as const] : []));
    // The profile follows: a raised daily limit, a new number in use from today.
    if (type === 'limit_increase') s.change('customer', p.id, t, { daily_transfer_limit: p.dailyLimit * 2 });
    if (type === 'phone_change') s.change('customer', p.id, t, { phone_number_since: t });
  }
  // A new SIM card now and then (a new plan, a lost card): for 30 days the SIM is new to the device.
  if (s.chance(0.03)) s.newSim(p.device, s.someTime(fromDay, days - 1, 8, 22));
  // A phone rooted during the window.
  if (s.chance(0.004)) s.change('device', p.device, s.someTime(fromDay, days - 1, 0, 24), { is_rooted: true });
}

/**
 * The fraud population's timeline for `customers` customers (default 1,500):
 * events (time order comes later, with the other parts), profile versions,
 * list entries and customer labels.
 */
export function fraudTimeline(opts: { customers?: number; seed?: number } = {}): { timeline: Omit<Timeline, 'calendar'>; report: FraudReport } {
  const days = 90;
  const n = opts.customers ?? 1500;
  const s = new FraudSeed(opts.seed ?? 20260302, DEMO_END - days * DAY, DEMO_END);
  for (let m = 0; m < MERCHANTS; m++) s.payee(`merchant-${m}`, s.start - s.int(400, 3000) * DAY);

  for (let i = 0; i < n; i++) {
    // One in ten joins during the window: registration and application first, then the usual.
    const joins = i % 10 === 9;
    const day = joins ? s.int(2, 80) : 0;
    const t = s.at(day, s.int(8, 22), s.int(0, 59));
    const p = s.person(`f${i}`, joins ? { since: t, age: s.int(22, 55) } : {});
    if (joins) {
      s.bureauFor(p, t + 10 * MINUTE);
      s.emit('ordinary', s.registration(p, t));
      s.emit('ordinary', s.application(p, t + s.int(8, 30) * MINUTE), ...(s.chance(0.05) ? ['not_fraud' as const] : []));
      ordinaryTraffic(s, p, day + 1, days);
    } else {
      s.regulars.push(p);
      ordinaryTraffic(s, p, 0, days);
    }
  }
  const k = Math.max(3, Math.round(n / 100));
  applicationScenarios(s, k);
  takeoverScenarios(s, k);
  scamScenarios(s, k);
  muleScenarios(s, k);

  // Fraud is confirmed days later, and not all of it yet; disputes take weeks.
  const labels: Record<Verdict, number> = { fraud: 0, not_fraud: 0, chargeback: 0 };
  const events = s.events.map((e) => {
    const t = e.row['occurred_at'] as number;
    const out: LabelSpec[] = [];
    for (const label of e.labels) {
      if (label === 'fraud' && s.chance(0.08)) continue; // not confirmed yet
      const delay = label === 'fraud' ? s.int(2, 20) * DAY : label === 'chargeback' ? s.int(20, 45) * DAY : s.int(1, 4) * DAY;
      out.push(labelOf(label, t + delay + s.int(0, 23) * HOUR, e.pattern));
      labels[label]++;
    }
    return { row: e.row, pattern: e.pattern, labels: out };
  });
  for (const l of s.customerLabels) labels[l.label]++;
  return {
    timeline: {
      events, versions: s.profiles.versions(),
      lists: s.lists.map((l) => ({ ...l, source: 'demo' })),
      customerLabels: s.customerLabels.map((l) => ({ ...labelOf(l.label, l.at, l.note), customer: l.customer })),
    },
    report: { customers: s.customers, events: s.events.length, labels, customerLabels: s.customerLabels.length, byPattern: s.byPattern },
  };
}
