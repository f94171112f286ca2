// `zhiyu db import postgres://… file`: the same files, the same checks and
// the same error for the first bad row as the SQLite import (ingest.ts), and
// the same all-or-nothing: one file is one transaction. Events go in with
// COPY. The file is read and checked first (rows kept as COPY lines), so
// the months it needs are partitioned before the transaction begins: making
// a partition locks the event table, and must never wait inside (or make
// decisions wait behind) a long import. While it runs, decisions keep
// reading the snapshot before it; other writers of events wait for it.
import type { Schema } from '../../../compiler/ir.ts';
import { TIME_FIELD } from '../../../compiler/check/context.ts';
import { checkedRows, columnsFor, fileSize, targetFor, type ImportProgress, type ImportResult } from '../ingest.ts';
import { EVENTS, SEQ } from '../sql.ts';
import { inTransaction, NO_TIMEOUT } from './connect.ts';
import { copyIn, copyLine } from './copy.ts';
import type { PostgresStore } from './store.ts';
import { lockEventSeq, PgWriter, setEventSeq } from './write.ts';
import { historyKept } from './schema.ts';

export async function importFilePg(store: PostgresStore, schema: Schema, file: string, opts: { into?: string; onProgress?: (p: ImportProgress) => void } = {}): Promise<ImportResult> {
  const totalBytes = fileSize(file);
  const target = targetFor(schema, file, opts.into);
  const started = performance.now();
  let bytes = 0;
  let count = 0;
  let lastReport = 0;
  const progress = () => {
    count++;
    if (opts.onProgress && count - lastReport >= 5000) { lastReport = count; opts.onProgress({ bytes, totalBytes, rows: count }); }
  };
  const rows = checkedRows(schema, file, target, (n) => { bytes += n; });
  if (target.kind === 'events') {
    const names = columnsFor(schema, target).columns.map(([c]) => c);
    const at = names.indexOf(TIME_FIELD);
    const lines: string[] = [];
    let min = Infinity;
    let max = -Infinity;
    for await (const v of rows) {
      const t = v[at] as number;
      if (t < min) min = t;
      if (t > max) max = t;
      lines.push(copyLine(v));
      progress();
    }
    if (lines.length) await store.partitionsFor(min, max);
    await inTransaction(store.pool, store.where, async (c) => {
      await c.query(NO_TIMEOUT);
      const last = await lockEventSeq(c);
      let seq = last;
      await copyIn(c, EVENTS, [SEQ, ...names], (function* () { for (const l of lines) yield `${++seq}\t${l}`; })());
      await setEventSeq(c, seq);
    });
  } else {
    const importedAt = Date.now();
    await inTransaction(store.pool, store.where, async (c) => {
      await c.query(NO_TIMEOUT);
      const w = new PgWriter(c, schema, await historyKept(c));
      for await (const v of rows) {
        switch (target.kind) {
          case 'entity': await w.entity(target.name, v[0]!, v.slice(1, -1), (v[v.length - 1] as number | null) ?? importedAt); break;
          case 'list': await w.listEntry(v[0] as string, v[1]!, v[2] as string | null, v[3] as number | null, v[4] as number | null); break;
          case 'calendar': await w.calendarDay(v[0] as string, v[1] === 1, v[2] as string | null); break;
          case 'labels': await w.label({ subjectKind: v[0] as 'event' | 'customer' | 'decision', subject: v[1]!, kind: v[2] as string, positive: v[3] === 1, labeledAt: v[4] as number | null, note: v[5] as string | null }); break;
        }
        progress();
      }
    });
  }
  opts.onProgress?.({ bytes: totalBytes, totalBytes, rows: count });
  return { rows: count, target, seconds: (performance.now() - started) / 1000 };
}
