// Keys of `missing` that the rule writes, up to a choice: what codegen.ts
// needs to check them one by one instead of building the list while running.
import type { JlNode } from './ast.ts';

/** The keys `missing` is given, when they are written in the rule up to a choice made by `if`. */
export type KeyChoice =
  | { readonly kind: 'keys'; readonly keys: readonly (string | number)[] }
  | { readonly kind: 'all'; readonly parts: readonly KeyChoice[] }
  | { readonly kind: 'if'; readonly tests: readonly JlNode[]; readonly then: readonly KeyChoice[]; readonly otherwise: KeyChoice };

/**
 * The list of keys a lone argument of `missing` gives: json-logic-js takes an
 * array as the list and anything else as a list of one, as `merge` flattens
 * each of its arguments one level. So `{"missing": {"merge": ["vin", {"if":
 * [c, ["apr"], []]}]}}` (jsonlogic.com's conditional required fields) checks
 * "vin", and "apr" when c holds, without building the merged array. Keys are
 * strings and numbers written in the rule; anything else is left to the helper.
 */
export function keyChoice(n: JlNode): KeyChoice | undefined {
  const key = (x: JlNode) => x.kind === 'value' && (typeof x.value === 'string' || typeof x.value === 'number');
  if (key(n)) return { kind: 'keys', keys: [(n as { value: string | number }).value] };
  if (n.kind === 'array') return n.items.every(key) ? { kind: 'keys', keys: n.items.map((x) => (x as { value: string | number }).value) } : undefined;
  if (n.kind !== 'op') return undefined;
  if (n.op === 'merge') {
    const parts = n.args.map(keyChoice);
    return parts.every((p) => p) ? { kind: 'all', parts: parts as KeyChoice[] } : undefined;
  }
  // An `if` without a last branch gives null: a key of its own (the whole data), left to the helper.
  if (n.op === 'if' && n.args.length % 2 === 1) {
    const a = n.args;
    const then = a.filter((_, i) => i % 2 === 1).map(keyChoice);
    const otherwise = keyChoice(a[a.length - 1]!);
    if (!otherwise || !then.every((t) => t)) return undefined;
    return { kind: 'if', tests: a.filter((_, i) => i % 2 === 0 && i < a.length - 1), then: then as KeyChoice[], otherwise };
  }
  return undefined;
}
