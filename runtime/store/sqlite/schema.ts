// Opening a SQLite store and keeping its tables in step with a pack's schema.
// Tables and columns are only ever added: a migration that would drop a
// column or change its type is refused with an explanation.
//
// Store version 2 keeps every version of an entity row: each row carries
// zy_valid_from (when it became true, as the source says, else when it was
// written; NULL for rows stored before versions were kept) and zy_valid_to
// (when the next version replaced it; NULL for the current row). Labels have
// a kind and say whether it holds. The decision log lives in a file of its
// own (log.ts), so an import's long write never blocks logging.
//
// Store version 3 lets a label name a logged decision (subject_kind
// 'decision', subject its id in the decision log): how a shadow report
// scores decisions the service made live, which are not stored events.
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import type { EntityInfo, Schema } from '../../../compiler/ir.ts';
import type { Type } from '../../../compiler/types.ts';
import { StoreError } from '../errors.ts';
import { STORE_VERSION, schemaFromJson, schemaToJson, type MigrateOptions, type MigrationReport } from '../stored-schema.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, entityTable, q } from '../tables.ts';

export type DB = Database.Database;

/** How schema types map to SQLite columns. */
export function sqlType(t: Type): 'INTEGER' | 'REAL' | 'TEXT' {
  switch (t.t) {
    case 'number': return 'REAL';
    case 'string': case 'enum': case 'set': return 'TEXT';
    default: return 'INTEGER';
  }
}

export interface OpenOptions {
  /** Create the file if it does not exist (import, seed). */
  readonly create?: boolean;
  readonly readonly?: boolean;
}

export function openStore(path: string, opts: OpenOptions = {}): DB {
  if (path !== ':memory:' && existsSync(path) && statSync(path).isDirectory()) throw new StoreError('ZY7007', `${path} is a folder, not a database file`);
  if (path !== ':memory:' && !existsSync(path)) {
    if (!opts.create) throw new StoreError('ZY7001', `database ${path} does not exist; create it with \`zhiyu db seed --demo ${path}\` or \`zhiyu db import ${path} <file>\``);
  } else if (path !== ':memory:' && !opts.readonly) {
    try { accessSync(path, constants.W_OK); } catch {
      throw new StoreError('ZY7002', `database ${path} is read-only; open it read-only or fix its permissions`);
    }
  }
  let db: DB;
  try {
    db = new Database(path, { readonly: !!opts.readonly, fileMustExist: !opts.create });
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    // Reads map the file instead of copying pages through system calls.
    db.pragma('mmap_size = 1073741824');
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) db.pragma('synchronous = NORMAL');
  } catch (e) {
    const msg = (e as Error).message;
    if (/not a database|malformed/i.test(msg)) throw new StoreError('ZY7007', `${path} is not a zhiyu database or is damaged: ${msg}`);
    if (/readonly/i.test(msg)) throw new StoreError('ZY7002', `database ${path} cannot be written: ${msg}`);
    throw e;
  }
  try {
    const tables = db.prepare('SELECT name FROM sqlite_master WHERE type = ?').pluck().all('table') as string[];
    if (tables.length === 0 && opts.create) return db;
    if (!tables.includes('zy_meta')) throw new StoreError('ZY7007', `${path} is not a zhiyu database (it has no zy_meta table)`);
    const version = Number(db.prepare("SELECT value FROM zy_meta WHERE key = 'store_version'").pluck().get() ?? 0);
    if (version > STORE_VERSION) {
      throw new StoreError('ZY7003', `database ${path} was written by a newer zhiyu (store version ${version}; this one understands ${STORE_VERSION}); upgrade zhiyu to use it`);
    }
    if (version < STORE_VERSION) {
      if (!opts.readonly) upgrade(db);
      else {
        // A reader of an older store: upgrade it through a connection of its own, if the file can be written.
        let w: DB;
        try { w = new Database(path, { fileMustExist: true }); } catch (e) {
          throw new StoreError('ZY7009', `database ${path} is store version ${version} and must be upgraded to ${STORE_VERSION} before it is read, but it cannot be written (${(e as Error).message}); open it writable once (zhiyu db import, or serve with --log)`);
        }
        try { w.pragma('busy_timeout = 5000'); upgrade(w); } finally { w.close(); }
      }
    }
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError('ZY7007', `${path} is not a zhiyu database or is damaged: ${(e as Error).message}`);
  }
  return db;
}

/**
 * Brings a store written by an older zhiyu to this version, in one
 * transaction, keeping every row: version 1 → 2 versions the entity tables
 * and gives labels kinds; 2 → 3 lets labels name logged decisions. The
 * decision log moves out of the store file when it is next opened for
 * writing (log.ts).
 */
