// The 100-rule pack the backtest benchmark replays (bench/backtest.ts). It
// is generated, not written by hand: the point is size and a realistic mix,
// over the store3 schema so that it runs on the store benchmark's database.
//
// 14 velocity windows (rolling and calendar; count, sum, avg, max, distinct,
// time since last; keyed by customer, device and payee; most filtered by
// type), each read by several rules with different thresholds; 47 rules read
// a window and 53 read only the event and the profile. Rules are guarded by
// the event type first, as analysts write them, so a decision evaluates the
// windows its event type can need, not all fourteen.
import type { SourceFile } from '../compiler/index.ts';

const HEADER = `pack backtest100 version "1.0.0"
outcomes block > hold > review > allow
measured by fraud, chargeback
threshold review at 40
threshold hold at 80

event "A customer's event at the decision API" {
  type: enum(login, login_failed, payee_add, transfer_out, drawdown) required "What happened"
  customer_id: string required "The customer"
  device_id: string "The device the event came from"
  payee_id: string "The payee of a transfer"
  channel: enum(app, web) "Where the event came in"
  amount: money "Amount in fen"
}

entity customer by customer_id "The customer's profile" {
  age_years: integer "Age in whole years"
  daily_transfer_limit: money "Daily online transfer limit"
  risk_tier: enum(low, medium, high) "Risk tier from onboarding"
  kyc_level: enum(basic, enhanced, full) "Identity verification level"
  opened_at: timestamp "When the account was opened"
}
`;

/** The windows: [expression, the event types whose rules read it, thresholds]. */
const WINDOWS: readonly (readonly [string, readonly string[], readonly string[]])[] = [
  ['count(by customer_id, last 1h)', ['login', 'transfer_out'], ['8', '12', '20']],
  ['count(by customer_id, last 24h)', ['login', 'drawdown'], ['20', '30', '45']],
  ['count(by customer_id, last 10m, where type == "login_failed")', ['login'], ['2', '3', '5']],
  ['sum(amount, by customer_id, today, where type == "transfer_out")', ['transfer_out'], ['¥5,000', '¥20,000', '¥50,000', '¥100,000']],
  ['sum(amount, by customer_id, last 7d, where type == "drawdown")', ['drawdown'], ['¥50,000', '¥100,000', '¥200,000']],
  ['distinct(customer_id, by device_id, last 30d)', ['login', 'payee_add'], ['3', '4', '6']],
  ['distinct(device_id, by customer_id, last 7d)', ['login', 'transfer_out'], ['3', '4', '5']],
  ['distinct(payee_id, by customer_id, last 24h, where type == "transfer_out")', ['transfer_out'], ['3', '4', '6']],
  ['count(by payee_id, last 24h, where type == "transfer_out")', ['transfer_out'], ['3', '5', '8']],
  ['max(amount, by customer_id, last 30d, where type == "transfer_out")', ['transfer_out'], ['¥20,000', '¥80,000']],
  ['avg(amount, by customer_id, last 30d, where type == "transfer_out")', ['transfer_out'], ['¥10,000', '¥30,000']],
  ['time_since_last(by customer_id, last 1d, where type == "payee_add")', ['transfer_out'], ['2m', '5m', '10m']],
  ['count(by device_id, last 1h, where type == "login_failed")', ['login', 'login_failed'], ['3', '5', '8']],
  ['sum(amount, by payee_id, last 24h, where type == "transfer_out")', ['transfer_out'], ['¥30,000', '¥100,000', '¥300,000']],
];

const OUTCOMES = ['then review', 'then hold', 'then block', 'score +20', 'score +40'];

