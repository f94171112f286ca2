// Checked expressions → formulas. A bool expression has two formulas: T(e),
// "e is true", and F(e), "e is false" (neither: e is missing), following the
// language's three-valued logic exactly. A value is a list of alternatives,
// each a guard and a symbolic value (`a ?? b` is a when a has a value, else
// b). What the prover does not reason about inside — string functions, sets,
// quantifiers, arithmetic that JavaScript would round — becomes an opaque
// term: an unknown of its type, true to the language because it may take
// any value the real expression could.
import type { AggregateSpec, CheckedPack, CheckedRule, IR, Value } from '../ir.ts';
import { printIR } from '../print.ts';
import { mapChildren } from '../optimize/fold.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../literals.ts';
import { BOOL, INTEGER, type Type } from '../types.ts';
import { TIME_FIELD } from '../check/context.ts';
import {
  absent, and, compareLin, FALSE, lit, not, or, present, TRUE,
  type Discrete, type F, type Horn, type Origin, type Term,
} from './formula.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';

/** Largest magnitude JavaScript adds and subtracts whole numbers at without rounding. */
const EXACT = 2 ** 53;
const DAY_LIMIT = 8.64e15 - 8 * 3_600_000;
const MAX_ALTERNATIVES = 64;

export type Sym =
  | { readonly k: 'missing' }
  /** A number: a linear expression, present when every term in `pres` is. */
  | { readonly k: 'num'; readonly lin: Lin; readonly pres: readonly number[]; readonly integral: boolean; readonly mag: number }
  /** A string, enum, bool or set valued term. */
  | { readonly k: 'val'; readonly t: number }
  | { readonly k: 'const'; readonly v: Discrete | readonly Value[] };

export interface Alt { readonly g: F; readonly v: Sym }

const NUMERIC = new Set(['number', 'integer', 'money', 'duration', 'timestamp']);
const INTEGRAL = new Set(['integer', 'money', 'duration', 'timestamp']);
const isNumericType = (t: Type) => NUMERIC.has(t.t);

/** How fields are read: the pack's own features (proving), or fixed values and a history event's fields (building one). */
export interface Fields {
  field(entity: string, field: string, ir: IR): Alt[];
  hfield(field: string, ir: IR): Alt[];
}

export class Terms {
  readonly list: Term[] = [];
  private readonly byKey = new Map<string, Term>();
  readonly horn: Horn = { needs: new Map(), madeBy: [] };

  get(id: number): Term { return this.list[id]!; }

  term(key: string, make: Omit<Term, 'id' | 'key'>): Term {
    const known = this.byKey.get(key);
    if (known) return known;
    const t: Term = { id: this.list.length, key, ...make };
    this.list.push(t);
    this.byKey.set(key, t);
    return t;
  }

  find(key: string): Term | undefined { return this.byKey.get(key); }

  /** P(a) ⇒ P(b). */
  needs(a: number, b: number): void {
    if (a === b) return;
    let s = this.horn.needs.get(a);
    if (!s) this.horn.needs.set(a, s = new Set());
    s.add(b);
  }
  /** P(a) ⇔ all of P(bs). */
  iff(a: number, bs: readonly number[]): void {
    for (const b of bs) this.needs(a, b);
    this.horn.madeBy.push({ head: a, body: bs });
  }
}

/** The facts a type gives a term: whole numbers, bounds, finite domains. */
function typeFacts(type: Type): Pick<Term, 'sort' | 'integral' | 'lo' | 'hi' | 'domain'> {
  if (isNumericType(type)) {
    return {
      sort: 'num', integral: INTEGRAL.has(type.t),
      ...(type.t === 'timestamp' ? { lo: Rat.num(MIN_TIMESTAMP), hi: Rat.num(MAX_TIMESTAMP) } : {}),
    };
  }
  if (type.t === 'bool') return { sort: 'val', integral: false, domain: [true, false] };
  if (type.t === 'enum') return { sort: 'val', integral: false, domain: type.members };
  return { sort: 'val', integral: false };
}

function magnitude(type: Type): number {
  if (type.t === 'timestamp') return MAX_TIMESTAMP;
  return INTEGRAL.has(type.t) ? EXACT - 1 : Infinity;
}

