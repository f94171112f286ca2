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
// when `a` is never an array.
//
// The generator is one class in layers, a file each: codegen-emitter.ts (what
// every part shares: constants, temporaries, argument order), codegen-data.ts
// (var, missing, missing_some), codegen-iterators.ts (map, filter, reduce,
// all, some, none), and here the values and the other operators.
import type { GeneratedCode } from '../codegen.ts';
import { jsString } from '../escape.ts';
import type { JlNode, OpNode, Scalar } from './ast.ts';
import { K as KIND, literalValue, staticKeys, type Analysis } from './analyze.ts';
import { UNDEF } from './codegen-emitter.ts';
import { Iterators } from './codegen-iterators.ts';
import { countPaths } from './codegen-paths.ts';
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

class Generator extends Iterators {
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


  override val(n: JlNode): string {
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

  /** JavaScript whose truthiness is the node's JSON Logic truthiness. */
  override test(n: JlNode): string {
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

  protected override if(n: OpNode): string {
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
}
