// Stage 5: the optimized pack becomes the source of one JavaScript factory
// `(K, R) => ({ decide, explain, loadEntity })`. K holds the constants (JSON
// data), R the runtime helpers. The event fields a pack reads are checked
// once and kept in locals (`f3`); entity rows live in generated classes with
// slot names (`.f2`) (codegen-records.ts); names from rule text never become
// identifiers, and every literal goes through escape.ts. Rules run as the
// dispatch plan says (optimize/dispatch.ts), laid out in functions by
// codegen-layout.ts; decide() has a copy per value of the plan's first switch.
//
// The generator is one class in layers, a file each: codegen-emitter.ts (the
// shared state: constants, slots, temporaries, lazy readers),
// codegen-expressions.ts (values, tests, comparisons, aggregates, memos), and
// here the program: decide(), its copies and group functions, explain(),
// notes(), each rule's test.
import { jsComment, jsNumber } from './escape.ts';
import type { CheckedPack, CheckedRule, IR, Value } from './ir.ts';
import { planDispatch, planSize, type DispatchNode, type DispatchOptions } from './optimize/dispatch.ts';
import { knowing, Layout, NOTHING_KNOWN, type Emit, type GroupFn, type KnownAt } from './codegen-layout.ts';
import { Scope, type Ctx } from './codegen-emitter.ts';
import { Expressions, FUNCTION_ORDER } from './codegen-expressions.ts';
import { FiredEntries } from './codegen-explain.ts';
import { SORT_FIRED } from './codegen-sort.ts';
import { CaseTables, type CaseSwitch } from './codegen-cases.ts';
import { printIR } from './print.ts';
import { TIME_FIELD } from './check/context.ts';
import { AggregateReads, checkEvent, fieldsShown, rulesOf } from './codegen-reads.ts';
import { entryChoice } from './codegen-entry.ts';
import { OutOfLineFills, OUTLINE_RULES } from './codegen-fills.ts';

export interface GeneratedCode {
  /** Body of `new Function('K', 'R', source)`. */
  readonly source: string;
  /** JSON-serializable constants, referenced from the source as K[i]. */
  readonly constants: readonly unknown[];
}

/**
 * A switch with more cases than this finds its case through a Map. Up to it,
 * V8's compare chain beats hashing the value (measured on a 9-way switch on
 * the event type: a tenth of a decision). A string field's switch reads a
 * table from fewer cases (STRING_CHAIN, codegen-cases.ts).
 */
const SWITCH_CASES = 16;
/**
 * Rule occurrences one generated function holds before a part of the plan
 * moves into a function of its own: V8 optimizes only functions of moderate
 * size, and a decision of a 10,000-rule pack runs a few of them. CPU per
 * decision of that pack, against 80 before case tables, in one process at
 * load 12–18 (bench/HISTORY.md): 80 0.92–0.94×, 120 0.86×, 160 0.74–0.76×,
 * 240 0.83×; 400 was 1.5× slower.
 */
const INLINE_RULES = 160;
/**
 * Enabled rules above which explain() builds entries from tables rather than
 * a literal per rule (codegen-explain.ts): on a small pack the literals are
 * the faster explained decision; on a large one their text is most of the
 * source V8 parses to load the pack.
 */
const EXPLAIN_TABLES = 1000;

export interface GenerateOptions {
  /** Switch on the fields that sort the rules (`optimize/dispatch.ts`); off: test every rule in order. */
  readonly index?: boolean;
  /** How eagerly to switch (tests force switches on small packs). */
  readonly dispatch?: DispatchOptions;
  /** Rule occurrences per generated function (tests make it small to exercise the splitting). */
  readonly inlineRules?: number;
  /** Enabled rules above which explain() reads entries from tables (tests make it 0 to exercise them). */
  readonly explainTables?: number;
  /** Enabled rules from which memo fills move out of line (codegen-fills.ts; tests make it 0). */
  readonly outlineRules?: number;
}

export function generate(pack: CheckedPack, opts: GenerateOptions = {}): GeneratedCode {
  return new Generator(pack, opts).run();
}

