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

// COPY … FROM STDIN (FORMAT binary): what the import sends. Each value goes
// as the server keeps it (a bigint as 8 bytes, text as its UTF-8 bytes), so
// neither side escapes or parses number text, and the rows are written
// straight into one Buffer without a string per cell.

/** The column types a binary COPY is built for (the store's, see schema.ts pgType). */
export type BinaryType = 'bigint' | 'double precision' | 'smallint' | 'text';
export const BINARY_TYPES: ReadonlySet<string> = new Set<BinaryType>(['bigint', 'double precision', 'smallint', 'text']);

// The signature, no flags, no header extension; the trailer is a field count of -1.
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TRAILER = Buffer.from([0xff, 0xff]);
const TWO32 = 2 ** 32;

/** Why a value cannot go into its column (the row checks let no such value through; this is the last guard). */
export class CopyValueError extends Error {}

/**
 * Rows encoded for one binary COPY into columns of `types`: `row` appends one
 * (its cells in the columns' order), `take` returns the COPY data so far
 * (header, rows, trailer) and starts again.
 */
export class BinaryRows {
  private buf = Buffer.allocUnsafe(1 << 19);
  private at = HEADER.length;
  rows = 0;
  constructor(private readonly types: readonly BinaryType[]) { HEADER.copy(this.buf, 0); }

  /** Bytes written so far. */
  get size(): number { return this.at; }

  /** Appends one row: `first` (when given) goes in the first column, then `cells`. */
  row(cells: readonly unknown[], first?: number): void {
    const types = this.types;
    const offset = first === undefined ? 0 : 1;
    this.room(2 + types.length * 12);
    this.buf.writeInt16BE(types.length, this.at);
    this.at += 2;
    if (first !== undefined) this.value(types[0]!, first);
    for (let i = offset; i < types.length; i++) this.value(types[i]!, cells[i - offset]);
    this.rows++;
  }

  take(): Buffer {
    this.room(2);
    TRAILER.copy(this.buf, this.at);
    const out = Buffer.from(this.buf.subarray(0, this.at + 2));
    this.at = HEADER.length;
    this.rows = 0;
    return out;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private value(type: BinaryType, v: unknown): void {
    if (v === null || v === undefined) {
      this.room(4);
      this.buf.writeInt32BE(-1, this.at);
      this.at += 4;
      return;
    }
    switch (type) {
      case 'bigint': {
        if (!Number.isSafeInteger(v)) throw new CopyValueError(`${String(v)} is not a whole number a bigint column holds exactly`);
        const n = v as number;
        this.room(12);
        const b = this.buf;
        b.writeInt32BE(8, this.at);
        // Two's complement in two halves: the high word by floor division (negative numbers too).
        const hi = Math.floor(n / TWO32);
        b.writeInt32BE(hi, this.at + 4);
        b.writeUInt32BE(n - hi * TWO32, this.at + 8);
        this.at += 12;
        return;
      }
      case 'double precision':
        if (typeof v !== 'number') throw new CopyValueError(`${String(v)} is not a number`);
        this.room(12);
        this.buf.writeInt32BE(8, this.at);
        this.buf.writeDoubleBE(v, this.at + 4);
        this.at += 12;
        return;
      case 'smallint': {
        const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
        if (!Number.isInteger(n) || (n as number) < -32768 || (n as number) > 32767) throw new CopyValueError(`${String(v)} is not a smallint`);
        this.room(6);
        this.buf.writeInt32BE(2, this.at);
        this.buf.writeInt16BE(n as number, this.at + 4);
        this.at += 6;
        return;
      }
      case 'text': {
        const s = typeof v === 'string' ? v : String(v);
        const len = s.length;
        // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
        this.room(4 + len * 3);
        const b = this.buf;
        const start = this.at + 4;
        let p = start;
        // Short ASCII strings (keys, enum members) are copied here: cheaper than a call into the encoder.
        if (len <= 64) {
          let i = 0;
          for (; i < len; i++) {
            const ch = s.charCodeAt(i);
            if (ch >= 0x80) break;
            b[p++] = ch;
          }
          if (i < len) p = start + b.write(s, start, 'utf8');
        } else p = start + b.write(s, start, 'utf8');
        b.writeInt32BE(p - start, this.at);
        this.at = p;
        return;
      }
    }
  }
}

/** Sends one binary COPY (from BinaryRows.take) into `table`. */
export async function copyBinary(c: pg.PoolClient, table: string, columns: readonly string[], data: Buffer): Promise<void> {
  const stream = c.query(copyStreams.from(`COPY ${q(table)} (${columns.map(q).join(', ')}) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from([data]), stream);
}
