// The bundle history and the audit trail in SQLite: tables of the service's
// log file (log-schema.ts, version 2). A log file from before version 2,
// opened read-only, has neither table: the history and the trail read empty.
import { nextRow, type AuditEntry, type AuditRow, type AuditTrail } from '../../audit.ts';
import type { Bundle } from '../../bundle.ts';
import { storedOf, type BundleHistory, type StoredBundle } from '../../history.ts';
import { metaOf, rowOf } from '../control-rows.ts';
import { StoreError } from '../errors.ts';
import { logHas } from './log-schema.ts';
import type { DB } from './schema.ts';

const writeError = (what: string, e: unknown) => new StoreError('ZY7002', `the ${what} cannot be written (${(e as Error).message})`);

export class SqliteBundleHistory implements BundleHistory {
  private readonly present: boolean;
  constructor(private readonly db: DB) {
    this.present = logHas(db, 'zy_bundles');
  }

  keep(b: Bundle, at: number): void {
    const s = storedOf(b, at);
    try {
      this.db.prepare(`INSERT INTO zy_bundles (hash, pack, version, source_hash, effective_from, stored_at, text)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING`).run(s.hash, s.pack, s.version ?? null, s.sourceHash, s.effectiveFrom ?? null, s.storedAt, s.text);
    } catch (e) { throw writeError('bundle history', e); }
  }

  get(hash: string): StoredBundle | undefined {
    if (!this.present) return undefined;
    const r = this.db.prepare(`SELECT * FROM zy_bundles WHERE hash = ?`).get(hash) as Record<string, unknown> | undefined;
    return r ? { ...metaOf(r), text: r['text'] as string } : undefined;
  }

  list(): Omit<StoredBundle, 'text'>[] {
    if (!this.present) return [];
    return (this.db.prepare(`SELECT hash, pack, version, source_hash, effective_from, stored_at FROM zy_bundles ORDER BY stored_at, rowid`).all() as Record<string, unknown>[]).map(metaOf);
  }
}

export class SqliteAuditTrail implements AuditTrail {
  private readonly present: boolean;
  constructor(private readonly db: DB) {
    this.present = logHas(db, 'zy_audit');
  }

  append(e: AuditEntry): AuditRow {
    // One write transaction from reading the head to inserting after it: two services on one file still make one chain.
    const run = this.db.transaction(() => {
      const last = this.db.prepare(`SELECT * FROM zy_audit ORDER BY seq DESC LIMIT 1`).get() as Record<string, unknown> | undefined;
      const row = nextRow(last ? rowOf(last) : undefined, e);
      this.db.prepare(`INSERT INTO zy_audit (seq, at, action, bundle_hash, pack, version, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(row.seq, row.at, row.action, row.bundle?.hash ?? null, row.bundle?.pack ?? null, row.bundle?.version ?? null, JSON.stringify(row.detail), row.prevHash, row.hash);
      return row;
    });
    try { return run.immediate(); } catch (e) { throw writeError('audit trail', e); }
  }

  rows(): AuditRow[] {
    if (!this.present) return [];
    return (this.db.prepare(`SELECT * FROM zy_audit ORDER BY seq`).all() as Record<string, unknown>[]).map(rowOf);
  }
}
