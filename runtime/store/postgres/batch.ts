// Several decisions in one execution (provider.ts closed()). The decisions
// whose one statement (together.ts) is written on a connection in the same
// event-loop turn wait in that connection's queue until the turn's flush
// (transaction.ts sendThisTurn), where the decisions of one read set go as
// one execution of its batch form: the together statement's parameters as
// arrays, one element per decision, unnested WITH ORDINALITY and joined
// LATERAL to the reads, one result row per decision in the decisions' order.
// The execution is one statement, so it runs on one snapshot: every decision
// of the batch sees that snapshot whole, its history ending at the
// zy_event_seq row the same statement reads (an uncorrelated subquery, read
// once), as a decision's own statement would. The batch form is a named
// prepared statement like the together one (one generic plan per
// connection), made once per read set when the server has told the types of
// the together statement's parameters (pg_prepared_statements, asked once on
// the connection that prepared it): until then, and for a decision alone in
// its turn, each goes as its own statement.
import pg from 'pg';
import { RowsQuery } from './described.ts';
import type { Ahead, Stmt } from './statements.ts';
import { batchStmt, sendTogether, settleRow, valuesOf, type Batch } from './together.ts';

/** Decisions in one execution at most (a turn of a busy process holds a few; this bounds the arrays). */
export const MAX_BATCH = 64;

/** A read set's batch form: not asked for yet, being asked, none (a type it cannot name, or the server refused it), or made. */
type Form = { k: 'unknown' } | { k: 'asking' } | { k: 'none' } | { k: 'made'; readonly b: Batch };

/** The batch forms of one provider's read sets, by their together statement's name. */
export class BatchForms {
  readonly forms = new Map<string, Form>();
}

interface Queued {
  readonly s: Stmt;
  readonly ahead: readonly Ahead[];
  readonly forms: BatchForms;
  readonly resolve: (last: number) => void;
  readonly reject: (e: unknown) => void;
}

/** Per connection, the decisions whose statement waits for the turn's flush. */
const queues = new WeakMap<pg.PoolClient, Queued[]>();

/** Whether pg binds `v` as text (its own way or described.ts's the same): the values a batch's arrays can hold. */
const plain = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || v === null || v === undefined;

/** Whether a read's values can be elements of a batch's arrays, and its range's ends (if it has one) numbers. */
const batchable = (a: Ahead): boolean => a.values.every(plain) && (!a.s.range || (Number.isFinite(a.values[a.s.range.from - 1]) && Number.isFinite(a.values[a.s.range.to - 1])));

/** Queues a decision's one statement `s` on `c` (sent at the turn's flush, sendQueued); resolves to its snapshot's last event. */
export function queueTogether(c: pg.PoolClient, s: Stmt, ahead: readonly Ahead[], forms: BatchForms): Promise<number> {
  const last = new Promise<number>((resolve, reject) => {
    let q = queues.get(c);
    if (!q) queues.set(c, q = []);
    q.push({ s, ahead, forms, resolve, reject });
  });
  last.catch(() => undefined);
  return last;
}

/** A PostgreSQL array literal of `values` (text for each, as pg binds a value alone; NULL for null). */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    out += v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/** A type name the server gave, written back into SQL only when it is a plain one (`bigint`, `double precision`, `text`…). */
const TYPE = /^[a-z][a-z0-9_ ]*$/;

/** Asks the server, on the connection that has just prepared `s`, the types of its parameters, and makes its batch form. */
function ask(c: pg.PoolClient, s: Stmt, ahead: readonly Ahead[], forms: BatchForms): void {
  forms.forms.set(s.name, { k: 'asking' });
  c.query({ text: 'SELECT parameter_types::text[] AS t FROM pg_prepared_statements WHERE name = $1', values: [s.name] }).then((r) => {
    const types = r.rows[0]?.t as string[] | undefined;
    if (!types || types.length !== valuesOf(ahead).length || !types.every((t) => TYPE.test(t))) forms.forms.set(s.name, { k: 'none' });
    else forms.forms.set(s.name, { k: 'made', b: batchStmt(ahead, types) });
  }, () => forms.forms.set(s.name, { k: 'unknown' }));
}

function sendAlone(c: pg.PoolClient, d: Queued): void {
  sendTogether(c, d.s, d.ahead).then(d.resolve, d.reject);
}

/** A server error that says the batch form itself is wrong (syntax, an unknown name or type, a feature missing), not one decision's values. */
const formRefused = (e: unknown): boolean => e instanceof pg.DatabaseError && /^(42|0A)/.test(e.code ?? '');

/** Sends `group` (decisions of one read set, their values plain) as one execution of the batch form `b`. */
function sendBatch(c: pg.PoolClient, { s: b, bounds }: Batch, group: readonly Queued[]): void {
  const width = valuesOf(group[0]!.ahead).length;
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const d of group) valuesOf(d.ahead).forEach((v, i) => columns[i]!.push(v));
  const values: unknown[] = columns.map(arrayLiteral);
  // The union of the decisions' ranges of each bounded read (numbers: a range whose ends are not went alone, sendQueued).
  for (const { from, to } of bounds) values.push(Math.min(...(columns[from] as number[])), Math.max(...(columns[to] as number[])));
  c.query(new RowsQuery(b.name, b.text, values, (err, rows, names) => {
    if (!err && rows!.length !== group.length) err = new Error(`the statement ${b.name} gave ${rows!.length} rows for ${group.length} decisions`);
    if (err) {
      if (formRefused(err)) group[0]!.forms.forms.set(group[0]!.s.name, { k: 'none' });
      for (const d of group) { for (const a of d.ahead) a.r.settle(err); d.reject(err); }
      return;
    }
    const end = names!.length - 1;
    for (const row of rows!) {
      const d = group[Number(row[end]) - 1]!;
      settleRow(d.ahead, row, names!, end);
      d.resolve(Number(row[0] ?? 0));
    }
  }));
}

/** Sends the decisions queued on `c` (queueTogether): those of one read set as one execution when its batch form is made. */
export function sendQueued(c: pg.PoolClient): void {
  const q = queues.get(c);
  if (!q) return;
  queues.delete(c);
  const groups = new Map<string, Queued[]>();
  for (const d of q) {
    if (!d.ahead.every(batchable)) { sendAlone(c, d); continue; }
    let g = groups.get(d.s.name);
    if (!g) groups.set(d.s.name, g = []);
    g.push(d);
  }
  for (const g of groups.values()) {
    const first = g[0]!;
    const form = first.forms.forms.get(first.s.name) ?? { k: 'unknown' };
    if (form.k !== 'made' || g.length === 1) {
      for (const d of g) sendAlone(c, d);
      if (form.k === 'unknown' && g.length > 1) ask(c, first.s, first.ahead, first.forms);
      continue;
    }
    for (let i = 0; i < g.length; i += MAX_BATCH) {
      const part = g.slice(i, i + MAX_BATCH);
      if (part.length === 1) sendAlone(c, part[0]!);
      else sendBatch(c, form.b, part);
    }
  }
}
