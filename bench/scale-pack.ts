// A seeded generator of large rule packs, written as zhiyu source, and of the
// events to decide against them: how cost grows from 100 to 10,000 rules.
//
// The packs are shaped like the rule books of a lender's fraud and conduct
// teams when they grow: nearly every rule starts by testing the event type
// with `==` (some with `in`), most then narrow to one product, merchant
// category, region or channel with `==`, and the rest of the condition is
// thresholds, lists (`in` with 10–50 members, pack lists), `between`,
// prefixes, ratios to the customer's profile, ages of timestamps, shared
// predicates, `or` groups and `not`. A few rules test a category without the
// type, and a few test no category at all (global rules: black lists,
// velocity). A larger pack is written over more products and merchant
// categories, as a larger rule book covers more of the business.
//
// Deterministic (sfc32 from events.ts); Math.random is never used.
import { MAX_FILE_CHARS } from '../compiler/limits.ts';
import type { FeatureProvider } from '../runtime/provider.ts';
import { prng } from './events.ts';
import { Gen } from './gen.ts';

export const SCALE_TYPES = ['transfer_out', 'drawdown', 'payment', 'login', 'application', 'repayment', 'payee_add',
  'bankcard_bind', 'password_reset', 'phone_change', 'limit_increase', 'refund'] as const;
/** Traffic mix of the event generator (also how often rules are written for each type). */
const TYPE_WEIGHTS = [22, 14, 20, 16, 6, 6, 4, 3, 3, 2, 2, 2];
const CHANNELS = ['app', 'web', 'counter', 'atm', 'api'] as const;
const AUTH = ['sms_otp', 'face', 'password', 'cert'] as const;
const SEGMENTS = ['new', 'regular', 'vip', 'staff', 'student'] as const;
const KYC = ['basic', 'enhanced', 'full'] as const;
/** Sizes of the category pools: products and merchant categories grow with the pack. */
const REGIONS = 34;
const COUNTRIES = ['CN', 'HK', 'MO', 'TW', 'JP', 'KR', 'SG', 'US', 'GB', 'DE', 'AU', 'MY', 'TH', 'VN', 'PH', 'KH', 'MM', 'LA', 'NG', 'GH'];
const HIGH_RISK = ['KP', 'IR', 'SY', 'CU', 'MM', 'KH', 'LA', 'PH', 'VN', 'NG', 'GH', 'AF', 'YE', 'SO', 'VE', 'HT'];
const PHONE_PREFIXES = ['138', '139', '135', '150', '186', '188', '133', '177', '199', '170', '171', '162', '165', '167'];
const EMAIL_DOMAINS = ['qq.com', '163.com', 'gmail.com', 'sina.com', 'outlook.com', 'mailinator.com', 'yopmail.com', 'tempmail.com'];
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2026-03-01T00:00 Asia/Shanghai. */
const START = Date.UTC(2026, 1, 28, 16, 0, 0);

const product = (i: number) => `PR${String(i).padStart(4, '0')}`;
const mcc = (i: number) => String(4000 + i * 7);
const region = (i: number) => `R${String(i).padStart(2, '0')}`;

/** How many products and merchant categories a pack of `rules` rules is written over. */
function pools(rules: number): { products: number; mccs: number } {
  return { products: Math.max(20, Math.round(rules / 12)), mccs: Math.max(30, Math.round(rules / 20)) };
}

const yuan = (n: number) => `¥${n.toLocaleString('en-US')}`;
const q = (s: string) => JSON.stringify(s);

