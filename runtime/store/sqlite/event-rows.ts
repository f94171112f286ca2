// The event-row reads (../event-rows.ts) in SQLite's dialect.
import type { StoreRows } from '../event-rows.ts';
import { EVENTS, q } from '../tables.ts';
import type { DB } from './schema.ts';

export function sqliteRows(store: DB): StoreRows {
  return {
    eventColumns: async () => new Set((store.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name)),
    all: async (sql, args) => store.prepare(sql).all(...args) as Record<string, unknown>[],
    arg: (args, v) => { args.push(v); return '?'; },
    anyOf: (expr, args, values, type) => { args.push(JSON.stringify(values)); return `${expr} IN (SELECT ${type === 'text' ? 'CAST(value AS TEXT)' : 'value'} FROM json_each(?))`; },
    subjectSeq: 'CAST(subject AS INTEGER)',
  };
}
