// The tables of the service's log file (demo.db → demo.decisions.db), and
// their versioned migrations. Migrations only add tables and columns; no row
// is ever dropped or rewritten.
//
// Version 1  zy_decisions: one row per logged decision (log.ts).
// Version 2  zy_decisions gains the arm that decided (live or canary) and,
//            side by side, the shadow candidate's decision of the same
//            request (its bundle, outcome, score, fired rules, or the error
//            it failed with); zy_bundles keeps every bundle the service ran,
//            by hash (runtime/history.ts); zy_audit is the hash-chained audit
//            trail (runtime/audit.ts), with triggers refusing UPDATE and DELETE.
// zy_log_meta holds log_version.
import { StoreError } from '../errors.ts';
import type { DB } from './schema.ts';

export const LOG_VERSION = 2;

export const DECISIONS_TABLE = `CREATE TABLE IF NOT EXISTS zy_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, logged_at INTEGER NOT NULL, event_time INTEGER NOT NULL,
  bundle_hash TEXT, source_hash TEXT, pack TEXT NOT NULL, version TEXT, history_seq INTEGER,
  input TEXT NOT NULL, snapshot TEXT NOT NULL, outcome TEXT NOT NULL, score REAL NOT NULL, fired TEXT NOT NULL)`;

const V2 = [
  `ALTER TABLE zy_decisions ADD COLUMN arm TEXT`,
  `ALTER TABLE zy_decisions ADD COLUMN shadow_bundle_hash TEXT`,
  `ALTER TABLE zy_decisions ADD COLUMN shadow_outcome TEXT`,
  `ALTER TABLE zy_decisions ADD COLUMN shadow_score REAL`,
  `ALTER TABLE zy_decisions ADD COLUMN shadow_fired TEXT`,
  `ALTER TABLE zy_decisions ADD COLUMN shadow_error TEXT`,
  `CREATE INDEX IF NOT EXISTS zy_ix_decisions_shadow ON zy_decisions (shadow_bundle_hash, id) WHERE shadow_bundle_hash IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS zy_bundles (
    hash TEXT PRIMARY KEY, pack TEXT NOT NULL, version TEXT, source_hash TEXT NOT NULL,
    effective_from INTEGER, stored_at INTEGER NOT NULL, text TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS zy_audit (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, action TEXT NOT NULL,
    bundle_hash TEXT, pack TEXT, version TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
  // The chain detects a changed row; these stop the accidental one (an attacker can drop them, not hide it).
  `CREATE TRIGGER IF NOT EXISTS zy_audit_no_update BEFORE UPDATE ON zy_audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END`,
  `CREATE TRIGGER IF NOT EXISTS zy_audit_no_delete BEFORE DELETE ON zy_audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END`,
];

const hasTable = (db: DB, name: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;

/** The log file's version: 0 for a new file, 1 for a log written before versions were kept. */
export function logVersion(db: DB): number {
  if (hasTable(db, 'zy_log_meta')) return Number(db.prepare(`SELECT value FROM zy_log_meta WHERE key = 'log_version'`).pluck().get() ?? 0);
  return hasTable(db, 'zy_decisions') ? 1 : 0;
}

/** Brings a writable log file to LOG_VERSION in one transaction; refuses a file from a newer zhiyu. */
export function migrateLog(db: DB, path: string): void {
  db.transaction(() => {
    const from = logVersion(db);
    if (from > LOG_VERSION) throw new StoreError('ZY7003', `the decision log ${path} was written by a newer zhiyu (log version ${from}; this one understands ${LOG_VERSION}); upgrade zhiyu to use it`);
    if (from === LOG_VERSION) return;
    db.exec(DECISIONS_TABLE);
    db.exec(`CREATE TABLE IF NOT EXISTS zy_log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    if (from < 2) {
      const have = new Set((db.prepare(`PRAGMA table_info(zy_decisions)`).all() as { name: string }[]).map((c) => c.name));
      for (const sql of V2) {
        const col = /ADD COLUMN (\w+)/.exec(sql)?.[1];
        if (col && have.has(col)) continue;
        db.exec(sql);
      }
    }
    db.prepare(`INSERT INTO zy_log_meta (key, value) VALUES ('log_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(String(LOG_VERSION));
  })();
}

/** Whether a (possibly read-only, older) log file has a table. */
export function logHas(db: DB, table: 'zy_bundles' | 'zy_audit'): boolean {
  return hasTable(db, table);
}
