// A decision's reads as one statement (provider.ts, closed()): how far
// history goes and each read, in one SELECT whose own snapshot every part
// shares, so no transaction is opened or ended. A read of one row at most is
// a join of one row (`LEFT JOIN (SELECT true AS "zy:row", x.* FROM (<read>) x
// LIMIT 1) ON true`, the marker null when it found none); a read of several
// rows is one column, its rows as a JSON array in the read's own order
// (`json_agg(x ORDER BY …)`). The values read the same as the read alone:
// bigint and numeric become numbers either way (every value zhiyu stores is a
// safe integer), double precision is written by the same output function,
// smallint and text are what they are, and NaN or ±Infinity, which JSON
// writes as strings, are turned back into numbers (Many.floats).
import type pg from 'pg';
import { q } from '../tables.ts';
import { OneRowQuery } from './described.ts';
import { stmt, type Ahead, type Stmt } from './statements.ts';

/** The marker column before each one-row read's columns (no field of a pack is named so). */
const ROW = 'zy:row';
/** The column holding a read of several rows, as a JSON array. */
const ROWS = 'zy:rows';

/** Read sets made as one statement, per provider at most: past it, a read set goes as a transaction (each connection prepares each). */
export const MAX_TOGETHER = 256;

/** Whether every read of a set can be a part of one statement. */
export const canGoTogether = (ahead: readonly Ahead[]): boolean => ahead.every((a) => a.s.one || a.s.many);

/** The one statement that reads how far history goes and each of `ahead`'s reads (canGoTogether). */
export function togetherStmt(ahead: readonly Ahead[]): Stmt {
  let offset = 0;
  const columns: string[] = [];
  const joins: string[] = [];
  ahead.forEach((a, i) => {
    // Each read's parameters, numbered after the reads before it (the statements' only `$` are their parameters).
    const text = a.s.text.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + offset}`);
    offset += a.values.length;
    const many = a.s.many;
    if (many) {
      const order = many.order.map((c) => `x.${q(c)}`).join(', ');
      columns.push(`(SELECT coalesce(json_agg(x ORDER BY ${order}), '[]'::json) FROM (${text}) x) AS "${ROWS}"`);
    } else {
      columns.push(`p${i}.*`);
      joins.push(`LEFT JOIN (SELECT true AS "${ROW}", x.* FROM (${text}) x LIMIT 1) p${i} ON true`);
    }
  });
  return stmt(`SELECT (SELECT last_seq FROM zy_event_seq) AS last_seq${columns.map((c) => `, ${c}`).join('')} FROM (VALUES (1)) z ${joins.join(' ')}`);
}

/** A read of several rows as JSON gave them: NaN and ±Infinity back as numbers. */
function manyRows(rows: Record<string, unknown>[], floats: readonly string[]): Record<string, unknown>[] {
  if (floats.length) for (const r of rows) for (const f of floats) if (typeof r[f] === 'string') r[f] = Number(r[f]);
  return rows;
}

/** Sends `ahead`'s reads as the one statement `s` (togetherStmt); resolves to the last event of its snapshot, and settles each read. */
export function sendTogether(c: pg.PoolClient, s: Stmt, ahead: readonly Ahead[]): Promise<number> {
  const values: unknown[] = [];
  for (const a of ahead) for (const v of a.values) values.push(v);
  const last = new Promise<number>((resolve, reject) => {
    // Described once per connection, its row parsed straight to values (described.ts).
    c.query(new OneRowQuery(s.name, s.text, values, (err, row, names) => {
      if (err) { for (const a of ahead) a.r.settle(err); reject(err); return; }
      let j = 1;
      for (const a of ahead) {
        if (a.s.many) { a.r.settle(null, manyRows(row![j++] as Record<string, unknown>[], a.s.many.floats)); continue; }
        const found = row![j++] !== null;
        const o: Record<string, unknown> = {};
        for (; j < names!.length && names![j] !== ROW && names![j] !== ROWS; j++) if (found) o[names![j]!] = row![j];
        a.r.settle(null, found ? [o] : []);
      }
      resolve(Number(row![0] ?? 0));
    }));
  });
  last.catch(() => undefined);
  return last;
}
