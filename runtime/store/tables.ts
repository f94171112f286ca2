// The store's table and column names, and how values are kept in them: the
// same in both backends (SQLite, sqlite/; PostgreSQL, postgres/).
// Identifiers come from the pack's schema, where the lexer allows only
// [A-Za-z_][A-Za-z0-9_]*; they are still always double-quoted.
import type { EntityInfo, Value } from '../../compiler/ir.ts';
import type { Type } from '../../compiler/types.ts';

export const EVENTS = 'zy_events';
export const SEQ = 'zy_seq';
export const KEY = 'zy_key';
/** When an entity row's version became true (NULL: unknown, stored before versions were kept). */
export const VALID_FROM = 'zy_valid_from';
/** When the next version replaced it (NULL: the current version). */
export const VALID_TO = 'zy_valid_to';
export const entityTable = (name: string) => `zy_entity_${name}`;

export function q(identifier: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier)) throw new Error(`not a valid identifier: ${JSON.stringify(identifier)}`);
  return `"${identifier}"`;
}

/** A checked value (compiler/input.ts) as stored. */
export function encode(t: Type, v: Value): number | string | null {
  if (v === undefined) return null;
  if (t.t === 'bool') return v ? 1 : 0;
  if (t.t === 'set') return JSON.stringify(v);
  return v as number | string;
}

export function decode(t: Type, v: unknown): Value {
  if (v === null || v === undefined) return undefined;
  if (t.t === 'bool') return v === 1;
  if (t.t === 'set') return Object.freeze(JSON.parse(v as string) as unknown[]) as Value;
  return v as Value;
}

/** A stored row back as a record of field → value (missing fields left out). */
export function decodeRow(info: EntityInfo, row: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = Object.create(null);
  for (const f of info.fields.values()) {
    const v = decode(f.type, row[f.name]);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}
