// Checking an input record against the schema, field by field in declaration
// order (the same order the generated loader uses, so both fail alike).
import { coerce, InputError, own, requiredMissing } from '../compiler/input.ts';
import type { EntityInfo, Value } from '../compiler/ir.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';

export type Checked = Readonly<Record<string, Value>>;

/**
 * Checks `only` (default: every field) of the record, in schema order. `at`,
 * for an event, is the time its caller gave: it stands for `occurred_at`.
 */
export function validateRecord(info: EntityInfo, src: unknown, prefix: string, only?: readonly string[], at?: number): Checked {
  if (typeof src !== 'object' || src === null || Array.isArray(src)) {
    throw new InputError('ZY4003', prefix, `${prefix} should be an object`);
  }
  const out: Record<string, Value> = Object.create(null);
  for (const f of info.fields.values()) {
    if (only && !only.includes(f.name)) continue;
    const path = `${prefix}.${f.name}`;
    const v = at !== undefined && f.name === TIME_FIELD ? at : coerce(f.type, own(src, f.name), path);
    if (v === undefined && f.required) throw requiredMissing(path);
    out[f.name] = v;
  }
  return out;
}

/** In strict mode, an event field the schema does not know is an error, not silently ignored. */
export function unknownFields(info: EntityInfo, src: object, prefix: string): void {
  for (const k of Object.keys(src)) {
    if (!info.fields.has(k)) {
      throw new InputError('ZY4002', `${prefix}.${k}`, `${prefix}.${k} is not in the schema`);
    }
  }
}
