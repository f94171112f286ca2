// Stores for the backtest tests: a hand-computed case small enough to check
// every number by hand, and a larger seeded one for comparing runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { scratchDir } from './scratch.ts';
import { join } from 'node:path';
import { compile, type SourceFile } from '../compiler/index.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import type { Program } from '../runtime/engine.ts';
import { migrate, openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { rng } from '../demo/rows.ts';

export const dir = scratchDir('zhiyu-backtest-');
let n = 0;
export const fresh = (name = 'bt') => join(dir, `${name}-${n++}.db`);

export const at = (iso: string): number => {
  const r = parseTimestamp(`@${iso}`);
  if (!r.ok) throw new Error(`bad time ${iso}`);
  return (r as { value: number }).value;
};

const SCHEMA = `outcomes block > hold > review > allow
threshold review at 40
measured by fraud, chargeback

event "An event" {
  type: enum(login, transfer_out) required "What happened"
  customer_id: string "The customer"
  amount: money "Amount in fen"
}

entity customer by customer_id "The customer's profile" {
  age_years: integer "Age"
}

list watch: string external "Watched customers"
`;

export const CANDIDATE = `pack bt version "1.0"
${SCHEMA}
rule BURST "A second transfer within the hour"
  when event.type == "transfer_out" and count(by customer_id, last 1h, where type == "transfer_out") >= 1
  then hold
  reason BURST

rule BIG "Large transfer"
  when event.type == "transfer_out" and event.amount >= ¥1,000
  then review
  reason BIG

rule WATCHED "Customer on the watch list"
  when event.customer_id in watch
  then block
  reason WATCH

rule ELDER "Elderly customer moves money"
  when event.type == "transfer_out" and customer.age_years >= 70
  score +40
  reason ELDER
`;

export const BASELINE = `pack live version "0.9"
${SCHEMA}
rule BIG "Large transfer"
  when event.type == "transfer_out" and event.amount >= ¥500
  then hold
  reason BIG
`;

export function program(text: string, path = 'pack.zy'): Program {
  const r = compile([{ path, text }]);
  if (!r.ok || !r.optimized || !r.code) throw new Error(`does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return { pack: r.optimized, code: r.code };
}

/** Writes a pack to its own directory (for the CLI). */
export function packDir(name: string, files: SourceFile[] | string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const f of typeof files === 'string' ? [{ path: 'pack.zy', text: files }] : files) writeFileSync(join(d, f.path), f.text);
  return d;
}

export interface Ev { seq: number; customer_id?: string; type: string; amount?: number; at: number }

export function store(path: string, events: readonly Ev[], more: (db: DB) => void = () => {}): string {
  const db = openStore(path, { create: true });
  migrate(db, program(CANDIDATE).pack.schema);
  const ins = db.prepare('INSERT INTO zy_events (zy_seq, type, customer_id, amount, occurred_at) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const e of events) ins.run(e.seq, e.type, e.customer_id ?? null, e.amount ?? null, e.at);
    more(db);
  })();
  db.close();
  return path;
}

/** A label as fraud, not_fraud (the fraud kind, checked and not holding) or chargeback. */
export const label = (db: DB, kind: 'event' | 'customer', subject: string | number, value: 'fraud' | 'not_fraud' | 'chargeback', labeledAt: number | null) =>
  db.prepare('INSERT INTO zy_labels (subject_kind, subject, kind, positive, labeled_at) VALUES (?, ?, ?, ?, ?)')
    .run(kind, String(subject), value === 'not_fraud' ? 'fraud' : value, value === 'not_fraud' ? 0 : 1, labeledAt);

/**
 * The hand-computed case (see spec/backtest.test.ts for every expected
 * number). Event 9 is stored after event 8 but happened before it.
 */
export function handStore(path = fresh('hand')): string {
  const D1 = '2026-02-10T';
  const D2 = '2026-02-11T';
  const events: Ev[] = [
    { seq: 1, customer_id: 'c1', type: 'login', at: at(`${D1}10:00`) },
    { seq: 2, customer_id: 'c1', type: 'transfer_out', amount: 50_000, at: at(`${D1}10:10`) },
    { seq: 3, customer_id: 'c1', type: 'transfer_out', amount: 200_000, at: at(`${D1}10:30`) },
    { seq: 4, customer_id: 'c2', type: 'transfer_out', amount: 150_000, at: at(`${D1}11:00`) },
    { seq: 5, customer_id: 'c3', type: 'transfer_out', amount: 30_000, at: at(`${D2}09:00`) },
    { seq: 6, customer_id: 'c3', type: 'login', at: at(`${D2}09:05`) },
    { seq: 7, customer_id: 'c4', type: 'transfer_out', amount: 80_000, at: at(`${D2}10:00`) },
    { seq: 8, customer_id: 'c4', type: 'transfer_out', amount: 90_000, at: at(`${D2}13:00`) },
    { seq: 9, customer_id: 'c1', type: 'transfer_out', amount: 10_000, at: at(`${D2}10:20`) },
  ];
  return store(path, events, (db) => {
    const prof = db.prepare('INSERT INTO zy_entity_customer (zy_key, age_years) VALUES (?, ?)');
    for (const [c, age] of [['c1', 30], ['c2', 75], ['c3', 40], ['c4', 50]] as const) prof.run(c, age);
    db.prepare(`INSERT INTO zy_list_entries (list, value, source, added_at) VALUES ('watch', 'c4', 'test', ?)`).run(at(`${D2}12:00`));
    label(db, 'event', 3, 'fraud', at('2026-02-17T10:30'));
    label(db, 'event', 4, 'fraud', at('2026-02-12T00:00'));
    label(db, 'event', 4, 'not_fraud', at('2026-02-14T00:00'));
    label(db, 'customer', 'c3', 'chargeback', at('2026-02-13T00:00'));
    label(db, 'event', 6, 'not_fraud', at('2026-02-13T00:00'));
    label(db, 'event', 8, 'fraud', null);
  });
}

/** A seeded store of `count` events over 10 days and 300 customers, with labels and list entries. */
export function randomStore(count: number, seed = 7, path = fresh('random')): string {
  const r = rng(seed);
  const start = at('2026-02-01T00:00');
  const events: Ev[] = [];
  for (let i = 0; i < count; i++) {
    // Mostly in time order, a few stored late (up to two hours after they happened).
    const t = start + Math.floor((i / count) * 10 * 86_400_000) - (r() < 0.02 ? Math.floor(r() * 7_200_000) : 0);
    const transfer = r() < 0.6;
    events.push({ seq: i + 1, customer_id: `c${Math.floor(r() * 300)}`, type: transfer ? 'transfer_out' : 'login', ...(transfer ? { amount: 100 * Math.floor(r() * 3000) } : {}), at: t });
  }
  return store(path, events, (db) => {
    const prof = db.prepare('INSERT INTO zy_entity_customer (zy_key, age_years) VALUES (?, ?)');
    for (let c = 0; c < 300; c++) if (r() < 0.9) prof.run(`c${c}`, 18 + Math.floor(r() * 70));
    const list = db.prepare(`INSERT INTO zy_list_entries (list, value, source, added_at, expires_at) VALUES ('watch', ?, 'test', ?, ?)`);
    for (let c = 0; c < 300; c += 17) list.run(`c${c}`, start + Math.floor(r() * 10 * 86_400_000), r() < 0.5 ? null : start + 9 * 86_400_000);
    for (const e of events) if (r() < 0.03) label(db, 'event', e.seq, r() < 0.7 ? 'fraud' : 'not_fraud', e.at + Math.floor(r() * 5 * 86_400_000));
    for (let c = 0; c < 300; c += 29) label(db, 'customer', `c${c}`, 'chargeback', start + 5 * 86_400_000);
  });
}
