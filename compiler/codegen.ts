// Stage 5: the optimized pack becomes the source of one JavaScript factory
// `(K, R) => ({ load, loadEntity, decide, explain })`. K holds the constants
// (JSON data), R the runtime helpers. Features live in generated slots
// (`ev.f3`), never under the names the rules use, and every literal goes
// through escape.ts.
import { FUNCTIONS } from './functions.ts';
import type { AggregateSpec, CheckedPack, EntityInfo, FieldInfo, IR, Value } from './ir.ts';
import { TIME_FIELD } from './check/context.ts';
import { inheritedName, jsNumber, jsString } from './escape.ts';
import { printIR } from './print.ts';
import { children } from './optimize/fold.ts';

export interface GeneratedCode {
  /** Body of `new Function('K', 'R', source)`. */
  readonly source: string;
  /** JSON-serializable constants, referenced from the source as K[i]. */
  readonly constants: readonly unknown[];
}

const FN_INDEX = new Map([...FUNCTIONS.keys()].map((n, i) => [n, i]));
export const FUNCTION_ORDER: readonly string[] = [...FUNCTIONS.keys()];
const SMALL_SET = 6;

export function generate(pack: CheckedPack): GeneratedCode {
  return new Generator(pack).run();
}

class Generator {
  private readonly constants: unknown[] = [];
  private readonly prelude: string[] = [];
  private readonly constIndex = new Map<string, string>();
  private readonly eventSlots = new Map<string, string>();
  private readonly entitySlots = new Map<string, { index: number; slots: Map<string, string> }>();
  private readonly predIndex = new Map<string, number>();
  private temps = 0;

  constructor(private readonly pack: CheckedPack) {
    [...pack.schema.event.fields.keys()].forEach((f, i) => this.eventSlots.set(f, `f${i}`));
    [...pack.schema.entities.values()].forEach((e, i) =>
      this.entitySlots.set(e.name, { index: i, slots: new Map([...e.fields.keys()].map((f, j) => [f, `f${j}`])) }));
    [...pack.predicates.keys()].forEach((p, i) => this.predIndex.set(p, i));
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
    return `t${this.temps++}`;
  }

  /** Wraps a function body, declaring the temporaries it used. */
  private fn(header: string, body: () => string[]): string {
    const saved = this.temps;
    this.temps = 0;
    const lines = body();
    const decl = this.temps > 0 ? [`  let ${Array.from({ length: this.temps }, (_, i) => `t${i}`).join(', ')};`] : [];
    this.temps = saved;
    return [`${header} {`, ...decl, ...lines.map((l) => `  ${l}`), '}'].join('\n');
  }

  run(): GeneratedCode {
    const p = this.pack;
    const ents = [...p.schema.entities.values()];
    const parts: string[] = [];
    parts.push(this.recordClass('Ev', p.schema.event), this.loader('load', 'Ev', p.schema.event, 'event'));
    ents.forEach((e, i) => parts.push(this.recordClass(`En${i}`, e), this.loader(`loadE${i}`, `En${i}`, e, e.name)));
    const memoFields = [
      ...ents.map((_, i) => `e${i}`), ...p.aggregates.map((a) => `a${a.id}`),
      ...[...p.predicates.keys()].map((_, i) => `p${i}`), ...Array.from({ length: p.sharedSlots }, (_, i) => `s${i}`),
    ];
    parts.push(`function Memo() {${memoFields.map((f) => ` this.${f} = U;`).join('')} }`);
    ents.forEach((e, i) => {
      const key = this.eventSlots.get(e.key);
      parts.push(this.fn(`function E${i}(ev, P, M)`, () => [
        `let r = M.e${i};`,
        `if (r === U) r = M.e${i} = R.entity(P, ${jsString(e.name)}, ${key ? `ev.${key}` : 'undefined'}, loadE${i});`,
        'return r;',
      ]));
    });
    for (const [name, info] of p.predicates) {
      const i = this.predIndex.get(name)!;
      parts.push(this.fn(`function P${i}(ev, P, M)`, () => [`let v = M.p${i};`, `if (v === U) v = M.p${i} = ${this.val(info.body)};`, 'return v;']));
    }
    this.sharedBodies(p, parts);
    for (const a of p.aggregates) parts.push(...this.aggregate(a));
    parts.push(this.fn('function decide(ev, P)', () => {
      const lines = ['const M = new Memo();', 'const fired = [];', 'let score = 0;'];
      for (const r of p.rules) {
        if (!r.enabled) continue;
        const guards: string[] = [];
        const now = `ev.${this.eventSlots.get(TIME_FIELD)}`;
        if (r.effectiveFrom !== undefined) guards.push(`${now} >= ${jsNumber(r.effectiveFrom)}`);
        if (r.effectiveUntil !== undefined) guards.push(`${now} < ${jsNumber(r.effectiveUntil)}`);
        guards.push(this.tru(r.condition));
        const action = [`fired.push(${r.index});`, ...(r.score ? [`score += ${jsNumber(r.score)};`] : [])];
        lines.push(`// rule #${r.index}`, `if (${guards.join(' && ')}) { ${action.join(' ')} }`);
      }
      lines.push('return { fired, score, memo: M };');
      return lines;
    }));
    parts.push(this.fn('function explain(i, ev, P, M)', () => {
      const lines = ['switch (i) {'];
      for (const r of p.rules) {
        const values = [...r.leaves, ...templateExprs(r.message.zh), ...templateExprs(r.message.en)].map((x) => this.val(x));
        lines.push(`  case ${r.index}: return [${values.join(', ')}];`);
      }
      lines.push('}', 'return [];');
      return lines;
    }));
    const entityLoaders = ents.map((_, i) => `loadE${i}`).join(', ');
    const source = [
      '"use strict";',
      'const U = R.UNSET;',
      ...this.prelude,
      ...parts,
      `return { load, loadEntity: [${entityLoaders}], decide, explain };`,
    ].join('\n');
    return { source, constants: this.constants };
  }

