// The feature provider over PostgreSQL. The same reads as the SQLite
// provider — the same shapes (fold.ts), the same folding — as prepared
// statements (named, so each pooled connection parses and plans them once).
//
// A decision is one REPEATABLE READ, READ ONLY transaction on one pooled
// connection: every read of it sees one snapshot of the store, whatever is
// imported or logged meanwhile, and the history it counts ends at the
// zy_event_seq row of that snapshot (writers advance it in the transaction
// that appends, under its row lock, so sequence numbers become visible in
// order). The decision itself runs synchronously over what has been fetched
// (resolve.ts).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import type { AggregateSpec, CheckedPack, Value } from '../../../compiler/ir.ts';
import { needsOrder, windowEnd, windowStart } from '../../aggregate.ts';
import type { AggregateQuery, EntityVersion, FeatureProvider } from '../../provider.ts';
import { filterToSql } from '../filter-sql.ts';
import { foldAggregate, narrowColumns, shapeOf, type Shape } from '../fold.ts';
import { resolveWith, type AsyncSource, type Read, type Reads } from '../resolve.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, decodeRow, entityTable, q } from '../sql.ts';
import { withClient } from './connect.ts';

const LOW = -8.64e15;
const HIGH = Number.MAX_SAFE_INTEGER;

interface Stmt { readonly name: string; readonly text: string }
const stmt = (text: string): Stmt => ({ name: `zy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text });

interface AggPlan {
  readonly shape: Shape;
  readonly main?: Stmt;
  readonly exists?: Stmt;
  readonly rows: Stmt;
  readonly params: readonly (number | string)[];
}

interface EntityStmts { readonly current: Stmt; readonly asOf: Stmt; readonly versions: Stmt }

type Run = (s: Stmt, values: readonly unknown[]) => Promise<Record<string, unknown>[]>;

export class PostgresProvider implements AsyncSource {
  private readonly entityStmts = new Map<string, EntityStmts>();
  private readonly plans: AggPlan[] = [];
  private readonly listStmt = stmt(`SELECT 1 FROM zy_list_entries WHERE list = $1 AND value = $2::jsonb
    AND (added_at IS NULL OR added_at <= $3) AND (expires_at IS NULL OR expires_at > $3) LIMIT 1`);
  private readonly calendarStmt = stmt(`SELECT to_char(date, 'YYYY-MM-DD') AS date, is_working_day FROM zy_calendar WHERE date >= $1::date AND date <= $2::date`);
  private beforeSeq = HIGH;
  private at: number | undefined;

  constructor(readonly pool: pg.Pool, readonly pack: CheckedPack, readonly where = 'PostgreSQL') {
    const K = q(KEY), F = q(VALID_FROM), T = q(VALID_TO);
    for (const e of pack.schema.entities.values()) {
      const t = q(entityTable(e.name));
      this.entityStmts.set(e.name, {
        current: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 AND ${T} IS NULL`),
        asOf: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 AND (${F} IS NULL OR ${F} <= $2) AND (${T} IS NULL OR ${T} > $2)
          ORDER BY ${F} IS NULL, ${F} DESC LIMIT 1`),
        versions: stmt(`SELECT * FROM ${t} WHERE ${K} = $1 ORDER BY ${F} IS NOT NULL, ${F}`),
      });
    }
    for (const a of pack.aggregates) this.plans[a.id] = this.plan(a);
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
    const where = [...(a.by ? [`${q(a.by)} = $1`] : []), `${q(TIME_FIELD)} >= $${n + 1}`, `${q(TIME_FIELD)} <= $${n + 2}`, `${q(SEQ)} < $${n + 3}`];
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
    const main = stmt(`SELECT ${select} FROM ${q(EVENTS)} WHERE ${cond}`);
    const exists = shape.exists ? stmt(`SELECT 1 FROM ${q(EVENTS)} WHERE ${cond} AND ${col} = ${extra} LIMIT 1`) : undefined;
    return { shape, main, rows, params: f.params, ...(exists ? { exists } : {}) };
  }

  /** Runs `decide` over one snapshot of the store (see above). */
  resolve<T>(decide: (p: FeatureProvider) => T): Promise<T> {
    return withClient(this.pool, this.where, async (c) => {
      const run: Run = async (s, values) => (await c.query({ name: s.name, text: s.text, values: values as unknown[] })).rows;
      // One round trip opens the snapshot and reads how far its history goes.
      const opened = await c.query(`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT last_seq FROM zy_event_seq`) as unknown as pg.QueryResult[];
      try {
        const last = Number(opened[1]!.rows[0]?.last_seq ?? 0);
        const reads: Reads = {
          sequence: this.beforeSeq === HIGH ? last : Math.min(last, this.beforeSeq - 1),
          asOfTime: this.at,
          fetch: (r) => this.fetch(run, r),
        };
        const out = await resolveWith(reads, decide);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** Every stored version of one entity row, oldest first. */
  entityVersions(entity: string, key: Value): Promise<EntityVersion[]> {
    const s = this.entityStmts.get(entity);
    const info = this.pack.schema.entities.get(entity);
    if (!s || !info || key === undefined) return Promise.resolve([]);
    return withClient(this.pool, this.where, async (c) => (await c.query({ name: s.versions.name, text: s.versions.text, values: [key] })).rows.map((r: Record<string, unknown>) => ({
      validFrom: r[VALID_FROM] as number | null, validTo: r[VALID_TO] as number | null, row: decodeRow(info, r),
    })));
  }

  private async fetch(run: Run, r: Read): Promise<unknown> {
    switch (r.k) {
      case 'entity': {
        const s = this.entityStmts.get(r.entity);
        if (!s || r.key === undefined) return undefined;
        const rows = this.at === undefined ? await run(s.current, [r.key]) : await run(s.asOf, [r.key, this.at]);
        return rows[0] ? decodeRow(this.pack.schema.entities.get(r.entity)!, rows[0]) : undefined;
      }
      case 'list': return (await run(this.listStmt, [r.list, JSON.stringify(r.value ?? null), r.now])).length > 0;
      case 'calendar': return new Map((await run(this.calendarStmt, [r.from, r.to])).map((x) => [x['date'] as string, x['is_working_day'] as boolean]));
      case 'aggregate': return this.aggregate(run, r.q);
    }
  }

  private async aggregate(run: Run, query: AggregateQuery): Promise<Value> {
    const { spec, now } = query;
    const plan = this.plans[spec.id]!;
    const base = [...(spec.by ? [query.key] : []), Math.max(LOW, windowStart(spec.window, now)), windowEnd(spec.window, now), this.beforeSeq];
    // What the shape reads, fetched first; the fold asks for the rest (latest()'s fallback) and is run again.
    const got = new Map<string, unknown>();
    const need = (k: string, load: () => Promise<unknown>) => {
      if (got.has(k)) return got.get(k);
      throw new NeedPart(k, load);
    };
    const main = plan.main!;
    for (;;) {
      try {
        return foldAggregate(this.pack.schema, plan.shape, query, {
          sql: () => need('sql', async () => Object.values((await run(main, [...base, ...plan.params]))[0] ?? {})) as unknown[],
          exists: (value) => need(`exists ${JSON.stringify(value)}`, async () => (await run(plan.exists!, [...base, ...plan.params, value])).length > 0) as boolean,
          newest: (limit) => need(`newest ${limit}`, () => run(main, [...base, ...plan.params, limit])) as Record<string, unknown>[],
          values: () => need('values', () => run(main, [...base, ...plan.params])) as Record<string, unknown>[],
          rows: () => need('rows', () => run(plan.rows, base)) as Record<string, unknown>[],
        });
      } catch (e) {
        if (!(e instanceof NeedPart)) throw e;
        got.set(e.key, await e.load());
      }
    }
  }
}

class NeedPart {
  constructor(readonly key: string, readonly load: () => Promise<unknown>) {}
}
