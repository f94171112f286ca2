// Finding stored events for Try it: by number (#zy_seq), customer, type,
// time range and label, newest first (by the event's own time), a page at a
// time. The filters run in SQL on the event table's indexes (time, and the
// windows' key indexes); only events the pack can decide are listed (one
// database serves several packs). The statements are the same on SQLite and
// PostgreSQL (store.ts spells the few differences).
import { coerce, InputError } from '../../compiler/input.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import { TIMESTAMP } from '../../compiler/types.ts';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { isoShanghai } from '../../compiler/display.ts';
import { HttpError } from '../../runtime/server.ts';
import { decodeRow, EVENTS, q, SEQ } from '../../runtime/store/tables.ts';
import { validateRecord } from '../../runtime/validate.ts';
import type { StoreRows } from './store.ts';

export interface StoredEvent { readonly seq: number; readonly label: string | null; readonly event: Record<string, unknown> }

export interface EventSearch {
  readonly events: StoredEvent[];
  /** Older matches remain: ask again with `before` = the last seq. */
  readonly more: boolean;
  readonly ms: number;
}

/** How many stored rows one request looks at, at most (rows of other packs are passed over). */
const SCAN = 20_000;

export async function searchEvents(store: StoreRows, pack: CheckedPack, params: URLSearchParams): Promise<EventSearch> {
  const started = performance.now();
  const limit = Math.min(200, Math.max(1, Number(params.get('limit') ?? 30) || 30));
  const none = (): EventSearch => ({ events: [], more: false, ms: performance.now() - started });
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
  const before = int('before');
  const from = time('from');
  const to = time('to');
  const customer = params.get('customer')?.trim();
  const type = params.get('type')?.trim();
  const columns = await store.eventColumns();
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => store.arg(args, v);
  if (seq !== undefined) where.push(`e.${q(SEQ)} = ${arg(seq)}`);
  // The next page: events older than the last one shown (by time, then number).
  let after: { time: number; seq: number } | undefined;
  if (before !== undefined) {
    const one: unknown[] = [];
    const at = (await store.all(`SELECT ${q(TIME_FIELD)} AS t FROM ${q(EVENTS)} WHERE ${q(SEQ)} = ${store.arg(one, before)}`, one))[0]?.['t'] as number | undefined;
    if (at === undefined) return none();
    after = { time: at, seq: before };
  }
  if (customer) {
    const key = pack.schema.entities.get('customer')?.key ?? 'customer_id';
    if (!columns.has(key)) return none();
    where.push(`e.${q(key)} = ${arg(customer)}`);
  }
  if (type) {
    if (!columns.has('type')) return none();
    where.push(`e."type" = ${arg(type)}`);
  }
  // Events of other packs are left out in SQL: the types the pack decides, else the types its schema accepts.
  const enumTypes = pack.schema.event.fields.get('type')?.type;
  const types = pack.decides ?? (enumTypes?.t === 'enum' ? enumTypes.members : undefined);
  if (types && columns.has('type')) {
    if (type && !types.includes(type)) return none();
    if (!type) where.push(`e."type" IN (${types.map((t) => arg(t)).join(', ')})`);
  }
  if (from !== undefined) where.push(`e.${q(TIME_FIELD)} >= ${arg(from)}`);
  if (to !== undefined) where.push(`e.${q(TIME_FIELD)} < ${arg(to)}`);
  if (params.get('labelled') === '1') where.push(await labelledOnly(store, limit, seq !== undefined || !!customer || !!type || from !== undefined || to !== undefined));
  // Read newest first in batches, each after the last row of the one before (the same rows as one long scan, on either backend).
  const rows: { seq: number; event: Record<string, unknown> }[] = [];
  let more = false;
  let batch = limit + 1;
  for (let scanned = 0; scanned < SCAN && !more;) {
    const page = [...args];
    // Written with a bound on time alone too, which the time index can seek to.
    const cond = [...where, ...(after ? [`e.${q(TIME_FIELD)} <= ${store.arg(page, after.time)} AND (e.${q(TIME_FIELD)} < ${store.arg(page, after.time)} OR e.${q(SEQ)} < ${store.arg(page, after.seq)})`] : [])];
    const n = Math.min(batch, SCAN - scanned);
    const got = await store.all(`SELECT e.* FROM ${q(EVENTS)} e ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
      ORDER BY e.${q(TIME_FIELD)} DESC, e.${q(SEQ)} DESC LIMIT ${n}`, page);
    for (const row of got) {
      const decoded = decodeRow(pack.schema.event, row);
      try { validateRecord(pack.schema.event, decoded, 'event', pack.eventFields); } catch { continue; }
      if (rows.length === limit) { more = true; break; }
      rows.push({ seq: row[SEQ] as number, event: forJson(pack, decoded) });
    }
    scanned += got.length;
    if (got.length < n) break;
    const last = got[got.length - 1]!;
    after = { time: last[TIME_FIELD] as number, seq: last[SEQ] as number };
    batch = Math.min(batch * 4, 5_000);
  }
  const labels = await labelsOf(store, rows.map((r) => r.seq));
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
async function labelledOnly(store: StoreRows, limit: number, narrowed: boolean): Promise<string> {
  const byNumber = `e.${q(SEQ)} IN (SELECT ${store.subjectSeq} FROM zy_labels WHERE subject_kind = 'event')`;
  if (narrowed) return byNumber;
  const [counts] = await store.all(`SELECT (SELECT count(*) FROM zy_labels WHERE subject_kind = 'event') AS labelled, (SELECT max(${q(SEQ)}) FROM ${q(EVENTS)}) AS events`, []);
  const labelled = Number(counts?.['labelled'] ?? 0);
  const events = Number(counts?.['events'] ?? 0);
  return labelled * labelled > (limit + 1) * events
    ? `EXISTS (SELECT 1 FROM zy_labels l WHERE l.subject_kind = 'event' AND l.subject = CAST(e.${q(SEQ)} AS TEXT))`
    : byNumber;
}

/** Stored events by number, in the order given (numbers not stored are left out). */
export async function eventsBySeq(store: StoreRows, pack: CheckedPack, seqs: readonly number[]): Promise<StoredEvent[]> {
  if (seqs.length === 0) return [];
  const args: unknown[] = [];
  const rows = await store.all(`SELECT e.* FROM ${q(EVENTS)} e WHERE ${store.anyOf(`e.${q(SEQ)}`, args, seqs, 'integer')}`, args);
  const bySeq = new Map(rows.map((r) => [r[SEQ] as number, r]));
  const labels = await labelsOf(store, seqs);
  return seqs.flatMap((s) => {
    const row = bySeq.get(s);
    return row ? [{ seq: s, label: labels.get(s) ?? null, event: forJson(pack, decodeRow(pack.schema.event, row)) }] : [];
  });
}

/** Each event's latest label (labels name events by zy_seq as text), for the events of one page. */
async function labelsOf(store: StoreRows, seqs: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (seqs.length === 0) return out;
  // A label is its kind, or not_KIND when the event was checked and the kind does not hold.
  const args: unknown[] = [];
  const rows = await store.all(`SELECT subject, CASE WHEN positive THEN kind ELSE 'not_' || kind END AS label FROM zy_labels
    WHERE subject_kind = 'event' AND ${store.anyOf('subject', args, seqs.map(String), 'text')}
    ORDER BY labeled_at IS NULL DESC, labeled_at ASC, id ASC`, args) as { subject: string; label: string }[];
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
