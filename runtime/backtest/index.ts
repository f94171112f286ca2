// Backtesting: what a pack would have decided on the stored history, each
// event as of its own time, scored against the labels, and compared with the
// pack running today.
//
//   const run = await backtest(program, 'demo.db', { from: '2026-02-01', baseline: live });
//
// The store is read, never changed (except for the indexes windows need,
// created when the file is writable; `createIndexes: false` turns that off).
// Work is cut into chunks in replay order (time, then zy_seq) and decided in
// worker threads, each with its own read-only connection; the merged result
// is identical to one pass in one thread.
import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { isPostgresUrl } from '../store/postgres/connect.ts';
import { overSnapshot, SnapshotCancelled, type CopyProgress } from '../store/transfer/postgres-to-sqlite.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import type { Program } from '../engine.ts';
import { openStore, type DB } from '../store/sqlite/schema.ts';
import { BacktestError } from './errors.ts';
import { time } from './time.ts';
import { runInWorkers } from './pool.ts';
import { ChunkRunner, toWire, type ReplaySetup } from './replay.ts';
import { chunksOf, measure, planStore, type Bounds, type Chunk, type Measured } from './store-plan.ts';
import { wantedIndexes } from '../store/sqlite/indexes.ts';
import { summarize } from './summarize.ts';
import { emptyTally, mergeTallies, type Tally } from './tally.ts';
import { outcomeNames } from './replay.ts';
import { TYPE_FIELD } from '../../compiler/check/context.ts';
import type { Backtestable, BacktestOptions, BacktestProgress, BacktestRun, StoreRef, TimeInput } from './types.ts';

export type * from './types.ts';
export { BacktestError, type BacktestCode } from './errors.ts';
export { shadowReport, sqliteShadowSource, type ShadowReport, type ShadowReportOptions, type ShadowSource } from './shadow.ts';

/** Below this many events a run stays in the calling thread unless workers are asked for. */
const SMALL = 50_000;
/** Events per chunk in the calling thread: between chunks the event loop runs (progress, cancel). */
const IN_THREAD_CHUNK = 20_000;

const programOf = (x: Backtestable): Program => ('manifest' in x ? x.program : x);

/** The entity fields the packs' rules (conditions, messages, the predicates they name) read, by entity. */
function entityReads(packs: readonly CheckedPack[]): Record<string, string[]> {
  const out = new Map<string, Set<string>>();
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const n = x as { k?: string; entity?: string; field?: string };
    if (n.k === 'field' && n.entity && n.entity !== 'event' && n.field) {
      const fields = out.get(n.entity) ?? new Set<string>();
      out.set(n.entity, fields.add(n.field));
    }
    for (const v of Object.values(x)) if (v && typeof v === 'object') walk(v);
  };
  for (const p of packs) {
    p.rules.forEach((r) => { walk(r.condition); walk(r.message); });
    p.predicates.forEach((d) => walk(d.body));
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([e, f]) => [e, [...f].sort()]));
}

function pickFields(pack: CheckedPack, baseline: CheckedPack | undefined, columns: readonly string[], amountField: string | undefined) {
  const stored = (f: string) => columns.includes(f);
  let amount: string | null = null;
  if (amountField !== undefined) {
    const f = pack.schema.event.fields.get(amountField);
    if (!f || !['money', 'number', 'integer'].includes(f.type.t)) throw new BacktestError('ZY7503', `amountField ${JSON.stringify(amountField)} is not a numeric event field of ${pack.name}`);
    amount = stored(amountField) ? amountField : null;
  } else {
    const money = [...pack.schema.event.fields.values()].filter((f) => f.type.t === 'money' && stored(f.name));
    amount = money.find((f) => f.name === 'amount')?.name ?? money[0]?.name ?? null;
  }
  const key = [pack, baseline].map((p) => p?.schema.entities.get('customer')?.key).find((k) => k !== undefined && stored(k));
  const customer = key ?? (stored('customer_id') ? 'customer_id' : null);
  return { amount, customer };
}

/** Creates the windows' indexes when the file can be written; says what is missing when it cannot. */
function ensureIndexes(path: string | undefined, db: DB, packs: CheckedPack[], create: boolean): string[] {
  const missing = wantedIndexes(db, packs);
  if (missing.length === 0) return [];
  let why = 'createIndexes is off';
  if (create && path) {
    try {
      const w = new Database(path, { fileMustExist: true });
      try {
        w.pragma('busy_timeout = 5000');
        for (const ix of missing) w.exec(ix.sql);
        return [];
      } finally {
        w.close();
      }
    } catch (e) {
      // A read-only file or directory: run without them, and say so.
      why = `they could not be created: ${(e as Error).message}`;
    }
  } else if (!path) why = 'the store is in memory';
  return [`the store lacks ${missing.length} index${missing.length === 1 ? '' : 'es'} the windows need (${why}); each window then scans the event table, which is slow`];
}

