// node --import tsx bench/store-sql.ts [--quick] [--db-events N] [--seed S] [--reps N]
//
// A diagnostic for whoever works on runtime/store: what the four statements of
// a store3 decision cost under settings the store does not use today, measured
// in one process over the same stream of events as bench/store.ts, in CPU
// time (user + system) so that other jobs on a shared machine do not count. Not part of
// `npm run bench`; the variants are:
//   as shipped            openStore's connection, each statement its own read transaction
//   one transaction       BEGIN … COMMIT around each event's four statements
//   mmap                  PRAGMA mmap_size = 1 GiB (pages read by memory access, not pread)
//   covering indexes      a copy of the database with (customer_id, occurred_at, type, amount)
//                         and (device_id, occurred_at, customer_id), which SQLite picks itself
//   all three
// The copy with the extra indexes is made in bench/.data/ and deleted afterwards.
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { openStore, SqliteProvider, type DB } from '../runtime/store/sqlite/index.ts';
import { cachedStore, generate, stream } from './store-data.ts';
import { bareSql } from './store.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const QUICK = argv.includes('--quick');
const SEED = option('seed', 20260301);
const N = option('db-events', QUICK ? 200_000 : 1_000_000);
const REPS = option('reps', QUICK ? 3 : 7);
const here = dirname(fileURLToPath(import.meta.url));
const DATA = join(here, '.data');
const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const r = compile(readPack([join(here, 'packs', 'store3')]));
if (!r.ok) throw new Error('store3 does not compile');
const g = generate(SEED, N);
const built = cachedStore(DATA, r.checked!, SEED, N, () => g, console.log);
const events = stream(g, SEED, QUICK ? 10_000 : 20_000);
const copy = join(DATA, `tmp-covering-${process.pid}.db`);
copyFileSync(built.path, copy);
const covering = openStore(copy);
let t = performance.now();
covering.exec('CREATE INDEX ix_customer_cover ON zy_events (customer_id, occurred_at, type, amount)');
covering.exec('CREATE INDEX ix_device_cover ON zy_events (device_id, occurred_at, customer_id)');
covering.pragma('wal_checkpoint(TRUNCATE)');
console.log(`covering indexes built on a copy in ${fmt((performance.now() - t) / 1000)} s; +${fmt((statSync(copy).size - statSync(built.path).size) / 2 ** 20, 0)} MiB`);

interface Variant { name: string; db: DB; txn: boolean }
const conn = (path: string, mmap: boolean) => { const d = path === copy ? covering : openStore(path); if (mmap) d.pragma('mmap_size = 1073741824'); return d; };
const variants: Variant[] = [
  { name: 'as shipped', db: conn(built.path, false), txn: false },
  { name: 'one transaction', db: conn(built.path, false), txn: true },
  { name: 'mmap', db: conn(built.path, true), txn: false },
  { name: 'covering indexes', db: conn(copy, false), txn: false },
  { name: 'all three', db: openStore(copy), txn: true },
];
variants[4]!.db.pragma('mmap_size = 1073741824');
const runs = variants.map((v) => {
  const sql = bareSql(v.db, new SqliteProvider(v.db, r.optimized!));
  const begin = v.db.prepare('BEGIN');
  const commit = v.db.prepare('COMMIT');
  return { v, sql, begin, commit };
});
for (const { v, sql } of runs) console.log(`${v.name}:\n${sql.statements.map((s) => `  ${s.label.padEnd(8)} ${s.plan}`).join('\n')}`);
// The same answers everywhere.
for (const e of events.slice(0, 2000)) {
  const want = JSON.stringify(runs[0]!.sql.values(e));
  for (const x of runs) if (JSON.stringify(x.sql.values(e)) !== want) throw new Error(`${x.v.name} gives another answer for ${JSON.stringify(e)}`);
}

const LABELS = ['profile', 'count', 'sum', 'distinct', 'all four'];
const res = runs.map(() => LABELS.map(() => [] as number[]));
let sink = 0;
/** CPU time (user + system, µs) since `c`: robust to other jobs on a shared machine taking the core. */
const cpuSince = (c: NodeJS.CpuUsage) => { const d = process.cpuUsage(c); return d.user + d.system; };
for (let rep = 0; rep < REPS + 1; rep++) {
  for (let k = 0; k < runs.length; k++) {
    const j = (k + rep) % runs.length;
    const { v, sql, begin, commit } = runs[j]!;
    sql.one.forEach((f, s) => {
      const c = process.cpuUsage();
      if (v.txn) for (const e of events) { begin.run(); sink += f(e) ? 1 : 0; commit.run(); } else for (const e of events) sink += f(e) ? 1 : 0;
      if (rep) res[j]![s]!.push(cpuSince(c) / events.length);
    });
    const c = process.cpuUsage();
    if (v.txn) for (const e of events) { begin.run(); sink += sql.run(e); commit.run(); } else for (const e of events) sink += sql.run(e);
    if (rep) res[j]![4]!.push(cpuSince(c) / events.length);
  }
}
console.log(`\nCPU µs per event, median of ${REPS} repetitions over ${fmt(events.length, 0)} stream events, ${fmt(N, 0)}-event database (a statement alone in a transaction pays BEGIN/COMMIT itself)\n`);
console.log(`  ${'variant'.padEnd(18)}${LABELS.map((l) => l.padStart(10)).join('')}  ${'× as shipped'.padStart(12)}`);
const base = median(res[0]![4]!);
runs.forEach(({ v }, j) => console.log(`  ${v.name.padEnd(18)}${res[j]!.map((xs) => fmt(median(xs)).padStart(10)).join('')}  ${`${fmt(median(res[j]![4]!) / base, 2)}×`.padStart(12)}`));
console.log(`sink ${sink % 1000}`);
for (const x of runs) x.v.db.close();
for (const s of ['', '-wal', '-shm']) rmSync(copy + s, { force: true });
