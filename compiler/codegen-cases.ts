// Switches with many cases (a product, a merchant category: hundreds of
// values in a large pack) find their case through a table, not a Map per
// switch. Each such field has one dictionary, value → id, built from every
// value the dispatch plan switches on; a decision looks its value up there
// once (kept on the decision's Memo, shared by every function it calls), and
// each switch reads its case number from an array indexed by that id. A
// decision of a 10,000-rule pack meets about ten such switches: one Map
// lookup and a string comparison each, in as many cold hash tables, cost a
// fifth of its time; an array read by a small integer costs one load.
//
// The id of a value outside the dictionary (missing, or never switched on)
// is the dictionary's size: the last entry of every table, which names no
// case. A value is found exactly when a Map of the switch's values would find
// it (both compare by SameValueZero).
import type { Value } from './ir.ts';
import type { DispatchNode } from './optimize/dispatch.ts';

/**
 * A switch on a string field (not an enum) with more cases than this reads its
 * case from a table too. Such a value comes from the caller's JSON and is not
 * internalized: each case of a compare chain compares characters, and a value
 * in none of the cases (most events, for a merchant category) compares them
 * with every case; the table costs one lookup per field and decision, shared
 * by every switch on the field. An enum's values are few and checked.
 */
export const STRING_CHAIN = 4;

/**
 * A table switch over at most this many values switches on the value's id
 * itself, its cases labelled by the values' ids: a few integer compares, and
 * no read of a table of its own (an array of the dictionary's size, cold
 * at each decision). In the 10,000-rule pack 28 of 165 table switches are
 * this small (channels, email domains, a few products in a case).
 */
export const ID_CASES = 8;

/** A switch's head expression and each case's labels. */
export interface CaseSwitch {
  readonly head: string;
  readonly labels: readonly string[];
}

/**
 * A dictionary of at least this many short strings finds a value's id in a
 * byte table, not a Map. A decision of a 10,000-rule pack looks up three or
 * four fields' values (a product among 800, a merchant category among 500),
 * each in a Map that the decision's code (megabytes of it) has pushed out of
 * the caches since the last decision: the Map's bucket, its entry and its
 * key are separate misses. Here the value's characters, already at hand, are
 * hashed, and its entry (its length, its characters and its id in 16 bytes)
 * is mostly one cache line.
 */
export const HASHED_IDS = 64;
/** Bytes per entry: the length, up to ENTRY - 3 characters (codes 1–255), the id in two bytes. */
const ENTRY = 16;
const hashable = (values: readonly Value[]): boolean => values.length >= HASHED_IDS && values.length < 65536 &&
  values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= ENTRY - 3 && [...v].every((c) => c.charCodeAt(0) >= 1 && c.charCodeAt(0) <= 255 && c.length === 1));

/** The hash dictId computes, at compile time (the same operations, so the same 32-bit result). */
function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The id of `s` in a byte table made by hashedDict, or `miss`. Entries are
 * probed in turn from the hash's until an empty one (length 0); a value
 * that is not a string, is empty or longer than any entry holds, or has a
 * character no entry can hold, matches none. The table has at least twice
 * as many entries as values, so the probe ends.
 */
const DICT_ID = `function dictId(T, s, miss) {
  if (typeof s !== "string") return miss;
  const n = s.length;
  if (n === 0 || n > ${ENTRY - 3}) return miss;
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  const last = T.length - ${ENTRY};
  let at = ((h ^ (h >>> 15)) << ${Math.log2(ENTRY)}) & last;
  for (;;) {
    const len = T[at];
    if (len === 0) return miss;
    if (len === n) {
      let i = 0;
      while (i < n && T[at + 1 + i] === s.charCodeAt(i)) i++;
      if (i === n) return T[at + ${ENTRY - 2}] | (T[at + ${ENTRY - 1}] << 8);
    }
    at = at === last ? 0 : at + ${ENTRY};
  }
}`;

export class CaseTables {
  private readonly dicts = new Map<string, { readonly values: Value[]; readonly ids: Map<Value, number>; name?: string; used: boolean }>();
  private anyTable = false;
  private hashed = false;

