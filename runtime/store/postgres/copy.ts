// Bulk loading with COPY … FROM STDIN (text format): the import, and the
// copy of a whole SQLite store into PostgreSQL (transfer/sqlite-to-postgres.ts).
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import { q } from '../tables.ts';

const SPECIAL = /[\\\t\n\r]/;

/** One value in COPY's text format. */
export function copyCell(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = String(v);
  // Most values need no escape: skip the replace (a new string per cell).
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export function copyLine(cells: readonly unknown[]): string {
  let line = cells.length ? copyCell(cells[0]) : '';
  for (let i = 1; i < cells.length; i++) line += `\t${copyCell(cells[i])}`;
  return `${line}\n`;
}

/** Streams lines (already in COPY text format) into `table`; resolves with how many were sent. */
export async function copyIn(c: pg.PoolClient, table: string, columns: readonly string[], lines: Iterable<string> | AsyncIterable<string>): Promise<number> {
  let n = 0;
  const stream = c.query(copyStreams.from(`COPY ${q(table)} (${columns.map(q).join(', ')}) FROM STDIN`));
  // Lines are sent in batches of about 64 KB: one write per line costs more than the COPY itself.
  async function* batches() {
    let buf = '';
    for await (const line of lines as AsyncIterable<string>) {
      buf += line;
      n++;
      if (buf.length >= 65536) { yield buf; buf = ''; }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(batches()), stream);
  return n;
}