class Generator extends Expressions {
  private readonly groups: string[] = [];

  private readonly layout: Layout;
  private readonly entries: FiredEntries;

  constructor(pack: CheckedPack, private readonly opts: GenerateOptions) {
    super(pack);
    this.layout = new Layout(opts.inlineRules ?? INLINE_RULES);
    this.entries = new FiredEntries(pack, (v, wrap) => this.constant(v, wrap), (v, wrap) => this.table(v, wrap));
    this.fills = new OutOfLineFills(pack.rules.filter((r) => r.enabled).length >= (opts.outlineRules ?? OUTLINE_RULES));
  }

  private readonly fills: OutOfLineFills;
  private readonly aggregateReads = new AggregateReads(this.pack, this.sharedBodies);

  /** Large packs: a memo's fill as a call of one function of the program (codegen-fills.ts); fields read lazily keep theirs. */
  protected override memoFill(fill: string): string {
    return this.scope.lazy ? fill : this.fills.fill(fill);
  }

  /**
   * Emits a function in passes until how its memos are used settles, each
   * memo's representation chosen from the uses the pass before found (a
   * rule's text is reused across passes when the memos it names are written
   * alike). The last pass is the function's text when it wrote every memo as
   * its uses ask; otherwise one more pass writes it so. `header` gets the
   * event slots the body read; decide() reads and checks them itself (`reads`).
   */
  private fn(header: (slots: readonly string[]) => string, body: () => string[], specialize: boolean, opts: { reads?: boolean | 'no-own-check' | 'lazy'; at?: KnownAt; keep?: ReadonlySet<string> } = {}): { text: string; slots: readonly string[] } {
    const saved = this.scope;
    // Rule texts are reused between the passes over one function: none outlives it (another
    // function knows other values, or holds other rules), so they die young instead of
    // piling up for the collector to copy until the whole program is written.
    const outerTexts = this.ruleText;
    const outerConds = this.ruleConds;
    this.ruleText = new Map();
    this.ruleConds = new Map();
    const at = opts.at ?? NOTHING_KNOWN;
    // Iterate: a memo filled as a plain boolean uses its own parts in fewer ways.
    // The first pass writes each memo as the functions before settled it (hints), any other as
    // tested for true only, as most memos end up: then the first pass is most often the last.
    let hinted = specialize && this.hints.size > 0;
    let repr = hinted ? new Map(this.hints) : new Map<string, Ctx>();
    let done: { scope: Scope; lines: string[] } | undefined;
    // Unspecialized, every memo holds its value whatever the passes find: one pass writes it.
    for (let round = 0; specialize && round < 4; round++) {
      const pass = new Scope(at);
      pass.lazy = opts.reads === 'lazy';
      pass.repr = repr;
      if (round === 0) pass.guess = 'T';
      this.scope = pass;
      const lines = body();
      // How memos are used settles one level of memos inside memos per pass, from any start:
      // within the four passes when they nest at most three deep, and then to the one settled
      // state a start without hints reaches too. Deeper, the passes start again without hints,
      // and end where they always did.
      if (hinted && pass.written.depth > 3) { hinted = false; repr = new Map(); round = -1; continue; }
      const next = new Map<string, Ctx>();
      for (const [k, ctxs] of pass.used) next.set(k, ctxs.size === 1 && !ctxs.has('V') ? [...ctxs][0]! : 'V');
      // Every memo written as `next` says: a pass with `next` would write the same text, and find the same uses.
      if (!pass.written.mixed && [...pass.written.reprs].every(([k, c]) => next.get(k) === c)) {
        done = { scope: pass, lines };
        repr = next;
        break;
      }
      const stable = next.size === repr.size && [...next].every(([k, c]) => repr.get(k) === c);
      repr = next;
      // Without a memo inside another, how memos are used does not depend on their representation.
      if (stable || !pass.nested) break;
    }
    if (!done) {
      const last = new Scope(at);
      last.lazy = opts.reads === 'lazy';
      last.repr = repr;
      this.scope = last;
      done = { scope: last, lines: body() };
    }
    this.scope = saved;
    this.ruleText = outerTexts;
    this.ruleConds = outerConds;
    if (specialize) for (const [k, c] of repr) this.hints.set(k, c);
    const { scope: real, lines } = done;
    const memos = [...(specialize ? repr : real.used).keys()].map((k) => `${k} = U`);
    const decl = [
      ...(real.maxTemps > 0 ? [`let ${Array.from({ length: real.maxTemps }, (_, i) => `t${i}`).join(', ')};`] : []),
      ...(memos.length ? [`let ${memos.join(', ')};`] : []),
    ];
    const slots = [...real.slots].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const reads = opts.reads === false ? []
      : opts.reads === 'lazy' ? [this.records.ownOnly('src'), ...(slots.length ? [`let ${slots.map((s) => `${s} = U`).join(', ')};`] : [])]
        : this.reads(opts.reads !== 'no-own-check', at, real.slots, opts.keep);
    // Each line indented by the separator: one join, no indented copy of every line.
    const all = reads.concat(decl, lines);
    return { text: all.length ? `${header(slots)} {\n  ${all.join('\n  ')}\n}` : `${header(slots)} {\n}`, slots };
  }