  private sharedBodies(p: CheckedPack, parts: string[]): void {
    const bodies = new Map<number, IR>();
    const collect = (e: IR): void => {
      if (e.k === 'shared' && !bodies.has(e.slot)) bodies.set(e.slot, e.x);
      children(e).forEach(collect);
    };
    p.rules.forEach((r) => collect(r.condition));
    p.predicates.forEach((d) => collect(d.body));
    for (const [slot, x] of [...bodies].sort((a, b) => a[0] - b[0])) {
      parts.push(this.fn(`function S${slot}(ev, P, M)`, () => [`let v = M.s${slot};`, `if (v === U) v = M.s${slot} = ${this.val(x)};`, 'return v;']));
    }
  }

  private recordClass(name: string, e: EntityInfo): string {
    const slots = [...e.fields.keys()].map((_, i) => ` this.f${i} = undefined;`).join('');
    return `function ${name}() {${slots} }`;
  }

  /** Validates and copies a record into its slots: fast checks inline, R.coerce for everything else. */
  private loader(name: string, cls: string, e: EntityInfo, prefix: string): string {
    return this.fn(`function ${name}(src)`, () => {
      const lines = [`const o = new ${cls}();`, 'let v;'];
      [...e.fields.values()].forEach((f, i) => {
        const path = jsString(`${prefix}.${f.name}`);
        lines.push(`v = ${this.readProp('src', f.name)};`);
        const missing = f.required ? `R.required(${path})` : 'undefined';
        const fast = this.fastCheck(f);
        const type = this.constant(f.type);
        lines.push(`o.f${i} = v === undefined || v === null ? ${missing} : ${fast ? `${fast} ? v : ` : ''}R.coerce(${type}, v, ${path});`);
      });
      lines.push('return o;');
      return lines;
    });
  }

  private fastCheck(f: FieldInfo): string | undefined {
    switch (f.type.t) {
      case 'string': return 'typeof v === "string"';
      case 'bool': return 'typeof v === "boolean"';
      case 'number': return '(typeof v === "number" && v - v === 0)';
      case 'integer': case 'money': case 'duration': case 'timestamp': return 'Number.isSafeInteger(v)';
      case 'enum': return `(typeof v === "string" && ${this.constant(f.type.members, (k) => `new Set(${k})`)}.has(v))`;
      default: return undefined;
    }
  }

  private readProp(obj: string, name: string): string {
    return inheritedName(name) ? `R.own(${obj}, ${jsString(name)})` : `${obj}[${jsString(name)}]`;
  }

