// Where the translation reads event and entity fields from. Proving
// quantifies over the pack's own features: packFields makes each an unknown.
import type { CheckedPack, IR } from '../ir.ts';
import { TIME_FIELD } from '../check/context.ts';
import { TRUE, type Term } from './formula.ts';
import { termSym, type Alt } from './symbolic.ts';
import { typeFacts, type Terms } from './terms.ts';

/** How fields are read: the pack's own features (proving), or fixed values and a history event's fields (building one). */
export interface Fields {
  field(entity: string, field: string, ir: IR): Alt[];
  hfield(field: string, ir: IR): Alt[];
}

/** The pack's own features as unknowns: what proving quantifies over. */
export function packFields(pack: CheckedPack, terms: Terms): Fields {
  const make = (entity: string, field: string): Term => {
    const key = entity === 'event' && field === TIME_FIELD ? 'now' : `${entity}.${field}`;
    const known = terms.find(key);
    if (known) return known;
    const info = entity === 'event' ? pack.schema.event : pack.schema.entities.get(entity)!;
    const f = info.fields.get(field)!;
    // Required fields are checked only where the pack reads them (pack.eventFields): elsewhere they may be missing.
    const always = entity === 'event' && f.required && pack.eventFields.includes(field);
    const t = terms.term(key, {
      label: key === 'now' ? 'now' : key, type: f.type, ...typeFacts(f.type), always,
      origin: key === 'now' ? { k: 'now' } : { k: 'field', entity, field },
    });
    // An entity's fields are there only when the event names the entity.
    if (entity !== 'event') terms.needs(t.id, make('event', (info as { key: string }).key).id);
    return t;
  };
  return {
    field: (entity, field) => [{ g: TRUE, v: termSym(make(entity, field)) }],
    hfield: (field, ir) => [{ g: TRUE, v: termSym(terms.term(`opaque:history.${field}`, { label: field, type: ir.type, ...typeFacts(ir.type), always: false, origin: { k: 'opaque', ir, why: 'a history field outside an aggregate' } })) }],
  };
}
