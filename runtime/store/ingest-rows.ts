// The rows of CSV or JSONL files to import, whichever the store: events,
// entity profiles, list entries, the working-day calendar and labels. Every
// row is checked against the schema and encoded as the stores keep values;
// the first bad row is reported with file, line and field. Each backend
// writes the rows in one transaction per file (sqlite/ingest.ts,
// postgres/ingest.ts).
import { parse } from 'csv-parse';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename, extname } from 'node:path';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { coerce, InputError } from '../../compiler/input.ts';
import type { EntityInfo, Schema, Value } from '../../compiler/ir.ts';
import { STRING, TIMESTAMP, type Type } from '../../compiler/types.ts';
import { StoreError } from './errors.ts';
import { LABEL_KIND } from './rows.ts';
import { VALID_FROM, encode } from './tables.ts';

export type Target = { kind: 'events' } | { kind: 'entity'; name: string } | { kind: 'list' } | { kind: 'calendar' } | { kind: 'labels' };

export interface ImportProgress { readonly bytes: number; readonly totalBytes: number; readonly rows: number }
export interface ImportResult { readonly rows: number; readonly target: Target; readonly seconds: number }

/** `events.jsonl` → events, `customer.csv` → the customer entity, `lists.csv`, `calendar.csv`, `labels.csv`. */
export function targetFor(schema: Schema, file: string, into?: string): Target {
  const name = into ?? basename(file, extname(file)).replace(/[.-].*$/, '');
  if (name === 'events' || name === 'event') return { kind: 'events' };
  if (name === 'lists' || name === 'list') return { kind: 'list' };
  if (name === 'calendar') return { kind: 'calendar' };
  if (name === 'labels' || name === 'label') return { kind: 'labels' };
  if (schema.entities.has(name)) return { kind: 'entity', name };
  throw new StoreError('ZY7006', `cannot tell what ${file} holds; name it events, lists, calendar, labels or an entity (${[...schema.entities.keys()].join(', ')}), or pass --into`);
}

const LIST_COLUMNS: [string, Type][] = [['list', STRING], ['value', STRING], ['source', STRING], ['added_at', TIMESTAMP], ['expires_at', TIMESTAMP]];
const BOOL: Type = { t: 'bool' };
const LABEL_COLUMNS: [string, Type][] = [
  ['subject_kind', { t: 'enum', members: ['event', 'customer', 'decision'] }], ['subject', STRING], ['kind', STRING], ['positive', BOOL], ['labeled_at', TIMESTAMP], ['note', STRING],
];

export type Cells = (number | string | null)[];

/** What a target's rows hold, in order, and which are required. */
export interface Columns { readonly columns: readonly [string, Type][]; readonly required: readonly string[] }

export function columnsFor(schema: Schema, t: Target): Columns {
  switch (t.kind) {
    case 'events': return { columns: fieldsOf(schema.event), required: [...schema.event.fields.values()].filter((f) => f.required).map((f) => f.name) };
    case 'entity': {
      const info = schema.entities.get(t.name)!;
      // The key, the fields, then when this version became true (optional).
      return { columns: [[info.key, schema.event.fields.get(info.key)?.type ?? STRING], ...fieldsOf(info), [VALID_FROM, TIMESTAMP]], required: [info.key] };
    }
    case 'list': return { columns: LIST_COLUMNS, required: ['list', 'value'] };
    case 'calendar': return { columns: [['date', STRING], ['is_working_day', BOOL], ['note', STRING]], required: ['date', 'is_working_day'] };
    case 'labels': return { columns: LABEL_COLUMNS, required: ['subject_kind', 'subject', 'kind', 'positive'] };
  }
}

/** The checks beyond each value's type, the same whichever store the rows go to. */
function checkRow(t: Target, v: Cells, fail: (field: string, message: string) => never): void {
  if (t.kind === 'calendar' && !/^\d{4}-\d{2}-\d{2}$/.test(String(v[0]))) fail('date', 'date should be YYYY-MM-DD');
  if (t.kind === 'labels' && !LABEL_KIND.test(String(v[2]))) fail('kind', `kind ${JSON.stringify(v[2])} should be a lower-case name such as fraud, chargeback or qa_breach`);
}

export function fieldsOf(info: EntityInfo): [string, Type][] {
  return [...info.fields.values()].map((f) => [f.name, f.type]);
}