  /**
   * Checks and reads the event fields the pack uses, in schema order. A copy
   * of decide() for one value of a string, enum or bool field was chosen by
   * that raw value (splitByValue), which its check would return unchanged: the
   * copy takes the value as known instead of reading and checking it again.
   */
  private reads(ownCheck: boolean, at: KnownAt, used: ReadonlySet<string>, keep: ReadonlySet<string> | undefined): string[] {
    const lines = [...(ownCheck ? [this.records.ownOnly('src')] : []), 'let v;'];
    const kept: string[] = [];
    const tests: string[] = [];
    for (const name of this.pack.eventFields) {
      const f = this.pack.schema.event.fields.get(name)!;
      const slot = this.eventSlots.get(name)!;
      const known = at.known.get(name);
      if (known !== undefined && (f.type.t === 'enum' || f.type.t === 'string' || f.type.t === 'bool')) {
        kept.push(`const ${slot} = ${this.lit(known)};`);
        continue;
      }
      // A time the caller gave has been checked (the engine's decisionTime).
      if (name === TIME_FIELD) { kept.push(`const ${slot} = at !== undefined ? at : (v = ${this.records.readProp('src', name)}, ${this.records.check(f, 'event')});`); continue; }
      const passes = keep && !keep.has(name) && !used.has(slot) ? this.records.passes(f) : undefined;
      if (passes) tests.push(`(v = ${this.readField(f.name)}, ${passes})`);
      else kept.push(`v = ${this.readField(f.name)};`, `const ${slot} = ${this.records.check(f, 'event')};`);
    }
    return lines.concat(this.unkept(tests), kept);
  }

  /**
   * The fields a function checks without keeping them, tested in one
   * condition before the fields it keeps. When one fails the test (a wrong
   * type, a required field missing, a value its check would convert),
   * checkEvent() checks every field in order, as the function did field by
   * field before: the same first error, whichever fields the function keeps;
   * when none is wrong, the fields kept are then checked as they are read.
   * Measured on flat40 (a copy of decide() per event type keeps 8–31 of its
   * 50 fields): 0.84–0.87× the CPU per decision of checking each field into
   * a local (scripts/decide-ab.ts, bench/HISTORY.md, eleventh round).
   */
  private unkept(tests: readonly string[]): string[] {
    if (tests.length === 0) return [];
    this.checksEvent = true;
    return [`if (!(${tests.join(' && ')})) checkEvent(src, at);`];
  }

  private checksEvent = false;

