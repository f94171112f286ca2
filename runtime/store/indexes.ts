// The covering indexes the packs' windows need: (key, time, filter columns,
// field) for each `by`, so a window is answered from the index without
// visiting rows. A column the store does not have (yet) is left out. The
// decision service, the editor and backtests create the same ones, by name.
import { createHash } from 'node:crypto';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import type { CheckedPack, IR } from '../../compiler/ir.ts';
import { children } from '../../compiler/optimize/fold.ts';
import { filterToSql } from './filter-sql.ts';
import type { DB } from './schema.ts';
import { EVENTS, q } from './sql.ts';

function historyFields(e: IR): string[] {
  const out: string[] = [];
  const walk = (x: IR): void => { if (x.k === 'hfield') out.push(x.field); children(x).forEach(walk); };
  walk(e);
  return out;
}

/** The indexes the packs need that the store lacks, as statements. */
export function wantedIndexes(db: DB, packs: readonly CheckedPack[]): { name: string; sql: string }[] {
  const cols = db.prepare(`PRAGMA main.table_info(${q(EVENTS)})`).all() as { name: string }[];
  const have = new Set(cols.map((c) => c.name));
  const out = new Map<string, string>();
  for (const p of packs) {
    for (const a of p.aggregates) {
      if (!a.by || !have.has(a.by)) continue;
      const filterCols = a.filter && filterToSql(a.filter) ? historyFields(a.filter) : [];
      const use = [...new Set([a.by, TIME_FIELD, ...filterCols, ...(a.field ? [a.field] : [])])].filter((c) => have.has(c));
      const name = `zy_ix_events_${createHash('sha1').update(use.join(',')).digest('hex').slice(0, 12)}`;
      out.set(name, `CREATE INDEX IF NOT EXISTS main.${q(name)} ON ${q(EVENTS)} (${use.map(q).join(', ')})`);
    }
  }
  const existing = new Set(db.prepare(`SELECT name FROM main.sqlite_master WHERE type = 'index'`).pluck().all() as string[]);
  return [...out].filter(([name]) => !existing.has(name)).map(([name, sql]) => ({ name, sql }));
}

/** Creates the indexes the packs' windows need (the store must be writable). */
export function ensureIndexes(db: DB, packs: readonly CheckedPack[]): void {
  for (const ix of wantedIndexes(db, packs)) db.exec(ix.sql);
}