const HEADER = (name: string) => `# A generated pack (bench/scale-pack.ts): do not edit.
pack ${name} version "1.0.0"
outcomes block > hold > review > allow
threshold review at 40
threshold hold at 80

event "A customer's event at the decision API" {
  type: enum(${SCALE_TYPES.join(', ')}) required
  customer_id: string
  device_id: string
  channel: enum(${CHANNELS.join(', ')})
  product: string "Product code"
  merchant_category: string "Merchant category code"
  region: string "Province of the branch or the IP"
  ip_country: string
  amount: money
  auth_method: enum(${AUTH.join(', ')})
  payee_is_new: bool
  is_vpn: bool
  is_emulator: bool
  in_call: bool
  phone: string
  email_domain: string
  txn_count_1h: integer
  txn_count_24h: integer
  failed_logins_1h: integer
  risk_score: number
  device_first_seen_at: timestamp
  password_changed_at: timestamp
}

entity customer by customer_id {
  age_years: integer
  monthly_income: money
  credit_limit: money
  account_age_days: integer
  segment: enum(${SEGMENTS.join(', ')})
  kyc_level: enum(${KYC.join(', ')})
  days_past_due: integer
}

list high_risk_countries: string = [${HIGH_RISK.map(q).join(', ')}]
list device_blacklist: string = [${Array.from({ length: 40 }, (_, i) => q(`D-9${String(i * 37).padStart(5, '0')}`)).join(', ')}]
list disposable_domains: string = [${['mailinator.com', 'yopmail.com', 'tempmail.com', 'guerrillamail.com', 'trashmail.com', '10minutemail.com'].map(q).join(', ')}]

predicate moving_money = event.type in ["transfer_out", "drawdown", "payment"]
predicate new_device = age(event.device_first_seen_at) < 24h
predicate large_amount = event.amount >= ¥10,000
predicate night = hour(event.occurred_at) < 6
predicate weak_auth = event.auth_method in ["sms_otp", "password"]
predicate risky_ip = event.is_vpn or event.ip_country in high_risk_countries
`;

/** One condition of a rule's tail: thresholds, lists, ratios… (`type` tells which fields make sense). */
function tailCondition(g: Gen, type: string | undefined): string {
  const money = type === undefined || ['transfer_out', 'drawdown', 'payment', 'repayment', 'refund', 'limit_increase'].includes(type);
  const options: (() => string)[] = [
    () => `event.txn_count_24h >= ${g.int(3, 20)}`,
    () => `event.risk_score > ${(0.5 + g.int(0, 45) / 100).toFixed(2)}`,
    () => `event.ip_country in high_risk_countries`,
    () => `event.ip_country not in ["CN", "HK", "MO"]`,
    () => `new_device`,
    () => `risky_ip`,
    () => `weak_auth`,
    () => `night`,
    () => `customer.age_years ${g.chance(0.5) ? `< ${g.int(18, 23)}` : `>= ${g.int(60, 75)}`}`,
    () => `customer.segment == ${q(g.pick(SEGMENTS))}`,
    () => `customer.kyc_level != "full"`,
    () => `customer.account_age_days < ${g.int(3, 60)}`,
    () => `customer.days_past_due > ${g.pick([0, 30, 60, 90])}`,
    () => `event.is_emulator`,
    () => `not event.payee_is_new and event.txn_count_1h >= ${g.int(3, 10)}`,
    () => `event.failed_logins_1h >= ${g.int(2, 8)}`,
    () => `age(event.password_changed_at) < ${g.int(1, 72)}h`,
    () => `starts_with(event.phone, ${q(g.pick(PHONE_PREFIXES.slice(9)))})`,
    () => `event.email_domain in disposable_domains`,
    () => `event.merchant_category in [${g.sample(400, g.int(10, 50), mcc).map(q).join(', ')}]`,
    () => `(event.in_call or event.is_vpn)`,
  ];
  if (money) {
    options.push(
      () => `event.amount >= ${yuan(g.pick([500, 1000, 2000, 5000, 10_000, 20_000, 50_000]))}`,
      () => `event.amount between ${yuan(g.pick([100, 1000, 3000]))} and ${yuan(g.pick([5000, 20_000, 80_000]))}`,
      () => `event.amount / customer.monthly_income > ${g.pick(['0.3', '0.5', '1', '2'])}`,
      () => `event.amount > customer.credit_limit * ${g.pick(['0.5', '0.8', '0.9'])}`,
      () => `large_amount`,
      () => `(event.payee_is_new and event.amount >= ${yuan(g.pick([2000, 5000, 10_000]))})`,
      () => `not (event.auth_method in ["face", "cert"]) and event.amount >= ${yuan(g.pick([5000, 20_000]))}`,
    );
  }
  return g.pick(options)();
}

