// Stage 4: a JSON Logic AST becomes the source of one JavaScript factory
// `(K, R) => main`, the same convention as the DSL's back end: K holds the
// constants (passed as data, never as code), R the helpers of semantics.ts.
// `main(data)` returns exactly what json-logic-js's `apply(rule, data)` returns.
//
// How the code stays safe: strings from the rule reach the source only through
// jsString, numbers through jsNumber; objects, large arrays and sets are
// constants in K; every identifier is generated here (t0, c1, it2…).
//
// How it stays exact: each operator is emitted as the JavaScript json-logic-js
// runs for it (`a == b` is loose equality because logic.js writes `a == b`);
// shortcuts are taken only where analyze.ts proves them exact, e.g. `a && b`
// when `a` is never an array. Iterator bodies become functions of their own,
// defined once in the factory, since a body sees only its element.
import type { GeneratedCode } from '../codegen.ts';
import { jsNumber, jsString } from '../escape.ts';
import type { JlNode, OpNode, Scalar } from './ast.ts';
import { K as KIND, literalValue, staticKeys, type Analysis } from './analyze.ts';
import { keyChoice, type KeyChoice } from './choices.ts';
import { countPaths, Fn, needsWholeData, staticPath, type Scope } from './codegen-paths.ts';
import { OPERATORS } from './operators.ts';

export function generateJsonLogic(root: JlNode, analysis: Analysis): GeneratedCode {
  return new Generator(analysis).run([root], false);
}

/**
 * Several rules in one function returning the array of their results, in
 * order. Paths read by more than one rule are read once per run.
 */
export function generateJsonLogicPack(roots: readonly JlNode[], analysis: Analysis): GeneratedCode {
  return new Generator(analysis).run(roots, true);
}

/** Membership in a literal list of at most this many members is a chain of `===`. */
const SMALL_SET = 8;
/** A literal array of scalars with more members is copied from K instead of written out. */
const BIG_ARRAY = 32;

class Generator {
  private readonly constants: unknown[] = [];
  private readonly prelude: string[] = [];
  private readonly functions: string[] = [];
  private readonly shared = new Map<string, string>();
  /** Arguments already evaluated into a temporary (see `eager`). */
  private readonly refs = new Map<JlNode, string>();
  private f = new Fn();
  private scope: Scope = { kind: 'plain', data: 'd' };

  constructor(private readonly a: Analysis) {}

  run(roots: readonly JlNode[], pack: boolean): GeneratedCode {
    roots.forEach((r) => countPaths(r, this.f, this.scope));
    // A rule that is one value (most often: one that folded to a constant) returns it from K,
    // so that all such rules have the same source and share one function (see load.ts).
    const results = roots.map((r) => (!pack && r.kind === 'value' ? this.constant(r.value) : this.val(r)));
    const body = pack ? `[${results.map((r) => `\n    ${r}`).join(',')}\n  ]` : results[0]!;
    const source = [
      '"use strict";',
      'const U = R.UNSET, truthy = R.truthy, hasOwn = R.hasOwn, num = R.num, str = R.str, isArray = R.isArray;',
      'const OP = Object.prototype, AP = Array.prototype, SP = String.prototype, NP = Number.prototype, BP = Boolean.prototype;',
      ...this.prelude,
      ...this.functions,
      ['function main(d) {', ...[...this.f.tempDecl(), ...this.f.memoDecl(), `return ${body};`].map((l) => `  ${l}`), '}'].join('\n'),
      'return main;',
    ].join('\n');
    return { source, constants: this.constants };
  }

