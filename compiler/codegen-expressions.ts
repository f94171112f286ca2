// Stage 5 (codegen.ts): expressions as JavaScript. `val` is an expression's
// value, `tru`/`fal` a test that is true exactly when it is true/false (never
// when missing); predicates, shared sub-expressions and `let`s are memos
// filled on first use, in the representation their uses need; entity rows
// and aggregates are memoized per decision in M. Numbers and strings from
// rule text go through jsNumber/jsString, everything else is a constant.
import { jsNumber, jsString } from './escape.ts';
import { FUNCTIONS } from './functions.ts';
import type { AggregateSpec, IR, Value } from './ir.ts';
import { Emitter, Scope, type Ctx } from './codegen-emitter.ts';

export const FUNCTION_ORDER: readonly string[] = [...FUNCTIONS.keys()];
const FN_INDEX = new Map(FUNCTION_ORDER.map((n, i) => [n, i]));
const SMALL_SET = 6;

export abstract class Expressions extends Emitter {
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
    const inner = new Scope(saved.at);
    inner.written = saved.written;
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
    scope.wrote(key, repr);
    if (scope.filling > scope.written.depth) scope.written.depth = scope.filling;
    scope.filling++;
    const fill = this.memoFill(repr === 'T' ? this.tru(body) : repr === 'F' ? this.fal(body) : this.val(body));
    scope.filling--;
    const read = `(${key} === U ? (${key} = ${fill}) : ${key})`;
    if (repr === ctx) return read;
    if (ctx === 'V') return read; // repr is V whenever a value is needed
    return `(${read} === ${ctx === 'T'})`;
  }

  /** A memo's fill as written at each use (codegen.ts moves large packs' fills out of line: codegen-fills.ts). */
  protected memoFill(fill: string): string {
    return fill;
  }

  // ---------- expressions ----------
  protected lit(v: Value): string {
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

  /**
   * The operands of a test that is false when one is missing, each with the
   * test that it is not (none when it never is) and its value after that
   * test. V8 records which kinds of values each comparison in the code has
   * seen; one that has seen undefined beside numbers or strings becomes a
   * call to a generic comparison, one that never does compares inline
   * (flat40: generic calls for `<`, `>=` and `=== "lit"` on optional fields).
   * Every operand is still evaluated, in order, as when it was compared
   * directly: one that can load an entity row or call the provider (and so
   * throw) is assigned to a temporary first (`pre`) when a test before it
   * could have skipped it.
   */
  private operands(xs: readonly IR[], inFilter: boolean): { pre: string[]; ops: { guards: string[]; value: string }[] } {
    const skippable = xs.some((x, i) => i > 0 && !this.simple(x) && !this.present(x) && xs.slice(0, i).some((y) => !this.present(y)));
    const pre: string[] = [];
    const ops = xs.map((x) => {
      if (this.present(x)) return { guards: [], value: this.val(x, inFilter) };
      if (!skippable || this.simple(x)) {
        const o = this.once(x, inFilter);
        return { guards: [`${o.first} !== undefined`], value: o.again };
      }
      const t = this.temp();
      pre.push(`${t} = ${this.val(x, inFilter)}`);
      return { guards: [`${t} !== undefined`], value: t };
    });
    return { pre, ops };
  }

  /** A test after the operands' evaluation (see `operands`). */
  private after(pre: readonly string[], test: string): string {
    return pre.length ? `(${pre.join(', ')}, ${test})` : `(${test})`;
  }

  /** One side of a `between`: the bound's test for missing, then the comparison. */
  private side(x: string, op: string, bound: { guards: string[]; value: string }): string {
    return [...bound.guards, `${x} ${op} ${bound.value}`].join(' && ');
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

  /**
   * A dispatch guard's test (codegen.ts, `guard`): as `tru`, but an ordering
   * test between a field and a literal compares them directly, as before the
   * guarded comparisons (`operands`): one test per decision for a whole
   * block of rules, and the text the dispatch plan's tests read.
   */
  protected guardTest(e: IR): string {
    if (e.k === 'cmp' && e.op !== '==' && e.op !== '!=' && this.simple(e.l) && this.simple(e.r)) {
      return `(${this.val(e.l)} ${e.op} ${this.val(e.r)})`;
    }
    return this.tru(e);
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
        // As `x >= lo && x <= hi` (`x < lo || x > hi`) did: x and lo always evaluated, hi only when the first side
        // did not settle it; false when either side is false, even with the other bound missing.
        const { pre, ops: [x, lo] } = this.operands([e.x, e.lo], inFilter);
        const hi = this.operands([e.hi], inFilter).ops[0]!;
        const first = [...x!.guards, this.side(x!.value, want ? '>=' : '<', lo!)].join(' && ');
        const second = [...hi.guards, ...x!.guards.map(() => `${x!.value} !== undefined`), `${x!.value} ${want ? '<=' : '>'} ${hi.value}`].join(' && ');
        return this.after(pre, want ? `${first} && ${second}` : `(${first}) || (${second})`);
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
      // Every ordering test on a missing (undefined) operand is false: tested first, so that the
      // comparison itself only ever sees values (see `operands`).
      const { pre, ops: [l, r] } = this.operands([e.l, e.r], inFilter);
      return this.after(pre, [...l!.guards, ...r!.guards, `${l!.value} ${op} ${r!.value}`].join(' && '));
    }
    const lp = this.present(e.l);
    const rp = this.present(e.r);
    if (op === '==') {
      // An operand that can be missing is tested first, as for an ordering test; both are evaluated, as before.
      if (lp && rp) return `(${this.val(e.l, inFilter)} === ${this.val(e.r, inFilter)})`;
      const { pre, ops: [l, r] } = this.operands([e.l, e.r], inFilter);
      return this.after(pre, [...(lp ? r!.guards : l!.guards), `${l!.value} === ${r!.value}`].join(' && '));
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
      if (member) {
        if (values.length === 0) return 'false';
        // Tested for missing first, as in `cmp`: the comparisons then only see present values.
        const tests = values.map((m) => `${xv} === ${this.lit(m)}`).join(' || ');
        return guard.length ? `(${guard[0]} && (${tests}))` : `(${tests})`;
      }
      const tests = [...guard, ...values.map((m) => `${xv} !== ${this.lit(m)}`)];
      return tests.length ? `(${tests.join(' && ')})` : 'true';
    }
    const s = this.constant(values, (k) => `new Set(${k})`);
    // A missing value is in no list (no member is missing): it is tested first and not looked up (flat40's
    // records have many nulls, each of them was a hash lookup).
    return `(${[...guard, `${member ? '' : '!'}${s}.has(${xv})`].join(' && ')})`;
  }
}