export function numSym(t: Term, mag: number): Sym {
  return { k: 'num', lin: Lin.variable(t.id), pres: t.always ? [] : [t.id], integral: t.integral, mag };
}

export const termSym = (t: Term): Sym => (t.sort === 'num' ? numSym(t, t.type.t === 'timestamp' ? MAX_TIMESTAMP : t.integral ? EXACT - 1 : Infinity) : { k: 'val', t: t.id });

export function presentF(v: Sym): F {
  switch (v.k) {
    case 'missing': return FALSE;
    case 'num': return and(...v.pres.map(present));
    case 'val': return present(v.t);
    case 'const': return TRUE;
  }
}
export const missingF = (v: Sym): F => not(presentF(v));

const constSym = (v: Value, type: Type): Sym => {
  if (v === undefined) return { k: 'missing' };
  if (typeof v === 'number') return { k: 'num', lin: Lin.constant(Rat.num(v)), pres: [], integral: Number.isInteger(v), mag: Math.abs(v) };
  if (typeof v === 'string' || typeof v === 'boolean') return { k: 'const', v };
  void type;
  return { k: 'const', v: v as readonly Value[] };
};

/**
 * Translates the expressions of one pack. `fields` says what event and
 * entity fields are (the pack's unknowns when proving).
 */
export class Translator {
  private readonly tMemo = new WeakMap<IR, F>();
  private readonly fMemo = new WeakMap<IR, F>();
  private readonly symMemo = new WeakMap<IR, Alt[]>();
  private readonly predT = new Map<string, F>();
  private readonly predF = new Map<string, F>();

  constructor(readonly pack: CheckedPack, readonly terms: Terms, readonly fields: Fields) {}

  /** "The rule fires": it is in force at `now` and its condition is true. */
  fires(r: CheckedRule): F {
    if (!r.enabled) return FALSE;
    const now = this.nowSym();
    const lin = (now as Extract<Sym, { k: 'num' }>).lin;
    return and(
      r.effectiveFrom !== undefined ? compareLin('>=', lin, Lin.constant(Rat.num(r.effectiveFrom))) : TRUE,
      r.effectiveUntil !== undefined ? compareLin('<', lin, Lin.constant(Rat.num(r.effectiveUntil))) : TRUE,
      this.T(r.condition),
    );
  }

  nowSym(): Sym {
    const alts = this.fields.field('event', TIME_FIELD, { k: 'now', type: { t: 'timestamp' }, span: { file: 0, start: 0, end: 0 } });
    return alts[0]!.v;
  }

  // ---------------------------------------------------------------- truth

  T(e: IR): F {
    let f = this.tMemo.get(e);
    if (!f) { f = this.truth(e, true); this.tMemo.set(e, f); }
    return f;
  }

  F(e: IR): F {
    let f = this.fMemo.get(e);
    if (!f) { f = this.truth(e, false); this.fMemo.set(e, f); }
    return f;
  }

  private truth(e: IR, want: boolean): F {
    switch (e.k) {
      case 'and': return want ? and(...e.xs.map((x) => this.T(x))) : or(...e.xs.map((x) => this.F(x)));
      case 'or': return want ? or(...e.xs.map((x) => this.T(x))) : and(...e.xs.map((x) => this.F(x)));
      case 'not': return want ? this.F(e.x) : this.T(e.x);
      case 'pred': {
        const memo = want ? this.predT : this.predF;
        let f = memo.get(e.name);
        if (!f) {
          const body = this.pack.predicates.get(e.name)?.body;
          f = body ? (want ? this.T(body) : this.F(body)) : this.opaqueTruth(e, want, 'a predicate the pack does not define');
          memo.set(e.name, f);
        }
        return f;
      }
      case 'local': case 'shared': return want ? this.T(e.x) : this.F(e.x);
      case 'isMissing': {
        const alts = this.sym(e.x);
        const isMissing = or(...alts.map((a) => and(a.g, missingF(a.v))));
        const has = or(...alts.map((a) => and(a.g, presentF(a.v))));
        return (want !== e.negated) ? isMissing : has;
      }
      case 'cmp': return this.cmp(e, e.op, e.l, e.r, want);
      case 'between': {
        const ge: IR = { k: 'cmp', op: '>=', l: e.x, r: e.lo, type: BOOL, span: e.span };
        const le: IR = { k: 'cmp', op: '<=', l: e.x, r: e.hi, type: BOOL, span: e.span };
        return want ? and(this.T(ge), this.T(le)) : or(this.F(ge), this.F(le));
      }
      case 'in': return this.member(e, want);
      default: {
        // A bool value: a field, an aggregate, a function, a literal, `a ?? b`…
        const alts = this.sym(e);
        return or(...alts.map((a) => and(a.g, this.isBool(a.v, want))));
      }
    }
  }

