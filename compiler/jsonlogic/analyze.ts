// Stage 3: facts about each node, kept in side tables (the tree is not
// touched). Codegen uses them to emit plain JavaScript where that is exact:
//   kinds  — which kinds of value a node can produce. JavaScript's truthiness
//            is JSON Logic's for everything but arrays, so `a && b` is exact
//            when `a` can never be an array.
//   pure   — evaluating the node can neither throw nor print. Only then may
//            codegen skip an argument json-logic-js evaluates and ignores, or
//            evaluate arguments in another order. (Data is assumed to be JSON:
//            plain objects, arrays and scalars, as JSON.parse makes them.)
//   closed — the node does not read the data of its scope (iterator bodies
//            have their own data), so it has the same value on every run.
import type { JlNode, OpNode } from './ast.ts';

export const K = { UNDEF: 1, NULL: 2, BOOL: 4, NUM: 8, STR: 16, ARR: 32, OBJ: 64 } as const;
export const ANY = 127;
export const SCALAR = K.UNDEF | K.NULL | K.BOOL | K.NUM | K.STR;

export interface Analysis {
  kinds(n: JlNode): number;
  pure(n: JlNode): boolean;
  closed(n: JlNode): boolean;
}

export function analyze(root: JlNode): Analysis {
  const kinds = new Map<JlNode, number>();
  const pure = new Map<JlNode, boolean>();
  const closed = new Map<JlNode, boolean>();
  const visit = (n: JlNode): void => {
    if (kinds.has(n)) return;
    const kids = n.kind === 'array' ? n.items : n.kind === 'op' ? n.args : [];
    kids.forEach(visit);
    kinds.set(n, kindsOf(n, (x) => kinds.get(x)!));
    pure.set(n, selfPure(n) && kids.every((x) => pure.get(x)));
    closed.set(n, selfClosed(n) && scopeKids(n).every((x) => closed.get(x)));
  };
  visit(root);
  return { kinds: (n) => kinds.get(n) ?? ANY, pure: (n) => pure.get(n) ?? false, closed: (n) => closed.get(n) ?? false };
}

export function valueKind(v: unknown): number {
  if (v === undefined) return K.UNDEF;
  if (v === null) return K.NULL;
  if (typeof v === 'boolean') return K.BOOL;
  if (typeof v === 'number') return K.NUM;
  if (typeof v === 'string') return K.STR;
  return Array.isArray(v) ? K.ARR : K.OBJ;
}

function kindsOf(n: JlNode, of: (n: JlNode) => number): number {
  if (n.kind === 'value') return valueKind(n.value);
  if (n.kind === 'array') return K.ARR;
  if (n.kind === 'object') return K.OBJ;
  const a = n.args;
  const union = (xs: readonly JlNode[]) => xs.reduce((k, x) => k | of(x), 0);
  switch (n.op) {
    case '==': case '===': case '!=': case '!==': case '>': case '>=': case '<': case '<=':
    case '!': case '!!': case 'in': case 'all': case 'some': case 'none':
      return K.BOOL;
    case '+': case '-': case '/': case '%': case 'min': case 'max':
      return K.NUM;
    case '*': return a.length === 1 ? of(a[0]!) : K.NUM; // one argument is returned unconverted
    case 'cat': case 'substr': return K.STR;
    case 'merge': case 'map': case 'filter': case 'missing': case 'missing_some': return K.ARR;
    // A path that is not empty never gives undefined: "not found" is null or the default.
    case 'var': return staticNonEmpty(a[0]) ? ANY & ~K.UNDEF : ANY;
    case 'log': return a.length ? of(a[0]!) : K.UNDEF;
    case 'and': case 'or': return a.length ? union(a) : K.UNDEF;
    case 'if': {
      if (a.length === 0) return K.NULL;
      const results = a.filter((_, i) => i % 2 === 1 || i === a.length - 1);
      return union(results) | (a.length % 2 === 0 ? K.NULL : 0);
    }
    case 'reduce': return (a[2] ? of(a[2]) : K.NULL) | (a[1] ? of(a[1]) : K.UNDEF);
  }
}

/** Whether the operation itself (not its arguments) can throw or print, on JSON data. */
function selfPure(n: JlNode): boolean {
  if (n.kind !== 'op') return true;
  switch (n.op) {
    case 'log': return false;
    case '*': return n.args.length > 0;
    // `options.length` throws on null, and options from data may hold logic: pure only when written in the rule.
    case 'missing_some': return n.args.length >= 2 && n.args[1]!.kind === 'array' && n.args[1]!.items.every((x) => x.kind === 'value');
    case 'missing': return staticKeys(n) !== undefined;
    case 'in': return n.args.length < 2 || isLiteral(n.args[1]!); // data could hold {"indexOf": 1}
    default: return true;
  }
}

function selfClosed(n: JlNode): boolean {
  return !(n.kind === 'op' && (n.op === 'var' || n.op === 'missing' || n.op === 'missing_some'));
}

/** The children evaluated with the node's own data (an iterator's body is not). */
export function scopeKids(n: JlNode): readonly JlNode[] {
  if (n.kind === 'array') return n.items;
  if (n.kind !== 'op') return [];
  if (n.op === 'map' || n.op === 'filter' || n.op === 'all' || n.op === 'some' || n.op === 'none') return n.args.slice(0, 1);
  if (n.op === 'reduce') return n.args.filter((_, i) => i !== 1);
  return n.args;
}

function staticNonEmpty(path: JlNode | undefined): boolean {
  const lit = path && literalValue(path);
  return !!lit && lit.value !== undefined && lit.value !== null && lit.value !== '';
}

function isLiteral(n: JlNode): boolean {
  return n.kind === 'value' || n.kind === 'object' || (n.kind === 'array' && n.items.every(isLiteral));
}

/** The value of a node made only of literals (arrays of literals included), or `undefined` if it has operations. */
export function literalValue(n: JlNode): { value: unknown } | undefined {
  if (n.kind === 'value' || n.kind === 'object') return { value: n.value };
  if (n.kind === 'array') {
    const items = n.items.map(literalValue);
    return items.every((x) => x) ? { value: items.map((x) => x!.value) } : undefined;
  }
  return undefined;
}

/**
 * The keys of a `missing` whose keys are all written in the rule as scalars:
 * `{"missing": ["a", "b"]}`, `{"missing": "a"}`, `{"missing": [["a", "b"]]}`.
 */
export function staticKeys(n: OpNode): readonly (string | number | boolean | null)[] | undefined {
  const first = n.args[0];
  const list = first?.kind === 'array' ? first.items : n.args;
  const keys: (string | number | boolean | null)[] = [];
  for (const k of list) {
    if (k.kind !== 'value' || k.value === undefined) return undefined;
    keys.push(k.value);
  }
  return keys;
}
