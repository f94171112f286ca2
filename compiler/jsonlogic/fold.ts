// Stage 2: constant folding. A sub-rule that reads no data, cannot throw or
// print, and gives a scalar has the same value on every run: it is computed
// once, here, by generating and running its code with the very back end that
// runs the whole rule, so folding cannot change a result. Arrays and objects
// are never folded: json-logic-js makes a new array on every run, and a
// caller may tell them apart.
import type { JlNode } from './ast.ts';
import { analyze, SCALAR, type Analysis } from './analyze.ts';
import { generateJsonLogic } from './codegen.ts';
import { loadJsonLogic } from './load.ts';

export function foldJsonLogic(root: JlNode): JlNode {
  const a = analyze(root);
  return fold(root, a);
}

function fold(n: JlNode, a: Analysis): JlNode {
  if (n.kind === 'value' || n.kind === 'object') return n;
  if (n.kind === 'op' && a.closed(n) && a.pure(n) && (a.kinds(n) & ~SCALAR) === 0) {
    const v = evaluate(n);
    if (v) return { kind: 'value', value: v.value as never, path: n.path };
  }
  if (n.kind === 'array') return { ...n, items: n.items.map((x) => fold(x, a)) };
  return { ...n, args: n.args.map((x) => fold(x, a)) };
}

function evaluate(n: JlNode): { value: unknown } | undefined {
  try {
    const value = loadJsonLogic(generateJsonLogic(n, analyze(n)), false)(undefined);
    return value === null || ['undefined', 'boolean', 'number', 'string'].includes(typeof value) ? { value } : undefined;
  } catch {
    return undefined; // leave it to fail at run time, as json-logic-js would
  }
}
