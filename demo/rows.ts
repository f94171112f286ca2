// Writing demo rows into a database that serves several packs at once. The
// packs' schemas are merged (every field of every pack; an enum takes the
// members of all), and a row keeps only the fields the merged schema
// declares, so a scenario can fill in what any pack reads.
import { coerce } from '../../compiler/input.ts';
import type { EntityInfo, FieldInfo, Schema, Value } from '../../compiler/ir.ts';
import type { DB } from './schema.ts';
import { EVENTS, KEY, encode, entityTable, q } from './sql.ts';

export type Row = Record<string, Value>;

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Every field of every schema. migrate() has already refused real type conflicts; enums differ only in members. */
export function mergeSchemas(schemas: readonly Schema[]): Schema {
  const ent = (name: string, infos: EntityInfo[]): EntityInfo => {
    const fields = new Map<string, FieldInfo>();
    for (const info of infos) {
      for (const [k, f] of info.fields) {
        const prev = fields.get(k);
        if (!prev) fields.set(k, f);
        else if (prev.type.t === 'enum' && f.type.t === 'enum') {
          fields.set(k, { ...prev, required: prev.required && f.required, type: { t: 'enum', members: [...new Set([...prev.type.members, ...f.type.members])] } });
        } else if (prev.required && !f.required) fields.set(k, { ...prev, required: false });
      }
    }
    // A field only some packs declare is never required of the others' rows.
    for (const [k, f] of fields) if (f.required && infos.some((i) => !i.fields.has(k))) fields.set(k, { ...f, required: false });
    return { ...infos[0]!, name, fields };
  };
  const names = [...new Set(schemas.flatMap((s) => [...s.entities.keys()]))];
  return {
    event: ent('event', schemas.map((s) => s.event)),
    entities: new Map(names.map((n) => [n, ent(n, schemas.flatMap((s) => (s.entities.get(n) ? [s.entities.get(n)!] : [])))])),
  };
}

/** Inserts rows with one prepared statement per table and set of fields present. */
export class RowWriter {
  private readonly stmts = new Map<string, ReturnType<DB['prepare']>>();
  private readonly fieldLists = new Map<EntityInfo, FieldInfo[]>();
  constructor(private readonly db: DB, readonly schema: Schema) {}

  private write(info: EntityInfo, table: string, row: Row, keyed: boolean): number {
    let all = this.fieldLists.get(info);
    if (!all) this.fieldLists.set(info, all = [...info.fields.values()]);
    const fields = all.filter((f) => row[f.name] !== undefined);
    const cols = [...(keyed ? [KEY] : []), ...fields.map((f) => f.name)];
    const id = `${table}(${cols.join(',')})`;
    let stmt = this.stmts.get(id);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT OR REPLACE INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      this.stmts.set(id, stmt);
    }
    const values = fields.map((f) => encode(f.type, coerce(f.type, row[f.name], `${info.name}.${f.name}`)));
    return Number(stmt.run(keyed ? [row[KEY] as string, ...values] : values).lastInsertRowid);
  }

  /** Entity rows keyed by KEY; an entity no pack declares is skipped. */
  entities(name: string, rows: readonly Row[]): void {
    const info = this.schema.entities.get(name);
    if (!info) return;
    for (const row of rows) this.write(info, entityTable(name), row, true);
  }

  /** Events in the order given; returns each one's zy_seq. */
  events(rows: readonly Row[]): number[] {
    return rows.map((row) => this.write(this.schema.event, EVENTS, row, false));
  }
}

export type LabelKind = 'fraud' | 'not_fraud' | 'chargeback';

/** Labels on events (subject: the zy_seq) or on customers (subject: the customer key). */
export function writeLabels(db: DB, kind: 'event' | 'customer', labels: readonly { subject: string | number; label: LabelKind; at: number; note: string }[]): void {
  const stmt = db.prepare(`INSERT INTO zy_labels (subject_kind, subject, label, labeled_at, note) VALUES (?, ?, ?, ?, ?)`);
  for (const l of labels) stmt.run(kind, String(l.subject), l.label, l.at, l.note);
}

export function writeListEntries(db: DB, entries: readonly { list: string; value: string; addedAt: number; source?: string }[]): void {
  const stmt = db.prepare(`INSERT OR REPLACE INTO zy_list_entries (list, value, source, added_at, expires_at) VALUES (?, ?, ?, ?, NULL)`);
  for (const e of entries) stmt.run(e.list, e.value, e.source ?? 'demo', e.addedAt);
}
