// Stage 4 of JSON Logic (codegen.ts): reading the data. `var` reads a path
// as json-logic-js does (own properties only, null and undefined meaning
// "not found"), `missing` and `missing_some` test paths; a path read more
// than once in a function is read once into a memo (codegen-paths.ts).
import { jsString } from '../escape.ts';
import type { JlNode, OpNode } from './ast.ts';
import { K as KIND, staticKeys } from './analyze.ts';
import { keyChoice, type KeyChoice } from './choices.ts';
import { Emitter } from './codegen-emitter.ts';
import { staticPath } from './codegen-paths.ts';

export abstract class DataReads extends Emitter {
  /** The `if` operator (a path chosen among written ones is read through one). */
  protected abstract if(n: OpNode): string;

  /** The scope's data as a value (a reduce body builds {current, accumulator} for it). */
  private data(): string {
    const s = this.scope;
    if (s.kind === 'plain') return s.data;
    if (!s.data) throw new Error('internal: reduce body needs its data object but did not declare it');
    return s.data;
  }

  protected var(n: OpNode): string {
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
  protected isMissing(key: string | number | boolean | null): string {
    const keys = staticPath({ kind: 'value', value: key, path: '' })!;
    const t = this.f.temp();
    const v = keys.length ? this.read(keys, 'null') : this.data();
    return `((${t} = ${v}) === null || ${t} === "")`;
  }

  protected missing(n: OpNode): string {
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
  protected missingSome(n: OpNode, asTest: true): string | undefined;
  protected missingSome(n: OpNode, asTest: false): string;
  protected missingSome(n: OpNode, asTest: boolean): string | undefined {
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
}

/** The prototypes a JSON value can inherit from. */
const INHERITED: readonly object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
