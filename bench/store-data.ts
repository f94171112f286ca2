// Seeded data for the SQLite store benchmark (bench/store.ts): an event
// history for the store3 pack, the customer profiles, a stream of incoming
// events to decide, and the files for the import benchmark.
//
// Everything comes from one seed through mulberry32 (demo/rows.ts),
// so the same seed and size give the same database on every machine. The
// history is held in columns (typed arrays), not objects: a million events
// cost about 40 MB, and the correctness check can rebuild any key's history
// without asking SQLite.
//
// The population scales with the size: 1,000,000 events → 50,000 customers,
// 62,571 devices (each customer's phone, a second device for 20%, a family
// member's phone for 3%, and 2,500 "farm" devices shared by 3–8 accounts) and
// about 270,000 payees, over the 90 days before 2026-03-01 (Asia/Shanghai).
// Activity per customer is log-normal (median 14 events, p99 117, max about
// 1,200 in 90 days); events come in sessions (sometimes failed logins, a login,
// then transfers, payee additions and drawdowns 20 s to 8 min apart) at local
// day-time hours; 0.3% of customers have bursts of 20–45 events within hours.
// Profiles have NULLs (2% no age, 1% no limit, 3% no risk tier); 8% of accounts
// were opened inside the 90 days and are active only after opening.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckedPack, Schema } from '../compiler/ir.ts';
import { DEMO_END, rng } from '../demo/rows.ts';
import { migrate, openStore, type DB } from '../runtime/store/sqlite/schema.ts';
import { schemaToJson } from '../runtime/store/stored-schema.ts';
import { SqliteProvider } from '../runtime/store/sqlite/provider.ts';
import { ensureIndexes } from '../runtime/store/sqlite/indexes.ts';
import { EVENTS, KEY, entityTable } from '../runtime/store/tables.ts';

/** Bump when the generator changes: cached databases and files are keyed by it. */
export const GENERATOR_VERSION = 2;

const DAY = 86_400_000;
const MIN = 60_000;
export const END = DEMO_END; // 2026-03-01 00:00 Asia/Shanghai
export const DAYS = 90;
export const START = END - DAYS * DAY;

export const TYPES = ['login', 'login_failed', 'payee_add', 'transfer_out', 'drawdown'] as const;
export const T_LOGIN = 0, T_FAILED = 1, T_PAYEE_ADD = 2, T_TRANSFER = 3, T_DRAWDOWN = 4;
export const CHANNELS = ['app', 'web'] as const;
const RISK = ['low', 'medium', 'high'] as const;
const KYC = ['basic', 'enhanced', 'full'] as const;
const LIMITS = [500_000, 2_000_000, 5_000_000];

/** The event history, column by column; -1 (or NaN for amounts) is missing. */
export interface History {
  readonly n: number;
  readonly time: Float64Array;
  readonly customer: Int32Array;
  readonly device: Int32Array;
  readonly payee: Int32Array;
  readonly type: Uint8Array;
  readonly channel: Uint8Array;
  readonly amount: Float64Array;
}

export interface Population {
  readonly customers: number;
  readonly devices: number;
  readonly payees: number;
  /** Profiles as stored; undefined fields are NULL. */
  readonly profiles: readonly Profile[];
}

export interface Profile {
  age_years?: number;
  daily_transfer_limit?: number;
  risk_tier?: string;
  kyc_level?: string;
  opened_at?: number;
}

export interface Generated { readonly history: History; readonly population: Population }

// ---------- ids ----------
export const customerId = (i: number) => `C${String(10_000_000 + i)}`;
/** 16 hex digits, like a device fingerprint; a bijection of the index, so ids never collide. */
export function deviceId(i: number): string {
  let a = Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  a = (a ^ (a >>> 15)) >>> 0;
  return a.toString(16).padStart(8, '0') + i.toString(16).padStart(8, '0');
}
export const payeeId = (i: number) => `P${String(60_000_000 + i)}`;
/** The index behind an id (customerId and deviceId backwards). */
export const customerIndex = (id: string) => Number(id.slice(1)) - 10_000_000;
export const deviceIndex = (id: string) => parseInt(id.slice(8), 16);

// ---------- the generator ----------
function normal(r: () => number): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Local (UTC+8) hour weights: quiet at night, busy at lunch and in the evening. */
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 11, 12, 11, 10, 10, 10, 10, 11, 13, 14, 13, 9, 5];
const HOUR_CUM = (() => { let s = 0; const c = HOUR_WEIGHTS.map((w) => (s += w)); return c.map((x) => x / s); })();

