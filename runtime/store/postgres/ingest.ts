// `zhiyu db import postgres://… file`: the same files, the same checks and
// the same error for the first bad row as the SQLite import (sqlite/ingest.ts), and
// the same all-or-nothing: one file is one transaction.
//
// Events stream while the file is read: checked rows are numbered (after
// the last zy_seq, under the numbering lock other event writers wait for),
// gathered per month and sent as binary COPY chunks of about 256 KB, queued
// on the connections while the next rows are parsed, so the checks here
// overlap the server's work and memory stays bounded. What costs the server
// most is keeping the history's indexes (the fixed ones and each pack's
// covering indexes) up to date row by row. So a month with no partition yet,
// or whose partition is still empty (made ahead of time), is filled as a
// table of its own, named after the import transaction's server process,
// on two connections outside that transaction (see Lane): one COPYs, the
// other builds a month's indexes (one sorted pass each) as soon as a file in
// time order moves on to a later month, and at the end both build what is
// left. Those tables are committed but are not part of the history until
// the import's transaction attaches them, which locks the event table only
// against other partition changes (reads and appends go on), or swaps one
// for the empty partition, which needs the table's exclusive lock for the
// moment to the commit and is given up for a plain insert if that lock is
// not had within about a second (20 tries of 50 ms, so decisions never
// queue long behind it). A failed import drops its tables; one that died
// leaves them to the next import or `db maintain` (dropAbandonedImports). A
// month whose partition has rows gets its rows copied into that partition,
// in the import's transaction.
import type pg from 'pg';
import type { Schema } from '../../../compiler/ir.ts';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import { checkedRows, columnsFor, fileSize, targetFor, type ImportProgress, type ImportResult } from '../ingest-rows.ts';
import { EVENTS, SEQ, q } from '../tables.ts';
import { inTransaction, NO_TIMEOUT, withClient } from './connect.ts';
import { BINARY_TYPES, BinaryRows, copyBinary, CopyValueError, type BinaryType } from './copy.ts';
import { StoreError } from '../errors.ts';
import type { PostgresStore } from './store.ts';
import { lockEventSeq, PgWriter, setEventSeq } from './write.ts';
import { dropAbandonedImports, historyKept, monthStart, partitionName, partitions, stagedTable } from './schema.ts';

const CHUNK = 256 * 1024;
// How long the swap of an empty partition for a loaded table may wait for its
// lock (decisions queue behind it meanwhile), and how often it is tried before
// the rows are inserted into the partition instead.
const SWAP_WAIT_MS = 50;
const SWAP_TRIES = 20;
// COPY data read ahead of the server at most (while it builds a month's indexes).
const QUEUED = 32 * 1024 * 1024;
// A loaded month is indexed as soon as the file moves on to a later month, once it has this many rows
// (rows of it that come later are copied into the indexed table): files in time order then have their
// indexes built while the next month is read. Fewer rows are not worth it, and keep files that jump
// between months from indexing a month early.
const EARLY_INDEX_ROWS = 50_000;

/** A month of the file: its rows go into `table`, a loading table of its own (`staged`) or the month's partition. */
interface Month { readonly from: number; readonly table: string; readonly staged: boolean; readonly rows: BinaryRows; count: number; indexed?: boolean }

