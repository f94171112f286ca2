// How a backtest reads the store: which columns it selects, how fields the
// store lacks are read as missing, the indexes windows need, and how the
// range of events is cut into chunks for the workers.
//
// A store is often shared by several packs (fraud events beside collection
// contacts), and a pack under development may declare fields no stored event
// has yet. Rather than fail, each connection gets TEMP views that shadow the
// stored tables and add the absent columns as NULL (SQLite looks in the temp
// schema first; a simple view is flattened, so the table's indexes still
// serve). The store file is never changed by this.
import { TIME_FIELD, TYPE_FIELD } from '../../compiler/check/context.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import { StoreError } from '../store/errors.ts';
import type { DB } from '../store/sqlite/schema.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, entityTable, q } from '../store/tables.ts';

export interface StorePlan {
  /** TEMP views and tables each connection creates first (and drops when done). */
  readonly overlay: readonly { readonly create: string; readonly drop: string }[];
  /** Event columns to select after zy_seq (the time field first). */
  readonly columns: readonly string[];
  readonly warnings: readonly string[];
}

function storedColumns(db: DB, table: string): Set<string> | undefined {
  const cols = db.prepare(`PRAGMA main.table_info(${q(table)})`).all() as { name: string }[];
  return cols.length ? new Set(cols.map((c) => c.name)) : undefined;
}

/** Field names per table that the packs declare, in first-seen order. */
function declared(packs: readonly CheckedPack[]): Map<string, { fields: string[]; keyType: string }> {
  const out = new Map<string, { fields: string[]; keyType: string }>();
  const add = (table: string, fields: Iterable<string>, keyType: string) => {
    const t = out.get(table) ?? { fields: [], keyType };
    for (const f of fields) if (!t.fields.includes(f)) t.fields.push(f);
    out.set(table, t);
  };
  for (const p of packs) {
    add(EVENTS, p.schema.event.fields.keys(), 'INTEGER');
    for (const e of p.schema.entities.values()) {
      const keyType = p.schema.event.fields.get(e.key)?.type.t;
      add(entityTable(e.name), e.fields.keys(), keyType === 'string' || keyType === 'enum' || keyType === undefined ? 'TEXT' : 'INTEGER');
    }
  }
  return out;
}

export function planStore(db: DB, packs: readonly CheckedPack[]): StorePlan {
  const overlay: { create: string; drop: string }[] = [];
  const warnings: string[] = [];
  const events = storedColumns(db, EVENTS);
  if (!events) throw new StoreError('ZY7007', 'the store has no event table (zy_events): import events into it first');
  let eventColumns: string[] = [];
  for (const [table, want] of declared(packs)) {
    const have = storedColumns(db, table);
    const isEvents = table === EVENTS;
    const what = isEvents ? 'event' : table.slice('zy_entity_'.length);
    if (!have) {
      const cols = [`${q(KEY)} ${want.keyType}`, `${q(VALID_FROM)} INTEGER`, `${q(VALID_TO)} INTEGER`, ...want.fields.map((f) => `${q(f)}`)];
      overlay.push({ create: `CREATE TEMP TABLE ${q(table)} (${cols.join(', ')})`, drop: `DROP TABLE IF EXISTS temp.${q(table)}` });
      warnings.push(`the store has no ${what} profiles: every ${what}.* field reads as missing`);
      continue;
    }
    const absent = want.fields.filter((f) => !have.has(f));
    if (absent.length) {
      overlay.push({
        create: `CREATE TEMP VIEW ${q(table)} AS SELECT *, ${absent.map((f) => `NULL AS ${q(f)}`).join(', ')} FROM main.${q(table)}`,
        drop: `DROP VIEW IF EXISTS temp.${q(table)}`,
      });
      warnings.push(`the store has no ${what} field${absent.length === 1 ? '' : 's'} ${absent.join(', ')}: read as missing`);
    }
    if (isEvents) eventColumns = want.fields.filter((f) => have.has(f));
  }
  const columns = [TIME_FIELD, ...eventColumns.filter((c) => c !== TIME_FIELD)];
  return { overlay, columns, warnings };
}

/** Creates the plan's TEMP objects on this connection; returns what removes them. */
export function applyOverlay(db: DB, plan: Pick<StorePlan, 'overlay'>): () => void {
  for (const o of plan.overlay) db.exec(o.create);
  return () => { for (const o of plan.overlay) db.exec(o.drop); };
}

// ---------- the range and its chunks ----------

const LOW = -8.64e15;
const HIGH = 8.64e15;

export interface Bounds {
  readonly from: number | null;
  readonly to: number | null;
  /** Events stored after the run started are left out, so every worker sees the same events. */
  readonly maxSeq: number;
  /** The event types the pack decides (its `decides`); null: every event. */
  readonly types: readonly string[] | null;
  /** Whether the store has the event type column (without it no event is of a decided type). */
  readonly typeColumn: boolean;
}

