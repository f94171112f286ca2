// The feature provider over SQLite. Every statement a pack needs is prepared
// once, when the provider is built for that pack; a decision then runs only
// the statements its evaluation reaches (the engine memoizes within one
// decision). Windows are computed as of the decision time, never the clock.
//
// The provider itself reads the store as it is now: the current version of
// each entity row, every event stored. asOf(time, seq) is the store as it
// stood at a moment: entity rows valid then, events stored before `seq`
// (backtests, replays as of a time, eval --at).
import type Database from 'better-sqlite3';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import type { AggregateSpec, CheckedPack, Value } from '../../../compiler/ir.ts';
import { needsOrder, windowEnd, windowStart } from '../../aggregate.ts';
import type { AggregateQuery, EntityVersion, StoreProvider } from '../../provider.ts';
import { foldAggregate, narrowColumns, shapeOf, type Shape } from '../fold.ts';
import type { DB } from './schema.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, decodeRow, entityTable, q } from '../tables.ts';

const LOW = -8.64e15;
const HIGH = Number.MAX_SAFE_INTEGER;

interface AggPlan {
  readonly shape: Shape;
  /** The statement the shape reads (`rows` for the fallback of latest() too). */
  readonly main?: Database.Statement;
  /** Whether a value already occurs among the matching events (distinct + current). */
  readonly exists?: Database.Statement;
  /** The matching rows by key and window, for filters SQL cannot say. */
  readonly rows: Database.Statement;
  readonly params: readonly (number | string)[];
}

interface EntityStmts { readonly current: Database.Statement; readonly asOf: Database.Statement; readonly versions: Database.Statement }

export class SqliteProvider implements StoreProvider {
  private readonly entityStmts = new Map<string, EntityStmts>();
  private readonly plans: AggPlan[] = [];
  private readonly listStmt: Database.Statement;
  private readonly calendarStmt: Database.Statement;
  private readonly seqStmt: Database.Statement;
  private readonly readTx: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Only events stored before this sequence number are history (backtests replay stored events). */
  private beforeSeq = HIGH;
  /** Entity rows as they stood at this time; undefined: the current rows. */
  private at: number | undefined;

  constructor(readonly db: DB, readonly pack: CheckedPack) {
    for (const e of pack.schema.entities.values()) {
      const t = q(entityTable(e.name));
      const K = q(KEY), F = q(VALID_FROM), T = q(VALID_TO);
      this.entityStmts.set(e.name, {
        current: db.prepare(`SELECT * FROM ${t} WHERE ${K} = ? AND ${T} IS NULL`),
        asOf: db.prepare(`SELECT * FROM ${t} WHERE ${K} = @key AND (${F} IS NULL OR ${F} <= @at) AND (${T} IS NULL OR ${T} > @at)
          ORDER BY ${F} IS NULL, ${F} DESC LIMIT 1`),
        versions: db.prepare(`SELECT * FROM ${t} WHERE ${K} = ? ORDER BY ${F} IS NOT NULL, ${F}`),
      });
    }
    for (const a of pack.aggregates) this.plans[a.id] = this.plan(a);
    this.readTx = db.transaction((fn: () => unknown) => fn());
    this.listStmt = db.prepare(`SELECT 1 FROM zy_list_entries WHERE list = ? AND value = ?
      AND (added_at IS NULL OR added_at <= ?) AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`).pluck();
    this.calendarStmt = db.prepare('SELECT date, is_working_day FROM zy_calendar WHERE date >= ? AND date <= ?').raw();
    this.seqStmt = db.prepare(`SELECT max(${q(SEQ)}) FROM ${q(EVENTS)}`).pluck();
  }

  /**
   * The store as it stood at `time`: entity rows valid then, and only events
   * stored before `beforeSeq` as history (all stored events when not given).
   */
  asOf(time: number, beforeSeq: number = HIGH): SqliteProvider {
    const view = Object.create(this) as SqliteProvider;
    view.at = time;
    view.beforeSeq = beforeSeq;
    return view;
  }

  /** The time this view reads entity rows as of; undefined for the current rows. */
  get asOfTime(): number | undefined {
    return this.at;
  }

  sequence(): number {
    if (this.beforeSeq !== HIGH) return this.beforeSeq - 1;
    return (this.seqStmt.get() as number | null) ?? 0;
  }

  entityVersions(entity: string, key: Value): EntityVersion[] {
    const stmt = this.entityStmts.get(entity);
    const info = this.pack.schema.entities.get(entity);
    if (!stmt || !info || key === undefined) return [];
    return (stmt.versions.all(key) as Record<string, unknown>[]).map((r) => ({
      validFrom: r[VALID_FROM] as number | null, validTo: r[VALID_TO] as number | null, row: decodeRow(info, r),
    }));
  }

