// A zhiyu store on a PostgreSQL server: the pool, the schema kept in step
// with the packs, the partitions kept ahead of the data and dropped behind
// HISTORY_KEPT, the covering indexes, the writers and the decision log.
import type pg from 'pg';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import type { CheckedPack, Schema } from '../../../compiler/ir.ts';
import { StoreError } from '../errors.ts';
import type { MigrateOptions, MigrationReport } from '../stored-schema.ts';
import { EVENTS, q } from '../tables.ts';
import { createPool, inTransaction, NO_TIMEOUT, redact, withClient, type PoolOptions } from './connect.ts';
import { PgAuditTrail, PgBundleHistory } from './control.ts';
import { PgDecisionLog } from './log.ts';
import { PostgresProvider } from './provider.ts';
import { applyMigrations, dropAbandonedImports, ensurePartitions, historyKept, migrate, migrationLevel, monthStart, partitions, storedSchema, wantedIndexes } from './schema.ts';
import { PgWriter } from './write.ts';

/** Months of partitions kept ready past the newest data and the present. */
const AHEAD = 3;

export class PostgresStore {
  readonly pool: pg.Pool;
  readonly where: string;
  /** Decisions' reads, on read-only connections of their own in pipeline mode (provider.ts); opened at the first provider. */
  private decisions: pg.Pool | undefined;

  private constructor(readonly url: string, private readonly opts: PoolOptions) {
    this.where = redact(url);
    this.pool = createPool(url, opts);
  }