/** The event table's columns and their declared types (each chooses its binary COPY encoder). */
async function eventColumns(c: pg.PoolClient): Promise<{ readonly name: string; readonly type: string }[]> {
  const r = await c.query(`SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
    WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [EVENTS]);
  return r.rows as { name: string; type: string }[];
}

/** Each index of the event table, as statements building it on a given table (matched, not built again, when the table is attached). */
/**
 * The statements that give a month's own table every index of the history.
 * Each index is named after its table and its place: left to the server,
 * two builds on two connections can choose the same free name in the same
 * instant (names over one long key differ only past 63 bytes), and the later
 * fails on the catalog's unique name index, failing the import.
 */
export async function indexesFor(c: pg.PoolClient): Promise<(table: string) => string[]> {
  const r = await c.query(`SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = to_regclass($1) ORDER BY indexrelid`, [EVENTS]);
  const defs = (r.rows as { def: string }[]).map((x) => /^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ (.*)$/s.exec(x.def)!);
  return (table) => defs.map(([, unique, , rest], i) => `CREATE ${unique ?? ''}INDEX ${q(`${table}_ix${i}`)} ON ${q(table)} ${rest}`);
}

const isEmpty = async (c: pg.PoolClient, table: string) => (await c.query(`SELECT 1 FROM ${q(table)} LIMIT 1`)).rowCount === 0;

/**
 * Replaces the month's empty partition `part` by the loaded table: needs the
 * event table's ACCESS EXCLUSIVE lock, which reads wait for until the commit
 * (moments later). It is asked for with a short lock timeout, so reads never
 * queue long behind it; false when it was not had (nothing changed then).
 */
async function swapEmpty(c: pg.PoolClient, part: string): Promise<boolean> {
  for (let i = 0; i < SWAP_TRIES; i++) {
    await c.query(`SAVEPOINT zy_swap`);
    try {
      await c.query(`SET LOCAL lock_timeout = ${SWAP_WAIT_MS}`);
      await c.query(`LOCK TABLE ${q(EVENTS)} IN ACCESS EXCLUSIVE MODE`);
      await c.query(`SET LOCAL lock_timeout = 0`);
      await c.query(`RELEASE SAVEPOINT zy_swap`);
    } catch (e) {
      await c.query(`ROLLBACK TO SAVEPOINT zy_swap`);
      if ((e as { code?: string }).code !== '55P03') throw e;
      continue;
    }
    // Every event writer waits for the numbering lock this import holds, so the partition is still empty.
    if (!(await isEmpty(c, part))) return false;
    await c.query(`DROP TABLE ${q(part)}`);
    return true;
  }
  return false;
}

/** Attaches the loaded table of month `m` as its partition, under the partition's name and with its indexes' names. */
async function attach(c: pg.PoolClient, m: Month): Promise<void> {
  // The CHECK spares ATTACH its scan of the rows; its indexes are matched, not built.
  await c.query(`ALTER TABLE ${q(EVENTS)} ATTACH PARTITION ${q(m.table)} FOR VALUES FROM (${m.from}) TO (${monthStart(m.from, 1)})`);
  await c.query(`ALTER TABLE ${q(m.table)} DROP CONSTRAINT zy_import_month, RESET (autovacuum_enabled)`);
  const name = partitionName(m.from);
  await c.query(`ALTER TABLE ${q(m.table)} RENAME TO ${q(name)}`);
  // Its indexes were named after the loading table (shorter now: no truncation).
  const ix = await c.query(`SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1)`, [name]);
  for (const { name: old } of ix.rows as { name: string }[]) {
    if (old.startsWith(m.table)) await c.query(`ALTER INDEX ${q(old)} RENAME TO ${q(name + old.slice(m.table.length))}`);
  }
}

/**
 * A connection of the pool outside the import's transaction, on which months'
 * own tables are created, filled and indexed: each of its statements commits
 * at once, so another lane can index a table this one filled, while the
 * tables stay out of the history (and invisible to its readers) until the
 * import's transaction attaches them. Its steps run in order down `tail`.
 */
interface Lane { readonly c: pg.PoolClient; tail: Promise<unknown> }

async function openLane(store: PostgresStore): Promise<Lane> {
  const c = await store.pool.connect();
  try {
    await c.query('SET statement_timeout = 0');
  } catch (e) {
    c.release(e as Error);
    throw e;
  }
  return { c, tail: Promise.resolve() };
}

async function closeLane(l: Lane): Promise<void> {
  try {
    await l.c.query('RESET statement_timeout');
    l.c.release();
  } catch (e) { l.c.release(e as Error); }
}

/**
 * Imports checked event rows in the caller's transaction `c`; returns how
 * many. `onRow` is told of each row before it is sent; `staged` gets the name
 * of each month's own table as it is made (committed at once, see Lane: the
 * caller drops those left if the transaction fails).
 */
async function copyEvents(store: PostgresStore, c: pg.PoolClient, names: readonly string[], rows: AsyncIterable<unknown[]>, onRow: () => void, staged: string[]): Promise<number> {
  const at = names.indexOf(TIME_FIELD);
  const cols = [SEQ, ...names];
  const last = await lockEventSeq(c);
  const existing = new Map((await partitions(c)).map((p) => [p.from, p.name]));
  const declared = await eventColumns(c);
  const indexes = await indexesFor(c);
  const owner = Number((await c.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid);
  const typeOf = new Map(declared.map((x) => [x.name, x.type]));
  const types = cols.map((name) => {
    const t = typeOf.get(name);
    if (!t || !BINARY_TYPES.has(t)) throw new StoreError('ZY7001', `the event table's column ${name} is ${t ?? 'missing'}; run zhiyu db migrate with this pack`);
    return t as BinaryType;
  });
  const months = new Map<number, Month>();
  // The server's work goes down three lanes: COPY into months that have rows on the import's own
  // connection; making and filling months' own tables on `load`; index builds on `build` (and on
  // `load` too once the file is read). Up to QUEUED bytes go ahead of the server, so reading goes on
  // while it builds a month's indexes, and on two cores the builds run beside the next month's COPY.
  const main: Lane = { c, tail: Promise.resolve() };
  let load: Lane | undefined;
  let build: Lane | undefined;
  let aborted = false;
  // Bytes sent to the lanes and not yet taken by the server; a step's bytes count until it is done,
  // whichever lane it is on (a long index build on one does not hold back the COPYs on the other).
  let queued = 0;
  let failed: { readonly error: unknown } | undefined;
  let freed: (() => void) | undefined;
  const later = (lane: Lane, bytes: number, step: () => Promise<unknown>) => {
    const done = lane.tail.then(() => (aborted ? undefined : step()));
    lane.tail = done;
    queued += bytes;
    done.then(() => { queued -= bytes; freed?.(); }, (error: unknown) => { queued -= bytes; failed ??= { error }; freed?.(); });
  };
  const drain = async (cap: number) => {
    while (queued > cap && !failed) await new Promise<void>((resolve) => { freed = resolve; });
    if (failed) throw failed.error;
  };
  const send = async (m: Month) => {
    const data = m.rows.take();
    const lane = m.staged ? load! : main;
    later(lane, data.length, () => copyBinary(lane.c, m.table, cols, data));
    await drain(QUEUED);
  };
  // Each index build of month `m`, after the rows sent so far are in (committed on `load`).
  const builds = (m: Month) => {
    m.indexed = true;
    const loaded = load!.tail;
    return indexes(m.table).map((sql) => ({ sql, loaded }));
  };
  const stage = async (from: number): Promise<Month> => {
    load ??= await openLane(store);
    // Not named as the partition yet: another writer may create that partition meanwhile (see the end).
    const table = stagedTable(owner, from);
    staged.push(table);
    // LIKE: the history's columns with their types, collations and NOT NULLs, as ATTACH wants them. No
    // autovacuum while it loads (committed, the table would be vacuumed beside its own index builds).
    later(load, 0, () => load!.c.query(`CREATE TABLE ${q(table)} (LIKE ${q(EVENTS)}, CONSTRAINT zy_import_month CHECK (${q(TIME_FIELD)} >= ${from} AND ${q(TIME_FIELD)} < ${monthStart(from, 1)})) WITH (autovacuum_enabled = false)`));
    return { from, table, staged: true, rows: new BinaryRows(types), count: 0 };
  };
  let n = 0;
  let current: Month | undefined;
  try {
    for await (const v of rows) {
      const t = v[at] as number;
      onRow();
      const from = monthStart(t);
      let m = months.get(from);
      if (!m) {
        const part = existing.get(from);
        // A month whose partition is empty (made ahead, or by an earlier import of other months) is
        // loaded like a new one and swapped in at the end: building its indexes once costs the server
        // a fraction of keeping them up to date row by row.
        m = part && !(await isEmpty(c, part)) ? { from, table: part, staged: false, rows: new BinaryRows(types), count: 0 } : await stage(from);
        months.set(from, m);
        if (current?.staged && !current.indexed && from > current.from && current.count >= EARLY_INDEX_ROWS) {
          if (current.rows.rows) await send(current);
          build ??= await openLane(store);
          const b = build;
          for (const { sql, loaded } of builds(current)) later(b, 0, async () => { await loaded; await b.c.query(sql); });
        }
      }
      current = m;
      m.rows.row(v, last + ++n);
      m.count++;
      if (m.rows.size >= CHUNK) await send(m);
    }
    for (const m of months.values()) if (m.rows.rows) await send(m);
    // The builds left are shared by `load` and `build`, each taking the next as it comes free, the
    // widest (slowest) first so the last two end close together.
    const left = [...months.values()].filter((m) => m.staged && !m.indexed).flatMap(builds)
      .sort((a, b) => width(b.sql) - width(a.sql));
    if (left.length) {
      build ??= await openLane(store);
      for (const lane of [load!, build]) {
        later(lane, 0, async () => {
          for (let next = left.shift(); next && !aborted; next = left.shift()) {
            await next.loaded;
            await lane.c.query(next.sql);
          }
        });
      }
    }
    for (const lane of [main, load, build]) await lane?.tail;
    await drain(0);
  } catch (e) {
    aborted = true;
    if (e instanceof CopyValueError) throw new StoreError('ZY7005', `event ${n}: ${e.message}`);
    throw e;
  } finally {
    // A bad row stops the reading: the steps under way still finish (or fail) before the rollback.
    for (const lane of [main, load, build]) await lane?.tail.catch(() => undefined);
    for (const lane of [load, build]) if (lane) await closeLane(lane);
  }
  const loaded = [...months.values()].filter((m) => m.staged);
  if (loaded.length) {
    // From here to the commit no partition is made or dropped elsewhere; reads and appends go on.
    await c.query(`LOCK TABLE ${q(EVENTS)} IN SHARE UPDATE EXCLUSIVE MODE`);
    const now = new Map((await partitions(c)).map((p) => [p.from, p.name]));
    for (const m of loaded) {
      const part = now.get(m.from);
      if (part && !(await swapEmpty(c, part))) {
        // The month's partition has rows (another writer made it during the import), or its lock
        // was not to be had: the rows go into it, its indexes kept up to date row by row.
        await c.query(`INSERT INTO ${q(EVENTS)} SELECT * FROM ${q(m.table)}`);
        await c.query(`DROP TABLE ${q(m.table)}`);
        continue;
      }
      await attach(c, m);
    }
  }
  await setEventSeq(c, last + n);
  return n;
}

