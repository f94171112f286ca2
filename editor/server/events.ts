// Finding stored events for Try it: by number (#zy_seq), customer, type,
// time range and label, newest first (by the event's own time), a page at a
// time. The filters run in SQL on the event table's indexes (time, and the
// windows' key indexes); only events the pack can decide are listed (one
// database serves several packs).
import { coerce, InputError } from '../../compiler/input.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import { TIMESTAMP } from '../../compiler/types.ts';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { isoShanghai } from '../../compiler/display.ts';
import { HttpError } from '../../runtime/server.ts';
import { decodeRow, EVENTS, q, SEQ } from '../../runtime/store/tables.ts';
import type { DB } from '../../runtime/store/sqlite/schema.ts';
import { validateRecord } from '../../runtime/validate.ts';

export interface StoredEvent { readonly seq: number; readonly label: string | null; readonly event: Record<string, unknown> }

export interface EventSearch {
  readonly events: StoredEvent[];
  /** Older matches remain: ask again with `before` = the last seq. */
  readonly more: boolean;
  readonly ms: number;
}

/** How many stored rows one request looks at, at most (rows of other packs are passed over). */
const SCAN = 20_000;

export function searchEvents(db: DB, pack: CheckedPack, params: URLSearchParams): EventSearch {
  const started = performance.now();
  const limit = Math.min(200, Math.max(1, Number(params.get('limit') ?? 30) || 30));
  const columns = new Set((db.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name));
  const where: string[] = [];
  const args: unknown[] = [];
  const int = (name: string): number | undefined => {
    const v = params.get(name)?.trim().replace(/^#/, '');
    if (!v) return undefined;
    if (!/^\d+$/.test(v)) throw new HttpError(400, { code: 'ZY4003', field: name, message: `${name} should be an event number such as #1234, not ${JSON.stringify(v)}` });
    return Number(v);
  };
  const time = (name: string): number | undefined => {
    const v = params.get(name)?.trim();
    if (!v) return undefined;
    try {
      const t = coerce(TIMESTAMP, v.replace(' ', 'T'), name);
      if (typeof t === 'number') return t;
    } catch (e) { if (!(e instanceof InputError)) throw e; }
    throw new HttpError(400, { code: 'ZY4003', field: name, message: `${name} should be a time such as 2026-03-01 10:00 (Asia/Shanghai), not ${JSON.stringify(v)}` });
  };
  const seq = int('seq');
  if (seq !== undefined) { where.push(`e.${q(SEQ)} = ?`); args.push(seq); }
  // The next page: events older than the last one shown (by time, then number).
  const before = int('before');
  if (before !== undefined) {
    const at = db.prepare(`SELECT ${q(TIME_FIELD)} FROM ${q(EVENTS)} WHERE ${q(SEQ)} = ?`).pluck().get(before) as number | undefined;
    if (at === undefined) return { events: [], more: false, ms: performance.now() - started };
    where.push(`(e.${q(TIME_FIELD)} < ? OR (e.${q(TIME_FIELD)} = ? AND e.${q(SEQ)} < ?))`);
    args.push(at, at, before);
  }
  const customer = params.get('customer')?.trim();
  if (customer) {
    const key = pack.schema.entities.get('customer')?.key ?? 'customer_id';
    if (!columns.has(key)) return { events: [], more: false, ms: performance.now() - started };
    where.push(`e.${q(key)} = ?`);
    args.push(customer);
  }
  const type = params.get('type')?.trim();
  if (type) {
    if (!columns.has('type')) return { events: [], more: false, ms: performance.now() - started };
    where.push('e."type" = ?');
    args.push(type);
  }
  // Events of other packs are left out in SQL: the types the pack decides, else the types its schema accepts.
  const enumTypes = pack.schema.event.fields.get('type')?.type;
  const types = pack.decides ?? (enumTypes?.t === 'enum' ? enumTypes.members : undefined);
  if (types && columns.has('type')) {
    if (type && !types.includes(type)) return { events: [], more: false, ms: performance.now() - started };
    if (!type) {
      where.push(`e."type" IN (${types.map(() => '?').join(', ')})`);
      args.push(...types);
    }
  }
  const from = time('from');
  const to = time('to');
  if (from !== undefined) { where.push(`e.${q(TIME_FIELD)} >= ?`); args.push(from); }
  if (to !== undefined) { where.push(`e.${q(TIME_FIELD)} < ?`); args.push(to); }
  if (params.get('labelled') === '1') where.push(labelledOnly(db, limit, seq !== undefined || !!customer || !!type || from !== undefined || to !== undefined));
  const stmt = db.prepare(`SELECT e.* FROM ${q(EVENTS)} e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY e.${q(TIME_FIELD)} DESC, e.${q(SEQ)} DESC LIMIT ${SCAN}`);
  const rows: { seq: number; event: Record<string, unknown> }[] = [];
  let more = false;
  for (const row of stmt.iterate(...args) as Iterable<Record<string, unknown>>) {
    const decoded = decodeRow(pack.schema.event, row);
    try { validateRecord(pack.schema.event, decoded, 'event', pack.eventFields); } catch { continue; }
    if (rows.length === limit) { more = true; break; }
    rows.push({ seq: row[SEQ] as number, event: forJson(pack, decoded) });
  }
  const labels = labelsOf(db, rows.map((r) => r.seq));
  return { events: rows.map((r) => ({ ...r, label: labels.get(r.seq) ?? null })), more, ms: performance.now() - started };
}

/**
 * The condition "the event has a label", written for the cheaper of two plans.
 * By number: look every labelled event up, then sort them by time (work grows
 * with the labels). By time: walk the time index newest first, asking the
 * label index about each event, and stop at the page's last match (work grows
 * with events ÷ labels × page). SQLite on its own always takes the first: on
 * the demo database (5,000 labels) it reads and sorts every labelled event
 * to show 50, ten times the work of the walk. The walk is taken only when
 * nothing else narrows the search (a type, customer, number or time range
 * can make labelled matches rare along the time index, and then the walk
 * would read the whole table).
 */
function labelledOnly(db: DB, limit: number, narrowed: boolean): string {
  const byNumber = `e.${q(SEQ)} IN (SELECT CAST(subject AS INTEGER) FROM zy_labels WHERE subject_kind = 'event')`;
  if (narrowed) return byNumber;
  const labelled = db.prepare(`SELECT count(*) FROM zy_labels WHERE subject_kind = 'event'`).pluck().get() as number;
  const events = (db.prepare(`SELECT max(${q(SEQ)}) FROM ${q(EVENTS)}`).pluck().get() as number | null) ?? 0;
  return labelled * labelled > (limit + 1) * events
    ? `EXISTS (SELECT 1 FROM zy_labels l WHERE l.subject_kind = 'event' AND l.subject = CAST(e.${q(SEQ)} AS TEXT))`
    : byNumber;
}

/** Stored events by number, in the order given (numbers not stored are left out). */
export function eventsBySeq(db: DB, pack: CheckedPack, seqs: readonly number[]): StoredEvent[] {
  if (seqs.length === 0) return [];
  const rows = db.prepare(`SELECT e.* FROM ${q(EVENTS)} e WHERE e.${q(SEQ)} IN (SELECT value FROM json_each(?))`).all(JSON.stringify(seqs)) as Record<string, unknown>[];
  const bySeq = new Map(rows.map((r) => [r[SEQ] as number, r]));
  const labels = labelsOf(db, seqs);
  return seqs.flatMap((s) => {
    const row = bySeq.get(s);
    return row ? [{ seq: s, label: labels.get(s) ?? null, event: forJson(pack, decodeRow(pack.schema.event, row)) }] : [];
  });
}

/** Each event's latest label (labels name events by zy_seq as text), for the events of one page. */
function labelsOf(db: DB, seqs: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  if (seqs.length === 0) return out;
  // A label is its kind, or not_KIND when the event was checked and the kind does not hold.
  const rows = db.prepare(`SELECT subject, CASE WHEN positive = 1 THEN kind ELSE 'not_' || kind END AS label FROM zy_labels
    WHERE subject_kind = 'event' AND subject IN (SELECT CAST(value AS TEXT) FROM json_each(?))
    ORDER BY labeled_at IS NULL DESC, labeled_at ASC, id ASC`).all(JSON.stringify(seqs)) as { subject: string; label: string }[];
  // Ordered oldest first: the latest label of an event is the one that stays.
  for (const r of rows) out.set(Number(r.subject), r.label);
  return out;
}

/** Timestamps as ISO text in China Standard Time, the way an analyst types them. */
function forJson(pack: CheckedPack, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const f = pack.schema.event.fields.get(k);
    out[k] = (f?.type.t === 'timestamp' || k === TIME_FIELD) && typeof v === 'number' ? isoShanghai(v) : v;
  }
  return out;
}