  private aggregate(a: AggregateSpec): string[] {
    const out: string[] = [];
    const spec = this.constant({ ...a, filter: undefined, span: undefined });
    const by = a.by ? `ev.${this.eventSlots.get(a.by)}` : 'undefined';
    let filter = 'undefined';
    if (a.filter) {
      out.push(this.fn(`function F${a.id}(h, ev, P, M)`, () => [`return ${this.tru(a.filter!, true)};`]));
      filter = `(h) => F${a.id}(h, ev, P, M)`;
    }
    let current = 'undefined';
    if (a.includeCurrent) {
      const names = [...this.pack.schema.event.fields.keys()];
      current = `R.record(${this.constant(names)}, [${names.map((n) => `ev.${this.eventSlots.get(n)}`).join(', ')}])`;
    }
    const now = `ev.${this.eventSlots.get(TIME_FIELD)}`;
    out.push(this.fn(`function A${a.id}(ev, P, M)`, () => [
      `let v = M.a${a.id};`,
      `if (v === U) v = M.a${a.id} = R.agg(P, ${spec}, ${now}, ${by}, ${filter}, ${current});`,
      'return v;',
    ]));
    return out;
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
      case 'now': return `ev.${this.eventSlots.get(TIME_FIELD)}`;
      case 'field': {
        if (e.entity === 'event') return `ev.${this.eventSlots.get(e.field)}`;
        const ent = this.entitySlots.get(e.entity)!;
        return `E${ent.index}(ev, P, M)?.${ent.slots.get(e.field)}`;
      }
      case 'hfield': return `(${this.readProp('h', e.field)} ?? undefined)`;
      case 'agg': return `A${e.id}(ev, P, M)`;
      case 'pred': return `P${this.predIndex.get(e.name)}(ev, P, M)`;
      case 'shared': return `S${e.slot}(ev, P, M)`;
      case 'neg': return `R.neg(${v(e.x)})`;
      case 'arith': return `R.${({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'rem' } as const)[e.op]}(${v(e.l)}, ${v(e.r)})`;
      case 'coalesce': {
        const t = this.temp();
        return `((${t} = ${v(e.l)}) !== undefined ? ${t} : ${v(e.r)})`;
      }
      case 'call': {
        const fn = FUNCTIONS.get(e.fn)!;
        const args = e.args.map((a, i) => (fn.constPattern && i === 1 ? this.constant((a as { value: string }).value, (k) => `R.regex(${k})`) : v(a)));
        if (fn.usesNow) args.unshift(`ev.${this.eventSlots.get(TIME_FIELD)}`);
        return `R.fn[${FN_INDEX.get(e.fn)}](${args.join(', ')})`;
      }
      case 'in':
        if (e.set.kind === 'items' || e.set.kind === 'expr') {
          const x = v(e.x);
          const set = e.set.kind === 'items' ? `[${e.set.xs.map(v).join(', ')}]` : v(e.set.x);
          return `R.${e.negated ? 'notIn' : 'in'}(${x}, ${set})`;
        }
        return this.boolVal(e, inFilter);
      default:
        return this.boolVal(e, inFilter);
    }
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
      default: return `(${this.val(e, inFilter)} === ${want})`;
    }
  }

  private cmp(e: Extract<IR, { k: 'cmp' }>, want: boolean, inFilter: boolean): string {
    let op = e.op;
    if (!want) op = ({ '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const)[op];
    const present = (x: IR) => x.k === 'lit' && x.value !== undefined;
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      // A missing operand is undefined, and every ordering test on undefined is false.
      return `(${this.val(e.l, inFilter)} ${op} ${this.val(e.r, inFilter)})`;
    }
    if (op === '==') {
      if (present(e.l) || present(e.r)) return `(${this.val(e.l, inFilter)} === ${this.val(e.r, inFilter)})`;
      const l = this.once(e.l, inFilter);
      return `(${l.first} === ${this.val(e.r, inFilter)} && ${l.again} !== undefined)`;
    }
    const l = this.once(e.l, inFilter);
    const r = this.once(e.r, inFilter);
    return `(${l.first} !== undefined && ${r.first} !== undefined && ${l.again} !== ${r.again})`;
  }

  private inTest(e: Extract<IR, { k: 'in' }>, want: boolean, inFilter: boolean): string {
    const member = want !== e.negated; // true: "x is in the set"
    const set = e.set;
    if (set.kind === 'items' || set.kind === 'expr') return `(${this.val(e, inFilter)} === ${want})`;
    const x = this.once(e.x, inFilter);
    if (set.kind === 'external') {
      const has = `R.listHas(P, ${jsString(set.list)}, ${x.again}, ev.${this.eventSlots.get(TIME_FIELD)})`;
      return `(${x.first} !== undefined && ${member ? '' : '!'}${has})`;
    }
    const values = set.values;
    if (values.length <= SMALL_SET) {
      if (member) return values.length === 0 ? 'false' : `(${values.map((m, i) => `${i === 0 ? x.first : x.again} === ${this.lit(m)}`).join(' || ')})`;
      return `(${[`${x.first} !== undefined`, ...values.map((m) => `${x.again} !== ${this.lit(m)}`)].join(' && ')})`;
    }
    const s = this.constant(values, (k) => `new Set(${k})`);
    return member ? `${s}.has(${x.first})` : `(${x.first} !== undefined && !${s}.has(${x.again}))`;
  }
}

function templateExprs(t: readonly { expr?: IR }[] | undefined): IR[] {
  return (t ?? []).flatMap((p) => (p.expr ? [p.expr] : []));
}

export { printIR };
