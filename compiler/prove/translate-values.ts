// The value half of the translation: an expression → its alternatives
// (guard, symbolic value). Numbers stay linear and exact where JavaScript
// would not round; everything else becomes an opaque term. The truth half
// (T, F, set membership) is the subclass in compiler/prove/translate.ts; the
// two recurse into each other, a condition used as a value and a value
// tested as a condition.
import type { AggregateSpec, CheckedPack, IR } from '../ir.ts';
import { printIR } from '../print.ts';
import { mapChildren } from '../optimize/fold.ts';
import { type Type } from '../types.ts';
import { TIME_FIELD } from '../check/context.ts';
import { and, compareLin, not, TRUE, type F, type Origin, type Term } from './formula.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';
import type { Fields } from './fields.ts';
import { constSym, missingF, presentF, termSym, type Alt, type Sym } from './symbolic.ts';
import { EXACT, INTEGRAL, isNumericType, typeFacts, type Terms } from './terms.ts';

const DAY_LIMIT = 8.64e15 - 8 * 3_600_000;
const MAX_ALTERNATIVES = 64;

export abstract class ValueTranslator {
  private readonly symMemo = new WeakMap<IR, Alt[]>();

  constructor(readonly pack: CheckedPack, readonly terms: Terms, readonly fields: Fields) {}

  /** "e is true" and "e is false": the truth half. */
  abstract T(e: IR): F;
  abstract F(e: IR): F;
  /** A quantifier over a set the truth half can decide, or undefined (then it is opaque). */
  protected abstract quant(e: Extract<IR, { k: 'quant' }>): Alt[] | undefined;

  nowSym(): Sym {
    const alts = this.fields.field('event', TIME_FIELD, { k: 'now', type: { t: 'timestamp' }, span: { file: 0, start: 0, end: 0 } });
    return alts[0]!.v;
  }

  protected opaque(e: IR, type: Type, why: string, pres?: readonly number[]): Term {
    const key = `opaque:${termKey(e)}`;
    const known = this.terms.find(key);
    if (known) return known;
    const t = this.terms.term(key, { label: printIR(e), type, ...typeFacts(type), always: false, origin: { k: 'opaque', ir: e, why } });
    if (pres) this.terms.iff(t.id, pres);
    return t;
  }

  /** The terms whose presence makes all these values present, when each is a single term or constant. */
  protected presenceTerms(...groups: Alt[][]): number[] | undefined {
    const out: number[] = [];
    for (const g of groups) {
      if (g.length !== 1 || g[0]!.g.k !== 'true') return undefined;
      const v = g[0]!.v;
      if (v.k === 'num') out.push(...v.pres);
      else if (v.k === 'val') out.push(v.t);
      else if (v.k === 'missing') return undefined;
    }
    return out;
  }

  // ---------------------------------------------------------------- values

  sym(e: IR): Alt[] {
    let a = this.symMemo.get(e);
    if (!a) {
      a = this.value(e);
      if (a.length > MAX_ALTERNATIVES) a = [{ g: TRUE, v: termSym(this.opaque(e, e.type, 'too many cases')) }];
      this.symMemo.set(e, a);
    }
    return a;
  }

  protected one(v: Sym): Alt[] { return [{ g: TRUE, v }]; }