function sessionStart(r: () => number, from: number, to: number): number {
  // A local day in range, an hour by the weights, then any millisecond of it.
  const day0 = Math.floor((from + 8 * 3600_000) / DAY);
  const day1 = Math.floor((to + 8 * 3600_000) / DAY);
  const day = day0 + Math.floor(r() * (day1 - day0 + 1));
  const u = r();
  let h = 0;
  while (HOUR_CUM[h]! < u) h++;
  const t = day * DAY - 8 * 3600_000 + h * 3600_000 + Math.floor(r() * 3600_000);
  return Math.min(to, Math.max(from, t));
}

const money = (r: () => number, medianYuan: number, sigma: number, capYuan: number) =>
  Math.min(capYuan * 100, Math.max(100, Math.round(medianYuan * 100 * Math.exp(sigma * normal(r)))));

export function generate(seed: number, events: number): Generated {
  const r = rng(seed);
  const scale = events / 1_000_000;
  const C = Math.max(100, Math.round(50_000 * scale));
  const farms = Math.max(5, Math.round(2_500 * scale));
  // Profiles.
  const profiles: Profile[] = [];
  const openedAt = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const recent = r() < 0.08;
    const opened = recent ? START + Math.floor(r() * DAYS * DAY) : START - Math.floor(r() * 5 * 365 * DAY);
    openedAt[c] = opened;
    const p: Profile = {};
    if (r() >= 0.02) p.age_years = 18 + Math.floor(r() * r() * 70);
    const lu = r();
    if (lu >= 0.01) p.daily_transfer_limit = LIMITS[lu < 0.3 ? 0 : lu < 0.8 ? 1 : 2];
    const ru = r();
    if (ru >= 0.03) p.risk_tier = RISK[ru < 0.8 ? 0 : ru < 0.95 ? 1 : 2];
    const ku = r();
    p.kyc_level = KYC[ku < 0.2 ? 0 : ku < 0.7 ? 1 : 2];
    p.opened_at = opened;
    profiles.push(p);
  }
  // Devices: device c is customer c's phone; some have a second device; farms are shared.
  const second = new Int32Array(C).fill(-1);
  let devices = C;
  for (let c = 0; c < C; c++) {
    const u = r();
    if (u < 0.2) second[c] = devices++;
    else if (u < 0.23) second[c] = Math.floor(r() * C); // a family member's phone
  }
  const farmOf = new Map<number, number[]>();
  for (let f = 0; f < farms; f++) {
    const dev = devices++;
    const users = 3 + Math.floor(r() * 6);
    for (let k = 0; k < users; k++) {
      const c = Math.floor(r() * C);
      const list = farmOf.get(c);
      if (list) list.push(dev); else farmOf.set(c, [dev]);
    }
  }
  const payeesPer = 3;
  let payees = C * payeesPer;
  // Activity: log-normal weights; sessions pick a customer by weight.
  const cum = new Float64Array(C);
  const bursty = new Uint8Array(C);
  let s = 0;
  for (let c = 0; c < C; c++) {
    s += Math.exp(0.9 * normal(r));
    cum[c] = s;
    if (r() < 0.003) bursty[c] = 1;
  }
  const pickCustomer = () => {
    const x = r() * s;
    let lo = 0, hi = C - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid]! < x) lo = mid + 1; else hi = mid; }
    return lo;
  };

  const time = new Float64Array(events);
  const customer = new Int32Array(events);
  const device = new Int32Array(events);
  const payee = new Int32Array(events).fill(-1);
  const type = new Uint8Array(events);
  const channel = new Uint8Array(events);
  const amount = new Float64Array(events).fill(NaN);
  let n = 0;
  const emit = (t: number, c: number, d: number, ty: number, ch: number, amt: number, p: number) => {
    if (n >= events || t > END) return;
    time[n] = t; customer[n] = c; device[n] = d; type[n] = ty; channel[n] = ch; amount[n] = amt; payee[n] = p;
    n++;
  };
  const action = (t: number, c: number, d: number, ch: number) => {
    const u = r();
    if (u < 0.6) {
      const p = r() < 0.85 ? c * payeesPer + Math.floor(r() * payeesPer) : payees++;
      emit(t, c, d, T_TRANSFER, ch, money(r, 800, 1.2, 500_000), p);
    } else if (u < 0.75) emit(t, c, d, T_PAYEE_ADD, ch, NaN, payees++);
    else emit(t, c, d, T_DRAWDOWN, ch, money(r, 8_000, 1.0, 500_000), -1);
  };
  while (n < events) {
    const c = pickCustomer();
    const from = Math.max(START, openedAt[c]!);
    let t = sessionStart(r, from, END);
    const farm = farmOf.get(c);
    const du = r();
    const d = farm && du < 0.25 ? farm[Math.floor(r() * farm.length)]! : second[c]! >= 0 && du < 0.4 ? second[c]! : c;
    const ch = r() < 0.8 ? 0 : 1;
    if (bursty[c] && r() < 0.3) {
      // A burst: 20–45 events within a few hours.
      const k = 20 + Math.floor(r() * 26);
      const span = (1 + r() * 3) * 3600_000;
      emit(t, c, d, T_LOGIN, ch, NaN, -1);
      for (let j = 0; j < k; j++) {
        t += Math.floor(r() * (2 * span) / k);
        if (r() < 0.3) emit(t, c, d, T_LOGIN, ch, NaN, -1); else action(t, c, d, ch);
      }
      continue;
    }
    if (r() < 0.06) {
      const fails = 1 + Math.floor(r() * 3);
      for (let j = 0; j < fails; j++) { emit(t, c, d, T_FAILED, ch, NaN, -1); t += 10_000 + Math.floor(r() * 50_000); }
    }
    emit(t, c, d, T_LOGIN, ch, NaN, -1);
    if (r() < 0.35) continue;
    do {
      t += 20_000 + Math.floor(r() * 8 * MIN);
      action(t, c, d, ch);
    } while (r() < 0.4);
  }
  // In time order (ties by generation order), as an append-only log would hold them.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => time[a]! - time[b]! || a - b);
  const perm = <T extends Float64Array | Int32Array | Uint8Array>(xs: T): T => {
    const out = new (xs.constructor as new (n: number) => T)(n);
    for (let i = 0; i < n; i++) out[i] = xs[order[i]!]!;
    return out;
  };
  return {
    history: { n, time: perm(time), customer: perm(customer), device: perm(device), payee: perm(payee), type: perm(type), channel: perm(channel), amount: perm(amount) },
    population: { customers: C, devices, payees, profiles },
  };
}

