// The feature provider over PostgreSQL. The same reads as the SQLite
// provider — the same shapes (fold.ts), the same folding — as prepared
// statements (named, so each pooled connection parses and plans them once).
//
// A decision is one REPEATABLE READ, READ ONLY transaction on one pooled
// connection: every read of it sees one snapshot of the store, whatever is
// imported or logged meanwhile, and the history it counts ends at the
// zy_event_seq row of that snapshot (writers advance it in the transaction
// that appends, under its row lock, so sequence numbers become visible in
// order). The transaction opens with one message, BEGIN and the sequence
// read (prepared once per connection). The decision itself runs
// synchronously over what has been fetched (resolve.ts).
//
// Round trips: the pool runs its connections in pipeline mode, and a
// provider learns, per event type, which reads its decisions made and which
// event field each read's key came from (the customer row by customer_id,
// a window by device_id, …). The next decision of that type is one
// self-contained transaction: the opening, those reads and COMMIT are
// written together and the connection goes back to the pool at once, so
// the decisions of one moment share its writes (closed()). When each of
// those reads returns one row at most, the decision is not a transaction but
// one statement (togetherStmt: the reads joined beside zy_event_seq), whose
// own snapshot every part shares: one Bind/Execute/Sync for the server
// instead of the opening, a statement per read and COMMIT. A decision that
// then reaches a read not sent is made again in a transaction held open
// until it has decided (open(): a read it lacks is fetched in it, and its
// COMMIT goes in the next decision's opening message). A read fetched ahead
// that no run asks for is never seen by the decision, and one it asks for is
// answered in that run (Reads.ready), so answers and the logged snapshot are
// what the lazy reads give.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import type { AggregateSpec, CheckedPack, Value } from '../../../compiler/ir.ts';
import { needsOrder, windowEnd, windowStart } from '../../aggregate.ts';
import { coerce } from '../../../compiler/input.ts';
import { TIMESTAMP } from '../../../compiler/types.ts';
import type { AggregateQuery, EntityVersion, FeatureProvider } from '../../provider.ts';
import { filterToSql } from '../filter-sql.ts';
import { foldAggregate, narrowColumns, shapeOf, type Shape } from '../fold.ts';
import { resolveWith, type AsyncSource, type Read, type Reads } from '../resolve.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, decodeRow, entityTable, q } from '../tables.ts';
import { isUnavailable, storeFailure, withClient } from './connect.ts';
import { DescribedOnce } from './described.ts';

const LOW = -8.64e15;
const HIGH = Number.MAX_SAFE_INTEGER;

