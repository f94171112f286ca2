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
// the decisions of one moment share its writes (closed()). Usually the
// decision is not a transaction but one statement (together.ts: the reads
// of one row joined beside zy_event_seq, the reads of several rows as JSON
// arrays), whose own snapshot every part shares: one Bind/Execute/Sync for
// the server instead of the opening, a statement per read and COMMIT. Past
// MAX_TOGETHER read sets a provider sends them as that transaction. A decision that
// then reaches a read not sent is made again in a transaction held open
// until it has decided (open(): a read it lacks is fetched in it, and its
// COMMIT goes in the next decision's opening message). A read fetched ahead
// that no run asks for is never seen by the decision, and one it asks for is
// answered in that run (Reads.ready), so answers and the logged snapshot are
// what the lazy reads give.
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
import { NeedPart, pending, rowsOf, sendOne, stmt, type Ahead, type Result, type Run, type Stmt } from './statements.ts';
import { canGoTogether, MAX_TOGETHER, sendTogether, togetherStmt } from './together.ts';
import { begin, commitDue, commitLater, corked, sendThisTurn } from './transaction.ts';

const LOW = -8.64e15;
const HIGH = Number.MAX_SAFE_INTEGER;

interface AggPlan {
  readonly shape: Shape;
  readonly main?: Stmt;
  readonly exists?: Stmt;
  readonly rows: Stmt;
  readonly params: readonly (number | string)[];
}

interface EntityStmts { readonly current: Stmt; readonly asOf: Stmt; readonly versions: Stmt }

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
    const orderBy = needsOrder(a) ? [TIME_FIELD, SEQ] : [SEQ];
    // Reads of several rows can be parts of a decision's one statement (together.ts): their order, their float columns.
    const floats = [...this.pack.schema.event.fields].filter(([, f]) => f.type.t === 'number').map(([name]) => name);
    const rows = stmt(`SELECT * FROM ${q(EVENTS)} WHERE ${where.join(' AND ')} ORDER BY ${orderBy.map(q).join(', ')}`, { order: orderBy, floats });
    if (shape.kind === 'rows') return { shape, rows, params: [] };
    const f = a.filter ? filterToSql(a.filter, 'postgres', n + 4)! : { sql: '', params: [] };
    const extra = `$${n + 4 + f.params.length}`;
    const cond = [...where, ...(f.sql ? [f.sql] : [])].join(' AND ');
    const cols = narrowColumns(a, shape.kind).map(q).join(', ');
    if (shape.kind === 'newest') {
      const hasValue = a.fn === 'latest' && a.window.kind !== 'events' ? ` AND ${q(a.field!)} IS NOT NULL` : '';
      return { shape, rows, main: stmt(`SELECT ${cols} FROM ${q(EVENTS)} WHERE ${cond}${hasValue} ORDER BY ${q(TIME_FIELD)} DESC, ${q(SEQ)} DESC LIMIT ${extra}`), params: f.params };
    }
    if (shape.kind === 'values') {
      // zy_seq too, for the order the rows keep as a part of the one statement (fold.ts reads only the field).
      const many = { order: [SEQ], floats: a.fieldType?.t === 'number' ? [a.field!] : [] };
      return { shape, rows, main: stmt(`SELECT ${cols}, ${q(SEQ)} FROM ${q(EVENTS)} WHERE ${cond} ORDER BY ${q(SEQ)}`, many), params: f.params };
    }
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

  /** The one statement of `ahead`'s reads (together.ts), made once per read set; undefined past MAX_TOGETHER read sets or for reads that cannot be parts of it. */
  private oneStatement(ahead: readonly Ahead[]): Stmt | undefined {
    if (!canGoTogether(ahead)) return undefined;
    const key = ahead.map((a) => a.s.name).join(' ');
    let s = this.together.get(key);
    if (s || this.together.size >= MAX_TOGETHER) return s;
    this.together.set(key, s = togetherStmt(ahead));
    return s;
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
    const one = this.oneStatement(ahead);
    let c: pg.PoolClient;
    try { c = await this.pool.connect(); } catch (e) { throw storeFailure(e, this.where); }
    let last!: Promise<number>;
    try {
      sendThisTurn(c, () => {
        if (one) {
          // A decision held open on this connection ends first: the statement must not run in its snapshot.
          commitDue(c)?.catch(() => undefined);
          last = sendTogether(c, one, ahead);
        } else {
          last = begin(c);
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
        const l = begin(c);
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
      await commitDue(c);
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

/** A read the decision's closed transaction did not send (see closed()). */
const REOPEN = Symbol('reopen');