  protected value(e: IR): Alt[] {
    switch (e.k) {
      case 'lit': return this.one(constSym(e.value, e.type));
      case 'now': return this.fields.field('event', TIME_FIELD, e);
      case 'field': return this.fields.field(e.entity, e.field, e);
      case 'hfield': return this.fields.hfield(e.field, e);
      case 'local': case 'shared': return this.sym(e.x);
      case 'pred': case 'and': case 'or': case 'not': case 'cmp': case 'isMissing': case 'in': case 'between':
        // A condition as a value: true, false or missing.
        return [
          { g: this.T(e), v: { k: 'const', v: true } },
          { g: this.F(e), v: { k: 'const', v: false } },
          { g: and(not(this.T(e)), not(this.F(e))), v: { k: 'missing' } },
        ];
      case 'coalesce': {
        const out: Alt[] = [];
        const right = this.sym(e.r);
        for (const a of this.sym(e.l)) {
          out.push({ g: and(a.g, presentF(a.v)), v: a.v });
          const gone = and(a.g, missingF(a.v));
          if (gone.k !== 'false') for (const b of right) out.push({ g: and(gone, b.g), v: b.v });
        }
        return out;
      }
      case 'neg': return this.arith(e, (x) => x.lin.scale(Rat.ONE.neg()), [e.x]);
      case 'arith': {
        const l = e.l;
        const r = e.r;
        if (e.op === '+') return this.arith(e, (a, b) => a.lin.add(b!.lin), [l, r]);
        if (e.op === '-') return this.arith(e, (a, b) => a.lin.sub(b!.lin), [l, r]);
        if (e.op === '*') return this.arith(e, (a, b) => (a.lin.isConstant() ? b!.lin.scale(a.lin.c) : b!.lin.isConstant() ? a.lin.scale(b!.lin.c) : undefined), [l, r]);
        return this.opaqueNum(e, 'division and remainder round', [l, r]);
      }
      case 'agg': return this.one(termSym(this.aggregate(this.pack.aggregates[e.id]!)));
      case 'call': return this.call(e);
      case 'quant': return this.quant(e) ?? this.one(termSym(this.opaque(e, e.type, 'all of / count of, or any of over a list kept outside the pack')));
    }
  }

  /**
   * Linear arithmetic, kept exact: whole numbers, whole coefficients and
   * magnitudes JavaScript adds without rounding. Anything else is an opaque
   * number, missing when an operand is (or, past 1e308, when the result is).
   */
  protected arith(e: IR, f: (a: Extract<Sym, { k: 'num' }>, b?: Extract<Sym, { k: 'num' }>) => Lin | undefined, operands: IR[]): Alt[] {
    const alts = operands.map((o) => this.sym(o));
    const out: Alt[] = [];
    const combos = alts.length === 1 ? alts[0]!.map((a) => [a]) : alts[0]!.flatMap((a) => alts[1]!.map((b) => [a, b]));
    for (const c of combos) {
      const g = and(...c.map((x) => x.g));
      if (c.some((x) => x.v.k === 'missing')) { out.push({ g, v: { k: 'missing' } }); continue; }
      if (c.some((x) => x.v.k !== 'num')) return this.opaqueNum(e, 'arithmetic on values that are not numbers', operands);
      const [a, b] = c.map((x) => x.v) as Extract<Sym, { k: 'num' }>[];
      const lin = f(a!, b);
      if (!lin) return this.opaqueNum(e, 'multiplication of two unknowns', operands);
      const coefs = [...lin.terms.values()];
      const integral = c.every((x) => (x.v as Extract<Sym, { k: 'num' }>).integral) && coefs.every((k) => k.isInt()) && lin.c.isInt();
      // Every intermediate result is bounded by Σ|coefficient|·|operand| + |constant|.
      const mag = c.reduce((m, x) => m + (x.v as Extract<Sym, { k: 'num' }>).mag * Math.max(1, ...coefs.map((k) => Math.abs(k.toNumber()))), Math.abs(lin.c.toNumber()));
      if (!integral || !(mag < EXACT)) return this.opaqueNum(e, 'arithmetic JavaScript may round', operands);
      out.push({ g, v: { k: 'num', lin, pres: [...new Set(c.flatMap((x) => (x.v as Extract<Sym, { k: 'num' }>).pres))], integral: true, mag } });
    }
    return out;
  }

  protected opaqueNum(e: IR, why: string, operands: IR[]): Alt[] {
    // Missing when an operand is; with bounded whole numbers never missing otherwise (no overflow), else possibly.
    const alts = operands.map((o) => this.sym(o));
    const pres = this.presenceTerms(...alts);
    const bounded = alts.every((a) => a.every((x) => x.v.k !== 'num' || x.v.mag < EXACT));
    const t = this.opaque(e, e.type, why);
    if (pres) { if (bounded && (e.k !== 'arith' || (e.op !== '/' && e.op !== '%'))) this.terms.iff(t.id, pres); else for (const p of pres) this.terms.needs(t.id, p); }
    return this.one(termSym(t));
  }

