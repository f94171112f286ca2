// Seeded data for spec/jsonlogic/fraud40.json, the 40-rule JSON Logic pack:
// one object per decision, laid out as `zhiyu jsonlogic export` expects its
// data ({event, customer, device, payee, agg}: aggregates precomputed). Fields
// are left out or null now and then, entities are sometimes unknown, and the
// distributions make every rule fire on some events. sfc32, no Math.random.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FRAUD40_RULES: Record<string, unknown> = JSON.parse(readFileSync(join(import.meta.dirname, 'fraud40.json'), 'utf8'));

function sfc32(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

type Obj = Record<string, unknown>;

/**
 * `service`: every object of a kind has the same keys in the same order, a
 * missing value is null (a few legacy app versions leave three keys out), as a
 * decision API's JSON usually is. `sparse`: missing values are left out, so
 * objects take thousands of shapes (slow for every evaluator; see
 * bench/README.md).
 */
export type Shapes = 'service' | 'sparse';

export function fraud40Data(count: number, seed = 20260301, shapes: Shapes = 'service'): Obj[] {
  const rnd = sfc32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  /** Fen, log-uniform between ¥1 and ¥50,000, often round. */
  const amount = () => {
    const v = Math.round(Math.exp(Math.log(100) + rnd() * (Math.log(5_000_000) - Math.log(100))));
    return chance(0.3) ? Math.max(100000, Math.round(v / 100000) * 100000) : v;
  };
  /** A value is missing 10% of the time: null, or (sparse) left out. */
  const put = (o: Obj, k: string, v: unknown) => {
    const r = rnd();
    if (r < 0.1 && shapes === 'sparse') return;
    o[k] = r < 0.1 ? null : v;
  };
  const LEGACY = ['app_version', 'km_from_last_login', 'hours_since_last_login'];
  const out: Obj[] = [];
  for (let i = 0; i < count; i++) {
    const type = pick(['transfer_out', 'transfer_out', 'transfer_out', 'transfer_out', 'login', 'login', 'drawdown', 'drawdown',
      'application', 'payee_add', 'card_payment', 'card_payment', 'atm_withdrawal']);
    const event: Obj = { type };
    // 3% of transfers are the phone scam: on a call with a stranger, to a brand-new payee, a large amount.
    const scam = type === 'transfer_out' && chance(0.03);
    const money = type !== 'login' && type !== 'application' && type !== 'payee_add';
    if (money) put(event, 'amount', scam ? int(2000, 20000) * 100 : amount());
    put(event, 'channel', pick(['app', 'app', 'app', 'web', 'branch']));
    if (money) put(event, 'auth_method', pick(['sms_otp', 'face', 'password', 'sms_otp']));
    put(event, 'local_hour', int(0, 23));
    put(event, 'ip_country', chance(0.85) ? 'CN' : pick(['NG', 'RU', 'KH', 'MM', 'US', 'SG']));
    put(event, 'date', pick(['2026-02-16', '2026-02-18', '2026-03-01', '2026-03-02', '2026-10-01', '2026-06-11']));
    put(event, 'model_score', Math.round(rnd() * 1000) / 1000);
    if (type === 'card_payment') {
      put(event, 'mcc', pick(['5411', '5812', '7995', '4829', '5999', '6051', '5311']));
      put(event, 'card_bin', pick(['622202', '621700', '431940', '552300']));
    }
    put(event, 'app_version', chance(0.7) ? pick(['4.8.1', '5.2.0', '5.10.3', '6.0.0', '10.1']) : null);
    if (type === 'transfer_out') {
      put(event, 'note_keywords', chance(0.1) ? [pick(['房租', '还款']), pick(['安全账户', '刷单', '解冻'])] : chance(0.5) ? [pick(['房租', '还款', '生活费'])] : []);
      put(event, 'recent_amounts', Array.from({ length: int(0, 6) }, () => (chance(0.2) ? int(1, 99) : amount())));
      put(event, 'recent_payee_age_days', Array.from({ length: int(0, 3) }, () => (chance(0.5) ? int(0, 3) : int(0, 400))));
      put(event, 'payee_name', pick(['张伟', '王芳', '李娜', '刘洋']));
    }
    put(event, 'km_from_last_login', chance(0.95) ? int(0, 50) : int(500, 8000));
    put(event, 'hours_since_last_login', Math.round(rnd() * 480) / 10);

    const datum: Obj = { event };
    if (chance(0.9)) {
      const c: Obj = {};
      put(c, 'age_years', int(16, 85));
      put(c, 'daily_transfer_limit', pick([500000, 1000000, 5000000]));
      put(c, 'country', chance(0.95) ? 'CN' : 'SG');
      put(c, 'kyc_level', int(0, 3));
      put(c, 'vulnerable', chance(0.05));
      put(c, 'monthly_income', chance(0.1) ? 0 : int(300000, 3000000));
      put(c, 'monthly_debt', int(0, 1500000));
      put(c, 'days_since_last_loan', int(0, 400));
      put(c, 'occupation', pick(['employee', 'employee', 'self_employed', 'student', 'retired']));
      put(c, 'segments', chance(0.1) ? ['vip', 'wealth'] : chance(0.5) ? ['mass'] : []);
      put(c, 'balance', int(0, 10000000));
      put(c, 'phone_changed_days', int(0, 2000));
      datum['customer'] = c;
    }
    if (chance(0.9)) {
      const d: Obj = {};
      put(d, 'in_call', scam || chance(0.1));
      put(d, 'call_peer_in_contacts', !scam && chance(0.6));
      put(d, 'is_emulator', chance(0.02));
      put(d, 'is_rooted', chance(0.04));
      put(d, 'sim_changed_hours', int(0, 5000));
      put(d, 'age_days', int(0, 900));
      put(d, 'vpn', chance(0.05));
      put(d, 'os', pick(['android', 'ios']));
      put(d, 'model', pick(['P60', 'iPhone15', 'Mi14']));
      put(d, 'id', `d${int(1, 500)}`);
      put(d, 'screen_sharing', chance(0.03));
      datum['device'] = d;
    }
    if (type === 'transfer_out' || type === 'payee_add') {
      const p: Obj = {};
      put(p, 'first_seen_minutes', scam ? int(0, 29) : chance(0.2) ? int(0, 60) : int(60, 100000));
      put(p, 'on_police_list', chance(0.02));
      put(p, 'country', chance(0.97) ? 'CN' : pick(['KP', 'IR', 'MM', 'US']));
      put(p, 'registered_name', pick(['张伟', '王芳', '李娜', '刘洋', '陈静']));
      datum['payee'] = p;
    }
    const agg: Obj = {};
    put(agg, 'sum_transfer_today', chance(0.5) ? 0 : amount());
    put(agg, 'failed_logins_10m', chance(0.9) ? 0 : int(1, 8));
    put(agg, 'distinct_payees_24h', int(0, 7));
    put(agg, 'seconds_since_last_transfer', chance(0.6) ? (chance(0.1) ? int(1, 60) : int(60, 100000)) : null);
    put(agg, 'minutes_since_password_reset', chance(0.2) ? int(1, 5000) : null);
    put(agg, 'customers_on_device_30d', chance(0.95) ? 1 : int(2, 6));
    put(agg, 'transfer_count_90d', int(0, 40));
    put(agg, 'avg_transfer_30d', chance(0.3) ? 0 : amount());
    datum['agg'] = agg;
    if (shapes === 'service' && chance(0.1)) for (const k of LEGACY) delete event[k];
    // As a decision API receives it: parsed JSON, with JSON's object shapes.
    out.push(JSON.parse(JSON.stringify(datum)));
  }
  return out;
}
