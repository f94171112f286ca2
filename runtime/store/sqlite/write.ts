// Writing to the SQLite store: events appended, entity rows as new versions, list
// entries, calendar days and labels. Every write of an entity row keeps the
// version it replaces: the old one ends (zy_valid_to) where the new one
// begins (zy_valid_from), so a decision as of any moment reads the row as it
// stood then. A change dated before the latest version (a late-arriving
// correction) is put in its place in the history. Versions that ended longer
// ago than the history kept (HISTORY_KEPT) before a newer write are deleted.
//
// The writer checks nothing itself: values arrive already coerced and
// encoded by the caller (ingest-rows.ts, the demo seed, tests).
import type Database from 'better-sqlite3';
import type { EntityInfo, Schema } from '../../../compiler/ir.ts';
import type { Cell, LabelRow } from '../rows.ts';
import { historyKept, type DB } from './schema.ts';
import { EVENTS, KEY, VALID_FROM, VALID_TO, entityTable, q } from '../tables.ts';

interface EntityStatements {
  readonly covering: Database.Statement;
  readonly next: Database.Statement;
  readonly end: Database.Statement;
  readonly replace: Database.Statement;
  readonly insert: Database.Statement;
  readonly prune?: Database.Statement;
}

export class StoreWriter {
  private readonly entities = new Map<string, EntityStatements & { fields: string[] }>();
  /** By the field list given (callers pass the same array for every row). */
  private readonly eventStmts = new Map<readonly string[], Database.Statement>();
  private readonly kept: number | undefined;
  private listStmt?: Database.Statement;
  private calendarStmt?: Database.Statement;
  private labelStmt?: Database.Statement;

  constructor(private readonly db: DB, readonly schema: Schema) {
    this.kept = historyKept(db);
  }

  private statements(info: EntityInfo): EntityStatements & { fields: string[] } {
    let s = this.entities.get(info.name);
    if (s) return s;
    const t = q(entityTable(info.name));
    const K = q(KEY), F = q(VALID_FROM), T = q(VALID_TO);
    const fields = [...info.fields.keys()];
    const cols = [K, F, T, ...fields.map(q)];
    s = {
      fields,
      // The version in force at @at: began at or before it (or at an unknown time), not ended by then.
      covering: this.db.prepare(`SELECT rowid, ${F} AS validFrom, ${T} AS validTo FROM ${t}
        WHERE ${K} = @key AND (${F} IS NULL OR ${F} <= @at) AND (${T} IS NULL OR ${T} > @at)
        ORDER BY ${F} IS NULL, ${F} DESC LIMIT 1`),
      next: this.db.prepare(`SELECT min(${F}) FROM ${t} WHERE ${K} = @key AND ${F} > @at`).pluck(),
      end: this.db.prepare(`UPDATE ${t} SET ${T} = @at WHERE rowid = @rowid`),
      replace: this.db.prepare(`UPDATE ${t} SET ${fields.map((f) => `${q(f)} = ?`).join(', ') || `${K} = ${K}`} WHERE rowid = ?`),
      insert: this.db.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`),
      ...(this.kept !== undefined ? { prune: this.db.prepare(`DELETE FROM ${t} WHERE ${K} = @key AND ${T} IS NOT NULL AND ${T} <= @before`) } : {}),
    };
    this.entities.set(info.name, s);
    return s;
  }

  /**
   * A new version of one entity row (`values` in the order of the entity's
   * fields), true from `validFrom` on. The version in force then ends there;
   * one that began at the same moment is replaced.
   */
  entity(name: string, key: string | number, values: readonly Cell[], validFrom: number): void {
    const info = this.schema.entities.get(name);
    if (!info) throw new Error(`no entity ${name} in the schema`);
    const s = this.statements(info);
    const at = { key, at: validFrom };
    const cur = s.covering.get(at) as { rowid: number; validFrom: number | null; validTo: number | null } | undefined;
    if (cur && cur.validFrom === validFrom) {
      s.replace.run(...values, cur.rowid);
    } else {
      let until: number | null;
      if (cur) {
        until = cur.validTo;
        s.end.run({ at: validFrom, rowid: cur.rowid });
      } else {
        until = (s.next.get(at) as number | null) ?? null;
      }
      s.insert.run(key, validFrom, until, ...values);
    }
    if (s.prune) s.prune.run({ key, before: validFrom - this.kept! });
  }

  /** Appends one event (`values` in the order of `fields`); returns its zy_seq. */
  event(fields: readonly string[], values: readonly Cell[]): number {
    let stmt = this.eventStmts.get(fields);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO ${q(EVENTS)} (${fields.map(q).join(', ')}) VALUES (${fields.map(() => '?').join(', ')})`);
      this.eventStmts.set(fields, stmt);
    }
    return Number(stmt.run(values).lastInsertRowid);
  }

  listEntry(list: string, value: string | number, source: string | null, addedAt: number | null, expiresAt: number | null): void {
    this.listStmt ??= this.db.prepare(`INSERT OR REPLACE INTO zy_list_entries (list, value, source, added_at, expires_at) VALUES (?, ?, ?, ?, ?)`);
    this.listStmt.run(list, value, source, addedAt, expiresAt);
  }

  calendarDay(date: string, working: boolean, note: string | null): void {
    this.calendarStmt ??= this.db.prepare(`INSERT OR REPLACE INTO zy_calendar (date, is_working_day, note) VALUES (?, ?, ?)`);
    this.calendarStmt.run(date, working ? 1 : 0, note);
  }

  label(l: LabelRow): void {
    this.labelStmt ??= this.db.prepare(`INSERT INTO zy_labels (subject_kind, subject, kind, positive, labeled_at, note) VALUES (?, ?, ?, ?, ?, ?)`);
    this.labelStmt.run(l.subjectKind, String(l.subject), l.kind, l.positive ? 1 : 0, l.labeledAt, l.note ?? null);
  }
}
