// A seeded generator of realistic events (and the customer rows they refer
// to) for the fraud40 pack. Deterministic: the same seed gives the same data
// on every machine; Math.random is never used.
//
// Missing values come in the three ways real inputs have them: a field left
// out of the event (most common), an explicit `null` from an upstream JSON
// producer, and a customer that is unknown or not given at all. Rows of the
// customer table have NULL columns, as database rows do.
import { Gen } from './gen.ts';

export type Row = Record<string, unknown>;

export interface Dataset {
  readonly seed: number;
  readonly events: readonly Row[];
  /** customer_id → row; some events name customers that are not here. */
  readonly customers: ReadonlyMap<string, Row>;
}

export interface GenerateOptions {
  readonly seed?: number;
  readonly events?: number;
  readonly customers?: number;
}

/** sfc32, seeded through splitmix32: small, fast and good enough for test data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-03-01T00:00 Asia/Shanghai. */
const START = Date.UTC(2026, 1, 28, 16, 0, 0);
const YUAN = 100;

// The pack's lists, partly: the generator hits them sometimes, as live traffic does.
const POLICE = ['P-100017', 'P-100452', 'P-101044', 'P-101777', 'P-102208', 'P-102566', 'P-102999'];
const BLACK_DEVICES = ['D-900011', 'D-900259', 'D-900455', 'D-900734', 'D-900948', 'D-900999'];
const DISPOSABLE = ['mailinator.com', 'yopmail.com', 'guerrillamail.com', 'linshiyouxiang.net', '10minutemail.com', 'tempmail.com'];
const EMAILS = ['qq.com', '163.com', '126.com', 'gmail.com', 'sina.com', 'outlook.com', 'foxmail.com', 'hotmail.com', 'aliyun.com'];
const HIGH_RISK = ['KH', 'MM', 'PH', 'LA', 'VN', 'NG'];
const OTHER_COUNTRIES = ['JP', 'US', 'SG', 'GB', 'KR', 'AU', 'MY', 'CA', 'DE', 'TW'];
const CITIES = ['上海', '北京', '深圳', '广州', '杭州', '成都', '武汉', '南京', '重庆', '西安', '长沙', '苏州', '郑州', '沈阳', '昆明'];
const GAMBLING_MCC = ['7995', '7800', '7801', '6051', '4829', '5933'];
const MCC = ['5411', '5812', '5311', '5732', '4111', '5541', '5912', '5999', '7011', '4121', '5691', '8062'];
const PREPAID_BINS = ['622622', '621700', '625814', '628288', '623501'];
const BINS = ['622202', '622848', '621661', '622700', '620200', '622588', '622260', '621226', '603367', '622155'];
const PHONE_PREFIXES = ['138', '139', '135', '136', '137', '150', '151', '158', '186', '185', '188', '189', '133', '177', '199', '130'];
const VIRTUAL_PREFIXES = ['170', '171', '162', '165', '167'];
const APP_VERSIONS = ['3.8.2', '3.9.0', '3.9.1', '3.10.0', '3.10.4', '4.0.1'];
const OLD_VERSIONS = ['1.9.7', '1.12.0', '2.0.3', '2.0.11'];
const PAYEE_TYPES = ['self_card', 'third_party', 'merchant'] as const;
const RESTRICTED_PAYEE_TYPES = ['securities', 'futures', 'crypto', 'real_estate'] as const;
const KYC = ['basic', 'enhanced', 'full'] as const;
const SEGMENTS = ['new', 'regular', 'regular', 'regular', 'vip', 'staff'] as const;

const TYPES: readonly (readonly [string, number])[] = [
  ['transfer_out', 25], ['login', 20], ['drawdown', 15], ['application', 12], ['repayment', 8],
  ['bankcard_bind', 6], ['payee_add', 5], ['password_reset', 5], ['phone_change', 4],
];

/** Money in fen: mostly odd amounts, a fifth of them round. */
function amount(g: Gen, medianYuan: number, maxYuan: number): number {
  const yuan = g.lognormal(medianYuan, 1.1, 1, maxYuan);
  if (g.chance(0.2)) return Math.max(1, Math.round(yuan / 1000)) * 1000 * YUAN;
  return Math.round(yuan * YUAN);
}

/** Sets a field, or leaves it out with probability `pMissing`; rarely an explicit null. */
function put(o: Row, g: Gen, key: string, value: unknown, pMissing = 0.05): void {
  const x = g.u();
  if (x < pMissing) return;
  if (x < pMissing + 0.004) { o[key] = null; return; }
  o[key] = value;
}