  /**
   * Runs `fn` (one decision) inside one read transaction: its statements see
   * one consistent snapshot and skip the per-statement locking.
   */
  read<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : (this.readTx.deferred(fn) as T);
  }

  private plan(a: AggregateSpec): AggPlan {
    const where = [
      ...(a.by ? [`${q(a.by)} = @key`] : []),
      `${q(TIME_FIELD)} >= @from`, `${q(TIME_FIELD)} <= @now`, `${q(SEQ)} < @before`,
    ];
    const shape = shapeOf(a);
    // In stored order, or in time order (and stored order at the same time) for what `last N events`, latest() and sequence() go by.
    const order = needsOrder(a) ? `${q(TIME_FIELD)}, ${q(SEQ)}` : q(SEQ);
    const rows = this.db.prepare(`SELECT * FROM ${q(EVENTS)} WHERE ${where.join(' AND ')} ORDER BY ${order}`);
    if (shape.kind === 'rows') return { shape, rows, params: [] };
    const f = shape.filter!;
    const cond = [...where, ...(f.sql ? [f.sql] : [])].join(' AND ');
    // Only the time and the field: a covering index answers it without reading the rows.
    const cols = narrowColumns(a, shape.kind).map(q).join(', ');
    if (shape.kind === 'newest') {
      const hasValue = a.fn === 'latest' && a.window.kind !== 'events' ? ` AND ${q(a.field!)} IS NOT NULL` : '';
      return { shape, rows, main: this.db.prepare(`SELECT ${cols} FROM ${q(EVENTS)} WHERE ${cond}${hasValue} ORDER BY ${q(TIME_FIELD)} DESC, ${q(SEQ)} DESC LIMIT @limit`), params: f.params };
    }
    if (shape.kind === 'values') return { shape, rows, main: this.db.prepare(`SELECT ${cols} FROM ${q(EVENTS)} WHERE ${cond} ORDER BY ${q(SEQ)}`), params: f.params };
    const col = a.field ? q(a.field) : '';
    const select = ({
      count: 'count(*)', sum: `sum(${col}), count(${col})`, avg: `sum(${col}), count(${col})`, min: `min(${col})`, max: `max(${col})`,
      distinct: `count(DISTINCT ${col})`, time_since_last: `max(${q(TIME_FIELD)})`,
    } as Record<string, string>)[a.fn];
    // Positional filter parameters follow the named ones; better-sqlite3 binds both.
    const main = this.db.prepare(`SELECT ${select} FROM ${q(EVENTS)} WHERE ${cond}`).raw();
    const exists = shape.exists ? this.db.prepare(`SELECT 1 FROM ${q(EVENTS)} WHERE ${cond} AND ${col} = @value LIMIT 1`).pluck() : undefined;
    return { shape, main, rows, params: f.params, ...(exists ? { exists } : {}) };
  }

  entity(entity: string, key: Value): object | undefined {
    const stmt = this.entityStmts.get(entity);
    if (!stmt) return undefined;
    const row = (this.at === undefined ? stmt.current.get(key) : stmt.asOf.get({ key, at: this.at })) as Record<string, unknown> | undefined;
    return row ? decodeRow(this.pack.schema.entities.get(entity)!, row) : undefined;
  }

  listHas(list: string, value: Value, now: number): boolean {
    return this.listStmt.get(list, value as string | number, now, now) !== undefined;
  }

  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean> {
    return new Map((this.calendarStmt.all(fromDate, toDate) as [string, number][]).map(([d, w]) => [d, w === 1]));
  }

  aggregate(q: AggregateQuery): Value {
    const { spec, now } = q;
    const plan = this.plans[spec.id]!;
    // `now` in the statements is the window's last millisecond (the end of last month for calendar months).
    const named = { key: q.key as string | number, from: Math.max(LOW, windowStart(spec.window, now)), now: windowEnd(spec.window, now), before: this.beforeSeq };
    if (!spec.by) delete (named as { key?: unknown }).key;
    const { main, params } = plan;
    return foldAggregate(this.pack.schema, plan.shape, q, {
      sql: () => main!.get(named, ...params) as unknown[],
      exists: (value) => plan.exists!.get({ ...named, value }, ...params) !== undefined,
      newest: (limit) => main!.all({ ...named, limit }, ...params) as Record<string, unknown>[],
      values: () => main!.all(named, ...params) as Record<string, unknown>[],
      rows: () => plan.rows.all(named) as Record<string, unknown>[],
    });
  }
}
