// Stage 5: the optimized pack becomes the source of one JavaScript factory
// `(K, R) => ({ decide, explain, loadEntity })`. K holds the constants (JSON
// data), R the runtime helpers. The event fields a pack reads are checked
// once and kept in locals (`f3`); entity rows live in generated classes with
// slot names (`.f2`); names from rule text never become identifiers, and every
// literal goes through escape.ts.
import { TIME_FIELD } from './check/context.ts';
import { inheritedName, jsNumber, jsString } from './escape.ts';
import { FUNCTIONS } from './functions.ts';
import type { AggregateSpec, CheckedPack, EntityInfo, FieldInfo, IR, Value } from './ir.ts';
import { children } from './optimize/fold.ts';
import { planDispatch } from './optimize/dispatch.ts';
import { printIR } from './print.ts';

export interface GeneratedCode {
  /** Body of `new Function('K', 'R', source)`. */
  readonly source: string;
  /** JSON-serializable constants, referenced from the source as K[i]. */
  readonly constants: readonly unknown[];
}

export const FUNCTION_ORDER: readonly string[] = [...FUNCTIONS.keys()];
const FN_INDEX = new Map(FUNCTION_ORDER.map((n, i) => [n, i]));
const SMALL_SET = 6;

export function generate(pack: CheckedPack): GeneratedCode {
  return new Generator(pack).run();
}

type Ctx = 'T' | 'F' | 'V';

/**
 * One generated function's state. Predicates and shared sub-expressions are
 * local variables filled on first use; a first pass records how each is used
 * (tested for true, for false, or as a value) so the second can store only
 * what is needed — a plain boolean when it is only ever tested for true.
 */
class Scope {
  temps = 0;
  used = new Map<string, Set<Ctx>>();
  repr = new Map<string, Ctx>();
  constructor(readonly dry: boolean) {}
  use(key: string, ctx: Ctx): void {
    let s = this.used.get(key);
    if (!s) this.used.set(key, (s = new Set()));
    s.add(ctx);
  }
}

class Generator {
  private readonly constants: unknown[] = [];
  private readonly prelude: string[] = [];
  private readonly constIndex = new Map<string, string>();
  private readonly eventSlots = new Map<string, string>();
  private readonly entitySlots = new Map<string, { index: number; slots: Map<string, string> }>();
  private readonly predIndex = new Map<string, number>();
  private readonly sharedBodies = new Map<number, IR>();
  private scope = new Scope(false);

  constructor(private readonly pack: CheckedPack) {
    pack.eventFields.forEach((f, i) => this.eventSlots.set(f, `f${i}`));
    [...pack.schema.entities.values()].forEach((e, i) =>
      this.entitySlots.set(e.name, { index: i, slots: new Map([...e.fields.keys()].map((f, j) => [f, `f${j}`])) }));
    [...pack.predicates.keys()].forEach((p, i) => this.predIndex.set(p, i));
    const collect = (e: IR): void => {
      if (e.k === 'shared' && !this.sharedBodies.has(e.slot)) this.sharedBodies.set(e.slot, e.x);
      children(e).forEach(collect);
    };
    pack.rules.forEach((r) => collect(r.condition));
    pack.predicates.forEach((d) => collect(d.body));
  }