  private isBool(v: Sym, want: boolean): F {
    switch (v.k) {
      case 'missing': return FALSE;
      case 'const': return v.v === want ? TRUE : FALSE;
      case 'val': return and(present(v.t), lit({ k: 'eq', t: v.t, v: want, pos: true }));
      case 'num': return FALSE;
    }
  }

  /** A bool expression the prover does not look inside: a term of its own. */
  private opaqueTruth(e: IR, want: boolean, why: string): F {
    const t = this.opaque(e, BOOL, why);
    return this.isBool({ k: 'val', t: t.id }, want);
  }

  private opaque(e: IR, type: Type, why: string, pres?: readonly number[]): Term {
    const key = `opaque:${termKey(e)}`;
    const known = this.terms.find(key);
    if (known) return known;
    const t = this.terms.term(key, { label: printIR(e), type, ...typeFacts(type), always: false, origin: { k: 'opaque', ir: e, why } });
    if (pres) this.terms.iff(t.id, pres);
    return t;
  }

  private cmp(e: IR, op: Extract<IR, { k: 'cmp' }>['op'], l: IR, r: IR, want: boolean): F {
    const ls = this.sym(l);
    const rs = this.sym(r);
    const out: F[] = [];
    for (const a of ls) {
      for (const b of rs) {
        const rel = this.relation(want ? op : NEGATE[op], a.v, b.v);
        if (rel === undefined) return this.opaqueTruth(e, want, 'a comparison of values the prover does not order');
        out.push(and(a.g, b.g, presentF(a.v), presentF(b.v), rel));
      }
    }
    return or(...out);
  }

  /** The relation between two present values, or undefined when it cannot be expressed. */
  private relation(op: Extract<IR, { k: 'cmp' }>['op'], a: Sym, b: Sym): F | undefined {
    if (a.k === 'missing' || b.k === 'missing') return FALSE;
    if (a.k === 'num' && b.k === 'num') return compareLin(op, a.lin, b.lin);
    if (a.k === 'num' || b.k === 'num') return undefined;
    if (op !== '==' && op !== '!=') {
      if (a.k === 'const' && b.k === 'const' && typeof a.v === 'string' && typeof b.v === 'string') {
        const c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
        const holds = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
        return holds ? TRUE : FALSE;
      }
      return undefined;
    }
    let f: F | undefined;
    if (a.k === 'const' && b.k === 'const') {
      if (typeof a.v === 'object' || typeof b.v === 'object') return undefined;
      f = a.v === b.v ? TRUE : FALSE;
    } else if (a.k === 'val' && b.k === 'val') {
      if (this.terms.get(a.t).type.t === 'set' || this.terms.get(b.t).type.t === 'set') return undefined;
      f = a.t === b.t ? TRUE : lit({ k: 'teq', a: a.t, b: b.t, pos: true });
    } else {
      const [t, c] = a.k === 'val' ? [a, b] : [b, a];
      if (c.k !== 'const' || typeof c.v === 'object' || this.terms.get((t as { t: number }).t).type.t === 'set') return undefined;
      f = lit({ k: 'eq', t: (t as { t: number }).t, v: c.v, pos: true });
    }
    return op === '==' ? f : not(f);
  }