/** How many columns an index statement names: wider rows take longer to sort. */
const width = (sql: string) => sql.split(',').length;

export async function importFilePg(store: PostgresStore, schema: Schema, file: string, opts: { into?: string; onProgress?: (p: ImportProgress) => void } = {}): Promise<ImportResult> {
  const totalBytes = fileSize(file);
  const target = targetFor(schema, file, opts.into);
  const started = performance.now();
  let bytes = 0;
  let count = 0;
  let lastReport = 0;
  const progress = () => {
    count++;
    if (opts.onProgress && count - lastReport >= 5000) { lastReport = count; opts.onProgress({ bytes, totalBytes, rows: count }); }
  };
  const rows = checkedRows(schema, file, target, (n) => { bytes += n; });
  if (target.kind === 'events') {
    const names = columnsFor(schema, target).columns.map(([c]) => c);
    // Tables of imports that died (their transaction's server process is gone) are dropped first; a role
    // that may not drop them (one that only appends) leaves them to db maintain.
    await withClient(store.pool, store.where, (c) => dropAbandonedImports(c)).catch((e: { code?: string }) => {
      if (e.code !== '42501') throw e;
    });
    const staged: string[] = [];
    let n: number;
    try {
      n = await inTransaction(store.pool, store.where, async (c) => {
        await c.query(NO_TIMEOUT);
        return copyEvents(store, c, names, rows, progress, staged);
      });
    } catch (e) {
      // Months' own tables are committed as they are made: none stays behind a failed import.
      if (staged.length) await withClient(store.pool, store.where, (c) => c.query(staged.map((t) => `DROP TABLE IF EXISTS ${q(t)}`).join('; '))).catch(() => undefined);
      throw e;
    }
    // Months ahead of now, as every writer keeps them (the file's own months were made above).
    if (n > 0) await store.partitionsFor(Date.now(), Date.now());
  } else {
    const importedAt = Date.now();
    await inTransaction(store.pool, store.where, async (c) => {
      await c.query(NO_TIMEOUT);
      const w = new PgWriter(c, schema, await historyKept(c));
      for await (const v of rows) {
        switch (target.kind) {
          case 'entity': await w.entity(target.name, v[0]!, v.slice(1, -1), (v[v.length - 1] as number | null) ?? importedAt); break;
          case 'list': await w.listEntry(v[0] as string, v[1]!, v[2] as string | null, v[3] as number | null, v[4] as number | null); break;
          case 'calendar': await w.calendarDay(v[0] as string, v[1] === 1, v[2] as string | null); break;
          case 'labels': await w.label({ subjectKind: v[0] as 'event' | 'customer' | 'decision', subject: v[1]!, kind: v[2] as string, positive: v[3] === 1, labeledAt: v[4] as number | null, note: v[5] as string | null }); break;
        }
        progress();
      }
    });
  }
  opts.onProgress?.({ bytes: totalBytes, totalBytes, rows: count });
  return { rows: count, target, seconds: (performance.now() - started) / 1000 };
}