function customerRow(g: Gen): Row {
  const row: Row = {};
  const col = (key: string, value: unknown, pNull = 0.04) => { row[key] = g.chance(pNull) ? null : value; };
  const age = g.chance(0.03) ? g.int(16, 21) : g.chance(0.12) ? g.int(56, 82) : g.int(22, 55);
  col('age_years', age);
  col('monthly_income', g.chance(0.02) ? 0 : Math.round(g.lognormal(8000, 0.6, 1500, 120_000)) * YUAN, 0.06);
  col('available_limit', Math.round(g.lognormal(20_000, 0.8, 500, 300_000)) * YUAN);
  col('max_amount_90d', Math.round(g.lognormal(3000, 1.0, 10, 200_000)) * YUAN, 0.08);
  col('account_age_days', g.chance(0.05) ? g.int(0, 6) : g.int(7, 3000));
  col('kyc_level', g.weighted<(typeof KYC)[number]>([['full', 80], ['enhanced', 12], ['basic', 8]]));
  col('phone_tenure_months', g.chance(0.08) ? g.int(0, 5) : g.int(6, 240));
  col('declared_city', g.pick(CITIES));
  col('is_student', g.chance(0.03));
  col('in_payment_plan', g.chance(0.03));
  col('days_past_due', g.chance(0.85) ? 0 : g.chance(0.6) ? g.int(1, 30) : g.int(31, 400));
  col('daily_limit', g.pick([5000, 5000, 20_000, 50_000]) * YUAN, 0.05);
  col('opted_up', g.chance(0.3));
  col('segment', g.pick(SEGMENTS));
  // Columns the pack does not declare are ignored by both evaluators.
  row['created_by'] = 'etl';
  return row;
}