  private member(e: Extract<IR, { k: 'in' }>, want: boolean): F {
    const xs = this.sym(e.x);
    const set = e.set;
    if (set.kind === 'values' || set.kind === 'items') {
      const out: F[] = [];
      for (const a of xs) {
        if (set.kind === 'values') {
          const inside: F[] = [];
          for (const v of set.values) {
            const rel = this.relation('==', a.v, constSym(v, e.x.type));
            if (rel === undefined) return this.opaqueTruth(e, want, 'membership the prover does not reason about');
            inside.push(rel);
          }
          const isIn = or(...inside);
          out.push(and(a.g, presentF(a.v), want !== e.negated ? isIn : not(isIn)));
        } else {
          // Members computed at decision time: in if equal to one; missing if none is equal and one is missing.
          const members = set.xs.map((x) => this.sym(x));
          const eqs: F[] = [];
          const neqs: F[] = [];
          for (const alts of members) {
            const same: F[] = [];
            const differ: F[] = [];
            for (const m of alts) {
              const eq = this.relation('==', a.v, m.v);
              if (eq === undefined) return this.opaqueTruth(e, want, 'membership the prover does not reason about');
              same.push(and(m.g, presentF(m.v), eq));
              differ.push(and(m.g, presentF(m.v), not(eq)));
            }
            eqs.push(or(...same));
            neqs.push(or(...differ));
          }
          const isIn = or(...eqs);
          const isOut = and(...neqs);
          out.push(and(a.g, presentF(a.v), want !== e.negated ? isIn : isOut));
        }
      }
      return or(...out);
    }
    // A constant in a set-valued feature: one bool unknown per (set, constant), shared with `any of … in` (quant below).
    if (set.kind === 'expr' && xs.length === 1 && xs[0]!.g.k === 'true' && xs[0]!.v.k === 'const' && typeof xs[0]!.v.v !== 'object') {
      const s = this.setTerm(set.x);
      if (s !== undefined) return this.isBool({ k: 'val', t: this.memberTerm(s, xs[0]!.v.v).id }, want !== e.negated);
    }
    // An external list or a set-valued feature: membership is an unknown, missing when the value (or the set) is.
    const pres = this.presenceTerms(xs, set.kind === 'expr' ? this.sym(set.x) : []);
    const t = this.opaque(e, BOOL, set.kind === 'external' ? 'membership of an external list' : 'membership of a set', pres);
    return this.isBool({ k: 'val', t: t.id }, want);
  }

  /** The term of a set-valued feature, when the expression is exactly one. */
  private setTerm(x: IR): number | undefined {
    const alts = this.sym(x);
    const v = alts.length === 1 && alts[0]!.g.k === 'true' ? alts[0]!.v : undefined;
    return v?.k === 'val' && this.terms.get(v.t).type.t === 'set' ? v.t : undefined;
  }

  /** `c in S`: a bool of its own, present exactly when S is (for a present S, true or false, never missing). */
  private memberTerm(s: number, c: Value): Term {
    const key = `member:${s}:${typeof c}:${String(c)}`;
    const known = this.terms.find(key);
    if (known) return known;
    const t = this.terms.term(key, { label: `${JSON.stringify(c)} in ${this.terms.get(s).label}`, type: BOOL, ...typeFacts(BOOL), always: false, origin: { k: 'member', set: s, value: c } });
    this.terms.iff(t.id, [s]);
    return t;
  }

  /**
   * `any of S in [v₁, …]` for a set-valued feature S and known members: true
   * when some vᵢ is in S (members of S outside the list never make it true),
   * false when none is, missing when S is. Other quantifiers stay opaque.
   */
  private quant(e: Extract<IR, { k: 'quant' }>): Alt[] | undefined {
    if (e.q !== 'any' || e.negated || e.items.kind !== 'expr' || e.set.kind !== 'values' || e.set.values.some((v) => typeof v === 'object' || v === undefined)) return undefined;
    const s = this.setTerm(e.items.x);
    if (s === undefined) return undefined;
    const isIn = or(...e.set.values.map((v) => lit({ k: 'eq', t: this.memberTerm(s, v).id, v: true, pos: true })));
    return [
      { g: and(present(s), isIn), v: { k: 'const', v: true } },
      { g: and(present(s), not(isIn)), v: { k: 'const', v: false } },
      { g: not(present(s)), v: { k: 'missing' } },
    ];
  }

