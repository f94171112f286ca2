// Stage 1: check that a rule is JSON and that every operator exists, and
// build the AST. A bad rule is a JsonLogicError naming the JSON path of the
// first problem. Unlike json-logic-js, which fails only when it reaches an
// unknown operator, zhiyu rejects one anywhere in the rule, before running it.
import type { JlNode } from './ast.ts';
import { childPath, JsonLogicError } from './errors.ts';
import { OPERATOR_NAMES, OPERATORS } from './operators.ts';

export interface ParseLimits {
  /** Deepest nesting of arrays and objects (the generated code nests as deeply). */
  readonly maxDepth?: number;
  /** Most JSON values in one rule. */
  readonly maxNodes?: number;
}

export const DEFAULT_LIMITS = Object.freeze({ maxDepth: 200, maxNodes: 100_000 });

/** `root` is the JSON path of the rule itself: `$`, or `$.RULE_ID` for a rule of a pack. */
export function parseJsonLogic(rule: unknown, limits: ParseLimits = {}, root = '$'): JlNode {
  return new Parser({ ...DEFAULT_LIMITS, ...limits }).node(rule, root, 0);
}

class Parser {
  private nodes = 0;
  private readonly open = new Set<object>();

  constructor(private readonly limits: Required<ParseLimits>) {}

  node(v: unknown, path: string, depth: number): JlNode {
    this.count(path, depth);
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return { kind: 'value', value: v, path };
    if (Array.isArray(v)) {
      this.enter(v, path);
      const items = this.elements(v, path).map((x, i) => this.node(x, childPath(path, i), depth + 1));
      this.open.delete(v);
      return { kind: 'array', items, path };
    }
    if (!isPlainObject(v)) throw notJson(v, path);
    const keys = Object.keys(v);
    if (keys.length !== 1) {
      this.nodes--; // literal() counts this object again
      return { kind: 'object', value: this.literal(v, path, depth) as Record<string, unknown>, path };
    }
    const name = keys[0]!;
    const info = OPERATORS.get(name);
    if (!info) throw unknownOperator(name, childPath(path, name));
    this.enter(v, path);
    const raw = (v as Record<string, unknown>)[name];
    const opPath = childPath(path, name);
    const list = Array.isArray(raw) ? this.elements(raw, opPath) : [raw];
    const argPath = (i: number) => (Array.isArray(raw) ? childPath(opPath, i) : opPath);
    // json-logic-js never evaluates an iterator's arguments beyond the ones it reads.
    const used = info.evaluation === 'iterator' ? list.slice(0, info.reads) : list;
    const args = used.map((x, i) => this.node(x, argPath(i), depth + 1));
    this.open.delete(v);
    return { kind: 'op', op: info.op, name, args, path };
  }

  /** A value that is returned as it is: checked to be JSON, copied, frozen. */
  private literal(v: unknown, path: string, depth: number): unknown {
    this.count(path, depth);
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
    if (Array.isArray(v)) {
      this.enter(v, path);
      const copy = Object.freeze(this.elements(v, path).map((x, i) => this.literal(x, childPath(path, i), depth + 1)));
      this.open.delete(v);
      return copy;
    }
    if (!isPlainObject(v)) throw notJson(v, path);
    this.enter(v, path);
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      // defineProperty, so that a key "__proto__" stays an own property as JSON.parse makes it.
      Object.defineProperty(copy, k, { value: this.literal((v as Record<string, unknown>)[k], childPath(path, k), depth + 1), enumerable: true, writable: false, configurable: false });
    }
    this.open.delete(v);
    return Object.freeze(copy);
  }

  private elements(a: readonly unknown[], path: string): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < a.length; i++) {
      if (!(i in a)) throw new JsonLogicError('ZY9001', childPath(path, i), 'an array with a hole is not JSON');
      out.push(a[i]);
    }
    return out;
  }

  private enter(v: object, path: string): void {
    if (this.open.has(v)) throw new JsonLogicError('ZY9001', path, 'the rule contains itself (a cycle is not JSON)');
    this.open.add(v);
  }

  private count(path: string, depth: number): void {
    if (depth > this.limits.maxDepth) throw new JsonLogicError('ZY9003', path, `the rule is nested more than ${this.limits.maxDepth} levels deep`);
    if (++this.nodes > this.limits.maxNodes) throw new JsonLogicError('ZY9004', path, `the rule has more than ${this.limits.maxNodes} values`);
  }
}

function isPlainObject(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function notJson(v: unknown, path: string): JsonLogicError {
  const what = v === undefined ? 'undefined' : typeof v === 'object' ? `an object of class ${(v as object).constructor?.name ?? 'unknown'}` : `a ${typeof v}`;
  return new JsonLogicError('ZY9001', path, `${what} is not a JSON value`);
}

function unknownOperator(name: string, path: string): JsonLogicError {
  const near = nearest(name);
  return new JsonLogicError('ZY9002', path, `unknown operator ${JSON.stringify(name)}`, near ? `did you mean ${JSON.stringify(near)}?` : undefined);
}

function nearest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = name.length <= 3 ? 1 : 2;
  for (const op of OPERATOR_NAMES) {
    const d = distance(name.toLowerCase(), op);
    if (d <= bestD && (best === undefined || d < distance(name.toLowerCase(), best))) { best = op; bestD = d; }
  }
  return best;
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