  run(): GeneratedCode {
    const p = this.pack;
    const ents = [...p.schema.entities.values()];
    const parts: string[] = [];
    ents.forEach((e, i) => parts.push(this.records.recordClass(`En${i}`, e), this.records.entityLoader(`loadE${i}`, `En${i}`, e), this.records.entityGetter(i, e)));
    // The Memo's properties are known once the rules are written (case tables add theirs).
    const memoAt = parts.push('') - 1;
    const rules: DispatchNode = { kind: 'rules', rules: p.rules.filter((r) => r.enabled).map((r) => r.index) };
    const planned = this.opts.index ?? true ? planDispatch(p, this.opts.dispatch) : rules;
    this.cases = new CaseTables(planned, (v, wrap) => this.constant(v, wrap), SWITCH_CASES, (f) => this.pack.schema.event.fields.get(f)?.type.t);
    const ownMemo = [...ents.map((_, i) => `e${i}`), ...p.aggregates.map((a) => `a${a.id}`)];
    // Case tables keep ids on the Memo; a plan that fits in one function with no switch through a table has none.
    const tables = planned.kind !== 'rules' && (planSize(planned) > (this.opts.inlineRules ?? INLINE_RULES) || this.cases.tables());
    const memo = ownMemo.length > 0 || tables;
    const scored = p.rules.some((r) => r.score);
    let scores: string | undefined;
    const tail = (sorted: boolean, keep?: ReadonlySet<string>): string[] => {
      const lines: string[] = [];
      // Rules run case by case, not in pack order.
      if (sorted) lines.push('if (fired.length > 1) sortFired(fired);');
      // Added in rule order, as the interpreter does: fractional scores round the same way.
      if (scored) {
        // One constant for every copy of decide() (serializing 10,000 scores per copy was a cost of its own).
        scores ??= this.constant(p.rules.map((r) => r.score));
        lines.push(`for (let i = 0; i < fired.length; i++) score += ${scores}[fired[i]];`);
      }
      // An explained decision (x) gets its fired rules' entries here, from the fields this function has read and checked.
      lines.push(...this.results(keep ? this.explainArgs(keep) : allSlots));
      return lines;
    };
    const allSlots = p.eventFields.map((_, i) => `, f${i}`).join('');
    const head = [memo ? 'const M = new Memo();' : 'const M = NO_MEMO;', 'const fired = [];', 'let score = 0;'];
    const split = planned.kind === 'switch' ? this.splitByValue(planned, head, tail) : undefined;
    // With copies, the values left for decide() itself can only be missing, invalid (they throw
    // when checked) or outside the cases: no case can apply, only the rules that ignore the field.
    const plan = split ? split.always : this.layout.prepare(planned, NOTHING_KNOWN);
    const keep = split ? split.shown : fieldsShown(p, rulesOf(planned));
    const decide = this.fn(() => 'function decide(src, P, at, x)', () => [...head, ...this.emit(plan, ''), ...tail(plan.kind !== 'rules', keep)], true,
      split ? { reads: 'no-own-check', keep } : { keep });
    parts.push(...this.groups, ...(split ? [...split.fns, split.entry(decide.text)] : [decide.text]));
    parts.push(this.explainer(allSlots));
    const memoFields = [...ownMemo, ...p.eventFields.filter((f) => this.cases!.used(f)).map((f) => this.caseMemo(f))];
    if (!memo && memoFields.length) throw new Error('internal: a case table without a Memo');
    parts[memoAt] = `function Memo() {${memoFields.map((f) => ` this.${f} = U;`).join('')} }`;
    const noted = p.rules.filter((r) => r.note && r.enabled);
    if (noted.length) parts.push(...this.notes(noted));
    if (this.checksEvent) parts.push(checkEvent(p, (f) => `v = ${this.readField(f.name)}; ${this.records.check(f, 'event')};`));
    parts.push(...this.readerText);
    parts.push(...this.fills.functions(parts));
    parts.push(...this.cases.functions());
    const source = [
      '"use strict";',
      'const U = R.UNSET;',
      ...SORT_FIRED,
      ...(memo ? [] : ['const NO_MEMO = Object.freeze(new Memo());']),
      ...this.prelude,
      ...parts,
      `return { decide, explain, ${noted.length ? 'notes, noteValues, ' : ''}loadEntity: [${ents.map((_, i) => `loadE${i}`).join(', ')}] };`,
    ].join('\n');
    return { source, constants: this.constants };
  }