/** CSV cells are text: numbers, booleans and lists are read from it by the column's type. */
function fromCsv(t: Type, cell: string): unknown {
  if (cell === '') return undefined;
  switch (t.t) {
    case 'number': case 'integer': case 'money': case 'duration': return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(cell) ? Number(cell) : cell;
    case 'timestamp': return /^-?\d+$/.test(cell) ? Number(cell) : cell;
    case 'bool': return cell === 'true' || cell === '1' ? true : cell === 'false' || cell === '0' ? false : cell;
    case 'set': try { return JSON.parse(cell); } catch { return cell; }
    default: return cell;
  }
}

async function* rows(file: string, onBytes: (n: number) => void): AsyncGenerator<{ line: number; record: Record<string, unknown>; csv: boolean }> {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => onBytes(chunk.length));
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      let record: unknown;
      try { record = JSON.parse(text); } catch (e) {
        throw new StoreError('ZY7005', `${file}:${line}: not valid JSON: ${(e as Error).message}`, { file, line });
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new StoreError('ZY7005', `${file}:${line}: each line must be a JSON object`, { file, line });
      yield { line, record: record as Record<string, unknown>, csv: false };
    }
    return;
  }
  if (ext !== '.csv') throw new StoreError('ZY7006', `${file}: only .csv, .jsonl and .ndjson files can be imported`, { file });
  // Rows as arrays, and the line count read off the parser: building an info
  // object and a keyed record for every row doubled the parse time.
  // Each row's line number travels as its first element (the parser reads ahead).
  const parser = stream.pipe(parse({ skip_empty_lines: true, bom: true, on_record: (row: string[], ctx: { lines: number }) => (row.push(String(ctx.lines)), row) }));
  let header: string[] | undefined;
  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      const line = Number(row.pop());
      if (!header) { header = row; continue; }
      if (row.length > header.length) throw Object.assign(new Error(`the row has ${row.length} fields, the header ${header.length}`), { lines: line });
      const record: Record<string, string> = Object.create(null);
      for (let i = 0; i < header.length; i++) record[header[i]!] = row[i] ?? '';
      yield { line, record, csv: true };
    }
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const err = e as Error & { lines?: number };
    throw new StoreError('ZY7005', `${file}:${err.lines ?? '?'}: ${err.message}`, { file, ...(err.lines ? { line: err.lines } : {}) });
  }
}

/** The file's size, or a coded error. */
export function fileSize(file: string): number {
  try { return statSync(file).size; } catch (e) {
    throw new StoreError('ZY7006', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
}

/**
 * The file's rows for `target`, each checked against the schema and encoded
 * as the stores keep values (in the order of columnsFor); the first bad row
 * throws ZY7005 with its file, line and field. `onBytes` is told the bytes read.
 */
export async function* checkedRows(schema: Schema, file: string, target: Target, onBytes: (n: number) => void): AsyncGenerator<Cells> {
  const { columns, required: req } = columnsFor(schema, target);
  const byName = new Map(columns.map(([c, t]) => [c, t]));
  const required = columns.map(([c]) => req.includes(c));
  let headerChecked = false;
  for await (const { line, record, csv } of rows(file, onBytes)) {
    const values: Cells = [];
    // CSV rows share one header: check its names once. JSON objects each have their own.
    if (!csv || !headerChecked) {
      for (const k in record) {
        if (!byName.has(k)) throw new StoreError('ZY7005', `${file}:${line}: field ${k} is not in the schema`, { file, line, field: k });
      }
      headerChecked = csv;
    }
    for (let c = 0; c < columns.length; c++) {
      const [col, type] = columns[c]!;
      const raw = csv ? fromCsv(type, (record[col] as string | undefined) ?? '') : record[col];
      let v: Value;
      try {
        v = coerce(type, raw, col);
      } catch (e) {
        if (e instanceof InputError) throw new StoreError('ZY7005', `${file}:${line}: ${e.message}`, { file, line, field: col });
        throw e;
      }
      if (v === undefined && required[c]) throw new StoreError('ZY7005', `${file}:${line}: ${col} is required`, { file, line, field: col });
      values.push(encode(type, v));
    }
    checkRow(target, values, (field, message) => { throw new StoreError('ZY7005', `${file}:${line}: ${message}`, { file, line, field }); });
    yield values;
  }
}

export { TIME_FIELD };
