// The decision log on PostgreSQL (zy_decisions): the same records as the
// SQLite log file (../sqlite/log.ts), appended by every service instance that shares
// the server. One INSERT per record, so a record is whole or absent.
import type pg from 'pg';
import { StoreError } from '../errors.ts';
import { armAndShadow, type LogEntry, type LoggedDecision, type Snapshot } from '../decision-log.ts';
import { withClient } from './connect.ts';

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

export class PgDecisionLog {
  constructor(private readonly pool: pg.Pool, private readonly where: string) {}

  async append(e: LogEntry): Promise<number> {
    const d = e.decision;
    const sh = e.shadow;
    const r = await withClient(this.pool, this.where, (c) => c.query({
      name: 'zy_log_append',
      text: `INSERT INTO zy_decisions (logged_at, event_time, bundle_hash, source_hash, pack, version, history_seq, input, snapshot, outcome, score, fired,
          arm, shadow_bundle_hash, shadow_outcome, shadow_score, shadow_fired, shadow_error)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
      values: [Date.now(), e.eventTime, e.bundleHash, e.sourceHash, d.pack, d.version ?? null, e.snapshot.historySeq ?? null, JSON.stringify(e.input),
        JSON.stringify(e.snapshot, (_k, v) => (v === undefined ? null : v)), d.outcome, d.score, JSON.stringify(d.fired.map((f) => f.id)),
        e.arm ?? null, sh?.bundleHash ?? null, sh?.outcome ?? null, sh?.score ?? null, sh?.fired ? JSON.stringify(sh.fired) : null, sh?.error ?? null],
    }));
    return Number(r.rows[0].id);
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