  /**
   * The entries an explained decision shows for the rules that fired, in one
   * call, each one object literal (codegen-explain.ts). decide() calls it
   * with every field it read: nothing is read from the event again (one
   * event of many shapes made those reads V8's slowest kind). A large pack's
   * entries come from tables, all but those with placeholders in their
   * messages. (A function of its own per rule's entry made V8 optimize them
   * sooner but decided 1.1× slower once optimized: scripts/explain-ab.ts,
   * bench/HISTORY.md, eleventh round.)
   */
  private explainer(allSlots: string): string {
    const enabled = this.pack.rules.filter((r) => r.enabled);
    const explain = this.fn(() => `function explain(fired, P, M, at${allSlots})`, () => {
      const tables = enabled.length > (this.opts.explainTables ?? EXPLAIN_TABLES)
        ? this.entries.tabled(enabled, (x) => this.val(x), () => { this.scope.temps = 0; }) : undefined;
      const lines = ['const out = new Array(fired.length);', 'for (let j = 0; j < fired.length; j++) {'];
      if (tables) lines.push('  const r = fired[j];', ...tables.lines.map((l) => `  ${l}`));
      lines.push(`  switch (${tables ? 'r' : 'fired[j]'}) {`);
      for (const r of tables?.own ?? enabled) {
        this.scope.temps = 0;
        lines.push(`    case ${r.index}: ${this.entries.entry(r, (x) => this.val(x))} break;`);
      }
      lines.push('  }', '}', 'return out;');
      return lines;
    }, false, { reads: false });
    return explain.text;
  }

  /**
   * What decide() returns. decideRaw's answer is `{ fired, score }` alone, one
   * shape for every decision. An explained decision passes `x`, the engine's
   * function that makes the decision (runtime/engine.ts): decide() hands it
   * the fired rules' entries, made from the fields this function has read and
   * checked (when nothing fired, the empty `fired` itself), and what notes
   * need (the memo of entity rows and aggregates, the event, provider and
   * time), and returns the decision: no object in between.
   */
  private results(allSlots: string): string[] {
    return [
      `if (x !== undefined) return x(fired, score, fired.length === 0 ? fired : explain(fired, P, M, at${allSlots}), M, src, P, at);`,
      'return { fired, score };',
    ];
  }

  /**
   * explain()'s arguments from a function that keeps only `keep`: its rules'
   * entries read no other field (codegen-reads.ts), so the rest are undefined.
   */
  private explainArgs(keep: ReadonlySet<string>): string {
    return this.pack.eventFields.map((f, i) => (keep.has(f) ? `, f${i}` : ', undefined')).join('');
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
  private splitByValue(plan: Extract<DispatchNode, { kind: 'switch' }>, head: readonly string[], tail: (sorted: boolean, keep?: ReadonlySet<string>) => string[]) {
    const info = this.pack.schema.event.fields.get(plan.field)!;
    const values: Value[] = info.type.t === 'enum' ? [...info.type.members] : [...plan.cases.keys()];
    // The rules that ignore the field are shared by every copy (their split-off parts once).
    const always = this.layout.prepare(plan.always, NOTHING_KNOWN);
    // The fields the rules every copy shares can read or show, walked once.
    const shown = fieldsShown(this.pack, rulesOf(plan.always));
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
      // The fields this copy's rules can read or show; the others are only checked.
      const keep = c ? new Set([...shown, ...fieldsShown(this.pack, rulesOf(c))]) : shown;
      const body = merged
        ? () => [...head, ...merged.flatMap(([r, k]) => this.rule(r, k, '')), ...tail(false, keep)]
        : () => [...head, ...this.emit(always, ''), ...(own ? this.emit(own, '') : []), ...tail(true, keep)];
      fns.push(this.fn(() => `function ${name}(src, P, at, x)`, body, true, { reads: 'no-own-check', at, keep }).text);
    }
    const entry = (generic: string): string => {
      const body = generic.split('\n').slice(1, -1);
      const choose = entryChoice({
        ownOnly: (after) => this.records.ownOnly('src', after), raw: this.records.readProp('src', plan.field), values, names,
        lit: (v) => this.lit(v), maxCases: SWITCH_CASES, table: () => this.constant(values.map((v, i) => [v, i]), (k) => `new Map(${k})`),
      });
      return ['function decide(src, P, at, x) {', ...choose.map((l) => `  ${l}`), ...body, '}'].join('\n');
    };
    return { fns: this.groups.splice(0).concat(fns), entry, always, shown };
  }