  /** Connects (and checks the server answers); `create`: sets up the zhiyu tables when missing. */
  static async open(url: string, opts: PoolOptions & { readonly create?: boolean; readonly readonly?: boolean } = {}): Promise<PostgresStore> {
    const s = new PostgresStore(url, opts);
    try {
      await withClient(s.pool, s.where, async (c) => {
        const v = Number((await c.query(`SHOW server_version_num`)).rows[0].server_version_num);
        if (v < 140000) throw new StoreError('ZY7011', `${s.where} runs PostgreSQL ${Math.floor(v / 10000)}; zhiyu needs 14 or newer`);
        const level = await migrationLevel(c, s.where);
        if (level === 0 && !opts.create) {
          throw new StoreError('ZY7001', `${s.where} has no zhiyu tables; create them with \`zhiyu db seed --demo ${s.where}\` or \`zhiyu db import ${s.where} <file> --pack <dir>\``);
        }
      });
    } catch (e) {
      await s.pool.end().catch(() => undefined);
      const err = e as { code?: string; message?: string };
      if (err.code === '28P01' || err.code === '28000' || err.code === '3D000') throw new StoreError('ZY7011', `cannot use ${s.where}: ${err.message}`);
      throw e;
    }
    return s;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.decisions?.end()]);
  }

  /** Creates or extends the tables for `schema` (one transaction), and the partitions around now. */
  async migrate(schema: Schema, opts: MigrateOptions = {}): Promise<MigrationReport> {
    const report = await inTransaction(this.pool, this.where, (c) => migrate(c, schema, this.where, opts));
    // The months ahead only: dropping old months is maintain()'s, run on purpose (zhiyu db maintain), never by a migration.
    await ensurePartitions(this.pool, Date.now(), monthStart(Date.now(), AHEAD));
    return report;
  }

  schema(): Promise<Schema | undefined> { return withClient(this.pool, this.where, (c) => storedSchema(c)); }

  /** The covering indexes the packs' windows need, created where missing (on every partition). */
  async ensureIndexes(packs: readonly CheckedPack[]): Promise<string[]> {
    const wanted = await withClient(this.pool, this.where, (c) => wantedIndexes(c, packs));
    for (const ix of wanted) await inTransaction(this.pool, this.where, async (c) => { await c.query(NO_TIMEOUT); await c.query(ix.sql); });
    return wanted.map((w) => w.name);
  }

  /** Monthly partitions for [from, to] and AHEAD months past it and past now. */
  async partitionsFor(from: number, to: number): Promise<string[]> {
    try {
      return await ensurePartitions(this.pool, Math.min(from, Date.now()), monthStart(Math.max(to, Date.now()), AHEAD));
    } catch (e) {
      throw new StoreError('ZY7010', `cannot create the event partitions on ${this.where}: ${(e as Error).message}`);
    }
  }

  /**
   * Partition upkeep (`zhiyu db maintain`, from cron): months ahead of now
   * are created; whole months that ended longer ago than the longest
   * HISTORY_KEPT of the packs migrated here are dropped, counted back from
   * the newest stored event (or now, if that is earlier: a store of past
   * data, like the demo, keeps the history it has). Without a HISTORY_KEPT
   * nothing is ever dropped.
   */
  async maintain(now = Date.now()): Promise<{ migrated: string[]; created: string[]; dropped: string[]; abandoned: string[] }> {
    // A store set up by an older zhiyu gets the fixed tables added since (never dropping anything).
    const migrated = await inTransaction(this.pool, this.where, (c) => applyMigrations(c, this.where));
    const created = await ensurePartitions(this.pool, now, monthStart(now, AHEAD));
    const dropped: string[] = [];
    // The months' tables of imports that died before attaching them (ingest.ts).
    const abandoned = await withClient(this.pool, this.where, (c) => dropAbandonedImports(c));
    const kept = await withClient(this.pool, this.where, (c) => historyKept(c));
    if (kept === undefined) return { migrated, created, dropped, abandoned };
    const newest = (await this.eventRange())?.max ?? now;
    const cutoff = Math.min(now, newest) - kept;
    for (const p of await withClient(this.pool, this.where, (c) => partitions(c))) {
      if (p.to > cutoff) continue;
      // A month wholly older than the history kept: dropped whole (DETACH first, so readers never wait on it).
      await withClient(this.pool, this.where, async (c) => {
        await c.query(`ALTER TABLE ${q(EVENTS)} DETACH PARTITION ${q(p.name)}`);
        await c.query(`DROP TABLE ${q(p.name)}`);
      });
      dropped.push(p.name);
    }
    return { migrated, created, dropped, abandoned };
  }

  provider(pack: CheckedPack): PostgresProvider {
    this.decisions ??= createPool(this.url, { ...this.opts, pipeline: true, genericPlans: true, readOnly: true });
    return new PostgresProvider(this.decisions, pack, this.where);
  }

  /** Runs `fn` in one write transaction with a writer (partitions for events must exist first: partitionsFor). */
  write<T>(schema: Schema, fn: (w: PgWriter, c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, this.where, async (c) => fn(new PgWriter(c, schema, await historyKept(c)), c));
  }

  /** The decision log: one per store, so every decision of this process shares its group commit (log.ts). */
  log(): PgDecisionLog { return this.decisionLog ??= new PgDecisionLog(this.pool, this.where); }
  private decisionLog: PgDecisionLog | undefined;

  /** The bundle history and audit trail of the services (zy_bundles, zy_audit). */
  history(): PgBundleHistory { return new PgBundleHistory(this.pool, this.where); }
  audit(): PgAuditTrail { return new PgAuditTrail(this.pool, this.where); }

  /**
   * The labels of `kinds` known by `asOf` (null: every one), oldest first as
   * the SQLite store's Labels reads them (a label without a time first):
   * [subject_kind, subject, 1 positive | 0 negative].
   */
  async labelRows(asOf: number | null, kinds: readonly string[]): Promise<[string, string, number][]> {
    if (kinds.length === 0) return [];
    const r = await withClient(this.pool, this.where, (c) => c.query({
      text: `SELECT subject_kind, subject, CASE WHEN positive THEN 1 ELSE 0 END AS positive FROM zy_labels
        WHERE kind = ANY($1::text[]) AND ($2::bigint IS NULL OR labeled_at IS NULL OR labeled_at <= $2) ORDER BY labeled_at NULLS FIRST, id`,
      values: [[...kinds], asOf], rowMode: 'array',
    }));
    return r.rows as [string, string, number][];
  }

  /** The first `limit` stored events (of `types`, null: any) with a positive event label of `kinds`, by zy_seq: what `eval --labelled` decides. */
  async labelledEvents(kinds: readonly string[], types: readonly string[] | null, limit: number): Promise<Record<string, unknown>[]> {
    // Event labels name a zy_seq; a subject that is not a number names no event (SQLite's CAST reads it as 0, which is none either).
    const r = await withClient(this.pool, this.where, (c) => c.query(`SELECT e.* FROM ${q(EVENTS)} e WHERE e.zy_seq IN (
        SELECT CASE WHEN l.subject ~ '^[0-9]+$' THEN l.subject::bigint END FROM zy_labels l WHERE l.subject_kind = 'event' AND l.positive AND l.kind = ANY($1::text[]))
      ${types ? 'AND e.type = ANY($3::text[])' : ''} ORDER BY e.zy_seq LIMIT $2`, [[...kinds], limit, ...(types ? [[...types]] : [])]));
    return r.rows as Record<string, unknown>[];
  }

  /** The range of stored event times, or undefined when there are none. */
  async eventRange(): Promise<{ min: number; max: number; count: number } | undefined> {
    const r = (await withClient(this.pool, this.where, (c) => c.query(`SELECT min(${q(TIME_FIELD)}) AS min, max(${q(TIME_FIELD)}) AS max, count(*) AS count FROM ${q(EVENTS)}`))).rows[0];
    return r && r.count > 0 ? { min: Number(r.min), max: Number(r.max), count: Number(r.count) } : undefined;
  }
}
