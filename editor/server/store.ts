// The feature store as the editor's panels read it: a SQLite file or a
// PostgreSQL server. The event search and the backtest's event lists run the
// same statements on both (events.ts); what the two SQL dialects spell
// differently is said here, once. A PostgreSQL that cannot be reached is a
// 503 with ZY7010, as the decision API answers; the pool reconnects by itself.
import { HttpError } from '../../runtime/server.ts';
import { StoreError } from '../../runtime/store/errors.ts';
import type { DB } from '../../runtime/store/sqlite/schema.ts';
import { EVENTS, q } from '../../runtime/store/tables.ts';
import { withClient } from '../../runtime/store/postgres/connect.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';

export type EditorStore = DB | PostgresStore;

/** Statements over the store's tables; `arg` adds a parameter and returns its placeholder. */
export interface StoreRows {
  /** The columns of the event table. */
  eventColumns(): Promise<Set<string>>;
  all(sql: string, args: readonly unknown[]): Promise<Record<string, unknown>[]>;
  arg(args: unknown[], value: unknown): string;
  /** `expr` is one of `values` (numbers or text, as `type` says). */
  anyOf(expr: string, args: unknown[], values: readonly (number | string)[], type: 'integer' | 'text'): string;
  /** An event label's subject (zy_seq as text) as the event's number; text that is not a number names no event. */
  readonly subjectSeq: string;
}

export function storeRows(store: EditorStore): StoreRows {
  if (store instanceof PostgresStore) {
    const arg = (args: unknown[], v: unknown) => { args.push(v); return `$${args.length}`; };
    return {
      eventColumns: async () => new Set((await pgAll(store, `SELECT * FROM ${q(EVENTS)} LIMIT 0`, [], true)).map((c) => String(c['name']))),
      all: (sql, args) => pgAll(store, sql, args),
      arg,
      anyOf: (expr, args, values, type) => `${expr} = ANY(${arg(args, [...values])}::${type === 'integer' ? 'bigint' : 'text'}[])`,
      subjectSeq: `CASE WHEN subject ~ '^[0-9]+$' THEN subject::bigint END`,
    };
  }
  return {
    eventColumns: async () => new Set((store.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name)),
    all: async (sql, args) => store.prepare(sql).all(...args) as Record<string, unknown>[],
    arg: (args, v) => { args.push(v); return '?'; },
    anyOf: (expr, args, values, type) => { args.push(JSON.stringify(values)); return `${expr} IN (SELECT ${type === 'text' ? 'CAST(value AS TEXT)' : 'value'} FROM json_each(?))`; },
    subjectSeq: 'CAST(subject AS INTEGER)',
  };
}

/** Rows of `sql` (or, with `fields`, the result's columns as {name}). */
async function pgAll(store: PostgresStore, sql: string, args: readonly unknown[], fields = false): Promise<Record<string, unknown>[]> {
  return withClient(store.pool, store.where, async (c) => {
    try {
      const r = await c.query(sql, args as unknown[]);
      return fields ? r.fields.map((f) => ({ name: f.name })) : r.rows as Record<string, unknown>[];
    } catch (e) {
      // A value the column's type cannot hold (a customer "abc" for a number key) matches nothing, as in SQLite.
      if ((e as { code?: string }).code === '22P02') return [];
      throw e;
    }
  });
}

/** The store's name as the editor shows it (a URL without its password). */
export function storeName(store: EditorStore): string {
  return store instanceof PostgresStore ? store.where : store.name;
}

/** A store error as the answer to a request: 503 when the store cannot be reached (it may come back), else 422. */
export function storeHttpError(e: unknown): HttpError | undefined {
  if (!(e instanceof StoreError)) return undefined;
  return new HttpError(e.code === 'ZY7010' ? 503 : 422, { code: e.code, message: e.message });
}
