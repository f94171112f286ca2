// Loading CSV or JSONL files into the SQLite store. Rows are checked as for
// any store (ingest-rows.ts); one file is one transaction, so a bad row
// (reported with file, line and field) leaves nothing of that file behind.
//
// An entity row is a new version of that row: true from its `zy_valid_from`
// column when the file has one (when the change happened, as the source says),
// else from the time of the import. The version it replaces is kept.
import type { Schema } from '../../../compiler/ir.ts';
import { checkedRows, fieldsOf, fileSize, targetFor, type Cells, type ImportProgress, type ImportResult, type Target } from '../ingest-rows.ts';
import type { DB } from './schema.ts';
import { StoreWriter } from './write.ts';

type Insert = (values: Cells) => void;

function sinkFor(writer: StoreWriter, schema: Schema, t: Target, importedAt: number): Insert {
  switch (t.kind) {
    case 'events': {
      const names = fieldsOf(schema.event).map(([c]) => c);
      return (v) => { writer.event(names, v); };
    }
    case 'entity': return (v) => { writer.entity(t.name, v[0]!, v.slice(1, -1), (v[v.length - 1] as number | null) ?? importedAt); };
    case 'list': return (v) => { writer.listEntry(v[0] as string, v[1]!, v[2] as string | null, v[3] as number | null, v[4] as number | null); };
    case 'calendar': return (v) => { writer.calendarDay(v[0] as string, v[1] === 1, v[2] as string | null); };
    case 'labels': return (v) => { writer.label({ subjectKind: v[0] as 'event' | 'customer' | 'decision', subject: v[1]!, kind: v[2] as string, positive: v[3] === 1, labeledAt: v[4] as number | null, note: v[5] as string | null }); };
  }
}

export async function importFile(db: DB, schema: Schema, file: string, opts: { into?: string; onProgress?: (p: ImportProgress) => void } = {}): Promise<ImportResult> {
  const totalBytes = fileSize(file);
  const target = targetFor(schema, file, opts.into);
  const insert = sinkFor(new StoreWriter(db, schema), schema, target, Date.now());
  const started = performance.now();
  let bytes = 0;
  let count = 0;
  let lastReport = 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    for await (const values of checkedRows(schema, file, target, (n) => { bytes += n; })) {
      insert(values);
      count++;
      if (opts.onProgress && count - lastReport >= 5000) { lastReport = count; opts.onProgress({ bytes, totalBytes, rows: count }); }
    }
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
  opts.onProgress?.({ bytes: totalBytes, totalBytes, rows: count });
  return { rows: count, target, seconds: (performance.now() - started) / 1000 };
}