  /**
   * Dictionaries for every field `plan` switches on; `constant` makes a K
   * constant (JSON data, never code); a switch with up to `chain` cases is a
   * compare chain (but see STRING_CHAIN); `typeOf` names an event field's type.
   */
  constructor(plan: DispatchNode, private readonly constant: (v: unknown, wrap?: (k: string) => string) => string,
    private readonly chain: number, private readonly typeOf: (field: string) => string | undefined) {
    const walk = (n: DispatchNode): void => {
      if (n.kind === 'rules') return;
      if (n.kind === 'guards') { n.groups.forEach((g) => walk(g.then)); return; }
      let d = this.dicts.get(n.field);
      if (!d) this.dicts.set(n.field, (d = { values: [], ids: new Map(), used: false }));
      for (const v of n.cases.keys()) if (!d.ids.has(v)) { d.ids.set(v, d.values.length); d.values.push(v); }
      if (this.tabled(n.field, n.cases.size)) this.anyTable = true;
      walk(n.always);
      n.cases.forEach(walk);
    };
    walk(plan);
  }

  /** Whether a switch on `field` with `cases` cases reads its case from a table (else it is a compare chain). */
  tabled(field: string, cases: number): boolean {
    return cases > this.chain || (cases > STRING_CHAIN && this.typeOf(field) === 'string');
  }

  /**
   * The head and the case labels of a switch on `field` whose case i takes the
   * values `groups[i]`. `slot` is the field's checked local; `memo` the Memo
   * property keeping its id. A switch over few values compares the id with
   * each value's id (labels `case 17: case 302:`); one over more reads its
   * case number from a table indexed by the id (labels `case 0:`, `case 1:`…).
   */
  switch(field: string, slot: string, memo: string, groups: readonly (readonly Value[])[]): CaseSwitch {
    const d = this.dicts.get(field);
    if (!d) throw new Error(`no dictionary for event.${field}`);
    d.used = true;
    d.name ??= hashable(d.values) ? this.hashedDict(d.values) : this.constant(d.values.map((v, i) => [v, i]), (k) => `new Map(${k})`);
    for (const g of groups) for (const v of g) if (!d.ids.has(v)) throw new Error(`event.${field}: a case value outside the dictionary`);
    const find = hashable(d.values) ? `dictId(${d.name}, ${slot}, ${d.values.length})` : `${d.name}.get(${slot}) ?? ${d.values.length}`;
    const id = `M.${memo} === U ? (M.${memo} = ${find}) : M.${memo}`;
    if (groups.reduce((n, g) => n + g.length, 0) <= ID_CASES) {
      return { head: `(${id})`, labels: groups.map((g) => g.map((v) => `case ${d.ids.get(v)!}:`).join(' ')) };
    }
    const cases = new Map<Value, number>();
    groups.forEach((g, i) => g.forEach((v) => cases.set(v, i)));
    const table = d.values.map((v) => cases.get(v) ?? -1);
    table.push(-1);
    // Case numbers (-1: none) as bytes where they fit: a quarter of the cache lines of an array of small integers.
    const wrap = groups.length < 128 ? (k: string) => `new Int8Array(${k})` : groups.length < 32768 ? (k: string) => `new Int16Array(${k})` : undefined;
    return { head: `${this.constant(table, wrap)}[${id}]`, labels: groups.map((_, i) => `case ${i}:`) };
  }

  /** The dictionary as a byte table of entries (dictId below), a K constant. */
  private hashedDict(values: readonly Value[]): string {
    this.hashed = true;
    let size = 64;
    while (size < 2 * values.length) size *= 2;
    const bytes = new Array<number>(size * ENTRY).fill(0);
    values.forEach((v, id) => {
      const str = v as string;
      let at = (hashOf(str) & (size - 1)) * ENTRY;
      while (bytes[at] !== 0) at = (at + ENTRY) % (size * ENTRY);
      bytes[at] = str.length;
      for (let i = 0; i < str.length; i++) bytes[at + 1 + i] = str.charCodeAt(i);
      bytes[at + ENTRY - 2] = id & 255;
      bytes[at + ENTRY - 1] = id >> 8;
    });
    return this.constant(bytes, (k) => `new Uint8Array(${k})`);
  }

  /** Functions the switches call (to be emitted once in the program). */
  functions(): string[] {
    return this.hashed ? [DICT_ID] : [];
  }

  /** Whether a switch of the plan reads its case from a table. */
  tables(): boolean {
    return this.anyTable;
  }

  /** Whether a switch on `field` was emitted through a table (its id then needs a Memo property). */
  used(field: string): boolean {
    return this.dicts.get(field)?.used ?? false;
  }
}
