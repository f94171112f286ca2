// The covering indexes the packs' windows need: (key, time, filter columns,
// field) for each `by`, so a window is answered from the index without
// visiting rows. A column the store does not have (yet) is left out. Both
// backends create them by these names (sqlite/indexes.ts, postgres/schema.ts).
import { createHash } from 'node:crypto';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import type { CheckedPack, IR } from '../../compiler/ir.ts';
import { children } from '../../compiler/optimize/fold.ts';
import { filterToSql } from './filter-sql.ts';

function historyFields(e: IR): string[] {
  const out: string[] = [];
  const walk = (x: IR): void => { if (x.k === 'hfield') out.push(x.field); children(x).forEach(walk); };
  walk(e);
  return out;
}

/** The covering indexes the packs' windows need, by name: the columns each holds, of those the event table `have`s. */
export function coveringIndexes(packs: readonly CheckedPack[], have: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of packs) {
    for (const a of p.aggregates) {
      if (!a.by || !have.has(a.by)) continue;
      const filterCols = a.filter && filterToSql(a.filter) ? historyFields(a.filter) : [];
      const use = [...new Set([a.by, TIME_FIELD, ...filterCols, ...(a.field ? [a.field] : [])])].filter((c) => have.has(c));
      out.set(`zy_ix_events_${createHash('sha1').update(use.join(',')).digest('hex').slice(0, 12)}`, use);
    }
  }
  return out;
}