  /** The terms whose presence makes all these values present, when each is a single term or constant. */
  private presenceTerms(...groups: Alt[][]): number[] | undefined {
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

  private one(v: Sym): Alt[] { return [{ g: TRUE, v }]; }

  private value(e: IR): Alt[] {
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
  private arith(e: IR, f: (a: Extract<Sym, { k: 'num' }>, b?: Extract<Sym, { k: 'num' }>) => Lin | undefined, operands: IR[]): Alt[] {
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

  private opaqueNum(e: IR, why: string, operands: IR[]): Alt[] {
    // Missing when an operand is; with bounded whole numbers never missing otherwise (no overflow), else possibly.
    const alts = operands.map((o) => this.sym(o));
    const pres = this.presenceTerms(...alts);
    const bounded = alts.every((a) => a.every((x) => x.v.k !== 'num' || x.v.mag < EXACT));
    const t = this.opaque(e, e.type, why);
    if (pres) { if (bounded && (e.k !== 'arith' || (e.op !== '/' && e.op !== '%'))) this.terms.iff(t.id, pres); else for (const p of pres) this.terms.needs(t.id, p); }
    return this.one(termSym(t));
  }

  private aggregate(a: AggregateSpec): Term {
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

  private call(e: Extract<IR, { k: 'call' }>): Alt[] {
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

  private mapNum(e: IR, alts: Alt[], f: (x: Extract<Sym, { k: 'num' }>) => Extract<Sym, { k: 'num' }>): Alt[] {
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
  private fnTerm(e: Extract<IR, { k: 'call' }>, args: Alt[][]): Alt[] {
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

const NEGATE = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const;

/** Results' ranges (inclusive). */
const RANGES: Record<string, [number, number]> = {
  hour: [0, 23], minute: [0, 59], weekday: [1, 7], day: [1, 31], month: [1, 12], year: [0, 9999],
  len: [0, Infinity], distance_km: [0, 20_016],
};
/** Functions whose value is there whenever their arguments are (timestamps within the Date range). */
const TOTAL = new Set(['hour', 'minute', 'weekday', 'day', 'month', 'year', 'date', 'len', 'lower', 'upper', 'trim', 'starts_with', 'ends_with', 'contains', 'matches', 'years_since', 'months_since']);
/** Functions a counterexample can be built for: the time of day and the calendar from `now`, working days from the calendar. */
const KNOWN_FUNCTIONS = new Set(['hour', 'minute', 'weekday', 'day', 'month', 'year', 'date', 'working_days', 'len', 'years_since', 'months_since']);

/** The pack's own features as unknowns: what proving quantifies over. */
export function packFields(pack: CheckedPack, terms: Terms): Fields {
  const make = (entity: string, field: string): Term => {
    const key = entity === 'event' && field === TIME_FIELD ? 'now' : `${entity}.${field}`;
    const known = terms.find(key);
    if (known) return known;
    const info = entity === 'event' ? pack.schema.event : pack.schema.entities.get(entity)!;
    const f = info.fields.get(field)!;
    // Required fields are checked only where the pack reads them (pack.eventFields): elsewhere they may be missing.
    const always = entity === 'event' && f.required && pack.eventFields.includes(field);
    const t = terms.term(key, {
      label: key === 'now' ? 'now' : key, type: f.type, ...typeFacts(f.type), always,
      origin: key === 'now' ? { k: 'now' } : { k: 'field', entity, field },
    });
    // An entity's fields are there only when the event names the entity.
    if (entity !== 'event') terms.needs(t.id, make('event', (info as { key: string }).key).id);
    return t;
  };
  return {
    field: (entity, field) => [{ g: TRUE, v: termSym(make(entity, field)) }],
    hfield: (field, ir) => [{ g: TRUE, v: termSym(terms.term(`opaque:history.${field}`, { label: field, type: ir.type, ...typeFacts(ir.type), always: false, origin: { k: 'opaque', ir, why: 'a history field outside an aggregate' } })) }],
  };
}

export { INTEGER, absent, magnitude };
