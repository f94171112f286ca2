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
//
// Windows by the same key value whose ranges meet (a decision's 24 h count
// and today's sum of one customer) are one part: one scan of the key's rows
// over the union of their ranges, each window's aggregates restricted to its
// own rows by FILTER with its whole condition (range, history bound, where),
// so each gives what it gives alone. The rows of the widest window are read
// anyway; the others' index descents, partition set-up and second pass over
// the same rows are what is saved.
import type pg from 'pg';
import { q } from '../tables.ts';
import { OneRowQuery } from './described.ts';
import { stmt, type Ahead, type Shared, type Stmt } from './statements.ts';

/** The marker column before each one-row read's columns (no field of a pack is named so). */
const ROW = 'zy:row';
/** The column holding a read of several rows, as a JSON array. */
const ROWS = 'zy:rows';

/** Read sets made as one statement, per provider at most: past it, a read set goes as a transaction (each connection prepares each). */
export const MAX_TOGETHER = 256;

/** Whether every read of a set can be a part of one statement. */
export const canGoTogether = (ahead: readonly Ahead[]): boolean => ahead.every((a) => a.s.one || a.s.many);

/**
 * Which reads share a scan: for each read, the index of the first read of its part (itself for a read alone). A window
 * joins an earlier one over the same key column with the same key value (a window's values: key, from, to, …) whose
 * range, as grown by the windows joined so far, meets its own.
 */
export function partsOf(ahead: readonly Ahead[]): number[] {
  const lead = ahead.map((_, i) => i);
  const range: [number, number][] = [];
  ahead.forEach((a, i) => {
    const s = a.s.shared;
    const [key, from, to] = a.values;
    if (!s || typeof from !== 'number' || typeof to !== 'number' || (typeof key !== 'string' && typeof key !== 'number')) return;
    range[i] = [from, to];
    for (let j = 0; j < i; j++) {
      const r = range[j], b = ahead[j]!;
      if (lead[j] !== j || !r || b.s.shared!.by !== s.by || b.s.shared!.from !== s.from || b.values[0] !== key || from > r[1] || to < r[0]) continue;
      lead[i] = j;
      r[0] = Math.min(r[0], from);
      r[1] = Math.max(r[1], to);
      return;
    }
  });
  return lead;
}

/** The one statement of a read set, and which of its reads share a scan. */
export interface Together {
  readonly s: Stmt;
  /** Per read, the index of the first read of its part (partsOf). */
  readonly lead: readonly number[];
}

/** The one statement that reads how far history goes and each of `ahead`'s reads (canGoTogether), windows sharing scans as `lead` says. */
export function togetherStmt(ahead: readonly Ahead[], lead: readonly number[] = partsOf(ahead)): Together {
  let offset = 0;
  const columns: string[] = [];
  const joins: string[] = [];
  // Each read's parameters, numbered after those before it (the statements' only `$` are their parameters).
  const renumber = (text: string, from: number) => text.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) - from + 1 + offset}`);
  ahead.forEach((a, i) => {
    const members = ahead.flatMap((b, k) => (lead[k] === i ? [k] : []));
    if (lead[i] !== i) return;
    if (members.length > 1) {
      // The key, the union of the ranges, then each window's own parameters but its key.
      const s = a.s.shared!;
      const keyed = `${s.by} = $${offset + 1} AND ${s.time} >= $${offset + 2} AND ${s.time} <= $${offset + 3}`;
      offset += 3;
      const aggs: string[] = [];
      for (const k of members) {
        const m = ahead[k]!.s.shared as Shared;
        const cond = renumber(m.cond, 2);
        m.select.forEach((e, j) => aggs.push(`${e} FILTER (WHERE ${cond}) AS "zy:${k}:${j}"`));
        offset += ahead[k]!.values.length - 1;
      }
      columns.push(`p${i}.*`);
      joins.push(`LEFT JOIN (SELECT true AS "${ROW}", ${aggs.join(', ')} FROM ${s.from} WHERE ${keyed}) p${i} ON true`);
      return;
    }
    const text = renumber(a.s.text, 1);
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
  return { s: stmt(`SELECT (SELECT last_seq FROM zy_event_seq) AS last_seq${columns.map((c) => `, ${c}`).join('')} FROM (VALUES (1)) z ${joins.join(' ')}`), lead };
}

/** The values `t` binds for `ahead` (in togetherStmt's order). */
function valuesOf(t: Together, ahead: readonly Ahead[]): unknown[] {
  const values: unknown[] = [];
  ahead.forEach((a, i) => {
    if (t.lead[i] !== i) return;
    const members = ahead.flatMap((b, k) => (t.lead[k] === i ? [b] : []));
    if (members.length === 1) { for (const v of a.values) values.push(v); return; }
    let from = Infinity, to = -Infinity;
    for (const m of members) { from = Math.min(from, m.values[1] as number); to = Math.max(to, m.values[2] as number); }
    values.push(a.values[0], from, to);
    for (const m of members) for (let j = 1; j < m.values.length; j++) values.push(m.values[j]);
  });
  return values;
}

/** A read of several rows as JSON gave them: NaN and ±Infinity back as numbers. */
function manyRows(rows: Record<string, unknown>[], floats: readonly string[]): Record<string, unknown>[] {
  if (floats.length) for (const r of rows) for (const f of floats) if (typeof r[f] === 'string') r[f] = Number(r[f]);
  return rows;
}

/** Sends `ahead`'s reads as the one statement `t` (togetherStmt); resolves to the last event of its snapshot, and settles each read. */
export function sendTogether(c: pg.PoolClient, t: Together, ahead: readonly Ahead[]): Promise<number> {
  const last = new Promise<number>((resolve, reject) => {
    // Described once per connection, its row parsed straight to values (described.ts).
    c.query(new OneRowQuery(t.s.name, t.s.text, valuesOf(t, ahead), (err, row, names) => {
      if (err) { for (const a of ahead) a.r.settle(err); reject(err); return; }
      let j = 1;
      ahead.forEach((a, i) => {
        if (t.lead[i] !== i) return;
        if (a.s.many) { a.r.settle(null, manyRows(row![j++] as Record<string, unknown>[], a.s.many.floats)); return; }
        const found = row![j++] !== null;
        if (t.lead.some((l, k) => l === i && k !== i)) {
          // A shared scan: each window's columns in turn (an aggregate's one row is always there).
          ahead.forEach((m, k) => {
            if (t.lead[k] !== i) return;
            const o: Record<string, unknown> = {};
            for (let n = 0; n < m.s.shared!.select.length; n++, j++) o[names![j]!] = row![j];
            m.r.settle(null, [o]);
          });
          return;
        }
        const o: Record<string, unknown> = {};
        for (; j < names!.length && names![j] !== ROW && names![j] !== ROWS; j++) if (found) o[names![j]!] = row![j];
        a.r.settle(null, found ? [o] : []);
      });
      resolve(Number(row![0] ?? 0));
    }));
  });
  last.catch(() => undefined);
  return last;
}