export function upgrade(db: DB): void {
  db.transaction(() => {
    const from = Number(db.prepare("SELECT value FROM zy_meta WHERE key = 'store_version'").pluck().get() ?? STORE_VERSION);
    if (from >= STORE_VERSION) return;
    if (from < 2) {
      // Every entity table in the file, not only one pack's: the version applies to the whole file.
      const old = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'zy\\_entity\\_%' ESCAPE '\\'`).pluck().all() as string[];
      for (const table of old) { versionEntityTable(db, table); entityIndexes(db, table); }
      labelsWithKinds(db);
    }
    if (from < 3) labelsOnDecisions(db);
    db.prepare(`UPDATE zy_meta SET value = ? WHERE key = 'store_version'`).run(String(STORE_VERSION));
  })();
}

interface Column { name: string; type: string }

function tableColumns(db: DB, table: string): Column[] {
  return (db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string; type: string }[]).map((c) => ({ name: c.name, type: c.type }));
}

/** Creates or extends the tables for `schema`. Runs in one transaction. */
export function migrate(db: DB, schema: Schema, opts: MigrateOptions = {}): MigrationReport {
  const report: MigrationReport = { created: [], added: [], kept: [] };
  const problems: string[] = [];
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS zy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    upgrade(db);
    db.prepare(`INSERT INTO zy_meta (key, value) VALUES ('store_version', ?) ON CONFLICT(key) DO NOTHING`).run(String(STORE_VERSION));
    ensureTable(db, EVENTS, `${q(SEQ)} INTEGER PRIMARY KEY AUTOINCREMENT`, schema.event, report, problems);
    db.exec(`CREATE INDEX IF NOT EXISTS "zy_ix_events_time" ON ${q(EVENTS)} (${q(TIME_FIELD)}, ${q(SEQ)})`);
    // History is append-only: rules and backtests rely on the past not changing.
    db.exec(`CREATE TRIGGER IF NOT EXISTS "zy_events_no_update" BEFORE UPDATE ON ${q(EVENTS)} BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END`);
    db.exec(`CREATE TRIGGER IF NOT EXISTS "zy_events_no_delete" BEFORE DELETE ON ${q(EVENTS)} BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END`);
    for (const e of schema.entities.values()) {
      const keyType = sqlType(schema.event.fields.get(e.key)?.type ?? { t: 'string' });
      const table = entityTable(e.name);
      ensureTable(db, table, `${q(KEY)} ${keyType} NOT NULL, ${q(VALID_FROM)} INTEGER, ${q(VALID_TO)} INTEGER`, e, report, problems);
      entityIndexes(db, table);
    }
    db.exec(`CREATE TABLE IF NOT EXISTS zy_list_entries (
      list TEXT NOT NULL, value NOT NULL, source TEXT, added_at INTEGER, expires_at INTEGER,
      PRIMARY KEY (list, value))`);
    db.exec(`CREATE TABLE IF NOT EXISTS zy_calendar (date TEXT PRIMARY KEY, is_working_day INTEGER NOT NULL CHECK (is_working_day IN (0, 1)), note TEXT)`);
    // Labels for backtests: an event (by zy_seq) or a customer; a kind (fraud,
    // chargeback, qa_breach, …) that holds or, checked, does not; when it became known.
    db.exec(LABELS_TABLE('zy_labels'));
    db.exec(`CREATE INDEX IF NOT EXISTS "zy_ix_labels_subject" ON zy_labels (subject_kind, subject)`);
    db.prepare(`INSERT INTO zy_meta (key, value) VALUES ('schema', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(schemaToJson(schema));
    if (opts.historyKept !== undefined) {
      db.prepare(`INSERT INTO zy_meta (key, value) VALUES ('history_kept_ms', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
        WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`).run(String(opts.historyKept));
    }
    if (problems.length) throw new StoreError('ZY7004', `the database does not match the pack, and changing it would lose data:\n  ${problems.join('\n  ')}`);
  });
  run();
  return report;
}

/** How long entity versions are kept after they ended (ms), if a pack said so. */
export function historyKept(db: DB): number | undefined {
  const v = db.prepare("SELECT value FROM zy_meta WHERE key = 'history_kept_ms'").pluck().get() as string | undefined;
  return v === undefined ? undefined : Number(v);
}

function entityIndexes(db: DB, table: string): void {
  // At most one current version per key, found by the index; versions by time for reads as of a moment.
  db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${table}_current`)} ON ${q(table)} (${q(KEY)}) WHERE ${q(VALID_TO)} IS NULL`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${q(`${table}_versions`)} ON ${q(table)} (${q(KEY)}, ${q(VALID_FROM)})`);
}

/**
 * Store version 1 kept one row per key (zy_key the primary key). The table is
 * rebuilt with the version columns; every row becomes its key's current
 * version, valid since an unknown time (NULL), so nothing is lost and reads
 * as of any time find it, as they did before.
 */
function versionEntityTable(db: DB, table: string): void {
  const cols = tableColumns(db, table);
  if (cols.length === 0 || cols.some((c) => c.name === VALID_FROM)) return;
  const fields = cols.filter((c) => c.name !== KEY);
  const keyType = cols.find((c) => c.name === KEY)?.type || 'TEXT';
  const tmp = `${table}__v2`;
  db.exec(`CREATE TABLE ${q(tmp)} (${[`${q(KEY)} ${keyType} NOT NULL`, `${q(VALID_FROM)} INTEGER`, `${q(VALID_TO)} INTEGER`, ...fields.map((c) => `${q(c.name)} ${c.type}`)].join(', ')})`);
  const names = [KEY, ...fields.map((c) => c.name)].map(q).join(', ');
  db.exec(`INSERT INTO ${q(tmp)} (${names}) SELECT ${names} FROM ${q(table)}`);
  db.exec(`DROP TABLE ${q(table)}`);
  db.exec(`ALTER TABLE ${q(tmp)} RENAME TO ${q(table)}`);
}

/** Labels on an event (by zy_seq), a customer (by key) or a logged decision (by its id in the decision log). */
const LABELS_TABLE = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
  id INTEGER PRIMARY KEY AUTOINCREMENT, subject_kind TEXT NOT NULL CHECK (subject_kind IN ('event', 'customer', 'decision')),
  subject TEXT NOT NULL, kind TEXT NOT NULL, positive INTEGER NOT NULL CHECK (positive IN (0, 1)), labeled_at INTEGER, note TEXT)`;

/** Store version 2 labels could name events and customers only (a CHECK): the table is rebuilt with the same rows and ids. */
function labelsOnDecisions(db: DB): void {
  const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'zy_labels'`).pluck().get() as string | undefined;
  if (sql === undefined || sql.includes("'decision'")) return;
  db.exec(LABELS_TABLE('zy_labels_v3'));
  db.exec(`INSERT INTO zy_labels_v3 (id, subject_kind, subject, kind, positive, labeled_at, note) SELECT id, subject_kind, subject, kind, positive, labeled_at, note FROM zy_labels`);
  db.exec(`DROP TABLE zy_labels`);
  db.exec(`ALTER TABLE zy_labels_v3 RENAME TO zy_labels`);
  db.exec(`CREATE INDEX IF NOT EXISTS "zy_ix_labels_subject" ON zy_labels (subject_kind, subject)`);
}

/** Store version 1 labels (fraud, not_fraud, chargeback) as kinds: not_fraud is the fraud kind, checked and not holding. */
function labelsWithKinds(db: DB): void {
  const cols = tableColumns(db, 'zy_labels');
  if (cols.length === 0 || cols.some((c) => c.name === 'kind')) return;
  db.exec(`ALTER TABLE zy_labels RENAME TO zy_labels_v1`);
  db.exec(LABELS_TABLE('zy_labels'));
  db.exec(`INSERT INTO zy_labels (id, subject_kind, subject, kind, positive, labeled_at, note)
    SELECT id, subject_kind, subject, CASE label WHEN 'not_fraud' THEN 'fraud' ELSE label END, label <> 'not_fraud', labeled_at, note FROM zy_labels_v1`);
  db.exec(`DROP TABLE zy_labels_v1`);
}

function ensureTable(db: DB, table: string, keyColumn: string, info: EntityInfo, report: MigrationReport, problems: string[]): void {
  const existing = tableColumns(db, table);
  const lower = new Map<string, string>();
  for (const f of info.fields.keys()) {
    const prev = lower.get(f.toLowerCase());
    if (prev) problems.push(`${info.name}.${f} and ${info.name}.${prev} differ only in case, which SQLite cannot keep apart`);
    lower.set(f.toLowerCase(), f);
  }
  if (existing.length === 0) {
    const cols = [keyColumn, ...[...info.fields.values()].map((f) => `${q(f.name)} ${sqlType(f.type)}`)];
    db.exec(`CREATE TABLE ${q(table)} (${cols.join(', ')})`);
    report.created.push(table);
    return;
  }
  const have = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
  for (const f of info.fields.values()) {
    const col = have.get(f.name.toLowerCase());
    const want = sqlType(f.type);
    if (!col) {
      db.exec(`ALTER TABLE ${q(table)} ADD COLUMN ${q(f.name)} ${want}`);
      report.added.push(`${table}.${f.name}`);
    } else if (col.type.toUpperCase() !== want) {
      problems.push(`${info.name === 'event' ? 'event' : info.name}.${f.name} is ${col.type} in the database but the pack declares ${want}; migrate the data by hand`);
    }
  }
  for (const c of existing) {
    if (c.name.startsWith('zy_')) continue;
    if (![...info.fields.keys()].some((f) => f.toLowerCase() === c.name.toLowerCase())) report.kept.push(`${table}.${c.name}`);
  }
}

export function storedSchema(db: DB): Schema | undefined {
  const text = db.prepare("SELECT value FROM zy_meta WHERE key = 'schema'").pluck().get() as string | undefined;
  return text ? schemaFromJson(text) : undefined;
}