  protected aggregate(a: AggregateSpec): Term {
    const key = `agg#${a.id}`;
    const known = this.terms.find(key);
    if (known) return known;
    const fieldType = a.fieldType;
    const numericField = !!fieldType && isNumericType(fieldType);
    const integralField = !!fieldType && INTEGRAL.has(fieldType.t);
    const type = a.type;
    let integral = false;
    let lo: Rat | undefined;
    let hi: Rat | undefined;
    switch (a.fn) {
      case 'count': case 'distinct':
        integral = true; lo = Rat.ZERO;
        if (a.window.kind === 'events') hi = Rat.num(a.window.n);
        break;
      case 'time_since_last': integral = true; lo = Rat.ZERO; break;
      case 'stddev': lo = Rat.ZERO; break;
      case 'sum': case 'min': case 'max': case 'latest': integral = integralField; break;
    }
    const facts = typeFacts(type);
    const t = this.terms.term(key, {
      label: a.text, type, ...facts, integral: facts.sort === 'num' ? integral : false,
      ...(lo ? { lo } : {}), ...(hi ? { hi } : facts.hi ? { hi: facts.hi } : {}),
      ...(facts.lo && !lo ? { lo: facts.lo } : {}),
      always: a.by === undefined && (a.fn === 'count' || a.fn === 'sum' || a.fn === 'distinct' || a.fn === 'sequence'),
      origin: { k: 'agg', id: a.id },
    });
    void numericField;
    if (a.by !== undefined) {
      const keyAlts = this.fields.field('event', a.by, { k: 'field', entity: 'event', field: a.by, type: this.pack.schema.event.fields.get(a.by)!.type, span: a.span });
      const keyPres = this.presenceTerms(keyAlts);
      if (keyPres) {
        // Missing exactly when the key is, for those that are 0 over no events; the others need the key too.
        if (a.fn === 'count' || a.fn === 'sum' || a.fn === 'distinct' || a.fn === 'sequence') this.terms.iff(t.id, keyPres);
        else for (const p of keyPres) this.terms.needs(t.id, p);
      }
    }
    return t;
  }

  protected call(e: Extract<IR, { k: 'call' }>): Alt[] {
    const args = e.args.map((a) => this.sym(a));
    const single = (i: number) => args[i]!.length === 1 && args[i]![0]!.g.k === 'true' ? args[i]![0]!.v : undefined;
    switch (e.fn) {
      case 'age': {
        const now = this.nowSym() as Extract<Sym, { k: 'num' }>;
        return this.mapNum(e, args[0]!, (t) => ({ k: 'num', lin: now.lin.sub(t.lin), pres: t.pres, integral: t.integral, mag: now.mag + t.mag }));
      }
      case 'abs': case 'round': case 'floor': case 'ceil': {
        const out: Alt[] = [];
        for (const a of args[0]!) {
          if (a.v.k === 'missing') { out.push(a); continue; }
          if (a.v.k !== 'num') return this.fnTerm(e, args);
          const x = a.v;
          if (e.fn !== 'abs') {
            if (!x.integral) return this.fnTerm(e, args);
            out.push(a);
            continue;
          }
          const minus: Sym = { ...x, lin: x.lin.scale(Rat.ONE.neg()) };
          out.push({ g: and(a.g, compareLin('>=', x.lin, Lin.constant(Rat.ZERO))), v: x });
          out.push({ g: and(a.g, compareLin('<', x.lin, Lin.constant(Rat.ZERO))), v: minus });
        }
        return out;
      }
      case 'min': case 'max': {
        const out: Alt[] = [];
        for (const a of args[0]!) {
          for (const b of args[1]!) {
            const g = and(a.g, b.g);
            if (a.v.k === 'missing' || b.v.k === 'missing') { out.push({ g, v: { k: 'missing' } }); continue; }
            if (a.v.k !== 'num' || b.v.k !== 'num') return this.fnTerm(e, args);
            const aFirst = compareLin(e.fn === 'min' ? '<=' : '>=', a.v.lin, b.v.lin);
            out.push({ g: and(g, aFirst), v: a.v });
            out.push({ g: and(g, not(aFirst)), v: b.v });
          }
        }
        return out;
      }
      default: {
        void single;
        return this.fnTerm(e, args);
      }
    }
  }