  /** A constant from K. Objects are never shared between positions: each position has its own identity, as in the rule. */
  private constant(value: unknown, wrap: (k: string) => string = (k) => k, shareKey?: string): string {
    if (shareKey !== undefined && this.shared.has(shareKey)) return this.shared.get(shareKey)!;
    const name = `c${this.constants.length}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    if (shareKey !== undefined) this.shared.set(shareKey, name);
    return name;
  }

  /** A helper by name; R's helpers are read once, into the factory's scope. */
  private helper(name: string): string {
    return this.constant(name, (k) => `R[${k}]`, `helper:${name}`);
  }

  private scalar(v: Scalar): string {
    if (v === undefined) return '(void 0)';
    if (v === null) return 'null';
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return jsString(v);
    if (Number.isNaN(v)) return '(0 / 0)';
    if (!Number.isFinite(v)) return v > 0 ? '(1 / 0)' : '(-1 / 0)';
    return jsNumber(v);
  }

  private kinds(n: JlNode): number {
    return this.a.kinds(n);
  }
  private only(n: JlNode, mask: number): boolean {
    return (this.kinds(n) & ~mask) === 0;
  }
  private never(n: JlNode, mask: number): boolean {
    return (this.kinds(n) & mask) === 0;
  }

  // ---------- values ----------

  val(n: JlNode): string {
    const ref = this.refs.get(n);
    if (ref) return ref;
    switch (n.kind) {
      case 'value': return this.scalar(n.value);
      case 'object': return this.constant(n.value);
      case 'array': return this.array(n);
      case 'op': return this.op(n);
    }
  }

  /** A new array on every evaluation, as json-logic-js maps the rule's array. */
  private array(n: Extract<JlNode, { kind: 'array' }>): string {
    const lit = literalValue(n);
    if (lit && n.items.length > BIG_ARRAY && n.items.every((x) => x.kind === 'value')) {
      return `${this.constant(Object.freeze(lit.value))}.slice()`;
    }
    return `[${n.items.map((x) => this.val(x)).join(', ')}]`;
  }

  /**
   * An array argument that is only read (iterated, searched, joined, converted),
   * never returned or compared by identity: a literal one may be a shared constant.
   */
  private readOnly(n: JlNode): string {
    const lit = literalValue(n);
    if (n.kind === 'array' && lit && n.items.every((x) => x.kind === 'value')) {
      return this.constant(Object.freeze(lit.value), undefined, `ro:${JSON.stringify(lit.value)}`);
    }
    return this.val(n);
  }

  /** JavaScript whose truthiness is the node's JSON Logic truthiness. */
  test(n: JlNode): string {
    if (n.kind === 'value') return String(!!n.value);
    if (n.kind === 'op' && !this.refs.has(n)) {
      // and/or/if return one of their operands, so their truthiness is the operands'.
      if (n.op === 'and' || n.op === 'or') {
        return n.args.length ? `(${n.args.map((x) => this.test(x)).join(n.op === 'and' ? ' && ' : ' || ')})` : 'false';
      }
      if (n.op === 'if') {
        const a = n.args;
        if (a.length === 0) return 'false';
        let acc = a.length % 2 === 1 ? this.test(a[a.length - 1]!) : 'false';
        for (let i = a.length % 2 === 1 ? a.length - 3 : a.length - 2; i >= 0; i -= 2) acc = `(${this.test(a[i]!)} ? ${this.test(a[i + 1]!)} : ${acc})`;
        return acc;
      }
    }
    if (n.kind === 'op' && n.op === 'missing_some' && !this.refs.has(n)) {
      const t = this.missingSome(n, true);
      if (t) return t;
    }
    if (n.kind === 'op' && n.op === 'missing' && !this.refs.has(n)) {
      const keys = staticKeys(n);
      if (keys && !this.impureExtras(n, n.args[0]?.kind === 'array' ? 1 : n.args.length)) {
        return keys.length ? `(${keys.map((k) => this.isMissing(k)).join(' || ')})` : 'false';
      }
    }
    const v = this.val(n);
    if (this.never(n, KIND.ARR)) return v;
    if (this.only(n, KIND.ARR)) return `(${v}.length !== 0)`;
    return `truthy(${v})`;
  }

  /** A boolean: the node's truthiness as `true` or `false`. */
  private bool(n: JlNode): string {
    if (this.only(n, KIND.BOOL)) return this.val(n);
    const t = this.test(n);
    return t.startsWith('truthy(') ? t : `!!${t}`;
  }

  /** Whether any argument from `from` on (evaluated by json-logic-js, ignored by the operator) could throw or print. */
  private impureExtras(n: OpNode, from: number): boolean {
    return n.args.slice(from).some((x) => !this.a.pure(x));
  }

  /**
   * Operators that read their first `reads` arguments. json-logic-js evaluates
   * every argument, in order, before the operator runs. Arguments beyond
   * `reads` are left out when they are pure, and evaluated first when they
   * are not; only when both an ignored and a read argument could throw or
   * print is each argument evaluated in order into a temporary (`refs` then
   * makes `val` of a read argument return its temporary).
   */
  private eager(n: OpNode, reads: number, build: (arg: (i: number) => string) => string): string {
    const count = Math.min(reads, n.args.length);
    const arg = (i: number) => (i < n.args.length ? this.val(n.args[i]!) : '(void 0)');
    const extras = n.args.slice(count).filter((x) => !this.a.pure(x));
    if (extras.length === 0) return build(arg);
    if (n.args.slice(0, count).every((x) => this.a.pure(x))) return `(${extras.map((x) => this.val(x)).join(', ')}, ${build(arg)})`;
    const steps: string[] = [];
    const bound: JlNode[] = [];
    n.args.forEach((x, i) => {
      if (i >= count) { if (!this.a.pure(x)) steps.push(this.val(x)); return; }
      if (x.kind === 'value') return;
      const t = this.f.temp();
      steps.push(`${t} = ${this.val(x)}`);
      this.refs.set(x, t);
      bound.push(x);
    });
    try {
      return `(${steps.join(', ')}, ${build(arg)})`;
    } finally {
      bound.forEach((x) => this.refs.delete(x));
    }
  }

  private op(n: OpNode): string {
    const reads = OPERATORS.get(n.name)!.reads;
    switch (n.op) {
      case '==': case '===': case '!=': case '!==': case '>': case '>=': case '%': case '/':
        return this.eager(n, 2, (a) => `(${a(0)} ${n.op} ${a(1)})`);
      case '<': case '<=': return this.between(n);
      case '!': return this.eager(n, 1, () => `!${this.test(n.args[0] ?? UNDEF)}`);
      case '!!': return this.eager(n, 1, () => this.bool(n.args[0] ?? UNDEF));
      case 'in': return this.in(n);
      case 'cat': return this.cat(n);
      case 'substr': return this.eager(n, 3, (a) => `${this.helper('substr')}(${a(0)}, ${a(1)}, ${a(2)})`);
      case '+': return this.eager(n, reads, () => `(0${n.args.map((x) => ` + ${this.number(x, false)}`).join('')})`);
      case '*': return this.multiply(n);
      case '-': return this.minus(n);
      case 'min': case 'max': return this.eager(n, reads, () => `${this.helper(n.op)}(${this.all(n)})`);
      case 'merge': return this.merge(n);
      case 'log': return this.eager(n, 1, (a) => `${this.helper('log')}(${a(0)})`);
      case 'var': return this.var(n);
      case 'missing': return this.missing(n);
      case 'missing_some': return this.missingSome(n, false);
      case 'if': return this.if(n);
      case 'and': case 'or': return this.logic(n);
      case 'filter': case 'map': case 'reduce': case 'all': case 'some': case 'none': return this.iterate(n);
    }
  }

  /**
   * `merge` concatenates, flattening array arguments one level. An argument
   * written as an array, or one that is never an array, is placed in the
   * array literal directly; others are spread while running. (V8's
   * Array.prototype.concat is slow on small arrays.)
   */
  private merge(n: OpNode): string {
    return this.eager(n, Infinity, () => {
      const out = this.f.temp();
      const steps: string[] = [];
      let literal: string[] = [];
      let started = false;
      const flush = () => {
        if (!started) steps.push(`${out} = [${literal.join(', ')}]`);
        else if (literal.length) steps.push(`${out}.push(${literal.join(', ')})`);
        started = true;
        literal = [];
      };
      for (const x of n.args) {
        if (x.kind === 'array' && !this.refs.has(x)) literal.push(...x.items.map((i) => this.val(i)));
        else if (this.never(x, KIND.ARR)) literal.push(this.val(x));
        else {
          flush();
          steps.push(`${this.helper('spreadInto')}(${out}, ${this.val(x)})`);
        }
      }
      if (!started) return `[${literal.join(', ')}]`;
      flush();
      return `(${steps.join(', ')}, ${out})`;
    });
  }

  /** Every argument's code, comma-separated. */
  private all(n: OpNode): string {
    return n.args.map((x) => this.val(x)).join(', ');
  }

  /** `parseFloat(x)` as `+` and `*` apply it; a number needs no parsing (`+ 0` turns -0 into 0, as parseFloat does). */
  private number(n: JlNode, normalizeZero: boolean): string {
    if (n.kind === 'value' && typeof n.value !== 'undefined') return this.scalar(parseFloat(n.value as string));
    const v = this.val(n);
    if (this.only(n, KIND.NUM)) return normalizeZero ? `(${v} + 0)` : v;
    return `num(${v})`;
  }

  /** `*` reduces without an initial value: one argument comes back unconverted, none throws. */
  private multiply(n: OpNode): string {
    if (n.args.length === 0) return `${this.helper('multiplyNothing')}()`;
    if (n.args.length === 1) return this.val(n.args[0]!);
    // json-logic-js parses the running product again: (-0) becomes 0 before the next factor.
    let acc = `(${this.number(n.args[0]!, true)} * ${this.number(n.args[1]!, true)})`;
    for (const x of n.args.slice(2)) acc = `((${acc} + 0) * ${this.number(x, true)})`;
    return acc;
  }

  /** `-` negates when its second argument is undefined, whether left out or evaluated to undefined. */
  private minus(n: OpNode): string {
    if (n.args.length <= 1) return this.eager(n, 1, (a) => `(-${a(0)})`);
    const b = n.args[1]!;
    if (this.never(b, KIND.UNDEF)) return this.eager(n, 2, (a) => `(${a(0)} - ${a(1)})`);
    const ta = this.f.temp();
    const tb = this.f.temp();
    return this.eager(n, 2, (a) => `(${ta} = ${a(0)}, (${tb} = ${a(1)}) === undefined ? -${ta} : ${ta} - ${tb})`);
  }

  /** `<` and `<=` take a third argument: `a < b < c`. */
  private between(n: OpNode): string {
    const op = n.op;
    if (n.args.length <= 2) return this.eager(n, 2, (a) => `(${a(0)} ${op} ${a(1)})`);
    const c = n.args[2]!;
    const everyPure = n.args.every((x) => this.a.pure(x));
    if (everyPure && this.never(c, KIND.UNDEF)) {
      const tb = this.f.temp();
      return this.eager(n, 3, (a) => `(${a(0)} ${op} (${tb} = ${a(1)}) && ${tb} ${op} ${a(2)})`);
    }
    const [ta, tb, tc] = [this.f.temp(), this.f.temp(), this.f.temp()];
    return this.eager(n, 3, (a) =>
      `(${ta} = ${a(0)}, ${tb} = ${a(1)}, (${tc} = ${a(2)}) === undefined ? ${ta} ${op} ${tb} : ${ta} ${op} ${tb} && ${tb} ${op} ${tc})`);
  }

  private in(n: OpNode): string {
    const [x, set] = n.args;
    if (set && !this.impureExtras(n, 2)) {
      const needle = x ? this.val(x) : '(void 0)';
      const keep = (result: string) => (x && !this.a.pure(x) ? `(${needle}, ${result})` : result);
      if (set.kind === 'value' && typeof set.value === 'string') {
        // A string is searched for a substring (`!b` makes the empty string contain nothing).
        return set.value === '' ? keep('false') : `(${jsString(set.value)}.indexOf(${needle}) !== -1)`;
      }
      if (set.kind === 'value') return keep('false'); // no indexOf on null, numbers, booleans
      if (set.kind === 'array' && set.items.every((i) => i.kind === 'value')) {
        // indexOf on an array is ===; the array is not kept, so its identity does not matter.
        // (NaN is never === anything, and Set.has would find it: a rule built in JavaScript may hold one.)
        const members = set.items.map((i) => (i as { value: Scalar }).value).filter((m) => !Number.isNaN(m));
        if (members.length === 0) return keep('false');
        if (members.length <= SMALL_SET) {
          const t = this.f.temp();
          return `(${members.map((m, i) => `${i === 0 ? `(${t} = ${needle})` : t} === ${this.scalar(m)}`).join(' || ')})`;
        }
        return `${this.constant(members, (k) => `new Set(${k})`)}.has(${needle})`;
      }
    }
    return this.eager(n, 2, (a) => `${this.helper('inOp')}(${a(0)}, ${a(1)})`);
  }

  private cat(n: OpNode): string {
    return this.eager(n, Infinity, () => {
      const parts = n.args.map((x) => {
        if (x.kind === 'value') return x.value === null || x.value === undefined ? '' : jsString(String(x.value));
        if (this.only(x, KIND.STR)) return this.val(x);
        if (this.only(x, KIND.NUM | KIND.BOOL)) return `(${this.val(x)})`;
        return `str(${x.kind === 'array' ? this.readOnly(x) : this.val(x)})`;
      }).filter((p) => p !== '');
      if (parts.length === 1 && n.args.length === 1 && this.only(n.args[0]!, KIND.STR)) return parts[0]!;
      return `(${['""', ...parts].join(' + ')})`;
    });
  }

  private if(n: OpNode): string {
    const a = n.args;
    if (a.length === 0) return 'null';
    let acc = a.length % 2 === 1 ? this.val(a[a.length - 1]!) : 'null';
    for (let i = a.length % 2 === 1 ? a.length - 3 : a.length - 2; i >= 0; i -= 2) {
      acc = `(${this.test(a[i]!)} ? ${this.val(a[i + 1]!)} : ${acc})`;
    }
    return acc;
  }

  /** `and` returns the first falsy operand or the last; `or` the first truthy one or the last. */
  private logic(n: OpNode): string {
    const a = n.args;
    if (a.length === 0) return '(void 0)';
    let acc = this.val(a[a.length - 1]!);
    let t: string | undefined;
    for (let i = a.length - 2; i >= 0; i--) {
      const x = a[i]!;
      if (this.never(x, KIND.ARR)) {
        acc = `(${this.val(x)} ${n.op === 'and' ? '&&' : '||'} ${acc})`;
      } else {
        t ??= this.f.temp();
        acc = n.op === 'and' ? `(truthy(${t} = ${this.val(x)}) ? ${acc} : ${t})` : `(truthy(${t} = ${this.val(x)}) ? ${t} : ${acc})`;
      }
    }
    return acc;
  }

  // ---------- data ----------

  /** The scope's data as a value (a reduce body builds {current, accumulator} for it). */
  private data(): string {
    const s = this.scope;
    if (s.kind === 'plain') return s.data;
    if (!s.data) throw new Error('internal: reduce body needs its data object but did not declare it');
    return s.data;
  }

  private var(n: OpNode): string {
    const [path, dflt] = n.args;
    const keys = staticPath(path);
    if (!keys && !this.impureExtras(n, 2)) {
      const chosen = this.chosenPath(n);
      if (chosen) return chosen;
    }
    if (!keys || this.impureExtras(n, 2)) return this.eager(n, 2, (a) => `${this.helper('varOf')}(${this.data()}, ${a(0)}, ${a(1)})`);
    if (keys.length === 0) {
      // The whole data; a default is evaluated (json-logic-js evaluates every argument) but not used.
      return dflt && !this.a.pure(dflt) ? `(${this.val(dflt)}, ${this.data()})` : this.data();
    }
    if (!dflt) return this.read(keys, 'null');
    if (dflt.kind === 'value') return this.read(keys, this.scalar(dflt.value === undefined ? null : dflt.value));
    const td = this.f.temp();
    const fallback = this.never(dflt, KIND.UNDEF) ? td : `(${td} === undefined ? null : ${td})`;
    if (this.a.pure(dflt) && (!path || this.a.pure(path))) {
      // Evaluated only when needed: being pure, nobody can tell.
      return this.read(keys, this.never(dflt, KIND.UNDEF) ? this.val(dflt) : `((${td} = ${this.val(dflt)}) === undefined ? null : ${td})`);
    }
    return `(${path && !this.a.pure(path) ? `${this.val(path)}, ` : ''}${td} = ${this.val(dflt)}, ${this.read(keys, fallback)})`;
  }

  /**
   * A path chosen among written ones (`{"var": {"if": [c, "pie.filling", "pie.eta"]}}`):
   * the `if` picks a static read instead of a path to split while running.
   * Exact when the default is pure: json-logic-js evaluates the path (the
   * condition and one branch), then the default, then reads; so does this.
   */
  private chosenPath(n: OpNode): string | undefined {
    const [path, dflt] = n.args;
    if (path?.kind !== 'op' || path.op !== 'if' || this.refs.has(path) || path.args.length < 2) return undefined;
    if (dflt && !this.a.pure(dflt)) return undefined;
    const a = path.args;
    const isResult = (i: number) => i % 2 === 1 || i === a.length - 1;
    if (!a.every((x, i) => !isResult(i) || (x.kind === 'value' && staticPath(x) !== undefined))) return undefined;
    const read = (x: JlNode): JlNode => ({ kind: 'op', op: 'var', name: 'var', args: dflt ? [x, dflt] : [x], path: n.path });
    const args = a.map((x, i) => (isResult(i) ? read(x) : x));
    if (a.length % 2 === 0) args.push(read({ kind: 'value', value: null, path: path.path }));
    return this.if({ ...path, args });
  }

  /**
   * Reads a dotted path as json-logic-js does: at each step, null or undefined
   * data means "not found", and so does a property that is undefined; a null
   * at the end is a value. Only own properties are read (see `step`).
   */
  private read(keys: readonly string[], notFound: string): string {
    const s = this.scope;
    if (s.kind === 'reduce' && !s.data) {
      if (keys[0] !== 'current' && keys[0] !== 'accumulator') return notFound;
      if (keys.length === 1) return `(${this.raw(keys)} === undefined ? ${notFound} : ${this.raw(keys)})`;
    }
    const memo = this.f.memo(keys);
    if (memo) {
      const t = this.f.temp();
      return `((${t} = ${this.raw(keys)}) === undefined ? ${notFound} : ${t})`;
    }
    return this.chain(keys, notFound);
  }

  /** The value at a path, or `undefined` for "not found": what a memo holds. */
  private raw(keys: readonly string[]): string {
    const s = this.scope;
    if (keys.length === 0) return this.data();
    if (s.kind === 'reduce' && !s.data && keys.length === 1) {
      return keys[0] === 'current' ? s.cur : keys[0] === 'accumulator' ? s.acc : '(void 0)';
    }
    const memo = this.f.memo(keys);
    const fill = this.chain(keys, '(void 0)');
    return memo ? `(${memo} === U ? (${memo} = ${fill}) : ${memo})` : fill;
  }

  /** Reads `keys` from the longest prefix already at hand (a memo, a reduce local, or the data). */
  private chain(keys: readonly string[], notFound: string): string {
    const s = this.scope;
    const floor = s.kind === 'reduce' && !s.data ? 1 : 0;
    let j = keys.length - 1;
    while (j > floor && !this.f.memo(keys.slice(0, j))) j--;
    const base = this.raw(keys.slice(0, j));
    const conds: string[] = [];
    let at = base;
    if (!/^[a-z]+$/.test(base)) {
      at = this.f.temp();
      conds.push(`(${at} = ${base}) == null`);
    } else {
      conds.push(`${at} == null`);
    }
    const rest = keys.slice(j);
    rest.forEach((k, i) => {
      const next = this.f.temp();
      conds.push(this.step(at, k, next, i === rest.length - 1));
      at = next;
    });
    return `(${conds.join(' || ')} ? ${notFound} : ${at})`;
  }

  /**
   * One step of a path: true when `obj[key]` is "not found" (undefined, or
   * null before the last step), or is not an own property; leaves the value in
   * `into`. A key that some prototype of a JSON value has when compiling
   * (`length`, `constructor`, `__proto__`…) is checked with hasOwn first.
   * Any other key is read directly: a value it inherits can only be the value
   * one of those prototypes holds for it (polluted later), and then hasOwn decides.
   */
  private step(obj: string, key: string, into: string, last: boolean): string {
    const end = last ? '=== undefined' : '== null';
    // An array index: below the length of an array or a string it is always an own element; see semantics.ts.
    if (/^(0|[1-9][0-9]{0,8})$/.test(key)) return `(${into} = ${this.helper('index')}(${obj}, ${key})) ${end}`;
    const k = jsString(key);
    const gone = `(${into} = ${obj}[${k}]) ${end}`;
    if (INHERITED.some((p) => key in p)) return `!hasOwn(${obj}, ${k}) || ${gone}`;
    const inherited = ['OP', 'AP', 'SP', 'NP', 'BP'].map((p) => `${into} === ${p}[${k}]`).join(' || ');
    return `${gone} || ((${inherited}) && !hasOwn(${obj}, ${k}))`;
  }

  /** JavaScript that is true when `missing` counts this key as missing (its value is null or ""). */
  private isMissing(key: string | number | boolean | null): string {
    const keys = staticPath({ kind: 'value', value: key, path: '' })!;
    const t = this.f.temp();
    const v = keys.length ? this.read(keys, 'null') : this.data();
    return `((${t} = ${v}) === null || ${t} === "")`;
  }

  private missing(n: OpNode): string {
    const keys = staticKeys(n);
    const reads = n.args[0]?.kind === 'array' ? 1 : n.args.length;
    if (keys && !this.impureExtras(n, reads)) {
      if (keys.length === 0) return '[]';
      const m = this.missingFlags(keys);
      return `(${m.set.join(', ')}, ${this.missingArray(keys, m.flags)})`;
    }
    const chosen = n.args.length === 1 && !this.refs.has(n.args[0]!) ? keyChoice(n.args[0]!) : undefined;
    if (chosen) {
      const out = this.f.temp();
      const pushes = (c: KeyChoice): string => {
        if (c.kind === 'keys') return c.keys.length ? c.keys.map((k) => `${this.isMissing(k)} && ${out}.push(${this.scalar(k)})`).join(', ') : '0';
        if (c.kind === 'all') return c.parts.length ? c.parts.map(pushes).join(', ') : '0';
        let acc = pushes(c.otherwise);
        for (let i = c.tests.length - 1; i >= 0; i--) acc = `(${this.test(c.tests[i]!)} ? (${pushes(c.then[i]!)}) : (${acc}))`;
        return acc;
      };
      return `(${out} = [], ${pushes(chosen)}, ${out})`;
    }
    return this.eager(n, Infinity, () => `${this.helper('missing')}(${this.data()}, [${this.all(n)}])`);
  }

  /** One temporary per key, true when the key counts as missing. */
  private missingFlags(keys: readonly (string | number | boolean | null)[]): { set: string[]; flags: string[] } {
    const flags = keys.map(() => this.f.temp());
    return { set: keys.map((k, i) => `${flags[i]} = ${this.isMissing(k)}`), flags };
  }

  /**
   * The array of missing keys, in order, once the flags are set. Up to three
   * keys it is an array literal of the right length for each combination (an
   * array literal costs less than growing one with push).
   */
  private missingArray(keys: readonly (string | number | boolean | null)[], flags: readonly string[]): string {
    if (keys.length <= 3) {
      const build = (i: number, chosen: string[]): string => {
        if (i === keys.length) return `[${chosen.join(', ')}]`;
        return `(${flags[i]} ? ${build(i + 1, [...chosen, this.scalar(keys[i]!)])} : ${build(i + 1, chosen)})`;
      };
      return build(0, []);
    }
    const out = this.f.temp();
    return `(${out} = [], ${keys.map((k, i) => `${flags[i]} && ${out}.push(${this.scalar(k)})`).join(', ')}, ${out})`;
  }

  /**
   * `missing_some` with its keys written in the rule: the missing ones are
   * counted inline; as a test, without building the array. json-logic-js
   * returns [] when `options.length - missing >= need`, else the missing keys.
   */
  private missingSome(n: OpNode, asTest: true): string | undefined;
  private missingSome(n: OpNode, asTest: false): string;
  private missingSome(n: OpNode, asTest: boolean): string | undefined {
    const [need, options] = n.args;
    const keys = options?.kind === 'array' && options.items.every((x) => x.kind === 'value' && x.value !== undefined)
      ? options.items.map((x) => (x as { value: string | number | boolean | null }).value) : undefined;
    if (!need || !keys || this.impureExtras(n, 2)) {
      return asTest ? undefined : this.eager(n, 2, (a) => `${this.helper('missingSome')}(${this.data()}, ${a(0)}, ${a(1)})`);
    }
    const tn = this.f.temp();
    const m = this.missingFlags(keys);
    const count = keys.length ? m.flags.map((f) => `(${f} ? 1 : 0)`).join(' + ') : '0';
    const tc = this.f.temp();
    const head = `${tn} = ${this.val(need)}, ${m.set.length ? `${m.set.join(', ')}, ` : ''}${tc} = ${count}`;
    if (asTest) return `(${head}, !(${keys.length} - ${tc} >= ${tn}) && ${tc} > 0)`;
    return `(${head}, ${keys.length} - ${tc} >= ${tn} ? [] : ${this.missingArray(keys, m.flags)})`;
  }

  // ---------- iterators ----------

  private iterate(n: OpNode): string {
    const source = n.args[0];
    const body = n.args[1] ?? UNDEF;
    const src = source ? (source.kind === 'array' ? this.readOnly(source) : this.val(source)) : '(void 0)';
    const t = this.f.temp();
    switch (n.op) {
      case 'map': return `(isArray(${t} = ${src}) ? ${t}.map(${this.bodyFn(body, 'value')}) : [])`;
      case 'filter': return `(isArray(${t} = ${src}) ? ${t}.filter(${this.bodyFn(body, 'test')}) : [])`;
      case 'reduce': {
        const init = n.args[2] ? this.val(n.args[2]) : 'null';
        const ti = this.f.temp();
        return `(${t} = ${src}, ${ti} = ${init}, isArray(${t}) ? ${t}.reduce(${this.reduceFn(body)}, ${ti}) : ${ti})`;
      }
      default: return `${this.loopFn(n.op as 'all' | 'some' | 'none', body)}(${src})`;
    }
  }

  /** Runs `emit` as the body of a new function with its own temporaries and data. */
  private inFunction(scope: Scope, body: JlNode, emit: () => string): { decl: string[]; memos: string[]; expr: string } {
    const [savedF, savedScope] = [this.f, this.scope];
    this.f = new Fn();
    this.scope = scope;
    try {
      countPaths(body, this.f, scope);
      const expr = emit();
      return { decl: this.f.tempDecl(), memos: this.f.memoDecl(), expr };
    } finally {
      this.f = savedF;
      this.scope = savedScope;
    }
  }

  private define(lines: string[]): string {
    const name = `it${this.functions.length}`;
    this.functions.push(lines.join('\n').replace('function IT(', `function ${name}(`));
    return name;
  }

  /** A callback for Array.prototype.map or filter (which, like json-logic-js, skip holes). */
  private bodyFn(body: JlNode, how: 'value' | 'test'): string {
    const { decl, memos, expr } = this.inFunction({ kind: 'plain', data: 'd' }, body, () => (how === 'value' ? this.val(body) : this.test(body)));
    return this.define(['function IT(d) {', ...[...decl, ...memos].map((l) => `  ${l}`), `  return ${expr};`, '}']);
  }

  private reduceFn(body: JlNode): string {
    const whole = needsWholeData(body);
    const scope: Scope = whole ? { kind: 'reduce', cur: 'cur', acc: 'acc', data: 'd' } : { kind: 'reduce', cur: 'cur', acc: 'acc' };
    const { decl, memos, expr } = this.inFunction(scope, body, () => this.val(body));
    const record = whole ? ['  const d = { current: cur, accumulator: acc };'] : [];
    return this.define(['function IT(acc, cur) {', ...record, ...[...decl, ...memos].map((l) => `  ${l}`), `  return ${expr};`, '}']);
  }

  /** all / some / none: json-logic-js loops by index and stops at the first answer. */
  private loopFn(op: 'all' | 'some' | 'none', body: JlNode): string {
    const { decl, memos, expr } = this.inFunction({ kind: 'plain', data: 'd' }, body, () => this.test(body));
    const [onEmpty, onHit, hit, end] = op === 'all' ? ['false', 'false', `!(${expr})`, 'true']
      : op === 'some' ? ['false', 'true', expr, 'false'] : ['true', 'false', expr, 'true'];
    return this.define([
      'function IT(s) {',
      `  if (!isArray(s) || s.length === 0) return ${onEmpty};`,
      ...decl.map((l) => `  ${l}`),
      '  for (let i = 0; i < s.length; i++) {',
      '    const d = s[i];',
      ...memos.map((l) => `    ${l}`),
      `    if (${hit}) return ${onHit};`,
      '  }',
      `  return ${end};`,
      '}',
    ]);
  }
}

const UNDEF: JlNode = { kind: 'value', value: undefined, path: '' };

/** The prototypes a JSON value can inherit from. */
const INHERITED: readonly object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
