// The decision log on PostgreSQL (zy_decisions): the same records as the
// SQLite log file (../sqlite/log.ts), appended by every service instance that shares
// the server. A record is whole or absent: records are inserted by INSERT
// statements, each its own transaction.
//
// Group commit: the records of decisions made at once go in one INSERT (one
// statement, one commit and one WAL flush on the server where there were one
// per decision). One INSERT per log is in flight at a time; records that
// arrive meanwhile wait for it and go together in the next. Each record's id
// is the one the server gave its row: ids come from the identity sequence in
// the order the rows are inserted, the order of the arrays, so the returned
// ids sorted ascending are the records' ids in order (whatever order RETURNING
// lists them in, and whatever other instances insert at the same time). A
// batch the server refuses for a reason other than being unavailable is
// inserted again one record at a time, so a bad record fails only itself.
import type pg from 'pg';
import { StoreError } from '../errors.ts';
import { armAndShadow, type LogEntry, type LoggedDecision, type Snapshot } from '../decision-log.ts';
import { isUnavailable, withClient } from './connect.ts';

const SELECT = `SELECT id, logged_at, event_time, bundle_hash, source_hash, pack, version,
  input::text AS input, snapshot::text AS snapshot, outcome, score, fired::text AS fired,
  arm, shadow_bundle_hash, shadow_outcome, shadow_score, shadow_fired::text AS shadow_fired, shadow_error FROM zy_decisions`;

function decisionOf(r: Record<string, unknown>): LoggedDecision {
  return {
    id: Number(r['id']), loggedAt: Number(r['logged_at']), eventTime: Number(r['event_time']),
    ...(r['bundle_hash'] ? { bundleHash: r['bundle_hash'] as string } : {}), ...(r['source_hash'] ? { sourceHash: r['source_hash'] as string } : {}),
    pack: r['pack'] as string, ...(r['version'] ? { version: r['version'] as string } : {}),
    input: JSON.parse(r['input'] as string), snapshot: JSON.parse(r['snapshot'] as string) as Snapshot,
    outcome: r['outcome'] as string, score: Number(r['score']), fired: JSON.parse(r['fired'] as string) as string[],
    ...armAndShadow(r),
  };
}

/** The columns a record fills, with their types (one statement takes any number of rows). */
const COLUMNS = [
  ['logged_at', 'bigint'], ['event_time', 'bigint'], ['bundle_hash', 'text'], ['source_hash', 'text'], ['pack', 'text'], ['version', 'text'],
  ['history_seq', 'bigint'], ['input', 'json'], ['snapshot', 'json'], ['outcome', 'text'], ['score', 'float8'], ['fired', 'json'],
  ['arm', 'text'], ['shadow_bundle_hash', 'text'], ['shadow_outcome', 'text'], ['shadow_score', 'float8'], ['shadow_fired', 'json'], ['shadow_error', 'text'],
] as const;

// The rows go as one JSON array of arrays (one parameter: JSON.stringify and the server's JSON parser, where 18 typed
// arrays cost pg's array quoting of every value, most of them JSON text, and the server's array parsing). The JSON
// columns travel as JSON strings and are cast from their text, so each is stored as the very text written.
const INSERT = `INSERT INTO zy_decisions (${COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${COLUMNS.map(([, t], j) => `(r->>${j})::${t}`).join(', ')} FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(r, n) ORDER BY n RETURNING id`;

/** NaN and ±Infinity (a score) as the text float8 reads: JSON has no such numbers. */
const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

/** Records in one INSERT at most (a decision's record is a few kB). */
const MAX_BATCH = 256;

interface Pending { readonly row: unknown[]; resolve(id: number): void; reject(e: unknown): void }

/** A record as the values of COLUMNS. */
function rowOf(e: LogEntry): unknown[] {
  const d = e.decision;
  const sh = e.shadow;
  return [Date.now(), e.eventTime, e.bundleHash, e.sourceHash, d.pack, d.version ?? null, e.snapshot.historySeq ?? null, JSON.stringify(e.input),
    JSON.stringify(e.snapshot, (_k, v) => (v === undefined ? null : v)), d.outcome, d.score, JSON.stringify(d.fired.map((f) => f.id)),
    e.arm ?? null, sh?.bundleHash ?? null, sh?.outcome ?? null, sh?.score ?? null, sh?.fired ? JSON.stringify(sh.fired) : null, sh?.error ?? null];
}

export class PgDecisionLog {
  constructor(private readonly pool: pg.Pool, private readonly where: string) {}

  /** Records waiting for the INSERT in flight to finish. */
  private waiting: Pending[] = [];
  private sending = false;

