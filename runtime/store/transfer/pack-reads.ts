// Whether a store holds every column and table a pack's reads name, asked
// the way the SQLite store asks it: the SQLite provider prepares each
// statement the pack needs when it is built, and the first one naming a
// column or table the store lacks fails ("no such column: merchant_code").
// A PostgreSQL server finds the same only when a decision reaches that read.
// So the editor gives a PostgreSQL store's tables (their columns, no rows)
// to the same SQLite provider in memory, and an edit that reads what the
// store lacks is refused at the same moment, with the same words, on both.
import Database from 'better-sqlite3';
import type { CheckedPack } from '../../../compiler/ir.ts';
import { SqliteProvider } from '../sqlite/provider.ts';
import { q } from '../tables.ts';

/** Throws what building the SQLite provider for `pack` over tables of these columns throws. */
export function checkPackReads(tables: ReadonlyMap<string, readonly string[]>, pack: CheckedPack): void {
  const db = new Database(':memory:');
  try {
    for (const [name, cols] of tables) db.exec(`CREATE TABLE ${q(name)} (${cols.map(q).join(', ')})`);
    new SqliteProvider(db, pack);
  } finally {
    db.close();
  }
}