function checkOptions(o: BacktestOptions): { workers?: number; examples: number } {
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 0 || o.workers > 64)) {
    throw new BacktestError('ZY7503', `workers must be a whole number from 0 (the calling thread) to 64, not ${String(o.workers)}`);
  }
  const examples = o.examples ?? 5;
  if (!Number.isInteger(examples) || examples < 0 || examples > 1000) throw new BacktestError('ZY7503', `examples must be a whole number from 0 to 1000, not ${String(examples)}`);
  return { ...(o.workers !== undefined ? { workers: o.workers } : {}), examples };
}

/**
 * Replays the stored events in [from, to) through `subject` (and `baseline`,
 * when given) and reports what it would have done. See types.ts for the result.
 */
export async function backtest(subject: Backtestable, store: StoreRef, opts: BacktestOptions = {}): Promise<BacktestRun> {
  if (typeof store === 'string' && isPostgresUrl(store)) {
    // Cancelled before it started: no copy of the store is taken.
    if (opts.signal?.aborted) throw new BacktestError('ZY7505', 'the backtest was cancelled');
    return overPostgres(store, (path) => backtest(subject, path, opts), opts);
  }
  const started = performance.now();
  const { workers: asked, examples } = checkOptions(opts);
  const candidate = programOf(subject);
  const baseline = opts.baseline ? programOf(opts.baseline) : undefined;
  const from = time(opts.from, 'from', 0);
  const to = time(opts.to, 'to', 'next');
  if (from !== null && to !== null && from >= to) throw new BacktestError('ZY7502', `the range is empty: from (${new Date(from).toISOString()}) is not before to (${new Date(to).toISOString()})`);
  const labelsAsOf = time(opts.labelsAsOf, 'labelsAsOf', 'last');

  // The caller's connection is used as is only when it has no file (":memory:");
  // otherwise the backtest opens its own read-only connections to the file.
  const path = typeof store === 'string' ? store : store.memory ? undefined : store.name;
  const packs = [candidate.pack, ...(baseline ? [baseline.pack] : [])];
  const indexWarnings = path !== undefined ? (() => {
    const probe = openStore(path, { readonly: true });
    try { return ensureIndexes(path, probe, packs, opts.createIndexes !== false); } finally { probe.close(); }
  })() : ensureIndexes(undefined, store as DB, packs, false);
  const db = path !== undefined ? openStore(path, { readonly: true }) : (store as DB);
  let tallies: Tally[];
  let setup: ReplaySetup;
  let warnings: string[];
  let workers: number;
  let decides: readonly string[] | null;
  let labelKinds: string[];
  let bounds: Bounds;
  let otherTypes: Measured['otherTypes'];
  let profileFields: Record<string, string[]>;
  try {
    const plan = planStore(db, packs);
    const fields = pickFields(candidate.pack, baseline?.pack, plan.columns, opts.amountField);
    decides = candidate.pack.decides ?? null;
    labelKinds = [...(opts.labelKinds ?? candidate.pack.measuredBy)];
    const measured = measure(db, from, to, decides);
    ({ bounds, otherTypes } = measured);
    const total = measured.total;
    setup = {
      candidate, ...(baseline ? { baseline } : {}), plan: { overlay: plan.overlay, columns: plan.columns }, bounds,
      amountField: fields.amount, customerField: fields.customer, labelsAsOf, examples, labelKinds,
      baselineTypes: baseline?.pack.decides ?? null, keepDecisions: !!opts.decisions,
    };
    profileFields = entityReads([candidate.pack]);
    warnings = [
      ...plan.warnings, ...indexWarnings,
      ...(decides && !bounds.typeColumn ? [`the store has no event ${TYPE_FIELD} column: no stored event is of a type the pack decides`] : []),
      ...(labelKinds.length === 0 ? [`the pack declares no label kinds (\`measured by\`): precision and recall are not computed`] : []),
      ...(fields.amount === null ? ['no money field is stored for these events: money is not reported'] : []),
    ];
    workers = path === undefined ? 0 : asked ?? (total < SMALL ? 0 : Math.min(availableParallelism(), 8));
    const chunkCount = workers === 0 ? Math.ceil(total / IN_THREAD_CHUNK) : Math.min(workers * 4, Math.ceil(total / 2_000));
    const chunks = chunksOf(db, bounds, total, chunkCount);
    const progress = reporter(total, started, opts.onProgress);
    tallies = workers === 0
      ? await inThread(db, setup, chunks, progress.add, opts.signal)
      : await runInWorkers(path!, toWire(setup), chunks, workers, progress.add, opts.signal);
    progress.end();
  } finally {
    if (path !== undefined) db.close();
  }
  const tally = tallies.length ? mergeTallies(tallies, examples) : emptyTally(candidate.pack.rules.length, outcomeNames(candidate.pack).length, baseline ? outcomeNames(baseline.pack).length : undefined, !!opts.decisions);
  const result = summarize({
    candidate, ...(baseline ? { baseline } : {}), tally,
    from, to, labelsAsOf, amountField: setup.amountField, customerField: setup.customerField, labelKinds, decides, otherTypes, profileFields,
    warnings: [...warnings, ...undatedWarnings(tally)],
  });
  const seconds = (performance.now() - started) / 1000;
  return { ...result, run: { workers, seconds, eventsPerSecond: seconds > 0 ? Math.round(result.events.total / seconds) : 0 } };
}

