// The demo timeline: what happened, in the order it happened. Events, the
// versions of every profile row (a profile changes at a moment: a SIM swap, a
// new phone number, a raised limit, a call that starts and ends), list
// entries, the holiday calendar and the labels a fraud or QA team added
// later. The same timeline is written into a database in one go (the seed)
// or played step by step beside a running service (the consistency test);
// both write in the same order, so events get the same zy_seq.
//
// The database serves several packs at once: their schemas are merged
// (every field of every pack; an enum takes the members of all), and a row
// keeps only the fields the merged schema declares.
import type { EntityInfo, FieldInfo, Schema, Value } from '../compiler/ir.ts';

export type Row = Record<string, Value>;

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** The end of the demo window: 2026-03-01 00:00 Asia/Shanghai. */
export const DEMO_END = Date.UTC(2026, 2, 1) - 8 * HOUR;

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A label as a fraud or QA team adds it, some time after the event: a kind that holds (positive) or, checked, does not. */
export interface LabelSpec { readonly kind: string; readonly positive: boolean; readonly at: number; readonly note: string }
export interface TimelineEvent { readonly row: Row; readonly pattern: string; readonly labels: readonly LabelSpec[] }
/** A profile row as it is from `at` on (until the key's next version). */
export interface ProfileVersion { readonly entity: string; readonly key: string; readonly at: number; readonly row: Row }
export interface ListEntry { readonly list: string; readonly value: string; readonly addedAt: number; readonly source: string }
export interface CalendarDay { readonly date: string; readonly working: boolean; readonly note: string }

export interface Timeline {
  /** Every event, by time (events at the same moment in the order they were made). */
  readonly events: readonly TimelineEvent[];
  /** Profile versions, by time. */
  readonly versions: readonly ProfileVersion[];
  readonly lists: readonly ListEntry[];
  readonly calendar: readonly CalendarDay[];
  /** Labels on a whole customer (every one of their events), e.g. a confirmed mule. */
  readonly customerLabels: readonly (LabelSpec & { readonly customer: string })[];
}

/**
 * Profile changes as they are made, in any order: a scenario sets a field at
 * a moment (a call starts), another clears it later. versions() folds each
 * key's changes in time order into whole rows, one version per moment.
 */
export class Profiles {
  private readonly patches = new Map<string, { entity: string; key: string; at: number; n: number; fields: Row }[]>();
  private n = 0;

  /** From `at` on, these fields have these values (undefined: missing); the rest of the row stays as it was. */
  set(entity: string, key: string, at: number, fields: Row): void {
    const id = `${entity}\u0000${key}`;
    const list = this.patches.get(id) ?? [];
    list.push({ entity, key, at, n: this.n++, fields });
    this.patches.set(id, list);
  }

  has(entity: string, key: string): boolean {
    return this.patches.has(`${entity}\u0000${key}`);
  }

  versions(): ProfileVersion[] {
    const out: ProfileVersion[] = [];
    for (const list of this.patches.values()) {
      list.sort((a, b) => a.at - b.at || a.n - b.n);
      let row: Row = {};
      list.forEach((p, i) => {
        row = { ...row, ...p.fields };
        if (list[i + 1]?.at !== p.at) out.push({ entity: p.entity, key: p.key, at: p.at, row });
      });
    }
    return out.sort((a, b) => a.at - b.at);
  }
}

/** Every field of every schema. migrate() has already refused real type conflicts; enums differ only in members. */
export function mergeSchemas(schemas: readonly Schema[]): Schema {
  const ent = (name: string, infos: EntityInfo[]): EntityInfo => {
    const fields = new Map<string, FieldInfo>();
    for (const info of infos) {
      for (const [k, f] of info.fields) {
        const prev = fields.get(k);
        if (!prev) fields.set(k, f);
        else if (prev.type.t === 'enum' && f.type.t === 'enum') {
          fields.set(k, { ...prev, required: prev.required && f.required, type: { t: 'enum', members: [...new Set([...prev.type.members, ...f.type.members])] } });
        } else if (prev.required && !f.required) fields.set(k, { ...prev, required: false });
      }
    }
    // A field only some packs declare is never required of the others' rows.
    for (const [k, f] of fields) if (f.required && infos.some((i) => !i.fields.has(k))) fields.set(k, { ...f, required: false });
    return { ...infos[0]!, name, fields };
  };
  const names = [...new Set(schemas.flatMap((s) => [...s.entities.keys()]))];
  return {
    event: ent('event', schemas.map((s) => s.event)),
    entities: new Map(names.map((n) => [n, ent(n, schemas.flatMap((s) => (s.entities.get(n) ? [s.entities.get(n)!] : [])))])),
  };
}

/** Labels from the old vocabulary the scenarios use: fraud, not fraud (checked), chargeback. */
export type Verdict = 'fraud' | 'not_fraud' | 'chargeback';
export const labelOf = (v: Verdict, at: number, note: string): LabelSpec =>
  (v === 'not_fraud' ? { kind: 'fraud', positive: false, at, note } : { kind: v, positive: true, at, note });