/** Event i as a record of the schema's fields (missing fields left out). */
export function eventAt(h: History, i: number): Record<string, string | number> {
  const e: Record<string, string | number> = { type: TYPES[h.type[i]!]!, customer_id: customerId(h.customer[i]!), device_id: deviceId(h.device[i]!) };
  if (h.payee[i]! >= 0) e['payee_id'] = payeeId(h.payee[i]!);
  e['channel'] = CHANNELS[h.channel[i]!]!;
  if (!Number.isNaN(h.amount[i]!)) e['amount'] = h.amount[i]!;
  e['occurred_at'] = h.time[i]!;
  return e;
}

/** Column order of the events table, CSV files and the bare insert. */
export const EVENT_COLUMNS = ['type', 'customer_id', 'device_id', 'payee_id', 'channel', 'amount', 'occurred_at'] as const;

export function eventRow(h: History, i: number): (string | number | null)[] {
  return [
    TYPES[h.type[i]!]!, customerId(h.customer[i]!), deviceId(h.device[i]!), h.payee[i]! >= 0 ? payeeId(h.payee[i]!) : null,
    CHANNELS[h.channel[i]!]!, Number.isNaN(h.amount[i]!) ? null : h.amount[i]!, h.time[i]!,
  ];
}

// ---------- the stream of events to decide ----------
/**
 * Incoming events: each follows a stored event of a random customer (so keys
 * are drawn by activity) by 1 s to 20 min, inside the stored time range. About
 * 1% come from customers with no profile and no history. Parsed from JSON
 * with one key order per type, as a decision API receives them.
 */
