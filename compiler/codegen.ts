// Stage 5: the optimized pack becomes the source of one JavaScript factory
// `(K, R) => ({ decide, explain, loadEntity })`. K holds the constants (JSON
// data), R the runtime helpers. The event fields a pack reads are checked
// once and kept in locals (`f3`); entity rows live in generated classes with
// slot names (`.f2`) (codegen-records.ts); names from rule text never become
// identifiers, and every literal goes through escape.ts. Rules run as the
// dispatch plan says (optimize/dispatch.ts), laid out in functions by
// codegen-layout.ts; decide() has a copy per value of the plan's first switch.
import { TIME_FIELD } from './check/context.ts';
import { jsComment, jsNumber, jsString } from './escape.ts';
import { FUNCTIONS } from './functions.ts';
import type { AggregateSpec, CheckedPack, CheckedRule, IR, Value } from './ir.ts';
import { children } from './optimize/fold.ts';
import { planDispatch, type DispatchNode, type DispatchOptions } from './optimize/dispatch.ts';
import { Specializer } from './optimize/specialize.ts';
import { Records } from './codegen-records.ts';
import { knowing, Layout, NOTHING_KNOWN, type Emit, type GroupFn, type KnownAt } from './codegen-layout.ts';
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
/**
 * A switch with more cases than this finds its case through a Map. Up to it,
 * V8's compare chain beats hashing the value (measured on a 9-way switch on
 * the event type: a tenth of a decision).
 */
const SWITCH_CASES = 16;
/**
 * Rule occurrences one generated function holds before a part of the plan
 * moves into a function of its own: V8 optimizes only functions of moderate
 * size, and a decision of a 10,000-rule pack runs a few of them.
 */
const INLINE_RULES = 80;

export interface GenerateOptions {
  /** Switch on the fields that sort the rules (`optimize/dispatch.ts`); off: test every rule in order. */
  readonly index?: boolean;
  /** How eagerly to switch (tests force switches on small packs). */
  readonly dispatch?: DispatchOptions;
  /** Rule occurrences per generated function (tests make it small to exercise the splitting). */
  readonly inlineRules?: number;
}

export function generate(pack: CheckedPack, opts: GenerateOptions = {}): GeneratedCode {
  return new Generator(pack, opts).run();
}

type Ctx = 'T' | 'F' | 'V';

/**
 * One generated function's state. Predicates and shared sub-expressions are
 * local variables filled on first use; a first pass records how each is used
 * (tested for true, for false, or as a value) so the second can store only
 * what is needed — a plain boolean when it is only ever tested for true.
 */