function rule(g: Gen, i: number, n: { products: number; mccs: number }): string {
  const head: string[] = [];
  let type: string | undefined;
  const shape = g.u();
  if (shape < 0.88) {
    type = SCALE_TYPES[g.weightedIndex(TYPE_WEIGHTS)]!;
    head.push(`event.type == ${q(type)}`);
  } else if (shape < 0.93) {
    const a = SCALE_TYPES[g.weightedIndex(TYPE_WEIGHTS)]!;
    let b = SCALE_TYPES[g.weightedIndex(TYPE_WEIGHTS)]!;
    if (b === a) b = SCALE_TYPES[(SCALE_TYPES.indexOf(a) + 1) % SCALE_TYPES.length]!;
    head.push(`event.type in [${q(a)}, ${q(b)}]`);
  } else if (shape < 0.99) {
    // A category without the type.
  } else {
    // A global rule: no category at all.
    const c = g.int(0, 2);
    head.push(c === 0 ? 'event.device_id in device_blacklist' : c === 1 ? `event.txn_count_1h >= ${g.int(15, 40)}` : `event.risk_score > 0.9${g.int(5, 9)}`);
    return finish(g, i, [...head, tailCondition(g, undefined)]);
  }
  // Narrow to one category with ==, as most rules do; a few typed rules do not.
  const c = g.u();
  if (c < 0.4) head.push(`event.product == ${q(product(g.int(0, n.products - 1)))}`);
  else if (c < 0.7) head.push(`event.merchant_category == ${q(mcc(g.int(0, n.mccs - 1)))}`);
  else if (c < 0.84) head.push(`event.region == ${q(region(g.int(0, REGIONS - 1)))}`);
  else if (c < 0.94 || type === undefined) head.push(`event.channel == ${q(g.pick(CHANNELS))}`);
  const tail = Array.from({ length: g.int(2, 3) }, () => tailCondition(g, type));
  // Some rules are written with the category test after the thresholds.
  const parts = g.chance(0.15) ? [...tail, ...head] : [...head, ...tail];
  return finish(g, i, parts);
}

function finish(g: Gen, i: number, parts: readonly string[]): string {
  const id = `R${String(i).padStart(5, '0')}`;
  const action = g.chance(0.45) ? `score +${g.pick([5, 10, 15, 20, 30, 40])}` : `then ${g.pick(['review', 'review', 'hold', 'block'])}`;
  return `rule ${id}\n  when ${parts.join('\n   and ')}\n  ${action}\n  reason ${id}\n`;
}

/** The source text of a generated pack of `rules` rules. */
export function scalePackSource(rules: number, seed = 20260301): string {
  const g = new Gen(prng(seed ^ 0x5ca1e));
  const n = pools(rules);
  const out = [HEADER(`scale${rules}`)];
  for (let i = 0; i < rules; i++) out.push(rule(g, i, n));
  return out.join('\n');
}

/**
 * The same pack as files the compiler accepts (compiler/limits.ts: at most
 * MAX_FILE_CHARS each), cut between rules; the first holds the header.
 */
export function scalePackFiles(rules: number, seed = 20260301): { path: string; text: string }[] {
  const parts = scalePackSource(rules, seed).split(/\n(?=rule )/);
  const files: { path: string; text: string }[] = [];
  let text = '';
  for (const p of parts) {
    if (text && text.length + p.length + 1 > MAX_FILE_CHARS) { files.push({ path: `scale${rules}/part${files.length + 1}.zy`, text }); text = ''; }
    text += `${p}\n`;
  }
  files.push({ path: `scale${rules}/part${files.length + 1}.zy`, text });
  return files;
}

export type Row = Record<string, unknown>;

/**
 * Events for a pack of `rules` rules (over the same category pools), parsed
 * from JSON with one key order per event type, and the customer rows.
 */