function event(g: Gen, customerIds: readonly string[]): Row {
  const type = g.weighted(TYPES);
  const e: Row = { type };
  // Local time: more traffic by day than at night.
  const day = g.int(0, 29);
  const hour = g.weighted([[0, 2], [1, 1], [2, 1], [3, 1], [4, 1], [5, 2], [6, 3], [7, 5], [8, 7], [9, 8], [10, 8], [11, 8],
    [12, 7], [13, 7], [14, 7], [15, 7], [16, 7], [17, 7], [18, 7], [19, 8], [20, 8], [21, 7], [22, 5], [23, 3]] as const);
  const now = START + day * DAY + hour * HOUR + g.int(0, HOUR - 1);
  e['occurred_at'] = now;

  const c = g.u();
  if (c < 0.015) { /* no customer on the event */ }
  else if (c < 0.04) e['customer_id'] = `C-X${g.digits(6)}`; // unknown to the profile store
  else e['customer_id'] = g.pick(customerIds);

  put(e, g, 'device_id', g.chance(0.01) ? g.pick(BLACK_DEVICES) : `D-${g.digits(7)}`, 0.04);
  const atm = (type === 'drawdown' || type === 'transfer_out') && g.chance(0.06);
  const channel = atm ? 'atm' : g.weighted([['app', 75], ['web', 20], ['counter', 5]] as const);
  put(e, g, 'channel', channel, 0.02);
  const country = g.chance(0.9) ? 'CN' : g.chance(0.25) ? g.pick(['HK', 'MO']) : g.chance(0.2) ? g.pick(HIGH_RISK) : g.pick(OTHER_COUNTRIES);
  put(e, g, 'ip_country', country, 0.03);
  put(e, g, 'ip_city', g.pick(CITIES), 0.06);
  if (channel === 'app') put(e, g, 'app_version', g.chance(0.08) ? g.pick(OLD_VERSIONS) : g.pick(APP_VERSIONS), 0.05);

  // Device SDK signals.
  put(e, g, 'is_emulator', g.chance(0.015), 0.08);
  put(e, g, 'is_rooted', g.chance(0.03), 0.08);
  put(e, g, 'has_hook_framework', g.chance(0.01), 0.1);
  put(e, g, 'is_vpn_or_proxy', g.chance(0.05), 0.1);
  put(e, g, 'screen_sharing_active', g.chance(0.008), 0.1);
  put(e, g, 'remote_control_app', g.chance(0.004), 0.12);
  put(e, g, 'device_first_seen_at', now - (g.chance(0.08) ? g.int(1, 12 * 60) * MIN : g.chance(0.05) ? g.int(1, 7) * DAY : g.int(7, 900) * DAY), 0.05);
  put(e, g, 'sim_changed_at', now - (g.chance(0.04) ? g.int(1, 72 * 60) * MIN : g.int(3, 1500) * DAY), 0.15);
  put(e, g, 'password_changed_at', now - (g.chance(0.05) ? g.int(1, 24 * 60) * MIN : g.int(1, 700) * DAY), 0.1);

  const auth = g.weighted([['password', 45], ['sms_otp', 30], ['face', 20], ['cert', 5]] as const);

  switch (type) {
    case 'login':
      put(e, g, 'auth_method', auth, 0.03);
      put(e, g, 'login_failures_1h', g.chance(0.9) ? g.int(0, 2) : g.chance(0.6) ? g.int(3, 4) : g.int(5, 30), 0.05);
      break;
    case 'application': {
      put(e, g, 'phone', (g.chance(0.08) ? g.pick(VIRTUAL_PREFIXES) : g.pick(PHONE_PREFIXES)) + g.digits(8), 0.03);
      put(e, g, 'email_domain', g.chance(0.05) ? g.pick(DISPOSABLE) : g.pick(EMAILS), 0.1);
      put(e, g, 'completion_time', g.chance(0.05) ? g.int(8_000, 59_999) : Math.round(g.lognormal(240_000, 0.7, 60_000, 1_800_000)), 0.05);
      put(e, g, 'face_match_score', Math.round((g.chance(0.06) ? 0.3 + g.u() * 0.4 : 0.7 + g.u() * 0.3) * 1000) / 1000, 0.04);
      put(e, g, 'liveness_passed', !g.chance(0.03), 0.04);
      put(e, g, 'three_factor_match', !g.chance(0.03), 0.05);
      put(e, g, 'hard_inquiries_30d', g.chance(0.85) ? g.int(0, 5) : g.int(6, 25), 0.1);
      put(e, g, 'distinct_lenders_7d', g.chance(0.9) ? g.int(0, 3) : g.int(4, 15), 0.1);
      put(e, g, 'gps_distance_km', Math.round((g.chance(0.85) ? g.u() * 60 : 60 + g.u() * 2500) * 10) / 10, 0.15);
      break;
    }
    case 'drawdown':
    case 'transfer_out': {
      put(e, g, 'amount', amount(g, type === 'drawdown' ? 5000 : 1500, 200_000), 0.01);
      put(e, g, 'auth_method', auth, 0.03);
      put(e, g, 'outflow_count_24h', g.chance(0.9) ? g.int(0, 4) : g.int(5, 15), 0.05);
      if (type === 'transfer_out') {
        const restricted = g.chance(0.03);
        const payeeType = restricted ? g.pick(RESTRICTED_PAYEE_TYPES) : g.pick(PAYEE_TYPES);
        put(e, g, 'payee_type', payeeType, 0.04);
        put(e, g, 'payee_id', g.chance(0.01) ? g.pick(POLICE) : `P-${g.digits(6)}`, 0.02);
        put(e, g, 'payee_is_new', g.chance(0.25), 0.04);
        if (payeeType === 'merchant') put(e, g, 'merchant_mcc', g.chance(0.06) ? g.pick(GAMBLING_MCC) : g.pick(MCC), 0.05);
        put(e, g, 'in_call', g.chance(0.06), 0.15);
        put(e, g, 'call_peer_in_contacts', g.chance(0.6), 0.2);
        put(e, g, 'outflow_sum_today', g.chance(0.5) ? 0 : amount(g, 2000, 100_000), 0.15);
      } else {
        put(e, g, 'payee_type', 'self_card', 0.1);
        if (g.chance(0.01)) e['payee_id'] = g.pick(POLICE);
      }
      break;
    }
    case 'repayment':
      put(e, g, 'amount', amount(g, 2000, 100_000), 0.01);
      put(e, g, 'payee_type', g.chance(0.95) ? 'self_card' : 'third_party', 0.05);
      break;
    case 'bankcard_bind':
      put(e, g, 'auth_method', auth, 0.03);
      put(e, g, 'card_bin', g.chance(0.08) ? g.pick(PREPAID_BINS) : g.pick(BINS), 0.03);
      break;
    case 'payee_add':
      put(e, g, 'auth_method', auth, 0.03);
      put(e, g, 'payee_id', g.chance(0.02) ? g.pick(POLICE) : `P-${g.digits(6)}`, 0.02);
      put(e, g, 'payee_type', g.pick(PAYEE_TYPES), 0.05);
      break;
    default: // password_reset, phone_change
      put(e, g, 'auth_method', auth, 0.03);
  }
  return e;
}

