// node --import tsx bench/import-pg.ts [--quick] [--import-rows N] [--rounds N] [--old FILE] [--cli] [--jsonl-only]
//
// `db import` of events on PostgreSQL next to SQLite, in one process: the
// JSONL and CSV files of bench/store.ts (the store3 pack's event schema and
// its covering indexes), each import into a fresh database:
//   - SQLite importFile (the baseline of the same run);
//   - PostgreSQL, months with no partition yet (a history loaded into a new
//     store: each month is filled as a table, indexed, and attached);
//   - PostgreSQL, months that already have partitions (the rows are copied
//     into them and every index is kept up to date row by row).
// The server is the embedded PostgreSQL the tests use (spec/pg-server.ts,
// fsync off), on this machine. Besides wall time, the CPU seconds of this
// process and of the server's processes are read, because on a shared
// machine the wall clock says more about the other jobs than about either.
// Every import must store the same rows (count, sums, last zy_seq).
// --cli adds `zhiyu db import` run as a child process (its CPU is not in the
// node column), and with --old the CLI of the tree that FILE is in.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { q } from '../runtime/store/tables.ts';
import { cpus, loadavg } from 'node:os';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import type { Schema } from '../compiler/ir.ts';
import { importFile, migrate, openStore } from '../runtime/store/sqlite/index.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { importFilePg } from '../runtime/store/postgres/ingest.ts';
import { pgServer } from '../spec/pg-server.ts';
import { importFiles } from './store-data.ts';
import { parseOptions } from './options.ts';
import { serverCpu } from './pg-cpu.ts';

const here = dirname(fileURLToPath(import.meta.url));
const die = (m: string): never => { console.error(`import-pg: ${m}`); process.exit(1); };
const { flag, option } = parseOptions(process.argv.slice(2), die);
const QUICK = flag('quick');
const ROWS = option('import-rows', QUICK ? 50_000 : 300_000);
const ROUNDS = option('rounds', QUICK ? 1 : 3);
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

const compiled = compile(readPack([join(here, 'packs', 'store3')]));
if (!compiled.ok || !compiled.checked || !compiled.optimized) die('store3 does not compile');
const pack = compiled.checked!;
const schema: Schema = pack.schema;
const files = importFiles(join(here, '.data'), 20260301, ROWS, (s) => console.log(`  ${s}`));
const server = await pgServer();
// An older implementation to compare with, same signature (for before/after numbers): --old path/to/ingest.ts
const oldArg = process.argv.indexOf('--old');
const oldImport = oldArg > 0 ? (await import(process.argv[oldArg + 1]!)).importFilePg as typeof importFilePg : undefined;
// Its store too (store.ts beside it): the before rows run on the schema that tree makes (migrations, collations).
const OldStore = oldArg > 0 ? (await import(join(dirname(process.argv[oldArg + 1]!), 'store.ts'))).PostgresStore as typeof PostgresStore : undefined;

console.log(`\nzhiyu benchmark: importing events into PostgreSQL and SQLite`);
console.log(`  date     ${new Date().toISOString()}`);
console.log(`  node     ${process.version}; cpu ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`);
console.log(`  rows     ${fmt(ROWS)} events per file (store3's schema and covering indexes), ${ROUNDS} round(s), median`);

let dbs = 0;
const urls = new Map<PostgresStore, string>();
async function pgStore(existingMonths: boolean, Store = PostgresStore): Promise<PostgresStore> {
  const url = await server.database(`bench_import_${process.pid}_${dbs++}`);
  const s = await Store.open(url, { create: true });
  urls.set(s, url);
  await s.migrate(schema);
  await s.ensureIndexes([pack]);
  if (existingMonths) await s.partitionsFor(Date.UTC(2025, 10, 1), Date.UTC(2026, 2, 1));
  return s;
}

/**
 * Drops the databases of the imports so far: otherwise autovacuum goes over
 * the rows one import loaded while the next is timed, and its CPU is counted
 * against that one (dropping stops it).
 */
async function dropDatabases(): Promise<void> {
  for (const [s, url] of urls) {
    const admin = new pg.Client(url.replace(/\/[^/]+$/, '/postgres'));
    await admin.connect();
    try { await admin.query(`DROP DATABASE IF EXISTS ${q(new URL(url).pathname.slice(1))} WITH (FORCE)`); } finally { await admin.end(); }
    urls.delete(s);
  }
}

