// The JSON Logic AST: what parse.ts makes of a rule after checking it. Every
// node keeps the JSON path it came from, for error messages and reports.
// Trees are never mutated; passes build new ones.
import type { OpName } from './operators.ts';

/** A JSON scalar (or `undefined`, for an iterator body that the rule leaves out). */
export type Scalar = null | boolean | number | string | undefined;

export type JlNode =
  /** A scalar: evaluates to itself. */
  | { readonly kind: 'value'; readonly value: Scalar; readonly path: string }
  /** An array: each element is evaluated, giving a new array every time. */
  | { readonly kind: 'array'; readonly items: readonly JlNode[]; readonly path: string }
  /** An object that is not logic (not exactly one key): returned as it is, never evaluated. */
  | { readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>>; readonly path: string }
  /**
   * An operation. `args` are the operator's arguments as written (a single
   * non-array argument counts as one). For the iterators (`map`, `filter`,
   * `reduce`, `all`, `some`, `none`), args[1] is the body, evaluated with each
   * element as its data, and arguments json-logic-js never evaluates are left out.
   */
  | { readonly kind: 'op'; readonly op: OpName; readonly name: string; readonly args: readonly JlNode[]; readonly path: string };

export type OpNode = Extract<JlNode, { kind: 'op' }>;