  private emit(e: Emit, indent: string): string[] {
    switch (e.kind) {
      case 'rules': {
        const lines: string[] = [];
        for (const i of e.rules) for (const l of this.rule(i, e.known, indent)) lines.push(l);
        return lines;
      }
      case 'seq': {
        const lines: string[] = [];
        for (const x of e.parts) for (const l of this.emit(x, indent)) lines.push(l);
        return lines;
      }
      case 'call': return [`${indent}${this.callGroup(e.fn)};`];
      case 'guard': {
        // The guard is a condition part every rule of the body needs; what is known here may settle it.
        const test = this.specializer.cached(e.test, e.at.known, e.at.key);
        if (test.k === 'lit') return test.value === true ? this.emit(e.body, indent) : [];
        const saved = this.scope.temps;
        this.scope.temps = 0;
        const cond = this.guardTest(test);
        this.scope.temps = saved;
        return [`${indent}if (${cond}) {`, ...this.emit(e.body, `${indent}  `), `${indent}}`];
      }
      case 'bins': {
        const lines = this.emit(e.always, indent);
        const sw = this.nodeConstant(e, () => this.caseTable(e.field, e.bins.map((b) => b.values)));
        this.slot(e.field);
        lines.push(`${indent}switch (${sw.head}) {`);
        e.bins.forEach((b, i) => lines.push(`${indent}  ${sw.labels[i]!} ${this.callGroup(b.fn)}; break;`));
        lines.push(`${indent}}`);
        return lines;
      }
      case 'switch': {
        const lines = this.emit(e.always, indent);
        const slot = this.slot(e.field);
        const inner = indent + '    ';
        if (!this.cases!.tabled(e.field, e.cases.length)) {
          lines.push(`${indent}switch (${slot}) {`);
          for (const [v, c] of e.cases) lines.push(`${indent}  case ${this.lit(v)}:`, ...this.emit(c, inner), `${inner}break;`);
        } else {
          // Many cases: a table from the value's id to the case number, and a switch over dense integers.
          const sw = this.nodeConstant(e, () => this.caseTable(e.field, e.cases.map(([v]) => [v])));
          lines.push(`${indent}switch (${sw.head}) {`);
          e.cases.forEach(([, c], i) => lines.push(`${indent}  ${sw.labels[i]!}`, ...this.emit(c, inner), `${inner}break;`));
        }
        lines.push(`${indent}}`);
        return lines;
      }
    }
  }

  /** A constant made from a part of the plan, built once however often the part is emitted (passes, copies of decide()). */
  private nodeConstant<T>(e: Emit, make: () => T): T {
    let made = this.emitConstants.get(e) as T | undefined;
    if (made === undefined) this.emitConstants.set(e, (made = make()));
    return made;
  }

  private readonly emitConstants = new Map<Emit, unknown>();
  private cases?: CaseTables;

  /** The head and labels of a switch on `field` whose case i takes `groups[i]`, through the field's dictionary (codegen-cases.ts). */
  private caseTable(field: string, groups: readonly (readonly Value[])[]): CaseSwitch {
    return this.cases!.switch(field, this.eventSlots.get(field)!, this.caseMemo(field), groups);
  }

  /** The Memo property holding `field`'s id in its dictionary. */
  private caseMemo(field: string): string {
    return `k${this.eventSlots.get(field)!.slice(1)}`;
  }
  /** Each memo's representation in the last function that settled it: where the next function's first pass starts. */
  private readonly hints = new Map<string, Ctx>();

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