  protected mapNum(e: IR, alts: Alt[], f: (x: Extract<Sym, { k: 'num' }>) => Extract<Sym, { k: 'num' }>): Alt[] {
    const out: Alt[] = [];
    for (const a of alts) {
      if (a.v.k === 'missing') { out.push(a); continue; }
      if (a.v.k !== 'num') return this.fnTerm(e as Extract<IR, { k: 'call' }>, [alts]);
      const v = f(a.v);
      if (!(v.mag < EXACT) || !v.integral) return this.fnTerm(e as Extract<IR, { k: 'call' }>, [alts]);
      out.push({ g: a.g, v });
    }
    return out;
  }

  /**
   * A function the prover does not look inside: one unknown per way of
   * writing it, within the bounds of its result (hour 0–23, len ≥ 0…),
   * missing when an argument is (and, for functions that can fail, maybe
   * otherwise).
   */
  protected fnTerm(e: Extract<IR, { k: 'call' }>, args: Alt[][]): Alt[] {
    const key = `fn:${termKey(e)}`;
    let t = this.terms.find(key);
    if (!t) {
      const facts = typeFacts(e.type);
      const range = RANGES[e.fn];
      t = this.terms.term(key, {
        label: printIR(e), type: e.type, ...facts,
        ...(e.fn === 'working_days' || e.fn === 'years_since' || e.fn === 'months_since' || e.fn === 'len' ? { integral: true } : {}),
        ...(range ? { lo: Rat.num(range[0]), ...(range[1] === Infinity ? {} : { hi: Rat.num(range[1]) }), integral: e.type.t === 'integer' } : {}),
        always: false, origin: KNOWN_FUNCTIONS.has(e.fn) ? { k: 'fn', fn: e.fn, ir: e } : { k: 'opaque', ir: e, why: `${e.fn}()` } as Origin,
      });
      const pres = this.presenceTerms(...args);
      if (pres) {
        const mags = args.flatMap((a) => a.map((x) => (x.v.k === 'num' ? x.v.mag : 0)));
        const total = TOTAL.has(e.fn) && mags.every((m) => m <= DAY_LIMIT);
        if (total) this.terms.iff(t.id, pres); else for (const p of pres) this.terms.needs(t.id, p);
      }
    }
    return this.one(termSym(t));
  }
}

/**
 * Identity of an expression as an unknown: its text with every `let` and
 * shared sub-expression written out, so two rules' `let x` with different
 * definitions never become one term.
 */
function termKey(e: IR): string {
  const inline = (x: IR): IR => (x.k === 'local' || x.k === 'shared' ? inline(x.x) : mapChildren(x, inline));
  return printIR(inline(e));
}

/** Results' ranges (inclusive). */
const RANGES: Record<string, [number, number]> = {
  hour: [0, 23], minute: [0, 59], weekday: [1, 7], day: [1, 31], month: [1, 12], year: [0, 9999],
  len: [0, Infinity], distance_km: [0, 20_016],
};
/** Functions whose value is there whenever their arguments are (timestamps within the Date range). */
const TOTAL = new Set(['hour', 'minute', 'weekday', 'day', 'month', 'year', 'date', 'len', 'lower', 'upper', 'trim', 'starts_with', 'ends_with', 'contains', 'matches', 'years_since', 'months_since']);
/** Functions a counterexample can be built for: the time of day and the calendar from `now`, working days from the calendar. */
const KNOWN_FUNCTIONS = new Set(['hour', 'minute', 'weekday', 'day', 'month', 'year', 'date', 'working_days', 'len', 'years_since', 'months_since']);
