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
import { EVENTS, q } from '../tables.ts';
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

/** The select list and joins of `ahead`'s reads, each read's parameter n written `param(n)` (numbered across the reads). */
function partsOf(ahead: readonly Ahead[], param: (n: number) => string, join: string, bound = (_a: Ahead, _offset: number, text: string) => text): { columns: string; joins: string } {
  let offset = 0;
  const columns: string[] = [];
  const joins: string[] = [];
  ahead.forEach((a, i) => {
    // Each read's parameters, numbered after the reads before it (the statements' only `$` are their parameters).
    const text = bound(a, offset, a.s.text.replace(/\$(\d+)/g, (_, d: string) => param(Number(d) + offset)));
    offset += a.values.length;
    const many = a.s.many;
    if (many) {
      const order = many.order.map((c) => `x.${q(c)}`).join(', ');
      columns.push(`(SELECT coalesce(json_agg(x ORDER BY ${order}), '[]'::json) FROM (${text}) x) AS "${ROWS}"`);
    } else {
      columns.push(`p${i}.*`);
      joins.push(`${join} (SELECT true AS "${ROW}", x.* FROM (${text}) x LIMIT 1) p${i} ON true`);
    }
  });
  return { columns: columns.map((c) => `, ${c}`).join(''), joins: joins.join(' ') };
}

/** The one statement that reads how far history goes and each of `ahead`'s reads (canGoTogether). */
export function togetherStmt(ahead: readonly Ahead[]): Stmt {
  const { columns, joins } = partsOf(ahead, (n) => `$${n}`, 'LEFT JOIN');
  return stmt(`SELECT (SELECT last_seq FROM zy_event_seq) AS last_seq${columns} FROM (VALUES (1)) z ${joins}`);
}

/** The batch's row of parameters (batch.ts), and the column numbering the decisions of one batch in order. */
const BATCH = 'zy:b';
export const BATCH_ORDER = 'zy:i';

/** A batch's statement, and for each range it bounds (Range), the together statement's values (0-based) of its ends. */
export interface Batch { readonly s: Stmt; readonly bounds: readonly { readonly from: number; readonly to: number }[] }

/**
 * The one statement of several decisions of the same read set as `ahead` (batch.ts): the together statement's
 * parameter n is the n-th array, of `types[n - 1]` (the types the server gave the together statement's parameters),
 * each decision a row of the arrays joined LATERAL to its reads, one result row per decision, numbered in order. A
 * read over a time range is also bounded by two parameters after the arrays, the union of the batch's ranges
 * (`bounds`): a condition each decision's own range implies, there so that the server prunes the months when the
 * execution starts (the arrays' elements are no parameters it could prune by).
 */
export function batchStmt(ahead: readonly Ahead[], types: readonly string[]): Batch {
  const bounds: { from: number; to: number }[] = [];
  const extra: string[] = [];
  const where = `FROM ${q(EVENTS)} WHERE `;
  const { columns, joins } = partsOf(ahead, (n) => `"${BATCH}".c${n}`, 'LEFT JOIN LATERAL', (a, offset, text) => {
    const r = a.s.range;
    if (!r || !text.includes(where)) return text;
    const from = types.length + extra.length + 1;
    extra.push(`$${from}::${types[offset + r.from - 1]}`, `$${from + 1}::${types[offset + r.to - 1]}`);
    bounds.push({ from: offset + r.from - 1, to: offset + r.to - 1 });
    return text.replace(where, `${where}${q(r.column)} >= $${from} AND ${q(r.column)} <= $${from + 1} AND `);
  });
  const arrays = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  const names = types.map((_, i) => `c${i + 1}`).join(', ');
  return {
    s: stmt(`SELECT (SELECT last_seq FROM zy_event_seq) AS last_seq${columns}, "${BATCH}".i AS "${BATCH_ORDER}" FROM unnest(${arrays}) WITH ORDINALITY "${BATCH}"(${names}, i) ${joins} ORDER BY "${BATCH}".i`),
    bounds,
  };
}

/** A read of several rows as JSON gave them: NaN and ±Infinity back as numbers. */
function manyRows(rows: Record<string, unknown>[], floats: readonly string[]): Record<string, unknown>[] {
  if (floats.length) for (const r of rows) for (const f of floats) if (typeof r[f] === 'string') r[f] = Number(r[f]);
  return rows;
}

/** Hands each of `ahead`'s reads its columns of `row` (a together statement's, up to column `end`). */
export function settleRow(ahead: readonly Ahead[], row: readonly unknown[], names: readonly string[], end = names.length): void {
  let j = 1;
  for (const a of ahead) {
    if (a.s.many) { a.r.settle(null, manyRows(row[j++] as Record<string, unknown>[], a.s.many.floats)); continue; }
    const found = row[j++] !== null;
    const o: Record<string, unknown> = {};
    for (; j < end && names[j] !== ROW && names[j] !== ROWS; j++) if (found) o[names[j]!] = row[j];
    a.r.settle(null, found ? [o] : []);
  }
}

/** The values of `ahead`'s reads, as the together statement numbers its parameters. */
export function valuesOf(ahead: readonly Ahead[]): unknown[] {
  const values: unknown[] = [];
  for (const a of ahead) for (const v of a.values) values.push(v);
  return values;
}

/** Sends `ahead`'s reads as the one statement `s` (togetherStmt); resolves to the last event of its snapshot, and settles each read. */
export function sendTogether(c: pg.PoolClient, s: Stmt, ahead: readonly Ahead[]): Promise<number> {
  const values = valuesOf(ahead);
  const last = new Promise<number>((resolve, reject) => {
    // Described once per connection, its row parsed straight to values (described.ts).
    c.query(new OneRowQuery(s.name, s.text, values, (err, row, names) => {
      if (err) { for (const a of ahead) a.r.settle(err); reject(err); return; }
      settleRow(ahead, row!, names!);
      resolve(Number(row![0] ?? 0));
    }));
  });
  last.catch(() => undefined);
  return last;
}