export function scaleEvents(rules: number, count: number, seed = 20260301): { events: Row[]; customers: Map<string, Row> } {
  const g = new Gen(prng(seed ^ 0xe7e7));
  const n = pools(rules);
  const customers = new Map<string, Row>();
  for (let i = 0; i < 2000; i++) {
    customers.set(`C${100000 + i}`, JSON.parse(JSON.stringify({
      age_years: g.chance(0.04) ? g.int(16, 21) : g.chance(0.12) ? g.int(60, 85) : g.int(22, 59),
      monthly_income: g.chance(0.05) ? null : g.int(2000, 60_000) * 100,
      credit_limit: g.int(1000, 200_000) * 100,
      account_age_days: g.chance(0.05) ? g.int(0, 30) : g.int(31, 3000),
      segment: g.pick(SEGMENTS),
      kyc_level: g.chance(0.85) ? 'full' : g.pick(KYC),
      days_past_due: g.chance(0.85) ? 0 : g.int(1, 200),
    })) as Row);
  }
  const ids = [...customers.keys()];
  const events: Row[] = [];
  for (let k = 0; k < count; k++) {
    const type = SCALE_TYPES[g.weightedIndex(TYPE_WEIGHTS)]!;
    const now = START + g.int(0, 29) * DAY + g.int(0, DAY - 1);
    const money = ['transfer_out', 'drawdown', 'payment', 'repayment', 'refund', 'limit_increase'].includes(type);
    const opt = <T>(v: T, p = 0.05): T | null => (g.chance(p) ? null : v);
    const e: Row = {
      type,
      occurred_at: now,
      customer_id: g.chance(0.03) ? null : g.pick(ids),
      device_id: opt(g.chance(0.01) ? `D-9${String(g.int(0, 39) * 37).padStart(5, '0')}` : `D-${g.int(1_000_000, 9_999_999)}`),
      channel: opt(g.pick(CHANNELS), 0.02),
      product: opt(product(g.int(0, n.products - 1))),
      merchant_category: opt(mcc(g.int(0, n.mccs - 1)), 0.1),
      region: opt(region(g.int(0, REGIONS - 1))),
      ip_country: opt(g.chance(0.85) ? 'CN' : g.pick(COUNTRIES)),
      amount: money ? opt(g.chance(0.2) ? g.int(1, 100) * 100_000 : g.int(100, 8_000_000), 0.02) : null,
      auth_method: opt(g.pick(AUTH)),
      payee_is_new: opt(g.chance(0.25), 0.1),
      is_vpn: opt(g.chance(0.06), 0.1),
      is_emulator: opt(g.chance(0.02), 0.1),
      in_call: opt(g.chance(0.05), 0.2),
      phone: type === 'application' ? opt(g.pick(PHONE_PREFIXES) + String(g.int(10_000_000, 99_999_999))) : null,
      email_domain: type === 'application' ? opt(g.pick(EMAIL_DOMAINS)) : null,
      txn_count_1h: opt(g.chance(0.97) ? g.int(0, 5) : g.int(6, 60)),
      txn_count_24h: opt(g.chance(0.9) ? g.int(0, 6) : g.int(7, 40)),
      failed_logins_1h: type === 'login' ? opt(g.chance(0.9) ? g.int(0, 1) : g.int(2, 12)) : null,
      risk_score: opt(Math.round(g.u() ** 3 * 1000) / 1000),
      device_first_seen_at: opt(now - (g.chance(0.08) ? g.int(1, 24 * 60) * MIN : g.int(2, 900) * DAY)),
      password_changed_at: opt(now - (g.chance(0.05) ? g.int(1, 72 * 60) * MIN : g.int(4, 700) * DAY), 0.1),
    };
    events.push(JSON.parse(JSON.stringify(e)) as Row);
  }
  return { events, customers };
}

/**
 * A sample of earlier traffic for a pack of `rules` rules (another seed than
 * the events decided): what a deployment would replay from its decision log
 * to guide the dispatch plan (`DispatchOptions.traffic`).
 */
export function scaleTraffic(rules: number, seed = 20260301): Row[] {
  return scaleEvents(rules, 2000, seed + 1).events;
}

/** The features these packs read: customer rows only (no aggregates, no external lists). */
export const scaleProvider = (customers: ReadonlyMap<string, Row>): FeatureProvider => ({
  entity: (name, key) => (name === 'customer' ? customers.get(key as string) : undefined),
  aggregate: () => { throw new Error('no aggregates in these packs'); },
  listHas: () => { throw new Error('no external lists in these packs'); },
});
