// The entry of a decide() split into copies by one field's value (codegen.ts
// `splitByValue`): the test that the record has nothing to inherit, then the
// choice of the copy. Measured on flat40 (one record shape) in V8:
// - `Object.getPrototypeOf(src)` is a call into the runtime unless TurboFan
//   knows the object's shapes, which it does after a property read with one
//   or a few shapes; the field is therefore read first, and read again from
//   the copy when the record is copied. The read runs no rule on a value
//   that could be inherited: the value read before the test is never used
//   when the test copies the record. (An accessor the record has or
//   inherits for the field, or a Proxy's trap, runs before the test: once
//   more than before when the record is copied.)
// - The values of a record's strings are not internalized, so each `case`
//   of a switch on strings is a call comparing characters, up to one per
//   case before the match; switching on the length first leaves one
//   comparison (two when two values have the same length).
import type { Value } from './ir.ts';

export interface EntryParts {
  /** The record's own-ness test, with a statement run after the record is copied. */
  readonly ownOnly: (after: string) => string;
  /** The field's read from `src`. */
  readonly raw: string;
  /** The case values and the copy deciding each. */
  readonly values: readonly Value[];
  readonly names: readonly string[];
  readonly lit: (v: Value) => string;
  /** Over this many cases, the copy is found through a Map: made by `table`. */
  readonly maxCases: number;
  readonly table: () => string;
}

/** The statements choosing the copy (indented two spaces); the generic body follows them. */
export function entryChoice(p: EntryParts): string[] {
  const call = (i: number) => `return ${p.names[i]}(src, P, at, x);`;
  // A switch of big packs (their values in a Map) is left as it was: not measured here.
  if (p.values.length > p.maxCases) {
    return [p.ownOnly(''), `switch (${p.table()}.get(${p.raw})) {`, ...p.values.map((_, i) => `  case ${i}: ${call(i)}`), '}'];
  }
  // Null and undefined throw here the TypeError the test would throw.
  const head = [`let sel = src === null || src === undefined ? Object.getPrototypeOf(src) : ${p.raw};`, p.ownOnly(`sel = ${p.raw};`)];
  if (!p.values.every((v) => typeof v === 'string')) {
    return [...head, 'switch (sel) {', ...p.values.map((v, i) => `  case ${p.lit(v)}: ${call(i)}`), '}'];
  }
  const byLength = new Map<number, string[]>();
  p.values.forEach((v, i) => {
    const n = (v as string).length;
    if (!byLength.has(n)) byLength.set(n, []);
    byLength.get(n)!.push(`if (sel === ${p.lit(v)}) ${call(i)}`);
  });
  return [...head, 'if (typeof sel === "string") switch (sel.length) {', ...[...byLength].map(([n, tests]) => `  case ${n}: ${tests.join(' ')} break;`), '}'];
}
