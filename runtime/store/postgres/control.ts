// The bundle history and the audit trail on PostgreSQL (zy_bundles,
// zy_audit, migration 3): the same rows as the SQLite log file's
// (../sqlite/control.ts), shared by every service instance on the server. Keeping a
// bundle is one INSERT that does nothing when the hash is kept already, so
// instances that reload the same bundle keep it once. Appending an audit row
// reads the head and inserts after it in one transaction under a
// transaction-scoped advisory lock (it needs no privilege beyond INSERT and
// SELECT), so concurrent instances make one chain with no repeated seq; the
// primary key on seq is the last guard.
import type pg from 'pg';
import { nextRow, type AuditEntry, type AuditRow, type AuditTrail } from '../../audit.ts';
import type { Bundle } from '../../bundle.ts';
import { storedOf, type BundleHistory, type StoredBundle } from '../../history.ts';
import { rowOf, metaOf } from '../control-rows.ts';
import { StoreError } from '../errors.ts';
import { inTransaction, withClient } from './connect.ts';

/** The advisory lock key of audit appends ('zy_audit' as bytes). */
const AUDIT_LOCK = 0x7a795f61756474;

const UNDEFINED_TABLE = '42P01';

const writeError = (what: string, where: string, e: unknown) => {
  if (e instanceof StoreError && e.code === 'ZY7010') return e;
  const err = e as { code?: string; message?: string };
  const why = err.code === UNDEFINED_TABLE
    ? `${where} is at an older zhiyu migration; run \`zhiyu db maintain ${where}\` as the tables' owner to add its tables`
    : err.message ?? String(e);
  return new StoreError('ZY7002', `the ${what} cannot be written (${why})`);
};

/** A read of a table an older store does not have yet: nothing kept. */
async function orEmpty<T>(read: Promise<T>, empty: T): Promise<T> {
  try { return await read; } catch (e) {
    if ((e as { code?: string }).code === UNDEFINED_TABLE) return empty;
    throw e;
  }
}

export class PgBundleHistory implements BundleHistory {
  constructor(private readonly pool: pg.Pool, private readonly where: string) {}

  async keep(b: Bundle, at: number): Promise<void> {
    const s = storedOf(b, at);
    try {
      await withClient(this.pool, this.where, (c) => c.query(`INSERT INTO zy_bundles (hash, pack, version, source_hash, effective_from, stored_at, text)
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING`, [s.hash, s.pack, s.version ?? null, s.sourceHash, s.effectiveFrom ?? null, s.storedAt, s.text]));
    } catch (e) { throw writeError('bundle history', this.where, e); }
  }

  async get(hash: string): Promise<StoredBundle | undefined> {
    const r = await orEmpty(withClient(this.pool, this.where, (c) => c.query(`SELECT * FROM zy_bundles WHERE hash = $1`, [hash])), undefined);
    const row = r?.rows[0] as Record<string, unknown> | undefined;
    return row ? { ...metaOf(row), text: row['text'] as string } : undefined;
  }

  async list(): Promise<Omit<StoredBundle, 'text'>[]> {
    const r = await orEmpty(withClient(this.pool, this.where, (c) => c.query(`SELECT hash, pack, version, source_hash, effective_from, stored_at FROM zy_bundles ORDER BY stored_at, seq`)), undefined);
    return (r?.rows ?? []).map((row) => metaOf(row as Record<string, unknown>));
  }
}

export class PgAuditTrail implements AuditTrail {
  constructor(private readonly pool: pg.Pool, private readonly where: string) {}

  async append(e: AuditEntry): Promise<AuditRow> {
    try {
      return await inTransaction(this.pool, this.where, async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
        const last = (await c.query(`SELECT * FROM zy_audit ORDER BY seq DESC LIMIT 1`)).rows[0] as Record<string, unknown> | undefined;
        const row = nextRow(last ? rowOf(last) : undefined, e);
        await c.query(`INSERT INTO zy_audit (seq, at, action, bundle_hash, pack, version, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [row.seq, row.at, row.action, row.bundle?.hash ?? null, row.bundle?.pack ?? null, row.bundle?.version ?? null, JSON.stringify(row.detail), row.prevHash, row.hash]);
        return row;
      });
    } catch (err) { throw writeError('audit trail', this.where, err); }
  }

  async rows(): Promise<AuditRow[]> {
    const r = await orEmpty(withClient(this.pool, this.where, (c) => c.query(`SELECT * FROM zy_audit ORDER BY seq`)), undefined);
    return (r?.rows ?? []).map((row) => rowOf(row as Record<string, unknown>));
  }
}