/** The pack's source files. */
export function backtestPack(): SourceFile[] {
  const rules: string[] = [];
  let n = 0;
  const rule = (title: string, when: string) => {
    const id = `R${String(++n).padStart(3, '0')}`;
    rules.push(`rule ${id} "${title}"\n  when ${when}\n  ${OUTCOMES[n % OUTCOMES.length]}\n  reason ${id}\n`);
  };
  // Window rules: every threshold of every window, and a few window pairs.
  for (const [expr, types, limits] of WINDOWS) {
    const type = types.length === 1 ? `event.type == "${types[0]}"` : `event.type in [${types.map((t) => `"${t}"`).join(', ')}]`;
    const cmp = expr.startsWith('time_since_last') ? '<' : '>=';
    for (const limit of limits) rule(`${expr.split('(')[0]} ${cmp} ${limit}`, `${type} and ${expr} ${cmp} ${limit}`);
  }
  rule('Transfer well above the 30-day average', 'event.type == "transfer_out" and event.amount >= ¥5,000 and event.amount > 5 * avg(amount, by customer_id, last 30d, where type == "transfer_out")');
  rule('Transfer above the 30-day maximum', 'event.type == "transfer_out" and event.amount > max(amount, by customer_id, last 30d, where type == "transfer_out") and event.amount >= ¥10,000');
  rule('Today over the daily limit', 'event.type == "transfer_out" and sum(amount, by customer_id, today, where type == "transfer_out") + event.amount > customer.daily_transfer_limit');
  rule('Busy shared device, new payee', 'event.type == "payee_add" and distinct(customer_id, by device_id, last 30d) >= 3 and count(by customer_id, last 1h) >= 3');
  rule('Drawdown after failed logins', 'event.type == "drawdown" and count(by customer_id, last 10m, where type == "login_failed") >= 1');
  rule('Burst of payees and transfers', 'event.type == "transfer_out" and distinct(payee_id, by customer_id, last 24h, where type == "transfer_out") >= 2 and count(by customer_id, last 1h) >= 5');
  // Event and profile rules.
  const amounts = ['¥1,000', '¥5,000', '¥10,000', '¥20,000', '¥50,000', '¥100,000', '¥200,000'];
  for (const a of amounts) {
    rule(`Transfer of ${a} or more on the web`, `event.type == "transfer_out" and event.channel == "web" and event.amount >= ${a}`);
    rule(`Drawdown of ${a} or more, basic KYC`, `event.type == "drawdown" and customer.kyc_level == "basic" and event.amount >= ${a}`);
    rule(`Transfer of ${a} or more, high risk`, `event.type == "transfer_out" and customer.risk_tier == "high" and event.amount >= ${a}`);
    rule(`Transfer of ${a} or more, elderly`, `event.type == "transfer_out" and customer.age_years >= 65 and event.amount >= ${a}`);
  }
  for (const d of ['7d', '30d', '60d', '90d']) {
    rule(`New account (${d}) moves money`, `event.type in ["transfer_out", "drawdown"] and age(customer.opened_at) < ${d} and event.amount >= ¥2,000`);
    rule(`New account (${d}) on the web`, `event.type == "payee_add" and event.channel == "web" and age(customer.opened_at) < ${d}`);
  }
  for (const [lo, hi] of [[18, 20], [70, 80], [80, 120]] as const) {
    rule(`Age ${lo}–${hi} drawdown`, `event.type == "drawdown" and event.amount >= ¥20,000 and customer.age_years between ${lo} and ${hi - 1}`);
    rule(`Age ${lo}–${hi} new payee on the web`, `event.type == "payee_add" and event.channel == "web" and customer.age_years between ${lo} and ${hi - 1}`);
  }
  for (const tier of ['low', 'medium', 'high']) {
    for (const kyc of ['basic', 'enhanced']) rule(`${tier} risk, ${kyc} KYC, web`, `event.channel == "web" and customer.risk_tier == "${tier}" and customer.kyc_level == "${kyc}" and event.amount >= ¥20,000`);
  }
  rule('No profile', 'event.type in ["transfer_out", "drawdown"] and customer.opened_at is missing');
  rule('No risk tier', 'event.type == "transfer_out" and customer.risk_tier is missing and event.amount >= ¥1,000');
  rule('Failed login on the web', 'event.type == "login_failed" and event.channel == "web"');
  rule('Payee added on the web, high risk', 'event.type == "payee_add" and event.channel == "web" and customer.risk_tier == "high"');
  rule('Limit missing, large transfer', 'event.type == "transfer_out" and customer.daily_transfer_limit is missing and event.amount >= ¥5,000');
  if (n !== 100) throw new Error(`the generated pack has ${n} rules, not 100`);
  return [{ path: 'bench/backtest100/pack.zy', text: HEADER }, { path: 'bench/backtest100/rules.zy', text: rules.join('\n') }];
}

/** A baseline that differs: every whole-number window threshold one higher, and hold at 60 points instead of 80. */
export function backtestBaseline(): SourceFile[] {
  return backtestPack().map((f) => ({ ...f, text: f.text.replace(/ >= (\d+)\n/g, (_m, k: string) => ` >= ${Number(k) + 1}\n`).replace('threshold hold at 80', 'threshold hold at 60') }));
}