  append(e: LogEntry): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ row: rowOf(e), resolve, reject });
      // The first record waits for the tasks queued now, so decisions finishing together share its INSERT.
      if (!this.sending && this.waiting.length === 1) setImmediate(() => this.send());
    });
  }

  private send(): void {
    if (this.sending || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, MAX_BATCH);
    this.sending = true;
    void this.insert(batch).finally(() => {
      this.sending = false;
      this.send();
    });
  }

  private async insert(batch: readonly Pending[]): Promise<void> {
    try {
      const ids = await this.insertRows(batch.map((p) => p.row));
      batch.forEach((p, i) => p.resolve(ids[i]!));
    } catch (e) {
      if (batch.length === 1 || isUnavailable(e)) { for (const p of batch) p.reject(e); return; }
      for (const p of batch) await this.insertRows([p.row]).then((ids) => p.resolve(ids[0]!), p.reject);
    }
  }

  /** Inserts rows in one statement; their ids, in the order of `rows`. */
  private async insertRows(rows: readonly unknown[][]): Promise<number[]> {
    const r = await withClient(this.pool, this.where, (c) => c.query({ name: 'zy_log_append_jsonb', text: INSERT, values: [JSON.stringify(rows, finite)], rowMode: 'array' }));
    if (r.rows.length !== rows.length) throw new StoreError('ZY7002', `the decision log took ${r.rows.length} of ${rows.length} records`);
    return (r.rows as [number][]).map((x) => Number(x[0])).sort((a, b) => a - b);
  }

  async get(id: number): Promise<LoggedDecision> {
    const r = (await withClient(this.pool, this.where, (c) => c.query(`${SELECT} WHERE id = $1`, [id]))).rows[0] as Record<string, unknown> | undefined;
    if (!r) throw new StoreError('ZY7008', `no decision ${id} in the log`);
    return decisionOf(r);
  }

  /** The decisions logged with a shadow beside them (of one candidate, on events in [from, to)), by id: as the SQLite log's shadowed(). */
  async shadowed(o: { candidate?: string; from?: number; to?: number } = {}): Promise<LoggedDecision[]> {
    const r = await withClient(this.pool, this.where, (c) => c.query(`${SELECT} WHERE shadow_bundle_hash IS NOT NULL
      AND ($1::text IS NULL OR shadow_bundle_hash = $1) AND ($2::bigint IS NULL OR event_time >= $2) AND ($3::bigint IS NULL OR event_time < $3) ORDER BY id`,
    [o.candidate ?? null, o.from ?? null, o.to ?? null]));
    return (r.rows as Record<string, unknown>[]).map(decisionOf);
  }

  /** The shadow candidates in the log, newest last: as the SQLite log's shadowCandidates(). */
  async shadowCandidates(): Promise<{ candidate: string; live: string[]; decisions: number; first: number; last: number }[]> {
    const r = await withClient(this.pool, this.where, (c) => c.query(`SELECT shadow_bundle_hash AS candidate,
        coalesce(array_agg(DISTINCT bundle_hash ORDER BY bundle_hash) FILTER (WHERE bundle_hash IS NOT NULL), '{}') AS live,
        count(*) AS decisions, min(id) AS first, max(id) AS last
      FROM zy_decisions WHERE shadow_bundle_hash IS NOT NULL GROUP BY shadow_bundle_hash ORDER BY max(id)`));
    return (r.rows as Record<string, unknown>[]).map((x) => ({
      candidate: x['candidate'] as string, live: x['live'] as string[], decisions: Number(x['decisions']), first: Number(x['first']), last: Number(x['last']),
    }));
  }

  /** One pack's decisions on events in [from, to), in event order: what the outcomes report counts (as the SQLite log's between()). */
  async between(pack: string, from: number, to: number): Promise<{ eventTime: number; input: unknown; outcome: string; fired: string[] }[]> {
    const r = await withClient(this.pool, this.where, (c) => c.query(`SELECT event_time, input::text AS input, outcome, fired::text AS fired FROM zy_decisions
      WHERE pack = $1 AND event_time >= $2 AND event_time < $3 ORDER BY event_time, id`, [pack, from, to]));
    return (r.rows as { event_time: number; input: string; outcome: string; fired: string }[])
      .map((x) => ({ eventTime: Number(x.event_time), input: JSON.parse(x.input), outcome: x.outcome, fired: JSON.parse(x.fired) as string[] }));
  }

  async ids(): Promise<number[]> {
    return (await withClient(this.pool, this.where, (c) => c.query(`SELECT id FROM zy_decisions ORDER BY id`))).rows.map((r) => Number(r.id));
  }
}
