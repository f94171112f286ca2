// The working state of the fraud seed: random choices from one seeded
// generator, the profiles built so far (each row a history of versions), the
// events with their pattern and labels, and list entries. Scenario files add
// to it; fraud.ts turns it into the timeline.
//
// Profiles store moments, not ages: a birth date, when the phone number came
// into use, when the SIM was bound. A scenario changes a profile at the
// moment it happens (the victim's phone rings, the fraudster swaps the SIM),
// so an event reads the device or customer as it was at that moment.
import { DAY, HOUR, MINUTE, Profiles, rng, type Row, type Verdict } from './rows.ts';

export const yuan = (n: number) => Math.round(n * 100);

export interface Person {
  readonly id: string;
  readonly idHash: string;
  readonly phone: string;
  readonly device: string;
  readonly ip: string;
  readonly city: string;
  readonly account: string;
  /** Age in whole years at the start of the window (to pick victims by age). */
  readonly age: number;
  readonly dailyLimit: number;
  readonly creditLimit: number;
  /** Payee ids the customer has paid for a long time. */
  readonly ownCard: string;
  readonly family: string;
}

export interface Planned { readonly row: Row; readonly pattern: string; readonly labels: readonly Verdict[] }

const CITIES = ['上海', '北京', '广州', '深圳', '杭州', '成都', '武汉', '西安', '南京', '重庆'];
/** City centres (latitude, longitude), for declared addresses and device GPS fixes. */
const GEO: Record<string, readonly [number, number]> = {
  上海: [31.2304, 121.4737], 北京: [39.9042, 116.4074], 广州: [23.1291, 113.2644], 深圳: [22.5431, 114.0579], 杭州: [30.2741, 120.1551],
  成都: [30.5728, 104.0668], 武汉: [30.5928, 114.3055], 西安: [34.3416, 108.9398], 南京: [32.0603, 118.7969], 重庆: [29.563, 106.5516],
};
/** A GPS fix `km` kilometres north of a city's centre; no fix for an unknown (or no) city. */
export function gpsNear(city: unknown, km = 0): Row {
  const g = typeof city === 'string' ? GEO[city] : undefined;
  return g ? { gps_lat: Math.round((g[0] + km / 111.19) * 1e4) / 1e4, gps_lon: g[1] } : {};
}
/** Great-circle distance between two cities' centres, in km (the formula of distance_km). */
export function cityKm(a: string, b: string): number {
  const [p, q] = [GEO[a]!, GEO[b]!];
  const rad = Math.PI / 180;
  const h = Math.sin((q[0] - p[0]) * rad / 2) ** 2 + Math.cos(p[0] * rad) * Math.cos(q[0] * rad) * Math.sin((q[1] - p[1]) * rad / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}
const YEAR = 365.2425 * DAY;
const MONTH = YEAR / 12;

export interface PersonOptions {
  /** Age in whole years at `since` (or the window's start). */
  readonly age?: number;
  /** When the customer joined; default some time before the window. */
  readonly since?: number;
  /** Months the phone number had been in use when the customer joined. */
  readonly tenure?: number;
  readonly dailyLimit?: number;
  readonly device?: Row;
  readonly customer?: Row;
  readonly city?: string;
}

export class FraudSeed {
  readonly r: () => number;
  readonly profiles = new Profiles();
  readonly events: Planned[] = [];
  readonly lists: { list: string; value: string; addedAt: number }[] = [];
  /** Labels on a whole customer (every one of their events), e.g. a confirmed mule. */
  readonly customerLabels: { customer: string; label: Verdict; at: number; note: string }[] = [];
  readonly byPattern: Record<string, number> = {};
  /** Ordinary customers who joined before the window: victims and good customers for scenarios. */
  readonly regulars: Person[] = [];
  customers = 0;
  private ips = 0;

  constructor(seed: number, readonly start: number, readonly end: number) {
    this.r = rng(seed);
  }

  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.r() < p; }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]!; }
  city(): string { return this.pick(CITIES); }
  otherCity(than: string): string { return this.pick(CITIES.filter((c) => c !== than)); }
  farthestCity(from: string): string { return CITIES.reduce((a, b) => (cityKm(from, b) > cityKm(from, a) ? b : a)); }
  /** A distinct public-looking IPv4 address. */
  ip(): string { const n = ++this.ips; return `${this.pick([36, 58, 61, 101, 112, 117, 183, 223])}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`; }

  /** Local (Asia/Shanghai) time on day `day` of the window: start is local midnight. */
  at(day: number, hour: number, minute = 0): number { return this.start + day * DAY + hour * HOUR + minute * MINUTE; }
  /** A random moment between the given days, during the given local hours. */
  someTime(fromDay: number, toDay: number, fromHour = 8, toHour = 22): number {
    return this.at(this.int(fromDay, toDay), this.int(fromHour, toHour - 1), this.int(0, 59)) + this.int(0, 59) * 1000;
  }
  /** A birth date that makes someone `age` whole years old at `at` (never within a month of a birthday). */
  birthDate(age: number, at: number): number { return at - age * YEAR - this.int(30, 330) * DAY; }
  monthsBefore(at: number, months: number): number { return Math.round(at - months * MONTH - this.int(0, 20) * DAY); }

  /** A regular customer who is not already part of another scenario. */
  victim(filter: (p: Person) => boolean = () => true): Person {
    for (let tries = 0; tries < 50; tries++) {
      const p = this.pick(this.regulars);
      if (filter(p)) return p;
    }
    return this.regulars.find(filter) ?? this.regulars[0]!;
  }

  emit(pattern: string, row: Row, ...labels: Verdict[]): Row {
    this.byPattern[pattern] = (this.byPattern[pattern] ?? 0) + 1;
    this.events.push({ row, pattern, labels });
    return row;
  }

  list(list: string, value: string, addedAt: number): void { this.lists.push({ list, value, addedAt }); }

  /** A change to a profile from `at` on. */
  change(entity: string, key: string, at: number, fields: Row): void { this.profiles.set(entity, key, at, fields); }

  /** A device, known from when it was first seen (or `fields.first_seen_at`). */
  device(id: string, fields: Row = {}): string {
    const seen = (fields['first_seen_at'] as number | undefined) ?? this.start - this.int(30, 700) * DAY;
    this.change('device', id, seen, {
      is_emulator: false, is_rooted: false, has_hook_framework: false, first_seen_at: seen, bound_at: seen,
      // The SIM in it when it was first seen: the carrier moved the number onto that SIM then.
      sim_bound_at: seen, sim_changed_at: seen, in_call: false, call_peer_in_contacts: true,
      screen_sharing_active: false, remote_control_app_running: false, ...fields,
    });
    return id;
  }

  /** The phone rings: an unknown caller from `from` until `to` (the device reports it as it happens). */
  call(device: string, from: number, to: number): void {
    this.change('device', device, from, { in_call: true, call_peer_in_contacts: false, call_started_at: from });
    this.change('device', device, to, { in_call: false, call_peer_in_contacts: true, call_started_at: undefined });
  }

  /** A new SIM in the device at `at` (a new phone plan, a replacement card, or a swap). */
  newSim(device: string, at: number): void {
    this.change('device', device, at, { sim_bound_at: at, sim_changed_at: at });
  }

  /** A receiving account, known from when a customer first paid it (`seen`; rules/demo reads payee.first_seen_at). */
  payee(id: string, openedAt: number, seen = openedAt): string {
    this.change('payee', id, seen, { account_opened_at: openedAt, first_seen_at: seen });
    return id;
  }

  /** A customer with a profile, a device, a credit line and two long-standing payees. */
  person(id: string, o: PersonOptions = {}): Person {
    const city = o.city ?? this.city();
    const age = o.age ?? (this.chance(0.1) ? this.int(60, 80) : this.chance(0.05) ? this.int(56, 59) : this.int(22, 55));
    const dailyLimit = o.dailyLimit ?? yuan(this.pick([20_000, 20_000, 50_000, 100_000]));
    const creditLimit = yuan(5_000 * this.int(4, 20));
    const p: Person = {
      id, idHash: `id-${id}`, phone: `ph-${id}`, device: `dv-${id}`, ip: this.ip(), city, account: `ac-${id}`, age, dailyLimit, creditLimit,
      ownCard: `pc-${id}`, family: `pt-${id}`,
    };
    const joined = o.since ?? this.start - this.int(60, 3000) * DAY;
    const tenure = o.tenure ?? (this.chance(0.05) ? this.int(1, 5) : this.int(6, 180));
    this.customers++;
    this.change('customer', id, joined, {
      id_number_hash: p.idHash, birth_date: this.birthDate(age, o.since ?? this.start), declared_city: city, declared_lat: GEO[city]![0], declared_lon: GEO[city]![1],
      phone_number_since: this.monthsBefore(o.since ?? this.start, tenure), daily_transfer_limit: dailyLimit,
      declared_contact_hashes: [1, 2, 3, 4, 5].map((n) => `ec${n}-${id}`),
      gender: this.pick(['female', 'male', 'undisclosed']), ethnicity: this.chance(0.9) ? '汉族' : this.pick(['回族', '壮族', '满族', '维吾尔族']),
      ...o.customer,
    });
    const seen = o.since ?? this.start - this.int(30, 700) * DAY;
    this.device(p.device, { first_seen_at: seen, ...(this.chance(0.003) ? { is_rooted: true } : {}), ...o.device });
    this.disburse(p.account, (o.since ?? this.start) - this.int(20, 400) * DAY, yuan(1_000 * this.int(5, 50)));
    const longAgo = (o.since ?? this.start) - this.int(60, 900) * DAY;
    this.payee(p.ownCard, longAgo);
    this.payee(p.family, longAgo - this.int(0, 2000) * DAY, longAgo);
    return p;
  }

  /** A loan disbursed at `at` (the account's latest disbursement from then on). */
  disburse(account: string, at: number, amount: number): void {
    this.change('account', account, at, { disbursed_at: at, disbursed_amount: amount });
  }

  /** A new applicant's credit-bureau snapshot, pulled just before `at`. */
  bureauFor(p: Person, at: number, fields: Row = {}): void {
    this.change('bureau', p.id, at - 5 * MINUTE, { pulled_at: at - 5 * MINUTE, hard_inquiries_30d: this.int(0, 3), distinct_lenders_applied_7d: this.int(0, 1), ...fields });
  }

  // ── Event rows: defaults from the person, then the scenario's own fields ──
  // No `channel`: rules/conduct/gates decides drawdowns and transfers too and
  // declares channel as a contact channel (call, sms, …), so an "app" would
  // make those events undecidable there; rules/fraud reads a missing channel as app.
  /** The device's GPS fix is at the centre of the event's city unless the scenario says otherwise. */
  base(p: Person, type: string, t: number, o: Row = {}): Row {
    const row: Row = { type, occurred_at: t, customer_id: p.id, account_id: p.account, device_id: p.device, ip: p.ip, ip_city: p.city, ...o };
    return { ...gpsNear(row.ip_city), ...row };
  }
  registration(p: Person, t: number, o: Row = {}): Row {
    return this.base(p, 'registration', t, { id_number_hash: p.idHash, phone_hash: p.phone, auth_method: 'sms_otp', ...o });
  }
  application(p: Person, t: number, o: Row = {}): Row {
    return this.base(p, 'application', t, {
      id_number_hash: p.idHash, phone_hash: p.phone, face_match_score: 0.82 + Math.round(this.r() * 17) / 100, liveness_passed: true,
      three_factor_match: true, form_completion: this.int(120, 900) * 1000, ...gpsNear(o.ip_city ?? p.city, this.int(0, 40)), auth_method: 'face', ...o,
    });
  }
  login(p: Person, t: number, o: Row = {}): Row {
    return this.base(p, 'login', t, { auth_method: this.chance(0.6) ? 'password' : 'face', ...gpsNear(o.ip_city ?? p.city, this.int(0, 60) / 10), ...o });
  }
  /** A transfer to a payee the customer has paid for a long time. */
  transfer(p: Person, t: number, payee: string, amount: number, o: Row = {}): Row {
    return this.base(p, 'transfer_out', t, {
      payee_id: payee, amount, payee_type: 'third_party', payee_is_new: false, payee_first_seen_at: this.start - 200 * DAY,
      auth_method: this.pick(['password', 'face', 'sms_otp']), ...o,
    });
  }
  /** A transfer to a payee first seen at `seen` (the customer added it just before). */
  newPayeeTransfer(p: Person, t: number, payee: string, amount: number, seen: number, o: Row = {}): Row {
    return this.transfer(p, t, payee, amount, { payee_is_new: true, payee_first_seen_at: seen, ...o });
  }
  payeeAdd(p: Person, t: number, payee: string, o: Row = {}): Row {
    return this.base(p, 'payee_add', t, { payee_id: payee, payee_is_new: true, payee_first_seen_at: t, auth_method: 'sms_otp', ...o });
  }
  drawdown(p: Person, t: number, amount: number, available: number, o: Row = {}): Row {
    return this.base(p, 'drawdown', t, { amount, available_limit: available, auth_method: this.chance(0.5) ? 'face' : 'password', ...o });
  }
  transferIn(p: Person, t: number, amount: number, o: Row = {}): Row {
    // Money arriving from another bank: no device or IP of ours is involved.
    return this.base(p, 'transfer_in', t, { amount, device_id: undefined, ip: undefined, ip_city: undefined, ...o });
  }
}
