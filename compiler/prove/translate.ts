// Checked expressions → formulas. A bool expression has two formulas: T(e),
// "e is true", and F(e), "e is false" (neither: e is missing), following the
// language's three-valued logic exactly. A value is a list of alternatives,
// each a guard and a symbolic value (`a ?? b` is a when a has a value, else
// b). What the prover does not reason about inside — string functions, sets,
// quantifiers, arithmetic that JavaScript would round — becomes an opaque
// term: an unknown of its type, true to the language because it may take
// any value the real expression could.
import type { CheckedRule, IR, Value } from '../ir.ts';
import { BOOL } from '../types.ts';
import { and, compareLin, FALSE, lit, not, or, present, TRUE, type F, type Term } from './formula.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';
import { constSym, missingF, presentF, type Alt, type Sym } from './symbolic.ts';
import { typeFacts } from './terms.ts';
import { ValueTranslator } from './translate-values.ts';

/**
 * Translates the expressions of one pack. `fields` says what event and
 * entity fields are (the pack's unknowns when proving).
 */
export class Translator extends ValueTranslator {
  private readonly tMemo = new WeakMap<IR, F>();
  private readonly fMemo = new WeakMap<IR, F>();
  private readonly predT = new Map<string, F>();
  private readonly predF = new Map<string, F>();

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
  protected quant(e: Extract<IR, { k: 'quant' }>): Alt[] | undefined {
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
}

const NEGATE = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const;