  private rule(i: number, at: KnownAt, indent: string): readonly string[] {
    const r = this.pack.rules[i]!;
    // Specialized once per function, as its text is written once (the specializer keeps
    // predicates and shared bodies, which other functions ask for again).
    let conds = this.ruleConds.get(at.key);
    if (!conds) this.ruleConds.set(at.key, (conds = new Map()));
    let cond = conds.get(i);
    if (cond === undefined) conds.set(i, (cond = this.specializer.specialize(r.condition, at.known, at.key)));
    if (cond.k === 'lit' && cond.value !== true) return [];
    // A rule's text depends only on the representations of the memos it names (and
    // what its function knows): passes reuse it when those agree.
    const scope = this.scope;
    let texts = this.ruleText.get(at.key);
    if (!texts) this.ruleText.set(at.key, (texts = new Map()));
    let byRule = texts.get(scope.at.key);
    if (!byRule) texts.set(scope.at.key, (byRule = new Map()));
    const cached = byRule.get(i);
    if (cached && cached.reprs.every(([k, c]) => (scope.repr.get(k) ?? scope.guess) === c)) {
      cached.slots.forEach((x) => scope.slots.add(x));
      for (const [k, c] of cached.uses) scope.use(k, c);
      for (const [k, c] of cached.reprs) scope.wrote(k, c);
      if (cached.nested) scope.nested = true;
      if (cached.depth > scope.written.depth) scope.written.depth = cached.depth;
      if (cached.temps > scope.maxTemps) scope.maxTemps = cached.temps;
      return indent ? cached.lines.map((l) => indent + l) : cached.lines;
    }
    scope.temps = 0;
    // The slots this rule reads, collected apart so that a reuse can add them again.
    const outer = scope.slots;
    const slots = (scope.slots = new Set<string>());
    const nestedBefore = scope.nested;
    scope.nested = false;
    const depthBefore = scope.written.depth;
    scope.written.depth = 0;
    const recording = (scope.recording = { uses: [], reprs: [] });
    const guards: string[] = [];
    if (r.effectiveFrom !== undefined) guards.push(`${this.now()} >= ${jsNumber(r.effectiveFrom)}`);
    if (r.effectiveUntil !== undefined) guards.push(`${this.now()} < ${jsNumber(r.effectiveUntil)}`);
    if (cond.k !== 'lit') guards.push(this.tru(cond));
    scope.recording = undefined;
    const depth = scope.written.depth;
    if (depthBefore > depth) scope.written.depth = depthBefore;
    const nested = scope.nested;
    scope.nested = nestedBefore || nested;
    scope.slots = outer;
    slots.forEach((x) => outer.add(x));
    const test = guards.length ? `if (${guards.join(' && ')}) ` : '';
    const lines = [`// rule #${jsComment(String(r.index))}`, `${test}{ fired.push(${r.index}); }`];
    // Aggregate filters are generated in a scope of their own, which this does not record.
    // Kept until the end of the program: arrays of their exact length (push leaves room for more).
    if (!this.aggregateReads.in(cond)) byRule.set(i, { lines, slots: [...slots], temps: scope.temps, uses: exact(recording.uses), reprs: exact(recording.reprs), nested, depth });
    return indent ? lines.map((l) => indent + l) : lines;
  }

  /** Rules' conditions specialized to what their part of the plan knows, by that, then the rule (one function's). */
  private ruleConds = new Map<string, Map<number, IR>>();

  /** By what the rule's part of the plan knows, then what its function knows, then the rule. */
  private ruleText = new Map<string, Map<string, Map<number, {
    readonly lines: readonly string[]; readonly slots: readonly string[]; readonly temps: number;
    readonly uses: readonly [string, Ctx][]; readonly reprs: readonly [string, Ctx][]; readonly nested: boolean; readonly depth: number;
  }>>>();

}

const NO_PAIRS: readonly [string, Ctx][] = [];

function exact(a: readonly [string, Ctx][]): readonly [string, Ctx][] {
  return a.length === 0 ? NO_PAIRS : a.slice();
}

function templateExprs(t: readonly { expr?: IR }[] | undefined): IR[] {
  return (t ?? []).flatMap((p) => (p.expr ? [p.expr] : []));
}

export { FUNCTION_ORDER, printIR };