/**
 * A backtest over PostgreSQL replays one consistent copy of the store in a
 * temporary SQLite file (store/transfer/postgres-to-sqlite.ts says why), then
 * removes it. The copy reports its progress table by table (`phase: 'copy'`)
 * and stops at a cancel, leaving nothing behind.
 */
async function overPostgres(url: string, run: (path: string) => Promise<BacktestRun>, opts: BacktestOptions): Promise<BacktestRun> {
  const copied = performance.now();
  const onProgress = opts.onProgress && ((p: CopyProgress) => {
    const elapsedMs = performance.now() - copied;
    opts.onProgress!({ phase: 'copy', done: p.done, total: p.total ?? 0, elapsedMs, rate: 0, copy: { table: p.table, index: p.index, tables: p.tables, counted: p.total !== null } });
  });
  try {
    return await overSnapshot(url, async (path, where) => {
      const r = await run(path);
      const seconds = (performance.now() - copied) / 1000;
      return { ...r, warnings: [...r.warnings, `read from a copy of ${where} taken at the start (one snapshot)`], run: { ...r.run, seconds } };
    }, { ...(onProgress ? { onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (e) {
    if (e instanceof SnapshotCancelled) throw new BacktestError('ZY7505', 'the backtest was cancelled');
    throw e;
  }
}

/** Profile reads that found only a version with no known start: not as of the event. */
function undatedWarnings(t: Tally): string[] {
  return Object.entries(t.profiles).filter(([, c]) => c.undated > 0).map(([entity, c]) =>
    `${c.undated.toLocaleString('en-US')} of ${c.reads.toLocaleString('en-US')} ${entity} profile reads found only a version with no known start (stored before the store kept versions): read as it is now, not as of the event`);
}

async function inThread(db: DB, setup: ReplaySetup, chunks: readonly Chunk[], onEvents: (n: number) => void, signal?: AbortSignal): Promise<Tally[]> {
  const runner = new ChunkRunner(db, setup);
  try {
    const out: Tally[] = [];
    for (const chunk of chunks) {
      if (signal?.aborted) throw new BacktestError('ZY7505', 'the backtest was cancelled');
      out.push(runner.run(chunk, onEvents));
      // Let progress be drawn and a cancel arrive between chunks.
      await new Promise((r) => setImmediate(r));
    }
    if (signal?.aborted) throw new BacktestError('ZY7505', 'the backtest was cancelled');
    return out;
  } finally {
    runner.close();
  }
}

/** Turns event counts into throttled progress reports with a rate and an ETA. */
function reporter(total: number, started: number, onProgress?: (p: BacktestProgress) => void) {
  let done = 0;
  let last = 0;
  const report = () => {
    const elapsedMs = performance.now() - started;
    const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    onProgress?.({ phase: 'replay', done, total, elapsedMs, rate, ...(rate > 0 ? { etaMs: ((total - done) / rate) * 1000 } : {}) });
  };
  return {
    add: (n: number) => {
      done += n;
      const now = performance.now();
      if (onProgress && now - last >= 100) { last = now; report(); }
    },
    end: () => { done = total; report(); },
  };
}