/** [time, seq]: a position in replay order. */
export type Key = readonly [number, number];

export interface Chunk {
  readonly index: number;
  /** Exclusive lower and inclusive upper position; absent at the ends of the range. */
  readonly after?: Key;
  readonly upTo?: Key;
  readonly events: number;
}

const T = q(TIME_FIELD);
const S = q(SEQ);
const TYPE = q(TYPE_FIELD);
const TIMES = `${T} >= @from AND ${T} < @to AND ${S} <= @maxSeq`;
/** The events the run decides: in the time range, stored before it started, of a type the pack decides. */
const range = (b: Bounds) => (b.types === null ? TIMES : b.typeColumn ? `${TIMES} AND ${TYPE} IN (SELECT value FROM json_each(@types))` : `${TIMES} AND 0`);

export function rangeParams(b: Bounds) {
  return { from: b.from ?? LOW, to: b.to ?? HIGH, maxSeq: b.maxSeq, ...(b.types && b.typeColumn ? { types: JSON.stringify(b.types) } : {}) };
}

export interface Measured {
  readonly bounds: Bounds;
  /** Events in the time range. */
  readonly inRange: number;
  /** Of those, the events of types the pack decides. */
  readonly total: number;
  /** The others, by type: how many, and the first (zy_seq). */
  readonly otherTypes: readonly { readonly type: string | null; readonly events: number; readonly example: number }[];
}

export function measure(db: DB, from: number | null, to: number | null, types: readonly string[] | null): Measured {
  const maxSeq = (db.prepare(`SELECT max(${S}) FROM main.${q(EVENTS)}`).pluck().get() as number | null) ?? 0;
  const typeColumn = (db.prepare(`PRAGMA main.table_info(${q(EVENTS)})`).all() as { name: string }[]).some((c) => c.name === TYPE_FIELD);
  const bounds: Bounds = { from, to, maxSeq, types, typeColumn };
  const inRange = db.prepare(`SELECT count(*) FROM main.${q(EVENTS)} WHERE ${TIMES}`).pluck().get(rangeParams({ ...bounds, types: null })) as number;
  if (types === null) return { bounds, inRange, total: inRange, otherTypes: [] };
  const otherTypes = typeColumn
    ? (db.prepare(`SELECT ${TYPE} AS type, count(*) AS events, min(${S}) AS example FROM main.${q(EVENTS)}
        WHERE ${TIMES} AND (${TYPE} IS NULL OR ${TYPE} NOT IN (SELECT value FROM json_each(@types))) GROUP BY ${TYPE} ORDER BY events DESC, type`)
      .all(rangeParams(bounds)) as { type: string | null; events: number; example: number }[])
    : inRange ? [{ type: null, events: inRange, example: 0 }] : [];
  return { bounds, inRange, total: inRange - otherTypes.reduce((n, t) => n + t.events, 0), otherTypes };
}

/** Cuts `total` events into `n` chunks of (nearly) equal size, in replay order. */
export function chunksOf(db: DB, bounds: Bounds, total: number, n: number): Chunk[] {
  const count = Math.max(1, Math.min(n, total));
  const at = db.prepare(`SELECT ${T}, ${S} FROM main.${q(EVENTS)} WHERE ${range(bounds)} ORDER BY ${T}, ${S} LIMIT 1 OFFSET @offset`).raw();
  const chunks: Chunk[] = [];
  let after: Key | undefined;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = Math.round(((i + 1) * total) / count);
    const upTo = i === count - 1 ? undefined : (at.get({ ...rangeParams(bounds), offset: end - 1 }) as [number, number]);
    chunks.push({ index: i, ...(after ? { after } : {}), ...(upTo ? { upTo } : {}), events: end - start });
    after = upTo;
    start = end;
  }
  return chunks;
}

/** The statement that reads one chunk's events in replay order: zy_seq, then the plan's columns. */
export function chunkQuery(db: DB, columns: readonly string[], chunk: Chunk, bounds: Bounds) {
  const where = [range(bounds)];
  if (chunk.after) where.push(`(${T}, ${S}) > (@afterT, @afterS)`);
  if (chunk.upTo) where.push(`(${T}, ${S}) <= (@upToT, @upToS)`);
  const stmt = db.prepare(`SELECT ${S}, ${columns.map(q).join(', ')} FROM ${q(EVENTS)} WHERE ${where.join(' AND ')} ORDER BY ${T}, ${S}`).raw();
  const params = {
    ...(chunk.after ? { afterT: chunk.after[0], afterS: chunk.after[1] } : {}),
    ...(chunk.upTo ? { upToT: chunk.upTo[0], upToS: chunk.upTo[1] } : {}),
  };
  return (bounds: Bounds) => stmt.iterate({ ...rangeParams(bounds), ...params }) as IterableIterator<unknown[]>;
}
