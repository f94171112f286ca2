// The copy of a whole SQLite store into PostgreSQL: how `db seed --demo`
// fills a server (the demo timeline is generated into SQLite, as for a file,
// then copied table by table, zy_seq and profile versions as they are).
import type pg from 'pg';
import type { Schema } from '../../../compiler/ir.ts';
import type { Cell } from '../rows.ts';
import type { DB } from '../sqlite/schema.ts';
import { EVENTS, KEY, SEQ, VALID_FROM, VALID_TO, entityTable, q } from '../tables.ts';
import { copyIn, copyLine } from '../postgres/copy.ts';
import { lockEventSeq, setEventSeq } from '../postgres/write.ts';

/**
 * Copies every zhiyu table of a SQLite store into an empty PostgreSQL store
 * (one transaction, the caller's): events keep their zy_seq, entity rows
 * their versions, labels their subjects.
 */
export async function copyFromSqlite(src: DB, c: pg.PoolClient, schema: Schema): Promise<{ events: number }> {
  const rows = function* (sql: string): Generator<string> {
    for (const r of src.prepare(sql).raw().iterate() as Iterable<unknown[]>) yield copyLine(r);
  };
  const fields = [...schema.event.fields.keys()];
  const last = await lockEventSeq(c);
  if (last !== 0) throw new Error('the PostgreSQL store already holds events: the demo is seeded into an empty database only');
  const events = await copyIn(c, EVENTS, [SEQ, ...fields], rows(`SELECT ${[SEQ, ...fields].map(q).join(', ')} FROM ${q(EVENTS)} ORDER BY ${q(SEQ)}`));
  const max = Number(src.prepare(`SELECT coalesce(max(${q(SEQ)}), 0) FROM ${q(EVENTS)}`).pluck().get());
  await setEventSeq(c, max);
  for (const e of schema.entities.values()) {
    const cols = [KEY, VALID_FROM, VALID_TO, ...e.fields.keys()];
    await copyIn(c, entityTable(e.name), cols, rows(`SELECT ${cols.map(q).join(', ')} FROM ${q(entityTable(e.name))} ORDER BY rowid`));
  }
  const json = function* (): Generator<string> {
    for (const r of src.prepare(`SELECT list, value, source, added_at, expires_at FROM zy_list_entries ORDER BY rowid`).raw().iterate() as Iterable<Cell[]>) {
      yield copyLine([r[0], JSON.stringify(r[1]), r[2], r[3], r[4]]);
    }
  };
  await copyIn(c, 'zy_list_entries', ['list', 'value', 'source', 'added_at', 'expires_at'], json());
  await copyIn(c, 'zy_calendar', ['date', 'is_working_day', 'note'], (function* () {
    for (const r of src.prepare(`SELECT date, is_working_day, note FROM zy_calendar ORDER BY date`).raw().iterate() as Iterable<Cell[]>) yield copyLine([r[0], r[1] === 1, r[2]]);
  })());
  await copyIn(c, 'zy_labels', ['subject_kind', 'subject', 'kind', 'positive', 'labeled_at', 'note'], (function* () {
    for (const r of src.prepare(`SELECT subject_kind, subject, kind, positive, labeled_at, note FROM zy_labels ORDER BY rowid`).raw().iterate() as Iterable<Cell[]>) {
      yield copyLine([r[0], r[1], r[2], r[3] === 1, r[4], r[5]]);
    }
  })());
  return { events };
}
