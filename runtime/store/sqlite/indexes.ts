// The covering indexes the packs' windows need (covering.ts), in a SQLite
// store. The decision service, the editor and backtests create the same
// ones, by name.
import type { CheckedPack } from '../../../compiler/ir.ts';
import { coveringIndexes } from '../covering.ts';
import type { DB } from './schema.ts';
import { EVENTS, q } from '../tables.ts';

/** The indexes the packs need that the store lacks, as statements. */
export function wantedIndexes(db: DB, packs: readonly CheckedPack[]): { name: string; sql: string }[] {
  const cols = db.prepare(`PRAGMA main.table_info(${q(EVENTS)})`).all() as { name: string }[];
  const existing = new Set(db.prepare(`SELECT name FROM main.sqlite_master WHERE type = 'index'`).pluck().all() as string[]);
  return [...coveringIndexes(packs, new Set(cols.map((c) => c.name)))].filter(([name]) => !existing.has(name))
    .map(([name, use]) => ({ name, sql: `CREATE INDEX IF NOT EXISTS main.${q(name)} ON ${q(EVENTS)} (${use.map(q).join(', ')})` }));
}

/** Creates the indexes the packs' windows need (the store must be writable). */
export function ensureIndexes(db: DB, packs: readonly CheckedPack[]): void {
  for (const ix of wantedIndexes(db, packs)) db.exec(ix.sql);
}
