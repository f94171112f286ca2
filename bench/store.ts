// npm run bench -- --store [--quick] [--db-events N] [--import-rows N] [--stream N] [--sample N] [--seed S] [--passes N] [--time MS]
// (also run after the in-memory benchmark by a plain `npm run bench`; or directly: node --import tsx bench/store.ts)
//
// Decisions over the SQLite feature store, in one process on one core:
//   1. a seeded history of 1,000,000 events (200,000 with --quick) for the
//      store3 pack (bench/packs/store3: one profile row and three velocity
//      windows per decision), built once into bench/.data/ and reused;
//   2. correctness first: every stream event runs exactly the four statements,
//      the bare SQL gives the same values as the provider for every event, and
//      for a sample the compiled engine on SQLite agrees with the reference
//      interpreter on a MemoryProvider holding the same events, found by brute
//      force from the generator (decisions, and each aggregate via aggregateOver);
//   3. tinybench times one decision per task call, so it gives each row's
//      latency distribution: decideRaw and decide on SqliteProvider next to the
//      bare SQL those decisions run (the provider's own SQL text, prepared again
//      and run directly with better-sqlite3), in the same passes, in a rotated
//      order; CPU time per decision is taken around each task too, because on
//      a shared machine wall-clock means include the time other jobs held the core;
//   4. import throughput: importFile of a JSONL and a CSV file of 500,000
//      events (50,000 with --quick) next to a bare insert loop of the same rows.
import { createReadStream, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import { Bench } from 'tinybench';
import type Database from 'better-sqlite3';
import { readPack } from '../cli/pack-files.ts';
import { compile, renderDiagnostic, type AggregateSpec, type Value } from '../compiler/index.ts';
import { startOfLocalDay } from '../compiler/semantics.ts';
import { aggregateOver, interpret, load, MemoryProvider, runTests, type AggregateQuery, type FeatureProvider, type HistoryEvent } from '../runtime/index.ts';
import { ensureIndexes, importFile, migrate, openStore, SqliteProvider, type DB } from '../runtime/store/sqlite/index.ts';
import { EVENTS } from '../runtime/store/tables.ts';
import { parseOptions } from './options.ts';
import {
  cachedStore, checkStore, customerIndex, deviceIndex, EVENT_COLUMNS, eventAt, eventRow, generate, GENERATOR_VERSION,
  importFiles, stream, type Generated, type History,
} from './store-data.ts';

const here = dirname(fileURLToPath(import.meta.url));
const DATA_DIR = join(here, '.data');
const PACK_DIR = join(here, 'packs', 'store3');
const DAY = 86_400_000;
const HIGH = Number.MAX_SAFE_INTEGER; // SqliteProvider's `before` when every stored event is history

function die(msg: string): never {
  console.error(`\n\x1b[31m✗ STORE BENCHMARK ABORTED: ${msg}\x1b[0m\n`);
  process.exit(1);
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Nearest-rank percentile of an ascending array. */
const pct = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** FNV-1a over (event index, fired ids, score), as in run.ts. */
class Checksum {
  private h = 0x811c9dc5;
  add(n: number): void {
    let x = n | 0;
    for (let i = 0; i < 4; i++) { this.h = Math.imul(this.h ^ (x & 0xff), 0x01000193) >>> 0; x >>>= 8; }
  }
  event(i: number, fired: readonly number[], score: number): void {
    this.add(i); this.add(fired.length);
    for (const f of fired) this.add(f);
    this.add(score);
  }
  get hex(): string { return this.h.toString(16).padStart(8, '0'); }
}

export interface BareSql {
  readonly statements: readonly { readonly label: string; readonly sql: string; readonly plan: string }[];
  /** What a hand-written service would do per event: compute the windows, run the four statements. */
  run(e: Record<string, unknown>): number;
  /** The same, returning the profile row and the three values. */
  values(e: Record<string, unknown>): [Record<string, unknown> | undefined, number, number, number];
  /** One statement alone (diagnostics). */
  one: readonly ((e: Record<string, unknown>) => unknown)[];
}

/**
 * The four statements a store3 decision runs, with the SQL text of the
 * provider's own prepared statements (read from its private fields, so that
 * the baseline is exactly the same SQL), prepared again on `db`.
 */
export function bareSql(db: DB, provider: SqliteProvider): BareSql {
  type Stmt = Database.Statement;
  const aggs = provider.pack.aggregates;
  // A live decision reads the current version of the profile row.
  const internals = provider as unknown as { entityStmts?: Map<string, { current: Stmt }>; plans?: { sql?: Stmt; params?: readonly (number | string)[] }[] };
  const profileSrc = internals.entityStmts?.get('customer')?.current.source;
  const aggSrc = aggs.map((a) => internals.plans?.[a.id]?.sql?.source);
  const aggParams = aggs.map((a) => internals.plans?.[a.id]?.params);
  if (!profileSrc || aggSrc.length !== 3 || aggSrc.some((s) => !s) || aggParams.some((p) => !p)) {
    die('cannot read the SQL of SqliteProvider\'s prepared statements (entityStmts.current / plans[id].sql); runtime/store/sqlite/provider.ts changed: update bench/store.ts');
  }
  const sumParams = aggParams[1]!;
  if (aggParams[0]!.length || aggParams[2]!.length || sumParams.length !== 1 || sumParams[0] !== 'transfer_out') die(`unexpected filter parameters ${JSON.stringify(aggParams)}`);
  const sumType = sumParams[0] as string;
  const sqlProfile = db.prepare(profileSrc);
  const [sqlCount, sqlSum, sqlDistinct] = aggSrc.map((s) => db.prepare(s!).raw()) as [Stmt, Stmt, Stmt];
  const statements = (['profile', 'count', 'sum', 'distinct'] as const).map((label, i) => {
    const src = i === 0 ? profileSrc : aggSrc[i - 1]!;
    const args = label === 'profile' ? ['x'] : [{ key: 'x', from: 0, now: 0, before: 0 }, ...(label === 'sum' ? [sumType] : [])];
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${src}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
    return { label, sql: src.replace(/\s+/g, ' '), plan };
  });
  const profile = (e: Record<string, unknown>) => sqlProfile.get(e['customer_id'] as string) as Record<string, unknown> | undefined;
  const count = (e: Record<string, unknown>) => {
    const now = e['occurred_at'] as number;
    return (sqlCount.get({ key: e['customer_id'] as string, from: now - DAY + 1, now, before: HIGH }) as [number])[0];
  };
  const sum = (e: Record<string, unknown>) => {
    const now = e['occurred_at'] as number;
    return (sqlSum.get({ key: e['customer_id'] as string, from: startOfLocalDay(now), now, before: HIGH }, sumType) as [number | null, number])[0] ?? 0;
  };
  const distinct = (e: Record<string, unknown>) => {
    const now = e['occurred_at'] as number;
    return (sqlDistinct.get({ key: e['device_id'] as string, from: now - 30 * DAY + 1, now, before: HIGH }) as [number])[0];
  };
  return {
    statements,
    run: (e) => (profile(e) ? 1 : 0) + count(e) + sum(e) + distinct(e),
    values: (e) => [profile(e), count(e), sum(e), distinct(e)],
    one: [profile, count, sum, distinct],
  };
}

export interface StoreReport {
  readonly quick: boolean;
  readonly targets: readonly { readonly met: boolean; readonly text: string }[];
}

export async function runStoreBench(argv: readonly string[] = process.argv.slice(2)): Promise<StoreReport> {
  const { flag, option } = parseOptions(argv, die);
  const QUICK = flag('quick');
  const SEED = option('seed', 20260301);
  const DB_EVENTS = option('db-events', QUICK ? 200_000 : 1_000_000);
  const IMPORT_ROWS = option('import-rows', QUICK ? 50_000 : 500_000);
  const STREAM = option('stream', QUICK ? 5_000 : 20_000);
  const SAMPLE = Math.min(STREAM, option('sample', QUICK ? 200 : 1_000));
  const PASSES = option('passes', QUICK ? 2 : 10);
  const TASK_MS = option('time', QUICK ? 250 : 1_000);
  const IMPORT_ROUNDS = QUICK ? 1 : 3;
  const t0 = performance.now();
  const log = (s: string) => console.log(`  ${s}`);

  // ---------- environment ----------
  console.log(`\nzhiyu benchmark: store3 over SQLite (a profile row and three velocity windows per decision)`);
  console.log(`  date     ${new Date().toISOString()}`);
  console.log(`  node     ${process.version} (${process.platform}/${process.arch}, V8 ${process.versions.v8})`);
  console.log(`  cpu      ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`);
  console.log(`  load     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min)`);
  console.log(`  mode     ${QUICK ? 'quick (smaller database: say so when quoting these numbers)' : 'full'}: ${fmt(DB_EVENTS)} stored events, ` +
    `${fmt(STREAM)} stream events, seed ${SEED}, ${PASSES} passes × ${TASK_MS} ms per task; import ${fmt(IMPORT_ROWS)} rows × ${IMPORT_ROUNDS}`);

  // ---------- compile ----------
  const compiled = compile(readPack([PACK_DIR]));
  if (!compiled.ok || !compiled.checked || !compiled.optimized || !compiled.code) {
    for (const d of compiled.diagnostics) console.error(renderDiagnostic(d, compiled.files));
    die('the pack does not compile');
  }
  const checked = compiled.checked;
  const optimized = compiled.optimized;
  const engine = load({ pack: optimized, code: compiled.code });
  const failedTests = runTests(checked, (e, p) => engine.decide(e, p)).filter((t) => !t.passed);
  if (failedTests.length) die(`the pack's own tests fail: ${failedTests.map((t) => t.name).join('; ')}`);
  const aggs = optimized.aggregates;
  const want = ['count(by customer_id, last 1d)', 'sum(amount, by customer_id, today, where (type == "transfer_out"))', 'distinct(customer_id, by device_id, last 30d)'];
  if (aggs.length !== 3 || aggs.some((a, i) => a.text !== want[i])) die(`store3 should have exactly these aggregates, in order: ${want.join('; ')} (has ${aggs.map((a) => a.text).join('; ')})`);
  const [A_COUNT, A_SUM, A_DISTINCT] = aggs as [AggregateSpec, AggregateSpec, AggregateSpec];
  console.log(`  pack     ${checked.rules.length} rules, ${aggs.length} aggregates, 1 entity; ${checked.tests.length} in-language tests pass`);

  // ---------- data ----------
  let tGen = performance.now();
  const g: Generated = generate(SEED, DB_EVENTS);
  tGen = (performance.now() - tGen) / 1000;
  const built = cachedStore(DATA_DIR, checked, SEED, DB_EVENTS, () => g, log);
  const db = openStore(built.path);
  const stale = checkStore(db, g);
  if (stale) die(`${built.path} does not match the generator (${stale}); delete it and run again`);
  ensureIndexes(db, [optimized]); // already there: what a service would call at start
  const provider = new SqliteProvider(db, optimized);
  // Outside a transaction each statement opens and closes its own read transaction
  // (in WAL mode: two fcntl locks and an fstat); BEGIN … COMMIT shares one per decision.
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const events = stream(g, SEED, STREAM);
  const size = statSync(built.path).size;
  const pragma = (p: string) => db.pragma(p, { simple: true }) as string | number;
  console.log(`  data     ${relative(process.cwd(), built.path)}: ${fmt(g.history.n)} events, ${fmt(g.population.customers)} customer profiles, ` +
    `${fmt(g.population.devices)} devices, ${fmt(g.population.payees)} payees over 90 days; ${fmt(size / 2 ** 20)} MiB; ` +
    (built.built ? `built in ${fmt(built.seconds, 1)} s` : `cached (generator ${fmt(tGen, 1)} s)`));
  console.log(`  sqlite   ${db.prepare('select sqlite_version()').pluck().get() as string}, journal ${pragma('journal_mode')}, page ${pragma('page_size')} B, ` +
    `cache_size ${pragma('cache_size')}, mmap_size ${pragma('mmap_size')} (openStore's defaults)`);
  console.log(`  stream   ${fmt(events.length)} events (keys drawn by activity, 1–20 min after a stored event, inside the stored range)`);

  // ---------- the bare SQL: the provider's own statements, prepared again ----------
  const sql = bareSql(db, provider);
  const { run: bare, values: bareValues } = sql;
  console.log('\nthe statements a decision runs (SqliteProvider\'s SQL, run directly for the baseline), with SQLite\'s plan:');
  for (const s of sql.statements) console.log(`  ${s.label.padEnd(8)} ${s.sql}\n  ${''.padEnd(8)} → ${s.plan}`);

  // ---------- correctness 1: every stream event, provider vs bare SQL, four statements each ----------
  const ruleIds = checked.rules.map((r) => r.id);
  const idIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  const seenRows: (object | undefined)[] = [];
  const seenAggs: Value[] = [];
  let calls = { entity: 0, aggregate: 0, list: 0 };
  let cur = 0;
  const counting: FeatureProvider = {
    entity: (name, key) => { calls.entity++; const r = provider.entity(name, key); seenRows[cur] = r; return r; },
    aggregate: (q) => { calls.aggregate++; const v = provider.aggregate(q); seenAggs[cur * 3 + q.spec.id] = v; return v; },
    listHas: (l, v, n) => { calls.list++; return provider.listHas(l, v, n); },
  };
  const sums = { raw: new Checksum(), decide: new Checksum(), precomputed: new Checksum(), inTransaction: new Checksum() };
  const firedCount = new Array<number>(ruleIds.length).fill(0);
  const outcomes = new Map<string, number>();
  let firedEvents = 0;
  let tCheck = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    cur = i;
    calls = { entity: 0, aggregate: 0, list: 0 };
    let raw;
    try { raw = engine.decideRaw(e, counting); } catch (err) { die(`stream event #${i} could not be decided: ${(err as Error).message}\n${JSON.stringify(e)}`); }
    if (calls.entity !== 1 || calls.aggregate !== 3 || calls.list !== 0) {
      die(`stream event #${i} made ${calls.entity} entity, ${calls.aggregate} aggregate and ${calls.list} list calls; the benchmark assumes exactly 1, 3 and 0\n${JSON.stringify(e)}`);
    }
    const [row, c, s, d] = bareValues(e);
    const pr = seenRows[i] as Record<string, unknown> | undefined;
    const rowSame = (pr === undefined) === (row === undefined) && (!pr || Object.entries(pr).every(([k, v]) => row![k] === v));
    if (!rowSame || seenAggs[i * 3 + A_COUNT.id] !== c || seenAggs[i * 3 + A_SUM.id] !== s || seenAggs[i * 3 + A_DISTINCT.id] !== d) {
      die(`stream event #${i}: the bare SQL and SqliteProvider disagree: provider ${JSON.stringify([pr, seenAggs.slice(i * 3, i * 3 + 3)])}, bare ${JSON.stringify([row, c, s, d])}`);
    }
    const full = engine.decide(e, provider);
    const fullFired = full.fired.map((f) => idIndex.get(f.id)!);
    const rawFired = sorted(raw.fired);
    if (fullFired.join() !== rawFired.join() || full.score !== raw.score) die(`stream event #${i}: decide and decideRaw disagree`);
    sums.raw.event(i, rawFired, raw.score);
    sums.decide.event(i, fullFired, full.score);
    for (const f of rawFired) firedCount[f]!++;
    if (rawFired.length) firedEvents++;
    outcomes.set(full.outcome, (outcomes.get(full.outcome) ?? 0) + 1);
  }
  /** The same features answered from memory, captured above: decideRaw with no SQL at all. */
  const precomputed: FeatureProvider = {
    entity: () => seenRows[cur],
    aggregate: (q) => seenAggs[cur * 3 + q.spec.id],
    listHas: () => false,
  };
  for (let i = 0; i < events.length; i++) {
    cur = i;
    const r = engine.decideRaw(events[i]!, precomputed);
    sums.precomputed.event(i, sorted(r.fired), r.score);
    begin.run();
    const t = engine.decideRaw(events[i]!, provider);
    commit.run();
    sums.inTransaction.event(i, sorted(t.fired), t.score);
  }
  if (new Set(Object.values(sums).map((x) => x.hex)).size !== 1) die(`checksums differ: ${Object.entries(sums).map(([k, v]) => `${k}=${v.hex}`).join(' ')}`);
  const never = ruleIds.filter((_, i) => firedCount[i] === 0);
  if (never.length) die(`rules that never fire on the stream (the data should exercise every rule): ${never.join(', ')}`);
  tCheck = (performance.now() - tCheck) / 1000;
  console.log(`\ncorrectness:`);
  console.log(`  all ${fmt(events.length)} stream events: exactly 1 profile read and 3 aggregates each; the bare SQL returns the same row and values as SqliteProvider;`);
  console.log(`    decideRaw, decide, decideRaw in a read transaction and decideRaw on precomputed features agree (checksum ${sums.raw.hex}) [${fmt(tCheck, 1)} s]`);
  console.log(`  ${fmt(100 * firedEvents / events.length, 1)}% of events fire a rule; outcomes ` +
    [...outcomes].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${fmt(100 * n / events.length, 1)}%`).join(', ') +
    `; fires per rule: ${ruleIds.map((id, i) => `${id} ${firedCount[i]}`).join(', ')}`);

  // ---------- correctness 2: a sample against the interpreter on brute-force memory ----------
  let tSample = performance.now();
  const sample = Array.from({ length: SAMPLE }, (_, k) => Math.floor((k * events.length) / SAMPLE));
  const h: History = g.history;
  const wantC = new Set(sample.map((i) => customerIndex(events[i]!['customer_id'] as string)));
  const wantD = new Set(sample.map((i) => deviceIndex(events[i]!['device_id'] as string)));
  const byC = new Map<number, number[]>();
  const byD = new Map<number, number[]>();
  for (let i = 0; i < h.n; i++) {
    const c = h.customer[i]!;
    const d = h.device[i]!;
    if (wantC.has(c)) { let l = byC.get(c); if (!l) byC.set(c, l = []); l.push(i); }
    if (wantD.has(d)) { let l = byD.get(d); if (!l) byD.set(d, l = []); l.push(i); }
  }
  let comparedAggs = 0;
  let historyRows = 0;
  const nonZero = [0, 0, 0];
  const close = (a: Value, b: Value) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)));
  for (const i of sample) {
    const e = events[i]!;
    const c = customerIndex(e['customer_id'] as string);
    const d = deviceIndex(e['device_id'] as string);
    const idx = [...new Set([...(byC.get(c) ?? []), ...(byD.get(d) ?? [])])];
    const history: HistoryEvent[] = idx.map((j) => eventAt(h, j));
    historyRows += history.length;
    const profile = c < g.population.customers ? g.population.profiles[c] : undefined;
    const memory = new MemoryProvider({ history, entities: { customer: new Map(profile ? [[e['customer_id'] as string, profile]] : []) } });
    const ref = interpret(checked, e, memory).decision;
    const got = engine.decide(e, provider);
    if (JSON.stringify(ref) !== JSON.stringify(got)) {
      die(`stream event #${i}: compiled engine on SQLite and interpreter on MemoryProvider disagree\n  event ${JSON.stringify(e)}\n  sqlite      ${JSON.stringify(got)}\n  interpreter ${JSON.stringify(ref)}`);
    }
    const rowGot = provider.entity('customer', e['customer_id'] as Value);
    if (JSON.stringify(rowGot ?? null) !== JSON.stringify(profile ?? null)) die(`stream event #${i}: stored profile ${JSON.stringify(rowGot)} differs from the generator's ${JSON.stringify(profile)}`);
    const now = e['occurred_at'] as number;
    for (const spec of aggs) {
      const key = e[spec.by!] as Value;
      const filter = spec === A_SUM ? (x: HistoryEvent) => x['type'] === 'transfer_out' : undefined;
      const q: AggregateQuery = { spec, now, key, ...(filter ? { filter } : {}) };
      const brute = aggregateOver(history, q);
      const stored = provider.aggregate(q);
      if (!close(brute, stored)) die(`stream event #${i}: ${spec.text} = ${String(stored)} from SQLite, ${String(brute)} by brute force over the same events`);
      if (brute !== 0) nonZero[spec.id]!++;
      comparedAggs++;
    }
  }
  tSample = (performance.now() - tSample) / 1000;
  console.log(`  sample of ${fmt(SAMPLE)}: engine.decide on SQLite = interpret() on a MemoryProvider of the same events (whole decision: outcome, score, fired rules,`);
  console.log(`    messages, values seen); ${fmt(comparedAggs)} aggregates = aggregateOver by brute force (non-zero: count ${nonZero[0]}, sum ${nonZero[1]}, distinct ${nonZero[2]});`);
  console.log(`    profiles = the generator's; ${fmt(historyRows)} history events rebuilt from the generator, not read from SQLite [${fmt(tSample, 1)} s]`);

  // ---------- timing ----------
  let sink = 0;
  interface Job { readonly name: string; readonly run: (e: Record<string, unknown>, i: number) => number }
  const sumFilter = (x: HistoryEvent) => x['type'] === 'transfer_out';
  const JOBS: readonly Job[] = [
    { name: 'bare SQL: the 4 statements (baseline)', run: (e) => bare(e) },
    { name: 'zhiyu decideRaw on SqliteProvider', run: (e) => { const r = engine.decideRaw(e, provider); return r.fired.length + r.score; } },
    { name: 'zhiyu decide (explained) on SqliteProvider', run: (e) => { const r = engine.decide(e, provider); return r.fired.length + r.score; } },
    {
      name: '  of which SqliteProvider calls alone', run: (e) => {
        const now = e['occurred_at'] as number;
        const cid = e['customer_id'] as string;
        const row = provider.entity('customer', cid);
        const a = provider.aggregate({ spec: A_COUNT, now, key: cid }) as number;
        const b = provider.aggregate({ spec: A_SUM, now, key: cid, filter: sumFilter }) as number;
        const c = provider.aggregate({ spec: A_DISTINCT, now, key: e['device_id'] as string }) as number;
        return (row ? 1 : 0) + a + b + c;
      },
    },
    { name: '  of which decideRaw on precomputed features', run: (e, i) => { cur = i; const r = engine.decideRaw(e, precomputed); return r.fired.length + r.score; } },
    { name: 'bare SQL in one read transaction', run: (e) => { begin.run(); try { return bare(e); } finally { commit.run(); } } },
    { name: 'decideRaw in one read transaction', run: (e) => { begin.run(); try { const r = engine.decideRaw(e, provider); return r.fired.length + r.score; } finally { commit.run(); } } },
  ];
  const TXN_ROWS = 2; // the last rows: BEGIN … COMMIT around each decision, which the caller can do today
  const cursors = JOBS.map(() => 0);
  const task = (j: number) => () => {
    const i = cursors[j]!;
    sink += JOBS[j]!.run(events[i]!, i);
    cursors[j] = i + 1 === events.length ? 0 : i + 1;
  };
  // Warm-up: every row over the whole stream once (the correctness pass already warmed SQLite's page cache and the JIT).
  for (const job of JOBS) for (let i = 0; i < events.length; i++) sink += job.run(events[i]!, i);

  const samples: number[][][] = JOBS.map(() => []); // per job, per pass: latencies in µs
  const meanPass: number[][] = JOBS.map(() => []);
  const cpuPass: number[][] = JOBS.map(() => []); // CPU µs per decision (user + system, this process)
  const ratioPass: number[][] = JOBS.map(() => []);
  const cpuRatioPass: number[][] = JOBS.map(() => []);
  const p50RatioPass: number[][] = JOBS.map(() => []);
  const cpuAt = () => { const u = process.cpuUsage(); return u.user + u.system; };
  console.log(`\ntiming: ${PASSES} passes, each row ${TASK_MS} ms per pass in a rotated order, one decision per tinybench call`);
  for (let pass = 0; pass < PASSES; pass++) {
    const bench = new Bench({ time: TASK_MS, iterations: 100, warmupTime: Math.min(100, TASK_MS / 4), warmupIterations: 50, throws: true, retainSamples: true });
    const order = JOBS.map((_, i) => (i + pass) % JOBS.length);
    const cpu = JOBS.map(() => 0);
    for (const i of order) {
      bench.add(JOBS[i]!.name, task(i), {
        async: false,
        beforeAll: (mode) => { cursors[i] = 0; if (mode === 'run') cpu[i] = cpuAt(); },
        afterAll: (mode) => { if (mode === 'run') cpu[i] = cpuAt() - cpu[i]!; },
      });
    }
    await bench.run();
    const p50s: number[] = [];
    const means = JOBS.map((job, i) => {
      const r = bench.getTask(job.name)?.result;
      if (!r || !('latency' in r) || !r.latency.samples) die(`task ${job.name} has no result`);
      samples[i]!.push(r.latency.samples.map((ms) => ms * 1000));
      cpuPass[i]!.push(cpu[i]! / r.latency.samplesCount);
      p50s.push(r.latency.p50);
      return r.period * 1000;
    });
    means.forEach((m, i) => {
      meanPass[i]!.push(m);
      ratioPass[i]!.push(m / means[0]!);
      cpuRatioPass[i]!.push(cpuPass[i]!.at(-1)! / cpuPass[0]!.at(-1)!);
      p50RatioPass[i]!.push(p50s[i]! / p50s[0]!);
    });
    if (!QUICK || pass === PASSES - 1) console.log(`  pass ${String(pass + 1).padStart(2)}/${PASSES}: mean ${means.map((m) => fmt(m, 1)).join(' / ')} µs; CPU ${cpuPass.map((c) => fmt(c.at(-1)!, 1)).join(' / ')} µs`);
  }
  const rows = JOBS.map((job, i) => {
    const all = Float64Array.from(samples[i]!.flat()).sort();
    const cpu = median(cpuPass[i]!);
    return {
      name: job.name, n: all.length, mean: median(meanPass[i]!), perSec: 1e6 / median(meanPass[i]!), cpu, perCpuSec: 1e6 / cpu,
      p50: pct(all, 50), p99: pct(all, 99), p999: pct(all, 99.9), max: all[all.length - 1]!,
      ratio: median(ratioPass[i]!), cpuRatio: median(cpuRatioPass[i]!), lo: Math.min(...cpuRatioPass[i]!), hi: Math.max(...cpuRatioPass[i]!),
      p50ratio: median(p50RatioPass[i]!),
    };
  });
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\nper decision. wall/s: 1 ÷ (median over passes of each pass's mean latency); CPU: this process's user + system time per decision,`);
  console.log(`what a decision costs one core without the time other jobs on this shared machine held it; latency percentiles (µs) over all`);
  console.log(`${PASSES} passes' samples; ratios: this row ÷ bare SQL in the same pass, median over passes\n`);
  const head = ['wall/s', 'CPU/s', 'CPU µs', 'p50', 'p99', 'p99.9', 'max', '× bare CPU', '(range)', '× bare p50', '× bare wall'];
  const widths = [9, 9, 6, 6, 6, 6, 7, 10, 11, 10, 11];
  console.log(`  ${'row'.padEnd(w)}  ${head.map((h, k) => h.padStart(widths[k]!)).join('  ')}`);
  console.log(`  ${'-'.repeat(w)}  ${widths.map((k) => '-'.repeat(k)).join('  ')}`);
  for (const [i, r] of rows.entries()) {
    if (i === rows.length - TXN_ROWS) console.log(`  one read transaction per decision (BEGIN … COMMIT around it, as a caller can do today; ratios still ÷ bare SQL without):`);
    const cells = [fmt(r.perSec), fmt(r.perCpuSec), fmt(r.cpu, 1), fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.p999, 0), fmt(r.max, 0),
      `${fmt(r.cpuRatio, 2)}×`, `${fmt(r.lo, 2)}–${fmt(r.hi, 2)}`, `${fmt(r.p50ratio, 2)}×`, `${fmt(r.ratio, 2)}×`];
    console.log(`  ${r.name.padEnd(w)}  ${cells.map((c, k) => c.padStart(widths[k]!)).join('  ')}`);
  }
  const txnRatio = median(cpuRatioPass[JOBS.length - 1]!.map((x, p) => x / cpuRatioPass[JOBS.length - 2]![p]!));
  console.log(`  (${fmt(rows[1]!.n)} timed decideRaw calls; tinybench's per-call timer overhead, ~0.1 µs, is in every row;`);
  console.log(`   decideRaw in one transaction ÷ bare SQL in one transaction, CPU: ${fmt(txnRatio, 2)}×)`);

  // ---------- import ----------
  console.log(`\nimport: ${fmt(IMPORT_ROWS)} events into a fresh database (openStore + migrate, not timed), one transaction per file`);
  const files = importFiles(DATA_DIR, SEED, IMPORT_ROWS, log);
  const ih = files.history;
  const schema = checked.schema;
  const fresh = (label: string) => {
    const path = join(DATA_DIR, `tmp-import-${process.pid}-${label}.db`);
    for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
    const d = openStore(path, { create: true });
    migrate(d, schema);
    return { db: d, path };
  };
  const drop = (path: string) => { for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true }); };
  const insertSql = `INSERT INTO "${EVENTS}" (${EVENT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`;
  const fingerprint = (d: DB) => JSON.stringify(d.prepare(`SELECT count(*), sum(amount), sum(occurred_at), count(payee_id), count(DISTINCT customer_id), count(DISTINCT device_id),
    sum(type = 'transfer_out'), sum(channel = 'web'), max(zy_seq) FROM "${EVENTS}"`).raw().get());
  const expected = (() => { const f = fresh('expected'); f.db.transaction(() => { const ins = f.db.prepare(insertSql); for (let i = 0; i < ih.n; i++) ins.run(eventRow(ih, i)); })(); const fp = fingerprint(f.db); f.db.close(); drop(f.path); return fp; })();
  interface ImportJob { readonly name: string; readonly file?: string; readonly run: (db: DB) => Promise<number> }
  const IMPORTS: readonly ImportJob[] = [
    {
      name: 'bare insert loop (baseline)', run: async (d) => {
        const ins = d.prepare(insertSql);
        d.exec('BEGIN IMMEDIATE');
        for (let i = 0; i < ih.n; i++) ins.run(eventRow(ih, i));
        d.exec('COMMIT');
        return ih.n;
      },
    },
    { name: 'importFile events.jsonl', file: files.jsonl, run: async (d) => (await importFile(d, schema, files.jsonl)).rows },
    { name: 'importFile events.csv', file: files.csv, run: async (d) => (await importFile(d, schema, files.csv)).rows },
    {
      name: '  JSONL: readline + JSON.parse + insert', file: files.jsonl, run: async (d) => {
        const ins = d.prepare(insertSql);
        let n = 0;
        d.exec('BEGIN IMMEDIATE');
        for await (const line of createInterface({ input: createReadStream(files.jsonl), crlfDelay: Infinity })) {
          if (!line) continue;
          const o = JSON.parse(line) as Record<string, string | number | undefined>;
          ins.run(EVENT_COLUMNS.map((c) => o[c] ?? null));
          n++;
        }
        d.exec('COMMIT');
        return n;
      },
    },
    {
      name: '  CSV: csv-parse + insert', file: files.csv, run: async (d) => {
        const ins = d.prepare(insertSql);
        let n = 0;
        d.exec('BEGIN IMMEDIATE');
        for await (const rec of createReadStream(files.csv).pipe(parse({ columns: true, skip_empty_lines: true, bom: true })) as AsyncIterable<Record<string, string>>) {
          ins.run(rec['type']!, rec['customer_id']!, rec['device_id'] || null, rec['payee_id'] || null, rec['channel'] || null,
            rec['amount'] ? Number(rec['amount']) : null, Number(rec['occurred_at']));
          n++;
        }
        d.exec('COMMIT');
        return n;
      },
    },
  ];
  const importSecs: number[][] = IMPORTS.map(() => []);
  const importCpu: number[][] = IMPORTS.map(() => []);
  const importRatio: number[][] = IMPORTS.map(() => []); // bare time ÷ this time, CPU
  for (let round = 0; round < IMPORT_ROUNDS; round++) {
    const secs = new Array<number>(IMPORTS.length);
    const cpu = new Array<number>(IMPORTS.length);
    for (let k = 0; k < IMPORTS.length; k++) {
      const j = (k + round) % IMPORTS.length;
      const job = IMPORTS[j]!;
      const f = fresh(String(j));
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      const n = await job.run(f.db);
      const c = process.cpuUsage(cpu0);
      secs[j] = (performance.now() - started) / 1000;
      cpu[j] = (c.user + c.system) / 1e6;
      if (n !== ih.n) die(`${job.name} imported ${n} rows, expected ${ih.n}`);
      if (round === 0) { const fp = fingerprint(f.db); if (fp !== expected) die(`${job.name}: the imported table differs from the bare insert's (${fp} vs ${expected})`); }
      f.db.close();
      drop(f.path);
    }
    secs.forEach((x, j) => { importSecs[j]!.push(x); importCpu[j]!.push(cpu[j]!); importRatio[j]!.push(cpu[0]! / cpu[j]!); });
    console.log(`  round ${round + 1}/${IMPORT_ROUNDS}: ${secs.map((x, j) => `${fmt(x, 2)} s (CPU ${fmt(cpu[j]!, 2)})`).join(' / ')}`);
  }
  const iw = Math.max(...IMPORTS.map((j) => j.name.length));
  const ih2 = ['file', 'wall s', 'rows/s', 'CPU s', 'rows/CPU-s', '× bare speed (CPU)'];
  const iwid = [8, 6, 9, 6, 10, 18];
  console.log(`\n  ${'row'.padEnd(iw)}  ${ih2.map((h, k) => h.padStart(iwid[k]!)).join('  ')}`);
  console.log(`  ${'-'.repeat(iw)}  ${iwid.map((k) => '-'.repeat(k)).join('  ')}`);
  const importRows = IMPORTS.map((job, j) => {
    const secs = median(importSecs[j]!);
    const cpu = median(importCpu[j]!);
    return { name: job.name, secs, perSec: ih.n / secs, cpu, perCpuSec: ih.n / cpu, ratio: median(importRatio[j]!) };
  });
  for (const [j, r] of importRows.entries()) {
    const file = IMPORTS[j]!.file;
    const cells = [file ? `${fmt(statSync(file).size / 2 ** 20)} MiB` : '', fmt(r.secs, 2), fmt(r.perSec), fmt(r.cpu, 2), fmt(r.perCpuSec), `${fmt(r.ratio, 2)}×`];
    console.log(`  ${r.name.padEnd(iw)}  ${cells.map((c, k) => c.padStart(iwid[k]!)).join('  ')}`);
  }
  console.log('  (all imports produce the same table: row count, sums and distinct counts checked against the bare insert)');

  // ---------- targets ----------
  const raw = rows[1]!;
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const targets: { met: boolean; text: string }[] = [];
  const target = (met: boolean, text: string) => { targets.push({ met, text: text.replace(/\s{2,}→/, ' →') }); console.log(`  ${text}`); };
  console.log(`\ntargets${QUICK ? ` (quick run: ${fmt(DB_EVENTS)}-event database, not the 1,000,000 the targets are stated for)` : ''}:`);
  target(Math.max(raw.cpuRatio, raw.p50ratio) <= 1.3, `decideRaw ÷ bare SQL ≤ 1.3×         → ${verdict(Math.max(raw.cpuRatio, raw.p50ratio) <= 1.3)} (${fmt(raw.cpuRatio, 2)}× on CPU time, ${fmt(raw.p50ratio, 2)}× on p50, ${fmt(raw.ratio, 2)}× on wall-clock means)`);
  target(raw.p99 < 1000, `decideRaw p99 < 1 ms                → ${verdict(raw.p99 < 1000)} (${fmt(raw.p99, 1)} µs; p99.9 ${fmt(raw.p999, 0)} µs)`);
  target(raw.perCpuSec >= 20_000, `decideRaw ≥ 20,000 decisions/s      → ${verdict(raw.perCpuSec >= 20_000)} (${fmt(raw.perCpuSec)} per CPU-second on one core, ${fmt(raw.perSec)} per wall-clock second;` +
    ` the bare SQL alone: ${fmt(rows[0]!.perCpuSec)} and ${fmt(rows[0]!.perSec)})`);
  for (const [label, r] of [['JSONL', importRows[1]!], ['CSV', importRows[2]!]] as const) {
    const met = Math.min(r.perSec, r.perCpuSec) >= 100_000;
    target(met, `importFile ${label.padEnd(5)} ≥ 100,000 rows/s   → ${verdict(met)} (${fmt(r.perSec)} rows/s wall-clock, ${fmt(r.perCpuSec)} per CPU-second; ${fmt(r.ratio, 2)}× the bare insert loop's speed)`);
  }
  console.log(`generator v${GENERATOR_VERSION}; checksum ${sums.raw.hex}; sink ${sink % 1000}; store part ${fmt((performance.now() - t0) / 1000, 1)} s`);
  db.close();
  return { quick: QUICK, targets };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStoreBench();
}