type Fingerprint = string;
/** `prepare` (not timed) makes the empty store and returns the timed import. */
interface Job { readonly name: string; readonly prepare: () => Promise<() => Promise<Fingerprint>> }
const pgFingerprint = async (s: PostgresStore) => {
  const c = await s.pool.connect();
  try {
    // A loaded machine takes longer than the pool's statement timeout over a million rows.
    await c.query('SET statement_timeout = 0');
    return JSON.stringify(Object.values((await c.query(
      `SELECT count(*)::bigint AS n, sum(amount)::bigint AS a, sum(occurred_at)::bigint AS t, count(DISTINCT customer_id)::bigint AS c, max(zy_seq)::bigint AS m FROM zy_events`)).rows[0]).map(Number));
  } finally { c.release(); }
};
const pgJob = (name: string, file: string, existing: boolean, imp: typeof importFilePg, Store = PostgresStore): Job => ({
  name, prepare: async () => {
    const s = await pgStore(existing, Store);
    return async () => {
      try {
        const r = await imp(s, schema, file);
        if (r.rows !== ROWS) die(`${name}: ${r.rows} rows`);
        return await pgFingerprint(s);
      } finally { await s.close(); }
    };
  },
});
const sqliteJob = (name: string, file: string): Job => ({
  name, prepare: async () => {
    const path = join(here, '.data', `tmp-import-pg-${process.pid}.db`);
    const drop = () => { for (const x of ['', '-wal', '-shm']) rmSync(path + x, { force: true }); };
    drop();
    const db = openStore(path, { create: true });
    migrate(db, schema);
    return async () => {
      try {
        await importFile(db, schema, file);
        return JSON.stringify((db.prepare(`SELECT count(*), sum(amount), sum(occurred_at), count(DISTINCT customer_id), max(zy_seq) FROM zy_events`).raw().get() as number[]).map(Number));
      } finally { db.close(); drop(); }
    };
  },
});

/** `zhiyu db import <url> <file>` as a user runs it (a child process of the CLI in `root`), into existing months. */
const cliJob = (name: string, root: string, file: string): Job => ({
  name, prepare: async () => {
    const s = await pgStore(true);
    return async () => {
      try {
        const r = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'db', 'import', urls.get(s)!, file, '--pack', join(here, 'packs', 'store3')], { encoding: 'utf8' });
        if (r.status !== 0) die(`${name}: ${r.stderr}`);
        return await pgFingerprint(s);
      } finally { await s.close(); }
    };
  },
});
// The CLI of the tree --old is in (…/runtime/store/postgres/ingest.ts), for the before column.
const oldRoot = oldArg > 0 ? join(dirname(process.argv[oldArg + 1]!), '..', '..', '..') : undefined;

const JOBS: Job[] = [
  sqliteJob('SQLite importFile events.jsonl (baseline)', files.jsonl),
  pgJob('PostgreSQL, new months, events.jsonl', files.jsonl, false, importFilePg),
  pgJob('PostgreSQL, existing months, events.jsonl', files.jsonl, true, importFilePg),
  ...(flag('jsonl-only') ? [] : [sqliteJob('SQLite importFile events.csv', files.csv), pgJob('PostgreSQL, new months, events.csv', files.csv, false, importFilePg)]),
  ...(flag('cli') ? [cliJob('CLI db import, existing months, .jsonl', join(here, '..'), files.jsonl)] : []),
  ...(oldImport ? [pgJob('before: PostgreSQL, new months, .jsonl', files.jsonl, false, oldImport, OldStore), pgJob('before: PostgreSQL, existing months, .jsonl', files.jsonl, true, oldImport, OldStore)] : []),
  ...(oldRoot && flag('cli') ? [cliJob('before: CLI db import, existing months', oldRoot, files.jsonl)] : []),
];
const wall: number[][] = JOBS.map(() => []);
const nodeCpu: number[][] = JOBS.map(() => []);
const pgCpu: number[][] = JOBS.map(() => []);
const loads: number[] = [];
let expected: string | undefined;
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < JOBS.length; k++) {
    const j = (k + round) % JOBS.length;
    const run = await JOBS[j]!.prepare();
    loads.push(loadavg()[0]!);
    const t = performance.now();
    const c0 = process.cpuUsage();
    const s0 = serverCpu() ?? 0;
    const fp = await run();
    const c = process.cpuUsage(c0);
    wall[j]!.push((performance.now() - t) / 1000);
    nodeCpu[j]!.push((c.user + c.system) / 1e6);
    pgCpu[j]!.push((serverCpu() ?? 0) - s0);
    await dropDatabases();
    expected ??= fp;
    if (fp !== expected) die(`${JOBS[j]!.name} stored ${fp}, the first import ${expected}`);
  }
  console.log(`  round ${round + 1}/${ROUNDS} done (load ${fmt(loadavg()[0]!, 2)})`);
}
const base = median(wall[0]!);
const w = Math.max(...JOBS.map((j) => j.name.length));
const head = ['wall s', 'rows/s', '× SQLite', 'node CPU s', 'server CPU', 'rows/CPU-s'];
console.log(`\n  load average during the runs: ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} (1 min), on ${cpus().length} cores`);
console.log(`  ${'import'.padEnd(w)}  ${head.map((h) => h.padStart(12)).join('')}`);
JOBS.forEach((job, j) => {
  const s = median(wall[j]!);
  const n = median(nodeCpu[j]!);
  const p = median(pgCpu[j]!);
  const cells = [fmt(s, 2), fmt(ROWS / s), `${fmt(base / s, 2)}×`, fmt(n, 2), fmt(p, 2), fmt(ROWS / (n + p))];
  console.log(`  ${job.name.padEnd(w)}  ${cells.map((c) => c.padStart(12)).join('')}`);
});
console.log(`  (server CPU: the PostgreSQL processes this run started, from /proc; node CPU includes the SQLite library's work)`);
process.exit(0);
