// A decision's statements and their results (provider.ts): named prepared
// statements, each read's result in flight and then in hand, and how one is
// sent on its own.
import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * A statement of several rows, as a part of a decision's one statement (together.ts), where its rows come back as one
 * JSON array: the columns its rows are ordered by (restated in the aggregate, which keeps no order of its own), and
 * its double precision columns (JSON writes NaN and ±Infinity as strings, read back here as the numbers).
 */
export interface Many { readonly order: readonly string[]; readonly floats: readonly string[] }

/**
 * A prepared statement; `one` when it returns one row at most, `many` when it is a read of several rows: either can
 * be a part of a decision's one statement.
 */
export interface Stmt { readonly name: string; readonly text: string; readonly one?: boolean; readonly many?: Many }

export const stmt = (text: string, kind?: true | Many): Stmt => ({
  name: `zy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text,
  ...(kind === true ? { one: true } : kind ? { many: kind } : {}),
});

/** One statement's result within a decision: in flight, then its rows (or failed: the promise says why). */
export interface Result {
  readonly promise: Promise<Record<string, unknown>[]>;
  rows?: Record<string, unknown>[];
  /** Settles the promise (and sets rows). */
  readonly settle: (err: Error | null, rows?: Record<string, unknown>[]) => void;
}

export function pending(): Result {
  const r = {} as { -readonly [K in keyof Result]: Result[K] };
  r.promise = new Promise((resolve, reject) => {
    r.settle = (err, rows) => { if (err) reject(err); else resolve(r.rows = rows!); };
  });
  // Awaited where it is used; a prefetched read no run asks for must not be an unhandled rejection.
  r.promise.catch(() => undefined);
  return r;
}

/** A read fetched ahead: its statement, its values and where its rows go. */
export interface Ahead { readonly s: Stmt; readonly values: readonly unknown[]; readonly r: Result }

/** Sends one statement on `c` (pg's callback form: one promise per read; its promise form makes four with ours). */
export function sendOne(c: pg.PoolClient, s: Stmt, values: readonly unknown[], r: Result): void {
  c.query({ name: s.name, text: s.text, values: values as unknown[] }, (err: Error | null, x: pg.QueryResult) => r.settle(err, x?.rows as Record<string, unknown>[]));
}

/** Sends (or finds already sent) a statement of the decision. */
export type Run = (s: Stmt, values: readonly unknown[]) => Result;

/** A result not in yet: wait for it, and answer again. */
export class NeedPart {
  constructor(readonly wait: Promise<unknown>) {}
}

/** The rows of a result that is in; else NeedPart (wait for it and answer again). */
export function rowsOf(r: Result): Record<string, unknown>[] {
  if (r.rows) return r.rows;
  throw new NeedPart(r.promise);
}
