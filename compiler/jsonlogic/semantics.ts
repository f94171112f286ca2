// What JSON Logic's operations do to values, as json-logic-js 2.0.5 does them
// (jwadhams/json-logic-js, logic.js). Generated code calls these through the
// helper object it is given (`R`), and inlines the simplest of them itself;
// everything here follows logic.js line by line, with two deliberate
// differences (the third, rejecting unknown operators, is parse.ts's), all
// documented in spec/JSONLOGIC.md:
//   - data is read by own property only (`var` of "constructor" is not found),
//     as the DSL reads input;
//   - data is never evaluated as logic: json-logic-js's `missing` and
//     `missing_some` re-apply the keys they are given, so a key that comes from
//     the data and looks like logic would run; zhiyu refuses (ZY9101).
// This module is JSON Logic only: the DSL's semantics are compiler/semantics.ts.
import { JsonLogicError } from './errors.ts';

const hasOwn = Object.hasOwn;

/** JSON Logic truthiness: JavaScript's, except that an empty array is false. */
export function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length !== 0 : !!v;
}

/** `obj[key]` for an own property; `undefined` otherwise (also for null and undefined). */
export function own(o: unknown, k: string): unknown {
  return o !== null && o !== undefined && hasOwn(o as object, k) ? (o as Record<string, unknown>)[k] : undefined;
}

/** Split paths, for `var` paths computed while running; bounded, so data cannot grow it without end. */
const splitPaths = new Map<string, readonly string[]>();
function splitPath(path: string): readonly string[] {
  let keys = splitPaths.get(path);
  if (!keys) {
    keys = path.indexOf('.') === -1 ? [path] : path.split('.');
    if (splitPaths.size < 1024) splitPaths.set(path, keys);
  }
  return keys;
}

/**
 * Reads an array index as an own property. Elements of arrays and characters
 * of strings below their length are own; an object's numeric key is checked.
 * (Reading `OP[1]` or `SP[1]` to guard against inheritance, as codegen does
 * for other keys, is slow in V8.) `o` is not null or undefined.
 */
export function index(o: unknown, i: number): unknown {
  if (Array.isArray(o) || typeof o === 'string') return i < o.length ? o[i] : undefined;
  return hasOwn(o as object, i) ? (o as Record<number, unknown>)[i] : undefined;
}

/** The `var` operator with its arguments evaluated: a dotted path, and a default for "not found". */
export function varOf(data: unknown, a: unknown, b: unknown): unknown {
  const notFound = b === undefined ? null : b;
  if (a === undefined || a === '' || a === null) return data;
  if (typeof a === 'string' && a.indexOf('.') === -1) {
    const v = data === null || data === undefined ? undefined : own(data, a);
    return v === undefined ? notFound : v;
  }
  const keys = splitPath(typeof a === 'string' ? a : String(a));
  let d = data;
  for (let i = 0; i < keys.length; i++) {
    if (d === null || d === undefined) return notFound;
    d = own(d, keys[i]!);
    if (d === undefined) return notFound;
  }
  return d;
}

/** `parseFloat` as `+` and `*` apply it (a number converts to itself, -0 to 0). */
export function num(x: unknown): number {
  return typeof x === 'number' ? x + 0 : parseFloat(x as string);
}

/** What `cat` (Array.prototype.join) makes of one argument. */
export function str(x: unknown): string {
  return x === null || x === undefined ? '' : typeof x === 'string' ? x : String(x);
}

export function inOp(a: unknown, b: unknown): boolean {
  if (!b || typeof (b as { indexOf?: unknown }).indexOf === 'undefined') return false;
  return (b as { indexOf(x: unknown): number }).indexOf(a) !== -1;
}

export function substr(source: unknown, start: unknown, end: unknown): string {
  if ((end as number) < 0) {
    // JavaScript's substr has no negative length; json-logic-js emulates PHP.
    const temp = String(source).substr(start as number);
    return temp.substr(0, temp.length + (end as number));
  }
  return String(source).substr(start as number, end as number);
}

/** One argument of `merge`: what `out.concat(x)` would add (a hole stays a hole). */
export function spreadInto(out: unknown[], x: unknown): void {
  if (!Array.isArray(x)) {
    out.push(x);
    return;
  }
  for (let i = 0; i < x.length; i++) {
    if (x[i] === undefined && !(i in x)) out.length++;
    else out.push(x[i]);
  }
}

/** `{"*": []}`: json-logic-js reduces an empty argument list without an initial value, which throws. */
export function multiplyNothing(): never {
  throw new TypeError('Reduce of empty array with no initial value');
}

export function log(a: unknown): unknown {
  console.log(a);
  return a;
}

/**
 * What json-logic-js's `apply` does to a value that came from the data:
 * scalars and objects that are not logic are returned, arrays are mapped.
 * Logic in data would be run by json-logic-js; zhiyu refuses it.
 */
export function dataValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(dataValue);
  if (typeof v === 'object' && v !== null && Object.keys(v).length === 1) {
    throw new JsonLogicError('ZY9101', '$', `the data holds ${JSON.stringify(v)}, which json-logic-js would run as logic; zhiyu never runs data`);
  }
  return v;
}

/** `missing` with its arguments evaluated (a first argument that is an array replaces them all). */
export function missing(data: unknown, args: readonly unknown[]): unknown[] {
  const keys = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const out: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // json-logic-js applies {"var": key}: an array key gives var its path and default.
    let value: unknown;
    if (Array.isArray(key)) {
      const values = key.map(dataValue);
      value = varOf(data, values[0], values[1]);
    } else {
      value = varOf(data, dataValue(key), undefined);
    }
    if (value === null || value === '') out.push(key);
  }
  return out;
}

export function missingSome(data: unknown, need: unknown, options: unknown): unknown[] {
  // json-logic-js applies {"missing": options}: the options are evaluated again, as logic.
  const values = Array.isArray(options) ? options.map(dataValue) : [dataValue(options)];
  const areMissing = missing(data, values);
  return (options as { length: number }).length - areMissing.length >= (need as number) ? [] : areMissing;
}

export const JSONLOGIC_HELPERS = Object.freeze({
  /** Marks a memo local not filled yet. */
  UNSET: Symbol('unset'),
  truthy, own, hasOwn, index, varOf, num, str, inOp, substr, spreadInto, multiplyNothing, log, missing, missingSome,
  min: Math.min, max: Math.max, isArray: Array.isArray,
});

export type JsonLogicHelpers = typeof JSONLOGIC_HELPERS;
