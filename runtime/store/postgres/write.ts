// Writing to the PostgreSQL store, as StoreWriter does to SQLite: events
// appended (numbered under the zy_event_seq row lock, so numbers become
// visible in order), entity rows as new versions, list entries, calendar
// days, labels. Each method takes the connection of the caller's
// transaction; values arrive coerced and encoded (../tables.ts), as in SQLite.
import type pg from 'pg';
import type { Schema } from '../../../compiler/ir.ts';
import type { Cell, LabelRow } from '../rows.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, entityTable, q } from '../tables.ts';

type Query = Pick<pg.ClientBase, 'query'>;

/** Takes the event numbering lock until the transaction ends; returns the last number used. */
export async function lockEventSeq(c: Query): Promise<number> {
  return Number((await c.query(`SELECT last_seq FROM zy_event_seq FOR UPDATE`)).rows[0].last_seq);
}

export async function setEventSeq(c: Query, last: number): Promise<void> {
  await c.query(`UPDATE zy_event_seq SET last_seq = $1`, [last]);
}

export class PgWriter {
  /** Entity tables this transaction holds the writers' lock on. */
  private readonly locked = new Set<string>();
  constructor(private readonly c: Query, readonly schema: Schema, private readonly kept?: number) {}

  /** Appends events (each `values` in the order of `fields`); returns their zy_seq. */
  async events(fields: readonly string[], rows: readonly (readonly Cell[])[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const last = await lockEventSeq(this.c);
    const cols = [SEQ, ...fields];
    const values: unknown[] = [];
    const tuples = rows.map((r, i) => {
      values.push(last + i + 1, ...r);
      return `(${cols.map((_, j) => `$${i * cols.length + j + 1}`).join(', ')})`;
    });
    await this.c.query(`INSERT INTO ${q(EVENTS)} (${cols.map(q).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    await setEventSeq(this.c, last + rows.length);
    return rows.map((_, i) => last + i + 1);
  }

  /** A new version of one entity row, true from `validFrom` (the rules of StoreWriter.entity). */
  async entity(name: string, key: string | number, values: readonly Cell[], validFrom: number): Promise<void> {
    const info = this.schema.entities.get(name);
    if (!info) throw new Error(`no entity ${name} in the schema`);
    const t = q(entityTable(name));
    const K = q(KEY), F = q(VALID_FROM), T = q(VALID_TO);
    const fields = [...info.fields.keys()];
    // Writers of one entity take turns, one transaction at a time (readers are not held up). One lock per table, not
    // per key: a lock per key is kept to the end of the transaction, and an import of more keys than the server's
    // lock table holds (max_locks_per_transaction × max_connections) failed with "out of shared memory".
    if (!this.locked.has(name)) {
      await this.c.query(`LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`);
      this.locked.add(name);
    }
    const cur = (await this.c.query(`SELECT zy_id, ${F} AS "validFrom", ${T} AS "validTo" FROM ${t}
      WHERE ${K} = $1 AND (${F} IS NULL OR ${F} <= $2) AND (${T} IS NULL OR ${T} > $2) ORDER BY ${F} IS NULL, ${F} DESC LIMIT 1`, [key, validFrom])).rows[0] as
      { zy_id: number; validFrom: number | null; validTo: number | null } | undefined;
    if (cur && cur.validFrom === validFrom) {
      if (fields.length) await this.c.query(`UPDATE ${t} SET ${fields.map((f, i) => `${q(f)} = $${i + 1}`).join(', ')} WHERE zy_id = $${fields.length + 1}`, [...values, cur.zy_id]);
    } else {
      let until: number | null;
      if (cur) {
        until = cur.validTo;
        await this.c.query(`UPDATE ${t} SET ${T} = $1 WHERE zy_id = $2`, [validFrom, cur.zy_id]);
      } else {
        const next = (await this.c.query(`SELECT min(${F}) AS m FROM ${t} WHERE ${K} = $1 AND ${F} > $2`, [key, validFrom])).rows[0]?.m;
        until = next === null || next === undefined ? null : Number(next);
      }
      const cols = [K, F, T, ...fields.map(q)];
      await this.c.query(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, [key, validFrom, until, ...values]);
    }
    if (this.kept !== undefined) await this.c.query(`DELETE FROM ${t} WHERE ${K} = $1 AND ${T} IS NOT NULL AND ${T} <= $2`, [key, validFrom - this.kept]);
  }

  async listEntry(list: string, value: string | number, source: string | null, addedAt: number | null, expiresAt: number | null): Promise<void> {
    await this.c.query(`INSERT INTO zy_list_entries (list, value, source, added_at, expires_at) VALUES ($1, $2::jsonb, $3, $4, $5)
      ON CONFLICT (list, value) DO UPDATE SET source = excluded.source, added_at = excluded.added_at, expires_at = excluded.expires_at`, [list, JSON.stringify(value), source, addedAt, expiresAt]);
  }

  async calendarDay(date: string, working: boolean, note: string | null): Promise<void> {
    await this.c.query(`INSERT INTO zy_calendar (date, is_working_day, note) VALUES ($1, $2, $3)
      ON CONFLICT (date) DO UPDATE SET is_working_day = excluded.is_working_day, note = excluded.note`, [date, working, note]);
  }

  async label(l: LabelRow): Promise<void> {
    await this.c.query(`INSERT INTO zy_labels (subject_kind, subject, kind, positive, labeled_at, note) VALUES ($1, $2, $3, $4, $5, $6)`,
      [l.subjectKind, String(l.subject), l.kind, l.positive, l.labeledAt, l.note ?? null]);
  }
}
