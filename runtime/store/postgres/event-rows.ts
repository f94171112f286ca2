// The event-row reads (../event-rows.ts) in PostgreSQL's dialect.
import type { StoreRows } from '../event-rows.ts';
import { EVENTS, q } from '../tables.ts';
import { withClient } from './connect.ts';
import type { PostgresStore } from './store.ts';

export function postgresRows(store: PostgresStore): StoreRows {
  const arg = (args: unknown[], v: unknown) => { args.push(v); return `$${args.length}`; };
  return {
    eventColumns: async () => new Set((await pgAll(store, `SELECT * FROM ${q(EVENTS)} LIMIT 0`, [], true)).map((c) => String(c['name']))),
    all: (sql, args) => pgAll(store, sql, args),
    arg,
    anyOf: (expr, args, values, type) => `${expr} = ANY(${arg(args, [...values])}::${type === 'integer' ? 'bigint' : 'text'}[])`,
    subjectSeq: `CASE WHEN subject ~ '^[0-9]+$' THEN subject::bigint END`,
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

/**
 * The columns of the store's own tables (not the months of the event history),
 * by table: what a pack's reads are checked against before a decision
 * (transfer/pack-reads.ts).
 */
export async function storeTables(store: PostgresStore): Promise<Map<string, string[]>> {
  const r = await withClient(store.pool, store.where, (c) => c.query(`SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS cols
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname LIKE 'zy\\_%'
      AND a.attnum > 0 AND NOT a.attisdropped
    GROUP BY c.relname`));
  return new Map(r.rows.map((x) => [x.name as string, x.cols as string[]]));
}