/** A prepared statement; `one` when it returns one row at most (it can then be a part of a decision's one statement). */
interface Stmt { readonly name: string; readonly text: string; readonly one?: boolean }
const stmt = (text: string, one = false): Stmt => ({ name: `zy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text, ...(one ? { one } : {}) });

interface AggPlan {
  readonly shape: Shape;
  readonly main?: Stmt;
  readonly exists?: Stmt;
  readonly rows: Stmt;
  readonly params: readonly (number | string)[];
}

interface EntityStmts { readonly current: Stmt; readonly asOf: Stmt; readonly versions: Stmt }

/** One statement's result within a decision: in flight, then its rows (or failed: the promise says why). */
interface Result {
  readonly promise: Promise<Record<string, unknown>[]>;
  rows?: Record<string, unknown>[];
  /** Settles the promise (and sets rows). */
  readonly settle: (err: Error | null, rows?: Record<string, unknown>[]) => void;
}

function pending(): Result {
  const r = {} as { -readonly [K in keyof Result]: Result[K] };
  r.promise = new Promise((resolve, reject) => {
    r.settle = (err, rows) => { if (err) reject(err); else resolve(r.rows = rows!); };
  });
  // Awaited where it is used; a prefetched read no run asks for must not be an unhandled rejection.
  r.promise.catch(() => undefined);
  return r;
}

/** A read fetched ahead: its statement, its values and where its rows go. */
interface Ahead { readonly s: Stmt; readonly values: readonly unknown[]; readonly r: Result }

/** Sends one statement on `c` (pg's callback form: one promise per read; its promise form makes four with ours). */
function sendOne(c: pg.PoolClient, s: Stmt, values: readonly unknown[], r: Result): void {
  c.query({ name: s.name, text: s.text, values: values as unknown[] }, (err: Error | null, x: pg.QueryResult) => r.settle(err, x?.rows as Record<string, unknown>[]));
}

type Run = (s: Stmt, values: readonly unknown[]) => Result;

/** The rows of a result that is in; else NeedPart (wait for it and answer again). */
function rowsOf(r: Result): Record<string, unknown>[] {
  if (r.rows) return r.rows;
  throw new NeedPart(r.promise);
}

/** The part of an aggregate whose statement depends on the key and the time only. */
type Part = 'sql' | 'values' | 'rows';

/** A read decisions of one event type made, by the event field its key came from. */
type Template =
  | { readonly k: 'entity'; readonly entity: string; readonly field: string }
  | { readonly k: 'list'; readonly list: string; readonly field: string }
  | { readonly k: 'aggregate'; readonly id: number; readonly field: string | undefined; readonly part: Part };

/** Reads learned per event type at most (a pack's reads are few; this bounds a pathological one). */
const MAX_TEMPLATES = 64;

/** The event a decision is for, as resolve() is told it: what the reads are learned from and prefetched for. */
interface Hint {
  readonly event: Record<string, unknown>;
  readonly type: string;
  readonly now: number;
}

function hintOf(event: unknown): Hint | undefined {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return undefined;
  const e = event as Record<string, unknown>;
  try {
    return { event: e, type: String(e['type'] ?? ''), now: Number(coerce(TIMESTAMP, e[TIME_FIELD], `event.${TIME_FIELD}`)) };
  } catch { return undefined; }
}

/** The event field holding `v` (a key), if one does. */
function fieldOf(e: Record<string, unknown>, v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  for (const f in e) if (f !== TIME_FIELD && e[f] === v) return f;
  return undefined;
}

export class PostgresProvider implements AsyncSource {
  private readonly entityStmts = new Map<string, EntityStmts>();
  private readonly plans: AggPlan[] = [];
  /** The pack's aggregates by id. */
  private readonly specs: AggregateSpec[] = [];
  private readonly listStmt = stmt(`SELECT 1 FROM zy_list_entries WHERE list = $1 AND value = $2::jsonb
    AND (added_at IS NULL OR added_at <= $3) AND (expires_at IS NULL OR expires_at > $3) LIMIT 1`, true);
  private readonly calendarStmt = stmt(`SELECT to_char(date, 'YYYY-MM-DD') AS date, is_working_day FROM zy_calendar WHERE date >= $1::date AND date <= $2::date`);
  private beforeSeq = HIGH;
  private at: number | undefined;
  /** Event type → the reads its decisions made (see above); shared by the asOf views. */
  private readonly learned = new Map<string, Map<string, Template>>();
  /**
   * Event types whose last self-contained decision lacked a read, with how many reads they had learned then: until
   * they learn more, they decide in a transaction held open (a read whose key no event field holds is never learned).
   */
  private readonly lacking = new Map<string, number>();

  constructor(readonly pool: pg.Pool, readonly pack: CheckedPack, readonly where = 'PostgreSQL') {
    const K = q(KEY), F = q(VALID_FROM), T = q(VALID_TO);
    for (const e of pack.schema.entities.values()) {
      const t = q(entityTable(e.name));
      this.entityStmts.set(e.name, {
        // One current version per key (schema.ts: a unique index on the key where valid_to is null).
        current: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 AND ${T} IS NULL`, true),
        asOf: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 AND (${F} IS NULL OR ${F} <= $2) AND (${T} IS NULL OR ${T} > $2)
          ORDER BY ${F} IS NULL, ${F} DESC LIMIT 1`, true),
        versions: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 ORDER BY ${F} IS NOT NULL, ${F}`),
      });
    }
    for (const a of pack.aggregates) { this.plans[a.id] = this.plan(a); this.specs[a.id] = a; }
  }

  /** The store as it stood at `time`, with only the events stored before `beforeSeq` as history. */
  asOf(time: number, beforeSeq: number = HIGH): PostgresProvider {
    const view = Object.create(this) as PostgresProvider;
    view.at = time;
    view.beforeSeq = beforeSeq;
    return view;
  }

  get asOfTime(): number | undefined { return this.at; }

  // Parameters: $1 key (when by), then from, now, before; the filter's follow.
  private plan(a: AggregateSpec): AggPlan {
    const shape = shapeOf(a);
    const n = a.by ? 1 : 0;
    // The decision pool plans each statement once (generic plans, connect.ts). The history bound is written `zy_seq + 0 < $n`,
    // a filter on the index's own column: as an index condition, PostgreSQL's generic estimate for it made the time-only
    // index look cheaper than the covering (key, time, …) one, and a 30-day window then read a month of rows.
    const where = [...(a.by ? [`${q(a.by)} = $1`] : []), `${q(TIME_FIELD)} >= $${n + 1}`, `${q(TIME_FIELD)} <= $${n + 2}`, `${q(SEQ)} + 0 < $${n + 3}`];
    const order = needsOrder(a) ? `${q(TIME_FIELD)}, ${q(SEQ)}` : q(SEQ);
    const rows = stmt(`SELECT * FROM ${q(EVENTS)} WHERE ${where.join(' AND ')} ORDER BY ${order}`);
    if (shape.kind === 'rows') return { shape, rows, params: [] };
    const f = a.filter ? filterToSql(a.filter, 'postgres', n + 4)! : { sql: '', params: [] };
    const extra = `$${n + 4 + f.params.length}`;
    const cond = [...where, ...(f.sql ? [f.sql] : [])].join(' AND ');
    const cols = narrowColumns(a, shape.kind).map(q).join(', ');
    if (shape.kind === 'newest') {
      const hasValue = a.fn === 'latest' && a.window.kind !== 'events' ? ` AND ${q(a.field!)} IS NOT NULL` : '';
      return { shape, rows, main: stmt(`SELECT ${cols} FROM ${q(EVENTS)} WHERE ${cond}${hasValue} ORDER BY ${q(TIME_FIELD)} DESC, ${q(SEQ)} DESC LIMIT ${extra}`), params: f.params };
    }
    if (shape.kind === 'values') return { shape, rows, main: stmt(`SELECT ${cols} FROM ${q(EVENTS)} WHERE ${cond} ORDER BY ${q(SEQ)}`), params: f.params };
    const col = a.field ? q(a.field) : '';
    const select = ({
      count: 'count(*)', sum: `sum(${col}), count(${col})`, avg: `sum(${col}), count(${col})`, min: `min(${col})`, max: `max(${col})`,
      distinct: `count(DISTINCT ${col})`, time_since_last: `max(${q(TIME_FIELD)})`,
    } as Record<string, string>)[a.fn];
    const main = stmt(`SELECT ${select} FROM ${q(EVENTS)} WHERE ${cond}`, true);
    const exists = shape.exists ? stmt(`SELECT 1 FROM ${q(EVENTS)} WHERE ${cond} AND ${col} = ${extra} LIMIT 1`) : undefined;
    return { shape, main, rows, params: f.params, ...(exists ? { exists } : {}) };
  }

  /**
   * Runs `decide` over one snapshot of the store (see above). `event`, when
   * given, is the event decided: its type's reads learned so far are sent with
   * BEGIN, and the reads this decision makes are learned.
   */
  async resolve<T>(decide: (p: FeatureProvider) => T, event?: unknown): Promise<T> {
    const hint = hintOf(event);
    try {
      return await this.session(decide, hint, true);
    } catch (e) {
      // A prefetched read the server refuses (a key of the wrong type in a malformed event) aborts the transaction:
      // the decision is made again without them (and says what is wrong with the event), and the type forgets its reads.
      if (!hint || !this.learned.has(hint.type) || !(e instanceof pg.DatabaseError) || isUnavailable(e)) throw e;
      this.learned.delete(hint.type);
      return this.session(decide, hint, false);
    }
  }

  private async session<T>(decide: (p: FeatureProvider) => T, hint: Hint | undefined, prefetch: boolean): Promise<T> {
    const known = prefetch && hint ? this.learned.get(hint.type)?.size ?? 0 : 0;
    if (known > 0 && known > (this.lacking.get(hint!.type) ?? 0)) {
      const out = await this.closed(decide, hint!);
      if (out) return out.value;
      this.lacking.set(hint!.type, known);
    }
    return this.open(decide, hint, prefetch && !!hint);
  }

  /** The statements of one decision on connection `c`, each sent once. */
  private runner(c: pg.PoolClient): { run: Run; memo: Map<string, Result> } {
    // The same statement with the same values, once per decision (prefetched, or asked by an earlier run).
    const memo = new Map<string, Result>();
    const run: Run = (s, values) => {
      const key = `${s.name}${JSON.stringify(values)}`;
      let r = memo.get(key);
      if (!r) {
        memo.set(key, r = pending());
        sendOne(c, s, values, r);
      }
      return r;
    };
    return { run, memo };
  }

  /** A Run that only collects the statements asked for (each once), to be sent later. */
  private collector(memo: Map<string, Result>, ahead: Ahead[]): Run {
    return (s, values) => {
      const key = `${s.name}${JSON.stringify(values)}`;
      let r = memo.get(key);
      if (!r) {
        memo.set(key, r = pending());
        ahead.push({ s, values, r });
      }
      return r;
    };
  }

  /** Read sets (their statements' names) → the one statement that makes them all. */
  private readonly together = new Map<string, Stmt>();

  /**
   * The one statement that reads how far history goes and each of `ahead`'s reads (each one row at most), as
   * joins of one row; undefined past MAX_TOGETHER read sets. Each read's columns follow a marker column (ROW),
   * null when the read found no row.
   */
  private togetherStmt(ahead: readonly Ahead[]): Stmt | undefined {
    const key = ahead.map((a) => a.s.name).join(' ');
    let s = this.together.get(key);
    if (s || this.together.size >= MAX_TOGETHER) return s;
    let offset = 0;
    const joins = ahead.map((a, i) => {
      // Each read's parameters, numbered after the reads before it (the statements' only `$` are their parameters).
      const text = a.s.text.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + offset}`);
      offset += a.values.length;
      return `LEFT JOIN (SELECT true AS "${ROW}", x.* FROM (${text}) x LIMIT 1) p${i} ON true`;
    });
    s = stmt(`SELECT (SELECT last_seq FROM zy_event_seq) AS last_seq${ahead.map((_, i) => `, p${i}.*`).join('')} FROM (VALUES (1)) z ${joins.join(' ')}`);
    this.together.set(key, s);
    return s;
  }

  /** Sends the opening message (and the sequence read's PREPARE on a new connection); resolves to the snapshot's last event. */
  private begin(c: pg.PoolClient): Promise<number> {
    const prepare = prepared.has(c) ? undefined : c.query(PREPARE_SEQ).then(() => { prepared.add(c); });
    const opened = (c.query(opening(c)) as unknown as Promise<pg.QueryResult[]>).then((r) => Number(r[r.length - 1]!.rows[0]?.last_seq ?? 0));
    // Awaited through `last`; when the PREPARE fails, the opening fails too and nothing else waits for it.
    opened.catch(() => undefined);
    const last = prepare ? prepare.then(() => opened) : opened;
    last.catch(() => undefined);
    return last;
  }

  /** Runs the decision over the reads in `memo` once they are in, on the snapshot ending at event `last`. */
  private async decideOver<T>(decide: (p: FeatureProvider) => T, run: Run, memo: Map<string, Result>, last: Promise<number>, hint: Hint | undefined): Promise<T> {
    const seq = await last;
    // The reads fetched ahead came in the same round trip: the run that asks for them finds them in hand.
    if (memo.size) await Promise.allSettled([...memo.values()].map((r) => r.promise));
    return resolveWith({
      sequence: this.beforeSeq === HIGH ? seq : Math.min(seq, this.beforeSeq - 1),
      asOfTime: this.at,
      fetch: (r) => this.fetch(run, r, hint),
      ready: (r) => {
        try { return { value: this.answer(run, r, hint) }; } catch { return undefined; }
      },
    }, decide);
  }

  /**
   * A decision whose event type's reads are known, in one self-contained transaction: BEGIN, the sequence, those
   * reads and COMMIT go out together, and the connection goes back to the pool at once, so the decisions of one
   * moment share its writes (the socket stays corked until the tasks queued now have run). Undefined when the
   * decision asks for a read that was not sent: it is then made again in a transaction of its own (open()).
   */
  private async closed<T>(decide: (p: FeatureProvider) => T, hint: Hint): Promise<{ value: T } | undefined> {
    const memo = new Map<string, Result>();
    const ahead: Ahead[] = [];
    this.prefetch(this.collector(memo, ahead), hint);
    // Reads of one row at most go as one statement, which sees one snapshot by itself: no transaction to open or end.
    const one = ahead.every((a) => a.s.one) ? this.togetherStmt(ahead) : undefined;
    let c: pg.PoolClient;
    try { c = await this.pool.connect(); } catch (e) { throw storeFailure(e, this.where); }
    let last!: Promise<number>;
    try {
      sendThisTurn(c, () => {
        if (one) {
          // A decision held open on this connection ends first: the statement must not run in its snapshot.
          if (uncommitted.delete(c)) c.query('COMMIT').catch(() => undefined);
          last = sendTogether(c, one, ahead);
        } else {
          last = this.begin(c);
          for (const a of ahead) sendOne(c, a.s, a.values, a.r);
        }
      }, !one);
    } finally { c.release(); }
    const fixed = this.runnerOver(memo);
    try {
      // Every read it can answer here was sent from what was learned: nothing to learn (no hint), no fields to look up.
      return { value: await this.decideOver(decide, fixed, memo, last, undefined) };
    } catch (e) {
      if (e === REOPEN) return undefined;
      throw storeFailure(e, this.where);
    }
  }

  /** `memo`'s statements only: any other is REOPEN (the transaction they ran in has ended). */
  private runnerOver(memo: Map<string, Result>): Run {
    return (s, values) => {
      const r = memo.get(`${s.name}${JSON.stringify(values)}`);
      if (!r) throw REOPEN;
      return r;
    };
  }

  /** A decision in a transaction held open until it has decided: reads it lacks are fetched in it. */
  private open<T>(decide: (p: FeatureProvider) => T, hint: Hint | undefined, prefetch: boolean): Promise<T> {
    return withClient(this.pool, this.where, async (c) => {
      const { run, memo } = this.runner(c);
      // One round trip: the last decision's COMMIT, BEGIN and how far the snapshot's history goes (one message), and the
      // reads this event type made before, written to the socket together (corked: pg writes each statement on its own otherwise).
      const last = corked(c, () => {
        const l = this.begin(c);
        if (prefetch && hint) this.prefetch(run, hint);
        return l;
      });
      try {
        const out = await this.decideOver(decide, run, memo, last, hint);
        commitLater(c);
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** Sends the reads `hint`'s event type made before (not awaited: they share the round trip with BEGIN). */
  private prefetch(run: Run, hint: Hint): void {
    const templates = this.learned.get(hint.type);
    if (!templates) return;
    for (const t of templates.values()) {
      const v = t.field === undefined ? undefined : hint.event[t.field];
      if (t.field !== undefined && (v === undefined || v === null)) continue;
      switch (t.k) {
        case 'entity': this.entityRead(run, t.entity, v as Value); break;
        case 'list': run(this.listStmt, [t.list, JSON.stringify(v), hint.now]); break;
        case 'aggregate': {
          const spec = this.specs[t.id];
          if (spec) this.part(run, this.plans[t.id]!, t.part, this.base(spec, v as Value, hint.now));
        }
      }
    }
  }

  private learn(hint: Hint | undefined, key: string, t: Template): void {
    if (!hint) return;
    let m = this.learned.get(hint.type);
    if (!m) this.learned.set(hint.type, m = new Map());
    if (m.size < MAX_TEMPLATES) m.set(key, t);
  }

  /** Every stored version of one entity row, oldest first. */
  entityVersions(entity: string, key: Value): Promise<EntityVersion[]> {
    const s = this.entityStmts.get(entity);
    const info = this.pack.schema.entities.get(entity);
    if (!s || !info || key === undefined) return Promise.resolve([]);
    return withClient(this.pool, this.where, async (c) => {
      if (uncommitted.delete(c)) await c.query('COMMIT');
      return (await c.query({ name: s.versions.name, text: s.versions.text, values: [key] })).rows.map((r: Record<string, unknown>) => ({
        validFrom: r[VALID_FROM] as number | null, validTo: r[VALID_TO] as number | null, row: decodeRow(info, r),
      }));
    });
  }

  private entityRead(run: Run, entity: string, key: Value): Result | undefined {
    const s = this.entityStmts.get(entity);
    if (!s || key === undefined) return undefined;
    return this.at === undefined ? run(s.current, [key]) : run(s.asOf, [key, this.at]);
  }

  /** The answer to `r`, its statements sent as needed and waited for. */
  private async fetch(run: Run, r: Read, hint: Hint | undefined): Promise<unknown> {
    for (;;) {
      try {
        return this.answer(run, r, hint);
      } catch (e) {
        if (!(e instanceof NeedPart)) throw e;
        await e.wait;
      }
    }
  }

  /** The answer to `r` from results in hand; NeedPart for a result not in yet (its statement sent). */
  private answer(run: Run, r: Read, hint: Hint | undefined): unknown {
    switch (r.k) {
      case 'entity': {
        const rows = this.entityRead(run, r.entity, r.key);
        if (!rows) return undefined;
        const field = hint && fieldOf(hint.event, r.key);
        if (field) this.learn(hint, `e ${r.entity} ${field}`, { k: 'entity', entity: r.entity, field });
        const row = rowsOf(rows)[0];
        return row ? decodeRow(this.pack.schema.entities.get(r.entity)!, row) : undefined;
      }
      case 'list': {
        const field = hint && r.now === hint.now ? fieldOf(hint.event, r.value) : undefined;
        if (field) this.learn(hint, `l ${r.list} ${field}`, { k: 'list', list: r.list, field });
        return rowsOf(run(this.listStmt, [r.list, JSON.stringify(r.value ?? null), r.now])).length > 0;
      }
      case 'calendar': return new Map(rowsOf(run(this.calendarStmt, [r.from, r.to])).map((x) => [x['date'] as string, x['is_working_day'] as boolean]));
      case 'aggregate': return this.aggregate(run, r.q, hint);
    }
  }

  // Parameters of an aggregate's statements: the key (when by), the window, the history bound.
  private base(spec: AggregateSpec, key: Value, now: number): unknown[] {
    return [...(spec.by ? [key] : []), Math.max(LOW, windowStart(spec.window, now)), windowEnd(spec.window, now), this.beforeSeq];
  }

  private part(run: Run, plan: AggPlan, part: Part, base: readonly unknown[]): Result {
    return part === 'rows' ? run(plan.rows, base) : run(plan.main!, [...base, ...plan.params]);
  }

  private aggregate(run: Run, query: AggregateQuery, hint: Hint | undefined): Value {
    const { spec, now } = query;
    const plan = this.plans[spec.id]!;
    const base = this.base(spec, query.key, now);
    const field = hint && now === hint.now && spec.by ? fieldOf(hint.event, query.key) : undefined;
    const learnable = !!hint && now === hint.now && (!spec.by || !!field);
    const whole = (part: Part) => {
      if (learnable) this.learn(hint, `a ${spec.id} ${part} ${field ?? ''}`, { k: 'aggregate', id: spec.id, field, part });
      return rowsOf(this.part(run, plan, part, base));
    };
    // What the shape reads; the fold asks for the rest (latest()'s fallback), and is answered again once it is in.
    const main = plan.main!;
    return foldAggregate(this.pack.schema, plan.shape, query, {
      sql: () => Object.values(whole('sql')[0] ?? {}) as unknown[],
      exists: (value) => rowsOf(run(plan.exists!, [...base, ...plan.params, value])).length > 0,
      newest: (limit) => rowsOf(run(main, [...base, ...plan.params, limit])),
      values: () => whole('values'),
      rows: () => whole('rows'),
    });
  }
}

const socketOf = (c: pg.PoolClient) => (c as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;

/**
 * Runs `send` with the connection's socket corked: the statements it sends leave in one write.
 */
function corked<T>(c: pg.PoolClient, send: () => T): T {
  const stream = socketOf(c);
  stream?.cork?.();
  try { return send(); } finally { stream?.uncork?.(); }
}

/** Connections whose socket stays corked until the tasks queued now have run (sendThisTurn). */
const flushing = new WeakSet<pg.PoolClient>();

/**
 * Runs `send` (a self-contained decision's statements) with the socket corked until the tasks queued now have run,
 * so the decisions of one moment leave in one write; the transaction's COMMIT goes in the opening message of the next
 * decision to take the connection, or else ends that write. One flush per connection and turn, however many decisions.
 */
function sendThisTurn(c: pg.PoolClient, send: () => void, inTransaction: boolean): void {
  if (!flushing.has(c)) {
    const stream = socketOf(c);
    stream?.cork?.();
    flushing.add(c);
    setImmediate(() => {
      flushing.delete(c);
      if (uncommitted.delete(c)) c.query('COMMIT').catch(() => undefined);
      stream?.uncork?.();
    });
  }
  try { send(); } finally { if (inTransaction) uncommitted.add(c); }
}

/** The marker column before each read's columns in a decision's one statement (no field of a pack is named so). */
const ROW = 'zy:row';

/** Read sets made as one statement, per provider at most: past it, a read set goes as a transaction (each connection prepares each). */
const MAX_TOGETHER = 256;

/** Sends `ahead`'s reads as the one statement `s` (togetherStmt); resolves to the last event of its snapshot, and settles each read. */
function sendTogether(c: pg.PoolClient, s: Stmt, ahead: readonly Ahead[]): Promise<number> {
  const values: unknown[] = [];
  for (const a of ahead) values.push(...a.values);
  const last = new Promise<number>((resolve, reject) => {
    // Described once per connection (described.ts): later executions get the one row without its description.
    const config: pg.QueryArrayConfig = { name: s.name, text: s.text, values, rowMode: 'array' };
    c.query(new DescribedOnce(config as pg.QueryConfig, undefined, (err: Error | undefined, x: pg.QueryResult) => {
      if (err) { for (const a of ahead) a.r.settle(err); reject(err); return; }
      const row = x.rows[0] as unknown[];
      const fields = x.fields;
      let j = 1;
      for (const a of ahead) {
        const found = row[j++] !== null;
        const o: Record<string, unknown> = {};
        for (; j < fields.length && fields[j]!.name !== ROW; j++) if (found) o[fields[j]!.name] = row[j];
        a.r.settle(null, found ? [o] : []);
      }
      resolve(Number(row[0] ?? 0));
    }));
  });
  last.catch(() => undefined);
  return last;
}

/** How far history goes, prepared once per connection so the opening message is planned once too. */
const PREPARE_SEQ = 'PREPARE zy_last_seq AS SELECT last_seq FROM zy_event_seq';
const prepared = new WeakSet<pg.PoolClient>();

/** Connections whose last decision's transaction is still open (its COMMIT not sent yet). */
const uncommitted = new WeakSet<pg.PoolClient>();

/** A decision's opening message: its predecessor's COMMIT when still due, BEGIN, and the snapshot's last event. */
function opening(c: pg.PoolClient): string {
  const commit = uncommitted.delete(c) ? 'COMMIT; ' : '';
  return `${commit}BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; EXECUTE zy_last_seq`;
}

/**
 * Ends a decision's read-only transaction without waiting on it: a decision that takes the connection in the tasks
 * queued now sends the COMMIT in its own opening message; otherwise it goes alone (inside a corked send, scheduled
 * ahead of the uncork, so it leaves in the same write).
 */
function commitLater(c: pg.PoolClient): void {
  uncommitted.add(c);
  setImmediate(() => { if (uncommitted.delete(c)) c.query('COMMIT').catch(() => undefined); });
}

/** A read the decision's closed transaction did not send (see closed()). */
const REOPEN = Symbol('reopen');

/** A result not in yet: wait for it, and answer again. */
class NeedPart {
  constructor(readonly wait: Promise<unknown>) {}
}