  /** A constant from K, as a prelude variable; `wrap` rebuilds Sets and RegExps. */
  private constant(value: unknown, wrap: (k: string) => string = (k) => k): string {
    const key = JSON.stringify([value, wrap('#')]);
    const known = this.constIndex.get(key);
    if (known) return known;
    const name = `c${this.constIndex.size}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    this.constIndex.set(key, name);
    return name;
  }

  private temp(): string {
    return `t${this.scope.temps++}`;
  }

  /**
   * Emits a function twice: a dry run to learn how memos are used, then the
   * real body with each memo's representation chosen.
   */
  private fn(header: string, body: () => string[], specialize: boolean): string {
    const saved = this.scope;
    // Iterate: a memo filled as a plain boolean uses its own parts in fewer ways.
    let repr = new Map<string, Ctx>();
    for (let round = 0; round < 4; round++) {
      const dry = new Scope(true);
      dry.repr = repr;
      this.scope = dry;
      body();
      const next = new Map<string, Ctx>();
      for (const [k, ctxs] of dry.used) next.set(k, specialize && ctxs.size === 1 && !ctxs.has('V') ? [...ctxs][0]! : 'V');
      const stable = next.size === repr.size && [...next].every(([k, c]) => repr.get(k) === c);
      repr = next;
      if (stable) break;
    }
    const real = new Scope(false);
    real.repr = repr;
    this.scope = real;
    const lines = body();
    this.scope = saved;
    const memos = [...real.repr.keys()].map((k) => `${k} = U`);
    const decl = [
      ...(real.temps > 0 ? [`let ${Array.from({ length: real.temps }, (_, i) => `t${i}`).join(', ')};`] : []),
      ...(memos.length ? [`let ${memos.join(', ')};`] : []),
    ];
    return [`${header} {`, ...[...this.reads(), ...decl, ...lines].map((l) => `  ${l}`), '}'].join('\n');
  }

  /** Checks and reads the event fields the pack uses, in schema order. */
  private reads(): string[] {
    const lines = [this.ownOnly('src'), 'let v;'];
    for (const name of this.pack.eventFields) {
      const f = this.pack.schema.event.fields.get(name)!;
      lines.push(`v = ${this.readProp('src', f.name)};`);
      lines.push(`const ${this.eventSlots.get(name)} = ${this.check(f, 'event')};`);
    }
    return lines;
  }

  /** `v` holds `src[name]`, read from an object with nothing to inherit (see `ownOnly`). */
  private check(f: FieldInfo, prefix: string): string {
    const path = jsString(`${prefix}.${f.name}`);
    const missing = f.required ? `R.required(${path})` : 'undefined';
    const fast = this.fastCheck(f);
    return `v === undefined || v === null ? ${missing} : ${fast ? `${fast} ? v : ` : ''}R.coerce(${this.constant(f.type)}, v, ${path})`;
  }

  /**
   * Only own properties count, as in the interpreter. Checking each read would
   * cost as much as the rules; instead, an object that could inherit a field —
   * a prototype other than Object.prototype, or an Object.prototype someone
   * has added properties to — is first copied into a null-prototype record.
   */
  private ownOnly(src: string): string {
    return `if (Object.getPrototypeOf(${src}) === Object.prototype ? R.polluted() : Object.getPrototypeOf(${src}) !== null) ${src} = R.ownCopy(${src});`;
  }

  run(): GeneratedCode {
    const p = this.pack;
    const ents = [...p.schema.entities.values()];
    const parts: string[] = [];
    ents.forEach((e, i) => parts.push(this.recordClass(`En${i}`, e), this.entityLoader(`loadE${i}`, `En${i}`, e)));
    const memoFields = [...ents.map((_, i) => `e${i}`), ...p.aggregates.map((a) => `a${a.id}`)];
    parts.push(`function Memo() {${memoFields.map((f) => ` this.${f} = U;`).join('')} }`);
    parts.push(this.fn('function decide(src, P)', () => {
      const lines = ['const M = new Memo();', 'const fired = [];', 'let score = 0;'];
      const rule = (i: number, indent = ''): string[] => {
        const r = p.rules[i]!;
        const guards: string[] = [];
        const now = this.now();
        if (r.effectiveFrom !== undefined) guards.push(`${now} >= ${jsNumber(r.effectiveFrom)}`);
        if (r.effectiveUntil !== undefined) guards.push(`${now} < ${jsNumber(r.effectiveUntil)}`);
        guards.push(this.tru(r.condition));
        const action = [`fired.push(${r.index});`];
        return [`${indent}// rule #${r.index}`, `${indent}if (${guards.join(' && ')}) { ${action.join(' ')} }`];
      };
      const enabled = p.rules.filter((r) => r.enabled).map((r) => r.index);
      const plan = planDispatch(p);
      if (!plan) {
        for (const i of enabled) lines.push(...rule(i));
      } else {
        // Rules that cannot fire for this value of the field are never tested.
        for (const i of plan.always) lines.push(...rule(i));
        lines.push(`switch (${this.eventSlots.get(plan.field)}) {`);
        for (const [value, rules] of plan.cases) {
          lines.push(`  case ${this.lit(value)}:`, ...rules.flatMap((i) => rule(i, '    ')), '    break;');
        }
        lines.push('}', 'if (fired.length > 1) fired.sort((a, b) => a - b);');
      }
      // Added in rule order, as the interpreter does: fractional scores round the same way.
      if (p.rules.some((r) => r.score)) {
        const scores = this.constant(p.rules.map((r) => r.score));
        lines.push(`for (let i = 0; i < fired.length; i++) score += ${scores}[fired[i]];`);
      }
      lines.push('return { fired, score, memo: M };');
      return lines;
    }, true));
    parts.push(this.fn('function explain(i, src, P, M)', () => {
      const lines = ['switch (i) {'];
      for (const r of p.rules) {
        const values = [...r.leaves, ...templateExprs(r.message.zh), ...templateExprs(r.message.en)].map((x) => this.val(x));
        lines.push(`  case ${r.index}: return [${values.join(', ')}];`);
      }
      lines.push('}', 'return [];');
      return lines;
    }, false));
    const source = [
      '"use strict";',
      'const U = R.UNSET;',
      ...this.prelude,
      ...parts,
      `return { decide, explain, loadEntity: [${ents.map((_, i) => `loadE${i}`).join(', ')}] };`,
    ].join('\n');
    return { source, constants: this.constants };
  }

  private now(): string {
    return this.eventSlots.get(TIME_FIELD)!;
  }

  private recordClass(name: string, e: EntityInfo): string {
    return `function ${name}() {${[...e.fields.keys()].map((_, i) => ` this.f${i} = undefined;`).join('')} }`;
  }

  /** An entity row is checked whole when it is first read, and copied into its slots. */
  private entityLoader(name: string, cls: string, e: EntityInfo): string {
    const lines = [`function ${name}(src) {`, `  ${this.ownOnly('src')}`, `  const o = new ${cls}();`, '  let v;'];
    [...e.fields.values()].forEach((f, i) => {
      lines.push(`  v = ${this.readProp('src', f.name)};`, `  o.f${i} = ${this.check(f, e.name)};`);
    });
    lines.push('  return o;', '}');
    return lines.join('\n');
  }

  private fastCheck(f: FieldInfo): string | undefined {
    switch (f.type.t) {
      case 'string': return 'typeof v === "string"';
      case 'bool': return 'typeof v === "boolean"';
      case 'number': return '(typeof v === "number" && v - v === 0)';
      case 'integer': case 'money': case 'duration': case 'timestamp': return 'Number.isSafeInteger(v)';
      case 'enum': {
        const m = f.type.members;
        return m.length <= SMALL_SET
          ? `(${m.map((x) => `v === ${jsString(x)}`).join(' || ')})`
          : `(typeof v === "string" && ${this.constant(m, (k) => `new Set(${k})`)}.has(v))`;
      }
      default: return undefined;
    }
  }

  private readProp(obj: string, name: string): string {
    return inheritedName(name) ? `R.own(${obj}, ${jsString(name)})` : `${obj}[${jsString(name)}]`;
  }

  private entity(name: string): string {
    const ent = this.entitySlots.get(name)!;
    const info = this.pack.schema.entities.get(name)!;
    const key = this.eventSlots.get(info.key) ?? 'undefined';
    return `(M.e${ent.index} === U ? (M.e${ent.index} = R.entity(P, ${jsString(name)}, ${key}, loadE${ent.index})) : M.e${ent.index})`;
  }

  private aggregate(a: AggregateSpec): string {
    const spec = this.constant({ ...a, filter: undefined, span: undefined });
    const by = a.by ? this.eventSlots.get(a.by)! : 'undefined';
    // The filter reads history fields from `h`; a fresh scope keeps its temporaries apart.
    let filter = 'undefined';
    if (a.filter) {
      const saved = this.scope;
      const inner = new Scope(saved.dry);
      inner.used = saved.used;
      inner.repr = saved.repr;
      inner.temps = 0;
      this.scope = inner;
      const test = this.tru(a.filter, true);
      const temps = inner.temps;
      this.scope = saved;
      filter = temps ? `(h) => { let ${Array.from({ length: temps }, (_, i) => `t${i}`).join(', ')}; return ${test}; }` : `(h) => ${test}`;
    }
    let current = 'undefined';
    if (a.includeCurrent) {
      const names = [...this.pack.eventFields];
      current = `R.record(${this.constant(names)}, [${names.map((n) => this.eventSlots.get(n)).join(', ')}])`;
    }
    return `(M.a${a.id} === U ? (M.a${a.id} = R.agg(P, ${spec}, ${this.now()}, ${by}, ${filter}, ${current})) : M.a${a.id})`;
  }

  /** A predicate or shared sub-expression: a local filled on first use. */
  private memo(key: string, body: IR, ctx: Ctx): string {
    this.scope.use(key, ctx);
    const repr = this.scope.repr.get(key) ?? 'V';
    const fill = repr === 'T' ? this.tru(body) : repr === 'F' ? this.fal(body) : this.val(body);
    const read = `(${key} === U ? (${key} = ${fill}) : ${key})`;
    if (repr === ctx) return read;
    if (ctx === 'V') return read; // repr is V whenever a value is needed
    return `(${read} === ${ctx === 'T'})`;
  }

  // ---------- expressions ----------
  private lit(v: Value): string {
    if (v === undefined) return 'undefined';
    if (typeof v === 'number') return jsNumber(v);
    if (typeof v === 'string') return jsString(v);
    if (typeof v === 'boolean') return String(v);
    return this.constant(v);
  }

  /** Cheap and side-effect free: may be repeated instead of kept in a temporary. */
  private simple(e: IR): boolean {
    return e.k === 'lit' || e.k === 'now' || (e.k === 'field' && e.entity === 'event');
  }

  private present(e: IR): boolean {
    return (e.k === 'lit' && e.value !== undefined) || e.k === 'now' ||
      (e.k === 'field' && e.entity === 'event' && !!this.pack.schema.event.fields.get(e.field)?.required);
  }

  private once(e: IR, inFilter: boolean): { first: string; again: string } {
    const v = this.val(e, inFilter);
    if (this.simple(e)) return { first: v, again: v };
    const t = this.temp();
    return { first: `(${t} = ${v})`, again: t };
  }

  val(e: IR, inFilter = false): string {
    const v = (x: IR) => this.val(x, inFilter);
    switch (e.k) {
      case 'lit': return this.lit(e.value);
      case 'now': return this.now();
      case 'field': {
        if (e.entity === 'event') return this.eventSlots.get(e.field)!;
        return `${this.entity(e.entity)}?.${this.entitySlots.get(e.entity)!.slots.get(e.field)}`;
      }
      case 'hfield': return `R.hist(h, ${jsString(e.field)}, ${this.constant(e.type)})`;
      case 'agg': return this.aggregate(this.pack.aggregates[e.id]!);
      case 'pred': return this.memo(`p${this.predIndex.get(e.name)}`, this.pack.predicates.get(e.name)!.body, 'V');
      case 'shared': return this.memo(`s${e.slot}`, this.sharedBodies.get(e.slot) ?? e.x, 'V');
      case 'neg': return `R.neg(${v(e.x)})`;
      case 'arith': return `R.${({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'rem' } as const)[e.op]}(${v(e.l)}, ${v(e.r)})`;
      case 'coalesce': {
        const t = this.temp();
        return `((${t} = ${v(e.l)}) !== undefined ? ${t} : ${v(e.r)})`;
      }
      case 'call': return this.call(e, inFilter);
      case 'in':
        if (e.set.kind === 'items' || e.set.kind === 'expr') {
          const set = e.set.kind === 'items' ? `[${e.set.xs.map(v).join(', ')}]` : v(e.set.x);
          return `R.${e.negated ? 'notIn' : 'in'}(${v(e.x)}, ${set})`;
        }
        return this.boolVal(e, inFilter);
      default:
        return this.boolVal(e, inFilter);
    }
  }

  /** Built-ins are called directly; a missing argument makes the call missing. */
  private call(e: Extract<IR, { k: 'call' }>, inFilter: boolean): string {
    const def = FUNCTIONS.get(e.fn)!;
    const fn = this.constant(FN_INDEX.get(e.fn), (k) => `R.impl[${k}]`);
    const checks: string[] = [];
    const args = e.args.map((a, i) => {
      if (def.constPattern && i === 1) return this.constant((a as { value: string }).value, (k) => `R.regex(${k})`);
      if (this.present(a)) return this.val(a, inFilter);
      const x = this.once(a, inFilter);
      checks.push(`${x.first} === undefined`);
      return x.again;
    });
    if (def.usesNow) args.unshift(this.now());
    if (def.usesCalendar) args.unshift('R.calendar(P)');
    const callText = `${fn}(${args.join(', ')})`;
    return checks.length ? `(${checks.join(' || ')} ? undefined : ${callText})` : callText;
  }

  private boolVal(e: IR, inFilter: boolean): string {
    return `(${this.tru(e, inFilter)} ? true : ${this.fal(e, inFilter)} ? false : undefined)`;
  }

  /** JS that is true exactly when the expression is true (not false, not missing). */
  tru(e: IR, inFilter = false): string {
    return this.test(e, true, inFilter);
  }
  /** JS that is true exactly when the expression is false. */
  fal(e: IR, inFilter = false): string {
    return this.test(e, false, inFilter);
  }

  private test(e: IR, want: boolean, inFilter: boolean): string {
    const t = (x: IR, w: boolean) => this.test(x, w, inFilter);
    switch (e.k) {
      case 'lit': return String(e.value === want);
      case 'not': return t(e.x, !want);
      case 'and': case 'or': {
        const join = (e.k === 'and') === want ? ' && ' : ' || ';
        return `(${e.xs.map((x) => t(x, want)).join(join)})`;
      }
      case 'isMissing': return `(${this.val(e.x, inFilter)} ${e.negated === want ? '!==' : '==='} undefined)`;
      case 'cmp': return this.cmp(e, want, inFilter);
      case 'between': {
        const x = this.once(e.x, inFilter);
        const lo = this.val(e.lo, inFilter);
        const hi = this.val(e.hi, inFilter);
        return want ? `(${x.first} >= ${lo} && ${x.again} <= ${hi})` : `(${x.first} < ${lo} || ${x.again} > ${hi})`;
      }
      case 'in': return this.inTest(e, want, inFilter);
      case 'pred': return this.memo(`p${this.predIndex.get(e.name)}`, this.pack.predicates.get(e.name)!.body, want ? 'T' : 'F');
      case 'shared': return this.memo(`s${e.slot}`, this.sharedBodies.get(e.slot) ?? e.x, want ? 'T' : 'F');
      default: return `(${this.val(e, inFilter)} === ${want})`;
    }
  }

  private cmp(e: Extract<IR, { k: 'cmp' }>, want: boolean, inFilter: boolean): string {
    let op = e.op;
    if (!want) op = ({ '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const)[op];
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      // A missing operand is undefined, and every ordering test on undefined is false.
      return `(${this.val(e.l, inFilter)} ${op} ${this.val(e.r, inFilter)})`;
    }
    const lp = this.present(e.l);
    const rp = this.present(e.r);
    if (op === '==') {
      if (lp || rp) return `(${this.val(e.l, inFilter)} === ${this.val(e.r, inFilter)})`;
      const l = this.once(e.l, inFilter);
      return `(${l.first} === ${this.val(e.r, inFilter)} && ${l.again} !== undefined)`;
    }
    const l = this.once(e.l, inFilter);
    const r = this.once(e.r, inFilter);
    const guards = [...(lp ? [] : [`${l.first} !== undefined`]), ...(rp ? [] : [`${r.first} !== undefined`])];
    const lv = lp ? l.first : l.again;
    const rv = rp ? r.first : r.again;
    return `(${[...guards, `${lv} !== ${rv}`].join(' && ')})`;
  }

  private inTest(e: Extract<IR, { k: 'in' }>, want: boolean, inFilter: boolean): string {
    const member = want !== e.negated; // true: "x is in the set"
    const set = e.set;
    if (set.kind === 'items' || set.kind === 'expr') return `(${this.val(e, inFilter)} === ${want})`;
    const x = this.once(e.x, inFilter);
    const present = this.present(e.x);
    const guard = present ? [] : [`${x.first} !== undefined`];
    const xv = present ? x.first : x.again;
    if (set.kind === 'external') {
      const has = `R.listHas(P, ${jsString(set.list)}, ${xv}, ${this.now()})`;
      return `(${[...guard, `${member ? '' : '!'}${has}`].join(' && ')})`;
    }
    const values = set.values;
    if (values.length <= SMALL_SET) {
      if (member) return values.length === 0 ? 'false' : `(${values.map((m, i) => `${i === 0 ? x.first : x.again} === ${this.lit(m)}`).join(' || ')})`;
      const tests = [...guard, ...values.map((m) => `${xv} !== ${this.lit(m)}`)];
      return tests.length ? `(${tests.join(' && ')})` : 'true';
    }
    const s = this.constant(values, (k) => `new Set(${k})`);
    return member ? `${s}.has(${x.first})` : `(${[...guard, `!${s}.has(${xv})`].join(' && ')})`;
  }
}

function templateExprs(t: readonly { expr?: IR }[] | undefined): IR[] {
  return (t ?? []).flatMap((p) => (p.expr ? [p.expr] : []));
}

export { printIR };
