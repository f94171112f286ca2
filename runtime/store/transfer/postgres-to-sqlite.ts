// A backtest over PostgreSQL replays a local copy: one REPEATABLE READ
// snapshot of the store (events, profile versions, lists, calendar, labels)
// copied with COPY … TO into a temporary SQLite file, which the backtest
// then reads with its worker threads as it reads any file. A backtest reads
// every event of its range and every profile version, once each, in order:
// on a local file that costs microseconds a read; over the network, a round
// trip each. The copy is the store as of one moment, like a read replica;
// the server sees one long read, not millions of small ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import type { Schema } from '../../../compiler/ir.ts';
import { migrate, openStore, type DB } from '../sqlite/schema.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, entityTable, q } from '../tables.ts';
import { NO_TIMEOUT, withClient } from '../postgres/connect.ts';
import { historyKept, storedSchema } from '../postgres/schema.ts';
import { PostgresStore } from '../postgres/store.ts';

/** A value of COPY's text format back (\N is NULL; numbers stay text for SQLite's column affinity). */
function uncopy(cell: string): string | null {
  if (cell === '\\N') return null;
  if (!cell.includes('\\')) return cell;
  return cell.replace(/\\(.)/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

async function copyOut(c: pg.PoolClient, select: string, put: (cells: (string | null)[]) => void): Promise<void> {
  let rest = '';
  const lines = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const line of parts) put(line.split('\t').map(uncopy));
      done();
    },
  });
  await pipeline(c.query(copyStreams.to(`COPY (${select}) TO STDOUT`)), lines);
  if (rest) put(rest.split('\t').map(uncopy));
}

/** How far a snapshot copy is: the table being copied (which of how many), and its rows copied of its rows. */
export interface CopyProgress {
  readonly table: string;
  readonly index: number;
  readonly tables: number;
  readonly done: number;
  /** The table's rows in the snapshot; null while they are being counted. */
  readonly total: number | null;
}

export interface SnapshotOptions {
  /** Called when a table starts, while its rows arrive (at most every 100 ms) and when it is done. */
  readonly onProgress?: (p: CopyProgress) => void;
  /** Stops the copy: the statement running on the server is cancelled, and the copy throws a SnapshotCancelled. */
  readonly signal?: AbortSignal;
}

/** The copy was stopped by its signal (nothing of it is left: no file, no open transaction). */
export class SnapshotCancelled extends Error {
  constructor() { super('the snapshot copy was cancelled'); }
}

/**
 * Runs `fn` on a temporary SQLite copy of the store at `url` (one snapshot),
 * then removes the copy. `where` is the URL without its password, for the
 * reader's "read from a copy of …".
 */
export async function overSnapshot<T>(url: string, fn: (path: string, where: string) => Promise<T>, opts: SnapshotOptions = {}): Promise<T> {
  // Connected first: a server that cannot be reached leaves no directory behind.
  const pg = await PostgresStore.open(url, { applicationName: 'zhiyu-snapshot' });
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-snapshot-'));
  try {
    await snapshotToSqlite(pg, join(dir, 'snapshot.db'), opts);
    return await fn(join(dir, 'snapshot.db'), pg.where);
  } finally {
    await pg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes one consistent copy of the store into a new SQLite file at `path`. */
export async function snapshotToSqlite(store: PostgresStore, path: string, opts: SnapshotOptions = {}): Promise<void> {
  const { signal } = opts;
  if (signal?.aborted) throw new SnapshotCancelled();
  const db = openStore(path, { create: true });
  try {
    await withClient(store.pool, store.where, async (c) => {
      // A cancel cancels the statement the copy is waiting on (a COPY, or a count waiting for a lock); the
      // connection that failed is then closed (withClient), which ends the transaction on the server.
      const cancel = () => { void withClient(store.pool, store.where, (k) => k.query('SELECT pg_cancel_backend($1)', [(c as unknown as { processID: number }).processID])).catch(() => undefined); };
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        try {
          await c.query(NO_TIMEOUT);
          const schema = await storedSchema(c);
          if (!schema) throw new Error(`${store.where} has no zhiyu schema`);
          const kept = await historyKept(c);
          migrate(db, schema, kept === undefined ? {} : { historyKept: kept });
          await copyTables(c, db, schema, opts);
        } finally {
          await c.query('ROLLBACK').catch(() => undefined);
        }
      } catch (e) {
        throw signal?.aborted ? new SnapshotCancelled() : e;
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    });
  } finally {
    db.close();
  }
}

async function copyTables(c: pg.PoolClient, db: DB, schema: Schema, { onProgress, signal }: SnapshotOptions): Promise<void> {
  const fields = [...schema.event.fields.keys()];
  const into = (table: string, cols: readonly string[]) => db.prepare(`INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  const bool = (v: string | null | undefined) => (v === 't' ? 1 : 0);
  const evCols = [SEQ, ...fields];
  const tables: { table: string; cols: readonly string[]; select: string; map?: (r: (string | null)[]) => unknown[] }[] = [
    { table: EVENTS, cols: evCols, select: `SELECT ${evCols.map(q).join(', ')} FROM ${q(EVENTS)} ORDER BY ${q(SEQ)}` },
    ...[...schema.entities.values()].map((e) => {
      const cols = [KEY, VALID_FROM, VALID_TO, ...e.fields.keys()];
      return { table: entityTable(e.name), cols, select: `SELECT ${cols.map(q).join(', ')} FROM ${q(entityTable(e.name))} ORDER BY zy_id` };
    }),
    { table: 'zy_list_entries', cols: ['list', 'value', 'source', 'added_at', 'expires_at'], select: `SELECT list, value::text, source, added_at, expires_at FROM zy_list_entries`,
      map: (r) => [r[0], JSON.parse(r[1]!) as unknown, r[2], r[3], r[4]] },
    { table: 'zy_calendar', cols: ['date', 'is_working_day', 'note'], select: `SELECT to_char(date, 'YYYY-MM-DD'), is_working_day, note FROM zy_calendar`, map: (r) => [r[0], bool(r[1]), r[2]] },
    { table: 'zy_labels', cols: ['subject_kind', 'subject', 'kind', 'positive', 'labeled_at', 'note'], select: `SELECT subject_kind, subject, kind, positive, labeled_at, note FROM zy_labels ORDER BY id`,
      map: (r) => [r[0], r[1], r[2], bool(r[3]), r[4], r[5]] },
  ];
  for (const [i, { table, cols, select, map = (r: (string | null)[]) => r }] of tables.entries()) {
    const at = { table, index: i + 1, tables: tables.length };
    onProgress?.({ ...at, done: 0, total: null });
    if (signal?.aborted) throw new SnapshotCancelled();
    // The rows the snapshot holds (the same snapshot the copy reads), so the count ends exactly at them.
    const total = Number((await c.query(`SELECT count(*) AS n FROM ${q(table)}`)).rows[0].n);
    if (signal?.aborted) throw new SnapshotCancelled();
    let done = 0;
    let shown = performance.now();
    onProgress?.({ ...at, done, total });
    // Text from COPY goes in through SQLite's column affinity: '12' into an INTEGER column is 12.
    const ins = into(table, cols);
    db.exec('BEGIN');
    try {
      await copyOut(c, select, (r) => {
        ins.run(map(r));
        done++;
        if (onProgress && (done & 1023) === 0 && performance.now() - shown >= 100) { shown = performance.now(); onProgress({ ...at, done, total }); }
      });
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    onProgress?.({ ...at, done, total });
  }
}