// How events are serialized decides how many object shapes (hidden classes)
// the evaluators see, and V8's property access cost depends heavily on that.
//  'service': what one upstream service sends: a fixed key order per event
//    type, missing values as null; web events carry no device-SDK keys and
//    old app versions lack the keys added later. About 40 shapes in all.
//  'sparse': every missing value is left out of the JSON, so nearly every
//    event has its own key set (thousands of shapes): a stress case for
//    megamorphic property access.
export type Shapes = 'service' | 'sparse';

const COMMON_KEYS = ['type', 'occurred_at', 'customer_id', 'device_id', 'channel', 'ip_country', 'ip_city', 'app_version',
  'is_emulator', 'is_rooted', 'has_hook_framework', 'is_vpn_or_proxy', 'screen_sharing_active', 'remote_control_app',
  'device_first_seen_at', 'sim_changed_at', 'password_changed_at'];
const OUTFLOW_KEYS = ['amount', 'auth_method', 'outflow_count_24h', 'payee_type', 'payee_id'];
const TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  login: ['auth_method', 'login_failures_1h'],
  application: ['phone', 'email_domain', 'completion_time', 'face_match_score', 'liveness_passed', 'three_factor_match',
    'hard_inquiries_30d', 'distinct_lenders_7d', 'gps_distance_km'],
  drawdown: OUTFLOW_KEYS,
  transfer_out: [...OUTFLOW_KEYS, 'payee_is_new', 'merchant_mcc', 'in_call', 'call_peer_in_contacts', 'outflow_sum_today'],
  repayment: ['amount', 'payee_type'],
  bankcard_bind: ['auth_method', 'card_bin'],
  payee_add: ['auth_method', 'payee_id', 'payee_type'],
  password_reset: ['auth_method'],
  phone_change: ['auth_method'],
};
/** Signals only the mobile SDK reports. */
const SDK_KEYS = new Set(['is_emulator', 'is_rooted', 'has_hook_framework', 'screen_sharing_active', 'remote_control_app',
  'sim_changed_at', 'in_call', 'call_peer_in_contacts']);
/** Keys that app versions before 3.9 do not send. */
const LATER_KEYS = new Set(['has_hook_framework', 'remote_control_app', 'password_changed_at']);
const OLD_APP = /^(?:[12]\.|3\.8\.)/;

function serialize(e: Row, shapes: Shapes): string {
  if (shapes === 'sparse') return JSON.stringify(e);
  const type = e['type'] as string;
  const web = e['channel'] !== 'app';
  const old = typeof e['app_version'] === 'string' && OLD_APP.test(e['app_version']);
  const out: Row = {};
  for (const k of [...COMMON_KEYS, ...TYPE_KEYS[type]!]) {
    if ((web && SDK_KEYS.has(k)) || (old && LATER_KEYS.has(k))) continue;
    out[k] = e[k] ?? null;
  }
  return JSON.stringify(out);
}

export function generate(opts: GenerateOptions & { readonly shapes?: Shapes } = {}): Dataset {
  const seed = opts.seed ?? 20260301;
  const shapes = opts.shapes ?? 'service';
  const g = new Gen(prng(seed));
  const nCustomers = opts.customers ?? 2000;
  const customers = new Map<string, Row>();
  // Rows as a database driver returns them: every column, NULL as null.
  for (let i = 0; i < nCustomers; i++) customers.set(`C-${String(100000 + i)}`, JSON.parse(JSON.stringify(customerRow(g))) as Row);
  const ids = [...customers.keys()];
  const events: Row[] = [];
  // Events reach a decision API as JSON text, so each one is parsed from its
  // JSON, which also gives the fast-mode objects a real service would see.
  for (let i = 0, n = opts.events ?? 10_000; i < n; i++) events.push(JSON.parse(serialize(event(g, ids), shapes)) as Row);
  return { seed, events, customers };
}

/** Distinct key sets among the events: roughly the number of hidden classes the evaluators meet. */
export function shapeCount(events: readonly Row[]): number {
  return new Set(events.map((e) => Object.keys(e).join(','))).size;
}