class Scope {
  /** Temporaries live within one rule's test: numbered from 0 in each rule, declared up to the most any rule needs. */
  temps = 0;
  maxTemps = 0;
  used = new Map<string, Set<Ctx>>();
  repr = new Map<string, Ctx>();
  /** Event slots the function reads (a group function takes them as parameters). */
  slots = new Set<string>();
  /** Memo fills being generated, and whether one ever held another memo. */
  filling = 0;
  nested = false;
  /** The representation assumed for a memo not yet in `repr`. */
  guess: Ctx = 'V';
  /** While one rule is generated: the memo uses and representations its text depends on. */
  recording: { uses: [string, Ctx][]; reprs: [string, Ctx][] } | undefined;
  /**
   * Event fields read as needed (explain, notes) instead of all at the
   * start: `fN` starts as U, and each part that reads it first fills it with
   * its reader `rN(src, at)` (see `Generator.lazily`); `needed` collects them.
   */
  lazy = false;
  needed = new Set<string>();
  constructor(readonly dry: boolean, readonly at: KnownAt = NOTHING_KNOWN) {}
  use(key: string, ctx: Ctx): void {
    let s = this.used.get(key);
    if (!s) this.used.set(key, (s = new Set()));
    s.add(ctx);
    this.recording?.uses.push([key, ctx]);
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
  private readonly specializer: Specializer;
  private readonly groups: string[] = [];
  /** `rN(src, at)`: one event field read and checked, for functions that read fields lazily. */
  private readonly readers = new Map<string, string>();
  private readonly readerText: string[] = [];

  private readonly layout: Layout;
  private readonly records: Records;

  constructor(private readonly pack: CheckedPack, private readonly opts: GenerateOptions) {
    this.layout = new Layout(opts.inlineRules ?? INLINE_RULES);
    this.records = new Records((v, wrap) => this.constant(v, wrap));
    pack.eventFields.forEach((f, i) => this.eventSlots.set(f, `f${i}`));
    [...pack.schema.entities.values()].forEach((e, i) =>
      this.entitySlots.set(e.name, { index: i, slots: new Map([...e.fields.keys()].map((f, j) => [f, `f${j}`])) }));
    [...pack.predicates.keys()].forEach((p, i) => this.predIndex.set(p, i));
    const collect = (e: IR): void => {
      if (e.k === 'shared' && !this.sharedBodies.has(e.slot)) this.sharedBodies.set(e.slot, e.x);
      children(e).forEach(collect);
    };
    pack.rules.forEach((r) => { collect(r.condition); if (r.note) collect(r.note.condition); });
    pack.predicates.forEach((d) => collect(d.body));
    this.specializer = new Specializer(pack.predicates);
  }

  /** An event field's local, recorded as read by the current function. */
  private slot(field: string): string {
    const s = this.eventSlots.get(field)!;
    this.scope.slots.add(s);
    if (this.scope.lazy) this.scope.needed.add(field);
    return s;
  }

  /** Code that reads event fields lazily: preceded by the reads of those it needs and no one has filled yet. */
  private lazily(gen: () => string): string {
    const scope = this.scope;
    const outer = scope.needed;
    const needed = (scope.needed = new Set());
    const text = gen();
    scope.needed = outer;
    needed.forEach((f) => outer.add(f));
    const fills = [...needed].map((f) => { const s = this.eventSlots.get(f)!; return `if (${s} === U) ${s} = ${this.reader(f)}(src, at); `; });
    return fills.join('') + text;
  }

  /** The function that reads and checks one event field, as decide() does (generated once). */
  private reader(field: string): string {
    let name = this.readers.get(field);
    if (!name) {
      name = `r${this.eventSlots.get(field)!.slice(1)}`;
      this.readers.set(field, name);
      const f = this.pack.schema.event.fields.get(field)!;
      this.readerText.push(`function ${name}(src, at) {\n  const v = ${this.readField(field)};\n  return ${this.records.check(f, 'event')};\n}`);
    }
    return name;
  }

  /** The raw value of an event field; the event's time is the caller's `at` when it gave one. */
  private readField(field: string): string {
    const read = this.records.readProp('src', field);
    return field === TIME_FIELD ? `at === undefined ? ${read} : at` : read;
  }

  /** A constant from K, as a prelude variable; `wrap` rebuilds Sets and pattern matchers. */
  private constant(value: unknown, wrap: (k: string) => string = (k) => k): string {
    // Lists come back many times as the same array: skip serializing them again.
    const form = wrap('#');
    const byIdentity = typeof value === 'object' && value !== null ? this.constByIdentity.get(value)?.get(form) : undefined;
    if (byIdentity) return byIdentity;
    const key = JSON.stringify([value, form]);
    const known = this.constIndex.get(key);
    if (known) { this.rememberConstant(value, form, known); return known; }
    const name = `c${this.constIndex.size}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    this.constIndex.set(key, name);
    this.rememberConstant(value, form, name);
    return name;
  }

  private readonly constByIdentity = new WeakMap<object, Map<string, string>>();
  private rememberConstant(value: unknown, form: string, name: string): void {
    if (typeof value !== 'object' || value === null) return;
    let m = this.constByIdentity.get(value);
    if (!m) this.constByIdentity.set(value, (m = new Map()));
    m.set(form, name);
  }

  private temp(): string {
    const scope = this.scope;
    const t = `t${scope.temps++}`;
    if (scope.temps > scope.maxTemps) scope.maxTemps = scope.temps;
    return t;
  }

  /**
   * Emits a function twice: a dry run to learn how memos are used, then the
   * real body with each memo's representation chosen. `header` gets the event
   * slots the body read; decide() reads and checks them itself (`reads`).
   */
  private fn(header: (slots: readonly string[]) => string, body: () => string[], specialize: boolean, opts: { reads?: boolean | 'no-own-check' | 'lazy'; at?: KnownAt } = {}): { text: string; slots: readonly string[] } {
    const saved = this.scope;
    const at = opts.at ?? NOTHING_KNOWN;
    // Iterate: a memo filled as a plain boolean uses its own parts in fewer ways.
    let repr = new Map<string, Ctx>();
    // Unspecialized, every memo holds its value whatever the dry runs find: no need to run them.
    for (let round = 0; specialize && round < 4; round++) {
      const dry = new Scope(true, at);
      dry.lazy = opts.reads === 'lazy';
      dry.repr = repr;
      // Most memos end up tested for true only: guessing so lets the real run reuse most rules' text.
      if (round === 0 && specialize) dry.guess = 'T';
      this.scope = dry;
      body();
      const next = new Map<string, Ctx>();
      for (const [k, ctxs] of dry.used) next.set(k, specialize && ctxs.size === 1 && !ctxs.has('V') ? [...ctxs][0]! : 'V');
      const stable = next.size === repr.size && [...next].every(([k, c]) => repr.get(k) === c);
      repr = next;
      // Without a memo inside another, how memos are used does not depend on their representation.
      if (stable || !dry.nested) break;
    }
    const real = new Scope(false, at);
    real.lazy = opts.reads === 'lazy';
    real.repr = repr;
    this.scope = real;
    const lines = body();
    this.scope = saved;
    const memos = [...(specialize ? real.repr : real.used).keys()].map((k) => `${k} = U`);
    const decl = [
      ...(real.maxTemps > 0 ? [`let ${Array.from({ length: real.maxTemps }, (_, i) => `t${i}`).join(', ')};`] : []),
      ...(memos.length ? [`let ${memos.join(', ')};`] : []),
    ];
    const slots = [...real.slots].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const reads = opts.reads === false ? []
      : opts.reads === 'lazy' ? [this.records.ownOnly('src'), ...(slots.length ? [`let ${slots.map((s) => `${s} = U`).join(', ')};`] : [])]
        : this.reads(opts.reads !== 'no-own-check');
    return { text: [`${header(slots)} {`, ...[...reads, ...decl, ...lines].map((l) => `  ${l}`), '}'].join('\n'), slots };
  }

  /** Checks and reads the event fields the pack uses, in schema order. */
  private reads(ownCheck = true): string[] {
    const lines = [...(ownCheck ? [this.records.ownOnly('src')] : []), 'let v;'];
    for (const name of this.pack.eventFields) {
      const f = this.pack.schema.event.fields.get(name)!;
      lines.push(`v = ${this.readField(f.name)};`);
      lines.push(`const ${this.eventSlots.get(name)} = ${this.records.check(f, 'event')};`);
    }
    return lines;
  }

  run(): GeneratedCode {
    const p = this.pack;
    const ents = [...p.schema.entities.values()];
    const parts: string[] = [];
    ents.forEach((e, i) => parts.push(this.records.recordClass(`En${i}`, e), this.records.entityLoader(`loadE${i}`, `En${i}`, e), this.records.entityGetter(i, e)));
    const memoFields = [...ents.map((_, i) => `e${i}`), ...p.aggregates.map((a) => `a${a.id}`)];
    parts.push(`function Memo() {${memoFields.map((f) => ` this.${f} = U;`).join('')} }`);
    const rules: DispatchNode = { kind: 'rules', rules: p.rules.filter((r) => r.enabled).map((r) => r.index) };
    const planned = this.opts.index ?? true ? planDispatch(p, this.opts.dispatch) : rules;
    const tail = (sorted: boolean): string[] => {
      const lines: string[] = [];
      // Rules run case by case, not in pack order.
      if (sorted) lines.push('if (fired.length > 1) fired.sort(ascending);');
      // Added in rule order, as the interpreter does: fractional scores round the same way.
      if (p.rules.some((r) => r.score)) {
        const scores = this.constant(p.rules.map((r) => r.score));
        lines.push(`for (let i = 0; i < fired.length; i++) score += ${scores}[fired[i]];`);
      }
      // An explained decision (x) gets its values here, from the fields this function has read and checked.
      lines.push(`if (x === true && fired.length !== 0) return { fired, score, memo: M, values: explain(fired, P, M, at${allSlots}) };`);
      lines.push('return { fired, score, memo: M };');
      return lines;
    };
    const allSlots = p.eventFields.map((_, i) => `, f${i}`).join('');
    const head = ['const M = new Memo();', 'const fired = [];', 'let score = 0;'];
    const split = planned.kind === 'switch' ? this.splitByValue(planned, head, tail) : undefined;
    // With copies, the values left for decide() itself can only be missing, invalid (they throw
    // when checked) or outside the cases: no case can apply, only the rules that ignore the field.
    const plan = split ? split.always : this.layout.prepare(planned, NOTHING_KNOWN);
    const decide = this.fn(() => 'function decide(src, P, at, x)', () => [...head, ...this.emit(plan, ''), ...tail(plan.kind !== 'rules')], true,
      split ? { reads: 'no-own-check' } : {});
    parts.push(...this.groups, ...(split ? [...split.fns, split.entry(decide.text)] : [decide.text]));
    // The values an explained decision shows, for the rules that fired, in one call: each fired
    // rule's leaves, then its message placeholders (zh, then en). decide() calls it with every
    // field it read: nothing is read from the event again (one event of many shapes made those
    // reads V8's slowest kind).
    parts.push(this.fn(() => `function explain(fired, P, M, at${allSlots})`, () => {
      const lines = ['const out = new Array(fired.length);', 'for (let j = 0; j < fired.length; j++) {', '  switch (fired[j]) {'];
      for (const r of p.rules) {
        if (!r.enabled) continue;
        this.scope.temps = 0;
        lines.push(`    case ${r.index}: out[j] = [${[...r.leaves, ...templateExprs(r.message.zh), ...templateExprs(r.message.en)].map((x) => this.val(x)).join(', ')}]; break;`);
      }
      lines.push('    default: out[j] = [];', '  }', '}', 'return out;');
      return lines;
    }, false, { reads: false }).text);
    const noted = p.rules.filter((r) => r.note && r.enabled);
    if (noted.length) parts.push(...this.notes(noted));
    parts.push(...this.readerText);
    const source = [
      '"use strict";',
      'const U = R.UNSET;',
      'const ascending = (a, b) => a - b;',
      ...this.prelude,
      ...parts,
      `return { decide, explain, ${noted.length ? 'notes, noteValues, ' : ''}loadEntity: [${ents.map((_, i) => `loadE${i}`).join(', ')}] };`,
    ].join('\n');
    return { source, constants: this.constants };
  }

  private now(): string {
    return this.slot(TIME_FIELD);
  }

  /**
   * `notes(src, P, M, fired, at)`: the rules in force that did not fire and whose
   * note condition is true; `noteValues(noted, …)`: each one's placeholder values.
   */
  private notes(rules: readonly CheckedRule[]): string[] {
    const notes = this.fn(() => 'function notes(src, P, M, fired, at)', () => {
      const lines = ['const out = [];'];
      for (const r of rules) {
        this.scope.temps = 0;
        lines.push(this.lazily(() => {
          const guards = [`!fired.includes(${r.index})`];
          if (r.effectiveFrom !== undefined) guards.push(`${this.now()} >= ${jsNumber(r.effectiveFrom)}`);
          if (r.effectiveUntil !== undefined) guards.push(`${this.now()} < ${jsNumber(r.effectiveUntil)}`);
          guards.push(this.tru(r.note!.condition));
          return `if (${guards.join(' && ')}) out.push(${r.index});`;
        }));
      }
      lines.push('return out;');
      return lines;
    }, false, { reads: 'lazy' });
    const values = this.fn(() => 'function noteValues(noted, src, P, M, at)', () => {
      const lines = ['const out = new Array(noted.length);', 'for (let j = 0; j < noted.length; j++) {', '  switch (noted[j]) {'];
      for (const r of rules) {
        this.scope.temps = 0;
        const xs = this.lazily(() => `out[j] = [${[...templateExprs(r.note!.message.zh), ...templateExprs(r.note!.message.en)].map((x) => this.val(x)).join(', ')}];`);
        lines.push(`    case ${r.index}: ${xs} break;`);
      }
      lines.push('    default: out[j] = [];', '  }', '}', 'return out;');
      return lines;
    }, false, { reads: 'lazy' });
    return [notes.text, values.text];
  }

  /**
   * One copy of decide() per value of the field the plan switches on first,
   * chosen by the field's raw value before anything is checked. Each copy
   * still checks every field the pack reads, in the same order (the same
   * errors as the interpreter), but its property reads only ever see the
   * object shapes of events with that value: a few, where decide() as a whole
   * sees them all and V8 falls back to its slowest, megamorphic lookups.
   * Values outside the cases (and invalid ones) take decide() itself. Checking
   * never changes a valid value of a field that can be switched on (enum,
   * string, integer, bool), so there no case can apply.
   */
  private splitByValue(plan: Extract<DispatchNode, { kind: 'switch' }>, head: readonly string[], tail: (sorted: boolean) => string[]) {
    const info = this.pack.schema.event.fields.get(plan.field)!;
    const values: Value[] = info.type.t === 'enum' ? [...info.type.members] : [...plan.cases.keys()];
    // The rules that ignore the field are shared by every copy (their split-off parts once).
    const always = this.layout.prepare(plan.always, NOTHING_KNOWN);
    const fns: string[] = [];
    const names: string[] = [];
    for (const v of values) {
      const c = plan.cases.get(v);
      const at = knowing(NOTHING_KNOWN, plan.field, v);
      const own = c ? this.layout.prepare(c, at) : undefined;
      const name = `d${names.length}`;
      names.push(name);
      // Two plain lists of rules run merged in pack order: nothing to sort afterwards.
      const merged = always.kind === 'rules' && (!own || own.kind === 'rules')
        ? [...always.rules.map((r) => [r, always.known] as const), ...(own?.kind === 'rules' ? own.rules.map((r) => [r, own.known] as const) : [])].sort((a, b) => a[0] - b[0])
        : undefined;
      const body = merged
        ? () => [...head, ...merged.flatMap(([r, k]) => this.rule(r, k, '')), ...tail(false)]
        : () => [...head, ...this.emit(always, ''), ...(own ? this.emit(own, '') : []), ...tail(true)];
      fns.push(this.fn(() => `function ${name}(src, P, at, x)`, body, true, { reads: 'no-own-check', at }).text);
    }
    const raw = this.records.readProp('src', plan.field);
    const entry = (generic: string): string => {
      const body = generic.split('\n').slice(1, -1);
      const choose = values.length <= SWITCH_CASES
        ? [`switch (${raw}) {`, ...values.map((v, i) => `  case ${this.lit(v)}: return ${names[i]}(src, P, at, x);`), '}']
        : [`switch (${this.constant(values.map((v, i) => [v, i]), (k) => `new Map(${k})`)}.get(${raw})) {`, ...values.map((_, i) => `  case ${i}: return ${names[i]}(src, P, at, x);`), '}'];
      return ['function decide(src, P, at, x) {', `  ${this.records.ownOnly('src')}`, ...choose.map((l) => `  ${l}`), ...body, '}'].join('\n');
    };
    return { fns: this.groups.splice(0).concat(fns), entry, always };
  }

  private emit(e: Emit, indent: string): string[] {
    switch (e.kind) {
      case 'rules': return e.rules.flatMap((i) => this.rule(i, e.known, indent));
      case 'seq': return e.parts.flatMap((x) => this.emit(x, indent));
      case 'call': return [`${indent}${this.callGroup(e.fn)};`];
      case 'guard': {
        // The guard is a condition part every rule of the body needs; what is known here may settle it.
        const test = this.specializer.cached(e.test, e.at.known, e.at.key);
        if (test.k === 'lit') return test.value === true ? this.emit(e.body, indent) : [];
        const saved = this.scope.temps;
        this.scope.temps = 0;
        const cond = this.tru(test);
        this.scope.temps = saved;
        return [`${indent}if (${cond}) {`, ...this.emit(e.body, `${indent}  `), `${indent}}`];
      }
      case 'bins': {
        const lines = this.emit(e.always, indent);
        const index = this.nodeConstant(e, () => this.constant(e.bins.flatMap((b, i) => b.values.map((v) => [v, i])), (k) => `new Map(${k})`));
        lines.push(`${indent}switch (${index}.get(${this.slot(e.field)})) {`);
        e.bins.forEach((b, i) => lines.push(`${indent}  case ${i}: ${this.callGroup(b.fn)}; break;`));
        lines.push(`${indent}}`);
        return lines;
      }
      case 'switch': {
        const lines = this.emit(e.always, indent);
        const slot = this.slot(e.field);
        const inner = indent + '    ';
        if (e.cases.length <= SWITCH_CASES) {
          lines.push(`${indent}switch (${slot}) {`);
          for (const [v, c] of e.cases) lines.push(`${indent}  case ${this.lit(v)}:`, ...this.emit(c, inner), `${inner}break;`);
        } else {
          // Many cases: a Map from value to case number, and a switch over dense integers.
          const index = this.nodeConstant(e, () => this.constant(e.cases.map(([v]) => v), (k) => `new Map(${k}.map((v, i) => [v, i]))`));
          lines.push(`${indent}switch (${index}.get(${slot})) {`);
          e.cases.forEach(([, c], i) => lines.push(`${indent}  case ${i}:`, ...this.emit(c, inner), `${inner}break;`));
        }
        lines.push(`${indent}}`);
        return lines;
      }
    }
  }

  /** A constant made from a part of the plan, built once however often the part is emitted (dry runs). */
  private nodeConstant(e: Emit, make: () => string): string {
    let name = this.emitConstants.get(e);
    if (name === undefined) this.emitConstants.set(e, (name = make()));
    return name;
  }

  private readonly emitConstants = new Map<Emit, string>();

  private callGroup(g: GroupFn): string {
    const params = this.group(g);
    params.forEach((s) => this.scope.slots.add(s));
    return `${g.name}(P, M, fired${params.map((s) => `, ${s}`).join('')})`;
  }

  /** Generates a group function once; returns the event slots it takes. */
  private group(g: GroupFn): readonly string[] {
    if (g.params) return g.params;
    const f = this.fn((slots) => `function ${g.name}(P, M, fired${slots.map((s) => `, ${s}`).join('')})`, () => this.emit(g.body, ''), true, { reads: false, at: g.at });
    this.groups.push(f.text);
    g.params = f.slots;
    return f.slots;
  }

  private rule(i: number, at: KnownAt, indent: string): string[] {
    const r = this.pack.rules[i]!;
    const cond = this.specializer.cached(r.condition, at.known, at.key);
    if (cond.k === 'lit' && cond.value !== true) return [];
    // A rule's text depends only on the representations of the memos it names (and
    // what its function knows): dry runs and the real one reuse it when those agree.
    const scope = this.scope;
    let texts = this.ruleText.get(at.key);
    if (!texts) this.ruleText.set(at.key, (texts = new Map()));
    let byRule = texts.get(scope.at.key);
    if (!byRule) texts.set(scope.at.key, (byRule = new Map()));
    const cached = byRule.get(i);
    if (cached && cached.reprs.every(([k, c]) => (scope.repr.get(k) ?? scope.guess) === c)) {
      cached.slots.forEach((x) => scope.slots.add(x));
      for (const [k, c] of cached.uses) scope.use(k, c);
      if (cached.nested) scope.nested = true;
      if (cached.temps > scope.maxTemps) scope.maxTemps = cached.temps;
      return cached.lines.map((l) => indent + l);
    }
    scope.temps = 0;
    // The slots this rule reads, collected apart so that a reuse can add them again.
    const outer = scope.slots;
    const slots = (scope.slots = new Set<string>());
    const nestedBefore = scope.nested;
    scope.nested = false;
    const recording = (scope.recording = { uses: [], reprs: [] });
    const guards: string[] = [];
    if (r.effectiveFrom !== undefined) guards.push(`${this.now()} >= ${jsNumber(r.effectiveFrom)}`);
    if (r.effectiveUntil !== undefined) guards.push(`${this.now()} < ${jsNumber(r.effectiveUntil)}`);
    if (cond.k !== 'lit') guards.push(this.tru(cond));
    scope.recording = undefined;
    const nested = scope.nested;
    scope.nested = nestedBefore || nested;
    scope.slots = outer;
    slots.forEach((x) => outer.add(x));
    const test = guards.length ? `if (${guards.join(' && ')}) ` : '';
    const lines = [`// rule #${jsComment(String(r.index))}`, `${test}{ fired.push(${r.index}); }`];
    // Aggregate filters are generated in a scope of their own, which this does not record.
    if (!this.readsAggregate(cond)) byRule.set(i, { lines, slots: [...slots], temps: scope.temps, uses: recording.uses, reprs: recording.reprs, nested });
    return lines.map((l) => indent + l);
  }

  /** Whether `e` reads an aggregate, directly, through a predicate or in a shared slot (remembered per node). */
  private readsAggregate(e: IR): boolean {
    let r = this.aggregateReads.get(e);
    if (r === undefined) this.aggregateReads.set(e, (r = hasAggregate(e, this.pack.predicates) || this.sharedAggregate(e)));
    return r;
  }

  private readonly aggregateReads = new Map<IR, boolean>();

  /** Whether a shared slot in `e` (or in a predicate it names) computes an aggregate. */
  private sharedAggregate(e: IR): boolean {
    if (e.k === 'shared') { const b = this.sharedBodies.get(e.slot) ?? e.x; if (hasAggregate(b, this.pack.predicates) || this.sharedAggregate(b)) return true; }
    if (e.k === 'pred') { const b = this.pack.predicates.get(e.name)?.body; if (b && this.sharedAggregate(b)) return true; }
    for (const c of children(e)) if (this.sharedAggregate(c)) return true;
    return false;
  }

  /** By what the rule's part of the plan knows, then what its function knows, then the rule. */
  private readonly ruleText = new Map<string, Map<string, Map<number, {
    readonly lines: readonly string[]; readonly slots: readonly string[]; readonly temps: number;
    readonly uses: readonly [string, Ctx][]; readonly reprs: readonly [string, Ctx][]; readonly nested: boolean;
  }>>>();

  private entity(name: string): string {
    const ent = this.entitySlots.get(name)!;
    const info = this.pack.schema.entities.get(name)!;
    const key = this.eventSlots.has(info.key) ? this.slot(info.key) : 'undefined';
    return `(M.e${ent.index} === U ? (M.e${ent.index} = getE${ent.index}(P, ${key})) : M.e${ent.index})`;
  }

  private aggregate(a: AggregateSpec): string {
    const spec = this.constant({ ...a, filter: undefined, steps: undefined, span: undefined });
    const by = a.by ? this.slot(a.by) : 'undefined';
    const filter = a.filter ? this.historyTest(a.filter) : 'undefined';
    const steps = a.steps ? `, [${a.steps.map((x) => this.historyTest(x)).join(', ')}]` : '';
    let current = 'undefined';
    if (a.includeCurrent) {
      const names = [...this.pack.eventFields];
      current = `R.record(${this.constant(names)}, [${names.map((n) => this.slot(n)).join(', ')}])`;
    }
    return `(M.a${a.id} === U ? (M.a${a.id} = R.agg(P, ${spec}, ${this.now()}, ${by}, ${filter}, ${current}${steps})) : M.a${a.id})`;
  }

  /** A filter over history events `h` (a `where`, a step of sequence()); a fresh scope keeps its temporaries apart. */
  private historyTest(x: IR): string {
    const saved = this.scope;
    const inner = new Scope(saved.dry, saved.at);
    inner.lazy = saved.lazy;
    inner.needed = saved.needed;
    inner.used = saved.used;
    inner.repr = saved.repr;
    inner.slots = saved.slots;
    inner.filling = saved.filling;
    inner.temps = 0;
    this.scope = inner;
    const test = this.tru(x, true);
    const temps = inner.maxTemps;
    if (inner.nested) saved.nested = true;
    this.scope = saved;
    return temps ? `(h) => { let ${Array.from({ length: temps }, (_, i) => `t${i}`).join(', ')}; return ${test}; }` : `(h) => ${test}`;
  }

  /** What a predicate's memo computes: its body, specialized to what the function knows. */
  private predBody(name: string): IR {
    return this.specializer.predicate(name, this.scope.at.known, this.scope.at.key);
  }

  private sharedBody(e: Extract<IR, { k: 'shared' }>): IR {
    const body = this.sharedBodies.get(e.slot) ?? e.x;
    return this.specializer.cached(body, this.scope.at.known, this.scope.at.key);
  }

  /** A `let`'s value, specialized to what the function knows. */
  private localBody(e: Extract<IR, { k: 'local' }>): IR {
    return this.specializer.cached(e.x, this.scope.at.known, this.scope.at.key);
  }

  /** A predicate or shared sub-expression: a local filled on first use. */
  private memo(key: string, body: IR, ctx: Ctx): string {
    const scope = this.scope;
    scope.use(key, ctx);
    if (scope.filling > 0) scope.nested = true;
    const repr = scope.repr.get(key) ?? scope.guess;
    scope.recording?.reprs.push([key, repr]);
    scope.filling++;
    const fill = repr === 'T' ? this.tru(body) : repr === 'F' ? this.fal(body) : this.val(body);
    scope.filling--;
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

  /**
   * Never missing, so generated code needs no test for missing: a literal,
   * the time, a `required` event field (decide() has refused an event
   * without it), and comparisons and tests built only from those.
   */
  private present(e: IR): boolean {
    switch (e.k) {
      case 'lit': return e.value !== undefined;
      case 'now': case 'isMissing': return true;
      case 'field': return e.entity === 'event' && !!this.pack.schema.event.fields.get(e.field)?.required;
      case 'not': return this.present(e.x);
      case 'and': case 'or': return e.xs.every((x) => this.present(x));
      case 'cmp': return this.present(e.l) && this.present(e.r);
      case 'between': return this.present(e.x) && this.present(e.lo) && this.present(e.hi);
      case 'in': return e.set.kind === 'external' ? this.present(e.x) : e.set.kind === 'values' && this.present(e.x) && !e.set.values.includes(undefined);
      default: return false;
    }
  }

  private once(e: IR, inFilter: boolean): { first: string; again: string } {
    const v = this.val(e, inFilter);
    if (this.simple(e)) return { first: v, again: v };
    const t = this.temp();
    return { first: `(${t} = ${v})`, again: t };
  }

  val(e: IR, inFilter = false): string {
    // No local arrow helpers here: under tsx each would be renamed (`__name`) on every call.
    switch (e.k) {
      case 'lit': return this.lit(e.value);
      case 'now': return this.now();
      case 'field': {
        if (e.entity === 'event') return this.slot(e.field);
        return `${this.entity(e.entity)}?.${this.entitySlots.get(e.entity)!.slots.get(e.field)}`;
      }
      case 'hfield': return `R.hist(h, ${jsString(e.field)}, ${this.constant(e.type)})`;
      case 'agg': return this.aggregate(this.pack.aggregates[e.id]!);
      case 'pred': return this.memo(`p${this.predIndex.get(e.name)}`, this.predBody(e.name), 'V');
      case 'shared': return this.memo(`s${e.slot}`, this.sharedBody(e), 'V');
      case 'local': return this.memo(`l${e.slot}`, this.localBody(e), 'V');
      case 'quant': return this.quant(e, inFilter);
      case 'neg': return `R.neg(${this.val(e.x, inFilter)})`;
      case 'arith': return `R.${({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'rem' } as const)[e.op]}(${this.val(e.l, inFilter)}, ${this.val(e.r, inFilter)})`;
      case 'coalesce': {
        const t = this.temp();
        return `((${t} = ${this.val(e.l, inFilter)}) !== undefined ? ${t} : ${this.val(e.r, inFilter)})`;
      }
      case 'call': return this.call(e, inFilter);
      case 'in':
        if (e.set.kind === 'items' || e.set.kind === 'expr') {
          const set = e.set.kind === 'items' ? `[${e.set.xs.map((x) => this.val(x, inFilter)).join(', ')}]` : this.val(e.set.x, inFilter);
          return `R.${e.negated ? 'notIn' : 'in'}(${this.val(e.x, inFilter)}, ${set})`;
        }
        return this.boolVal(e, inFilter);
      default:
        return this.boolVal(e, inFilter);
    }
  }

  /** `any of` / `all of` / `count of`: the members, and how to tell whether one is in the set. */
  private quant(e: Extract<IR, { k: 'quant' }>, inFilter: boolean): string {
    const members = e.items.kind === 'items' ? `[${e.items.xs.map((x) => this.val(x, inFilter)).join(', ')}]` : this.val(e.items.x, inFilter);
    const head = `${jsString(e.q)}, ${e.negated}, ${members}`;
    const set = e.set;
    switch (set.kind) {
      case 'items': return `R.quantIn(${head}, [${set.xs.map((x) => this.val(x, inFilter)).join(', ')}])`;
      case 'expr': return `R.quantIn(${head}, ${this.val(set.x, inFilter)})`;
      case 'external': return `R.quant(${head}, (m) => R.listHas(P, ${jsString(set.list)}, m, ${this.now()}))`;
      case 'values': return `R.quant(${head}, (m) => ${this.constant(set.values, (k) => `new Set(${k})`)}.has(m))`;
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
    const h = e.holidays;
    if (def.usesCalendar) {
      args.unshift(!h ? 'R.calendar(P)' : h.kind === 'dates'
        ? `R.holidays(${this.constant(h.dates, (k) => `new Set(${k})`)})`
        : `R.externalHolidays(P, ${jsString(h.list)}, ${h.timestamps}, ${this.now()})`);
    }
    const callText = `${fn}(${args.join(', ')})`;
    return checks.length ? `(${checks.join(' || ')} ? undefined : ${callText})` : callText;
  }

  private boolVal(e: IR, inFilter: boolean): string {
    if (this.present(e)) return this.tru(e, inFilter);
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
    switch (e.k) {
      case 'lit': return String(e.value === want);
      case 'not': return this.test(e.x, !want, inFilter);
      case 'and': case 'or': {
        const join = (e.k === 'and') === want ? ' && ' : ' || ';
        return `(${e.xs.map((x) => this.test(x, want, inFilter)).join(join)})`;
      }
      case 'isMissing':
        // A required field is never missing; anything else is tested.
        if (this.present(e.x)) return String(e.negated === want);
        return `(${this.val(e.x, inFilter)} ${e.negated === want ? '!==' : '==='} undefined)`;
      case 'cmp': return this.cmp(e, want, inFilter);
      case 'between': {
        const x = this.once(e.x, inFilter);
        const lo = this.val(e.lo, inFilter);
        const hi = this.val(e.hi, inFilter);
        return want ? `(${x.first} >= ${lo} && ${x.again} <= ${hi})` : `(${x.first} < ${lo} || ${x.again} > ${hi})`;
      }
      case 'in': return this.inTest(e, want, inFilter);
      case 'pred': return this.memo(`p${this.predIndex.get(e.name)}`, this.predBody(e.name), want ? 'T' : 'F');
      case 'shared': return this.memo(`s${e.slot}`, this.sharedBody(e), want ? 'T' : 'F');
      case 'local': return this.memo(`l${e.slot}`, this.localBody(e), want ? 'T' : 'F');
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

/** Whether `e` reads an aggregate (directly; a predicate's aggregates are in its memo's fill, which is generated inline too). */
function hasAggregate(e: IR, preds?: ReadonlyMap<string, { readonly body: IR }>): boolean {
  if (e.k === 'agg' || e.k === 'hfield') return true;
  if (e.k === 'pred' && preds) { const b = preds.get(e.name)?.body; if (b && hasAggregate(b, preds)) return true; }
  for (const c of children(e)) if (hasAggregate(c, preds)) return true;
  return false;
}

function templateExprs(t: readonly { expr?: IR }[] | undefined): IR[] {
  return (t ?? []).flatMap((p) => (p.expr ? [p.expr] : []));
}

export { printIR };