export function stream(g: Generated, seed: number, count: number): Record<string, unknown>[] {
  const r = rng(seed ^ 0x9e3779b9);
  const h = g.history;
  const out: Record<string, unknown>[] = [];
  let fresh = g.population.customers;
  for (let k = 0; k < count; k++) {
    const j = Math.floor(r() * h.n);
    const t = Math.min(END, h.time[j]! + 1000 + Math.floor(r() * 20 * MIN));
    const unknown = r() < 0.01;
    const c = unknown ? fresh++ : h.customer[j]!;
    const d = unknown ? g.population.devices + k : h.device[j]!;
    const u = r();
    const ty = u < 0.4 ? T_TRANSFER : u < 0.7 ? T_LOGIN : u < 0.82 ? T_DRAWDOWN : u < 0.94 ? T_PAYEE_ADD : T_FAILED;
    const amt = ty === T_TRANSFER ? money(r, 800, 1.3, 500_000) : ty === T_DRAWDOWN ? money(r, 8_000, 1.1, 500_000) : null;
    const p = ty === T_TRANSFER || ty === T_PAYEE_ADD ? payeeId(c * 3 + Math.floor(r() * 4)) : null;
    const e = { type: TYPES[ty], customer_id: customerId(c), device_id: deviceId(d), payee_id: p, channel: CHANNELS[r() < 0.8 ? 0 : 1], amount: amt, occurred_at: t };
    out.push(JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
  }
  return out;
}

// ---------- the cached database ----------
export interface BuiltStore { readonly path: string; readonly built: boolean; readonly seconds: number }

function schemaHash(schema: Schema): string {
  return createHash('sha256').update(schemaToJson(schema)).digest('hex').slice(0, 10);
}

/**
 * The database for (seed, size, generator version, pack schema), built once
 * into `dir` and reused: built under a temporary name and renamed when
 * complete, so an interrupted build is never mistaken for a cached one.
 */
export function cachedStore(dir: string, pack: CheckedPack, seed: number, events: number, g: () => Generated, log: (s: string) => void): BuiltStore {
  mkdirSync(dir, { recursive: true });
  const name = `store-v${GENERATOR_VERSION}-s${seed}-n${events}-${schemaHash(pack.schema)}.db`;
  const path = join(dir, name);
  if (existsSync(path)) return { path, built: false, seconds: 0 };
  // Older builds of the same size (another generator or schema) are dropped.
  for (const f of readdirSync(dir)) if (f.startsWith('store-') && f.includes(`-n${events}-`) && !f.startsWith(name)) rmSync(join(dir, f), { force: true });
  const started = performance.now();
  log(`building ${path} (${events.toLocaleString('en-US')} events; once, then cached)…`);
  const data = g();
  const tmp = `${path}.building-${process.pid}`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  const db = openStore(tmp, { create: true });
  migrate(db, pack.schema);
  const profileFields = ['age_years', 'daily_transfer_limit', 'risk_tier', 'kyc_level', 'opened_at'] as const;
  const insProfile = db.prepare(`INSERT INTO "${entityTable('customer')}" ("${KEY}", ${profileFields.map((f) => `"${f}"`).join(', ')}) VALUES (?, ?, ?, ?, ?, ?)`);
  const insEvent = db.prepare(`INSERT INTO "${EVENTS}" (${EVENT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`);
  db.transaction(() => {
    data.population.profiles.forEach((p, c) => insProfile.run(customerId(c), ...profileFields.map((f) => p[f] ?? null)));
    const h = data.history;
    for (let i = 0; i < h.n; i++) insEvent.run(eventRow(h, i));
  })();
  // The indexes the pack's aggregates need, built once over the whole table.
  ensureIndexes(db, [pack]);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(tmp, path);
  for (const suffix of ['-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  return { path, built: true, seconds: (performance.now() - started) / 1000 };
}

/** Verifies a cached database holds what the generator would put there. */
export function checkStore(db: DB, g: Generated): string | undefined {
  const events = db.prepare(`SELECT count(*) FROM "${EVENTS}"`).pluck().get() as number;
  const customers = db.prepare(`SELECT count(*) FROM "${entityTable('customer')}"`).pluck().get() as number;
  if (events !== g.history.n) return `${events} events stored, the generator makes ${g.history.n}`;
  if (customers !== g.population.customers) return `${customers} profiles stored, the generator makes ${g.population.customers}`;
  const last = db.prepare(`SELECT ${EVENT_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "${EVENTS}" ORDER BY zy_seq DESC LIMIT 1`).raw().get() as unknown[];
  if (JSON.stringify(last) !== JSON.stringify(eventRow(g.history, g.history.n - 1))) return 'the last stored event differs from the generator';
  return undefined;
}

// ---------- import files ----------
/** `events.jsonl` and `events.csv` with the same rows, built once into `dir`. */
export function importFiles(dir: string, seed: number, rows: number, log: (s: string) => void): { jsonl: string; csv: string; history: History } {
  const sub = join(dir, `import-v${GENERATOR_VERSION}-s${seed}-n${rows}`);
  const jsonl = join(sub, 'events.jsonl');
  const csv = join(sub, 'events.csv');
  const g = generate(seed + 1, rows);
  if (existsSync(jsonl) && existsSync(csv)) return { jsonl, csv, history: g.history };
  log(`writing ${jsonl} and events.csv (${rows.toLocaleString('en-US')} rows; once, then cached)…`);
  mkdirSync(sub, { recursive: true });
  const h = g.history;
  const write = (file: string, header: string | undefined, line: (i: number) => string) => {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    let buf = header ? `${header}\n` : '';
    for (let i = 0; i < h.n; i++) {
      buf += `${line(i)}\n`;
      if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ''; }
    }
    writeSync(fd, buf);
    closeSync(fd);
    renameSync(tmp, file);
  };
  write(jsonl, undefined, (i) => JSON.stringify(eventAt(h, i)));
  write(csv, EVENT_COLUMNS.join(','), (i) => eventRow(h, i).map((v) => (v === null ? '' : String(v))).join(','));
  return { jsonl, csv, history: h };
}
