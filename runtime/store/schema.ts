// Opening a store and keeping its tables in step with a pack's schema.
// Tables and columns are only ever added: a migration that would drop a
// column or change its type is refused with an explanation.
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import type { EntityInfo, Schema } from '../../compiler/ir.ts';
import { StoreError } from './errors.ts';
import { EVENTS, KEY, SEQ, entityTable, q, sqlType } from './sql.ts';

export type DB = Database.Database;
export const STORE_VERSION = 1;

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
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError('ZY7007', `${path} is not a zhiyu database or is damaged: ${(e as Error).message}`);
  }
  return db;
}

export interface MigrationReport {
  readonly created: string[];
  readonly added: string[];
  /** Columns in the database that the pack no longer declares: kept, never dropped. */
  readonly kept: string[];
}

interface Column { name: string; type: string }

function tableColumns(db: DB, table: string): Column[] {
  return (db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string; type: string }[]).map((c) => ({ name: c.name, type: c.type }));
}

/** Creates or extends the tables for `schema`. Runs in one transaction. */
export function migrate(db: DB, schema: Schema): MigrationReport {
  const report: MigrationReport = { created: [], added: [], kept: [] };
  const problems: string[] = [];
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS zy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    db.prepare(`INSERT INTO zy_meta (key, value) VALUES ('store_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`).run(String(STORE_VERSION));
    ensureTable(db, EVENTS, `${q(SEQ)} INTEGER PRIMARY KEY AUTOINCREMENT`, schema.event, report, problems);
    db.exec(`CREATE INDEX IF NOT EXISTS "zy_ix_events_time" ON ${q(EVENTS)} (${q(TIME_FIELD)}, ${q(SEQ)})`);
    // History is append-only: rules and backtests rely on the past not changing.
    db.exec(`CREATE TRIGGER IF NOT EXISTS "zy_events_no_update" BEFORE UPDATE ON ${q(EVENTS)} BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END`);
    db.exec(`CREATE TRIGGER IF NOT EXISTS "zy_events_no_delete" BEFORE DELETE ON ${q(EVENTS)} BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END`);
    for (const e of schema.entities.values()) {
      const keyType = sqlType(schema.event.fields.get(e.key)?.type ?? { t: 'string' });
      ensureTable(db, entityTable(e.name), `${q(KEY)} ${keyType} PRIMARY KEY`, e, report, problems);
    }
    db.exec(`CREATE TABLE IF NOT EXISTS zy_list_entries (
      list TEXT NOT NULL, value NOT NULL, source TEXT, added_at INTEGER, expires_at INTEGER,
      PRIMARY KEY (list, value))`);
    db.exec(`CREATE TABLE IF NOT EXISTS zy_calendar (date TEXT PRIMARY KEY, is_working_day INTEGER NOT NULL CHECK (is_working_day IN (0, 1)), note TEXT)`);
    // Labels for backtests: an event (by zy_seq) or a customer, with when the label became known.
    db.exec(`CREATE TABLE IF NOT EXISTS zy_labels (
      id INTEGER PRIMARY KEY AUTOINCREMENT, subject_kind TEXT NOT NULL CHECK (subject_kind IN ('event', 'customer')),
      subject TEXT NOT NULL, label TEXT NOT NULL CHECK (label IN ('fraud', 'not_fraud', 'chargeback')), labeled_at INTEGER, note TEXT)`);
    db.exec(`CREATE TABLE IF NOT EXISTS zy_decisions (
      id INTEGER PRIMARY KEY AUTOINCREMENT, logged_at INTEGER NOT NULL, event_time INTEGER NOT NULL,
      bundle_hash TEXT NOT NULL, pack TEXT NOT NULL, version TEXT,
      input TEXT NOT NULL, snapshot TEXT NOT NULL, outcome TEXT NOT NULL, score REAL NOT NULL, fired TEXT NOT NULL)`);
    db.prepare(`INSERT INTO zy_meta (key, value) VALUES ('schema', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(schemaToJson(schema));
    if (problems.length) throw new StoreError('ZY7004', `the database does not match the pack, and changing it would lose data:\n  ${problems.join('\n  ')}`);
  });
  run();
  return report;
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

/** The schema last migrated to, kept in the database so imports can check rows without the pack. */
export function schemaToJson(schema: Schema): string {
  const ent = (e: EntityInfo) => ({ ...e, fields: [...e.fields.values()] });
  return JSON.stringify({ event: ent(schema.event), entities: [...schema.entities.values()].map(ent) });
}

export function storedSchema(db: DB): Schema | undefined {
  const text = db.prepare("SELECT value FROM zy_meta WHERE key = 'schema'").pluck().get() as string | undefined;
  if (!text) return undefined;
  type J = Omit<EntityInfo, 'fields'> & { fields: EntityInfo['fields'] extends ReadonlyMap<string, infer F> ? F[] : never };
  const j = JSON.parse(text) as { event: J; entities: J[] };
  const ent = (e: J): EntityInfo => ({ ...e, fields: new Map(e.fields.map((f) => [f.name, f])) });
  return { event: ent(j.event), entities: new Map(j.entities.map((e) => [e.name, ent(e)])) };
}
