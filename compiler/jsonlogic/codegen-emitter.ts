// Stage 4 of JSON Logic (codegen.ts): what every part of the generator
// shares. The factory being built (its constants, helpers and iterator
// functions), the function being written (its temporaries and the scope of
// its data), scalars written as code, and the order in which json-logic-js
// evaluates arguments (`eager`). Rule text reaches the source here only
// through jsString and jsNumber.
import { jsNumber, jsString } from '../escape.ts';
import type { JlNode, OpNode, Scalar } from './ast.ts';
import { literalValue, type Analysis } from './analyze.ts';
import { Fn, type Scope } from './codegen-paths.ts';

export abstract class Emitter {
  protected readonly constants: unknown[] = [];
  protected readonly prelude: string[] = [];
  protected readonly functions: string[] = [];
  private readonly shared = new Map<string, string>();
  /** Arguments already evaluated into a temporary (see `eager`). */
  protected readonly refs = new Map<JlNode, string>();
  protected f = new Fn();
  protected scope: Scope = { kind: 'plain', data: 'd' };

  constructor(protected readonly a: Analysis) {}

  /** A constant from K. Objects are never shared between positions: each position has its own identity, as in the rule. */
  protected constant(value: unknown, wrap: (k: string) => string = (k) => k, shareKey?: string): string {
    if (shareKey !== undefined && this.shared.has(shareKey)) return this.shared.get(shareKey)!;
    const name = `c${this.constants.length}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    if (shareKey !== undefined) this.shared.set(shareKey, name);
    return name;
  }

  /** A helper by name; R's helpers are read once, into the factory's scope. */
  protected helper(name: string): string {
    return this.constant(name, (k) => `R[${k}]`, `helper:${name}`);
  }

  protected scalar(v: Scalar): string {
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
  protected only(n: JlNode, mask: number): boolean {
    return (this.kinds(n) & ~mask) === 0;
  }
  protected never(n: JlNode, mask: number): boolean {
    return (this.kinds(n) & mask) === 0;
  }

  /** The node's value as JavaScript. */
  abstract val(n: JlNode): string;
  /** JavaScript whose truthiness is the node's JSON Logic truthiness. */
  abstract test(n: JlNode): string;

  /**
   * An array argument that is only read (iterated, searched, joined, converted),
   * never returned or compared by identity: a literal one may be a shared constant.
   */
  protected readOnly(n: JlNode): string {
    const lit = literalValue(n);
    if (n.kind === 'array' && lit && n.items.every((x) => x.kind === 'value')) {
      return this.constant(Object.freeze(lit.value), undefined, `ro:${JSON.stringify(lit.value)}`);
    }
    return this.val(n);
  }

  /** Whether any argument from `from` on (evaluated by json-logic-js, ignored by the operator) could throw or print. */
  protected impureExtras(n: OpNode, from: number): boolean {
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
  protected eager(n: OpNode, reads: number, build: (arg: (i: number) => string) => string): string {
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

  /** Every argument's code, comma-separated. */
  protected all(n: OpNode): string {
    return n.args.map((x) => this.val(x)).join(', ');
  }
}

export const UNDEF: JlNode = { kind: 'value', value: undefined, path: '' };
