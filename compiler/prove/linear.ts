// Linear arithmetic over the rationals for the prover: expressions
// Σ aᵢ·xᵢ + c, constraints `e < 0`, `e <= 0`, `e = 0`, feasibility by
// Fourier–Motzkin elimination (exact, on BigInt rationals) and a model by
// back-substitution. Variables known to be whole numbers get their bounds
// rounded inwards (x > 2.5 becomes x >= 3), which is sound for them; the
// rest is the real relaxation, so "infeasible" is always true and "feasible"
// may need checking on whole numbers, as every counterexample is.
import { Rat } from './rational.ts';

export type Var = number;

export class Lin {
  constructor(readonly terms: ReadonlyMap<Var, Rat>, readonly c: Rat) {}
  static constant(c: Rat): Lin { return new Lin(new Map(), c); }
  static variable(v: Var): Lin { return new Lin(new Map([[v, Rat.ONE]]), Rat.ZERO); }

  add(o: Lin, k: Rat = Rat.ONE): Lin {
    const t = new Map(this.terms);
    for (const [v, a] of o.terms) {
      const s = (t.get(v) ?? Rat.ZERO).add(a.mul(k));
      if (s.sign() === 0) t.delete(v); else t.set(v, s);
    }
    return new Lin(t, this.c.add(o.c.mul(k)));
  }
  sub(o: Lin): Lin { return this.add(o, Rat.ONE.neg()); }
  scale(k: Rat): Lin {
    if (k.sign() === 0) return Lin.constant(Rat.ZERO);
    return new Lin(new Map([...this.terms].map(([v, a]) => [v, a.mul(k)])), this.c.mul(k));
  }
  isConstant(): boolean { return this.terms.size === 0; }
  coef(v: Var): Rat { return this.terms.get(v) ?? Rat.ZERO; }
  /** The value with every variable given (missing ones count as 0). */
  at(values: ReadonlyMap<Var, Rat>): Rat {
    let s = this.c;
    for (const [v, a] of this.terms) s = s.add(a.mul(values.get(v) ?? Rat.ZERO));
    return s;
  }
  key(): string {
    return `${[...this.terms].sort((a, b) => a[0] - b[0]).map(([v, a]) => `${a}*x${v}`).join('+')}+${this.c}`;
  }
}

export type Op = '<' | '<=' | '=';
export interface Constraint { readonly e: Lin; readonly op: Op }

export interface VarInfo {
  readonly integral: boolean;
  readonly lo?: Rat;
  readonly hi?: Rat;
}

export type Feasibility = 'sat' | 'unsat' | 'unknown';

/** Past this many constraints in one elimination the answer is "unknown" (never a wrong one). */
const MAX_CONSTRAINTS = 3000;

interface Stage { readonly v: Var; readonly upper: Constraint[]; readonly lower: Constraint[]; readonly eq?: Lin }

/** Feasibility of the constraints (and each variable's bounds). */
export function feasible(cs: readonly Constraint[], info: (v: Var) => VarInfo): Feasibility {
  return eliminate(cs, info, () => 0).result;
}

/**
 * A solution, or undefined. `prefer` gives a value to aim for (taken when the
 * bounds allow, else the nearest bound; whole numbers for integral
 * variables); `order` says which variables are eliminated first, and so get
 * their values last, once every other value is known.
 */
export function solve(cs: readonly Constraint[], info: (v: Var) => VarInfo, prefer: (v: Var) => Rat, order: (v: Var) => number = () => 0): Map<Var, Rat> | undefined {
  const r = eliminate(cs, info, order);
  if (r.result !== 'sat') return undefined;
  const values = new Map<Var, Rat>();
  for (const st of [...r.stages].reverse()) {
    if (st.eq) { values.set(st.v, st.eq.at(values)); continue; }
    const vi = info(st.v);
    let lo: { x: Rat; strict: boolean } | undefined;
    let hi: { x: Rat; strict: boolean } | undefined;
    // a·v + rest (op) 0 with a > 0: v (op) −rest/a, an upper bound; a < 0: a lower bound.
    for (const c of st.upper) {
      const a = c.e.coef(st.v);
      const b = c.e.sub(new Lin(new Map([[st.v, a]]), Rat.ZERO)).at(values).neg().div(a);
      if (!hi || b.cmp(hi.x) < 0 || (b.eq(hi.x) && c.op === '<')) hi = { x: b, strict: c.op === '<' };
    }
    for (const c of st.lower) {
      const a = c.e.coef(st.v);
      const b = c.e.sub(new Lin(new Map([[st.v, a]]), Rat.ZERO)).at(values).neg().div(a);
      if (!lo || b.cmp(lo.x) > 0 || (b.eq(lo.x) && c.op === '<')) lo = { x: b, strict: c.op === '<' };
    }
    const v = pick(lo, hi, prefer(st.v), vi.integral);
    if (!v) return undefined;
    values.set(st.v, v);
  }
  for (const c of cs) for (const v of c.e.terms.keys()) if (!values.has(v)) values.set(v, prefer(v));
  // Rounding to whole numbers may have left the real solution: check every constraint.
  for (const c of cs) {
    const s = c.e.at(values).sign();
    if (c.op === '<' ? s >= 0 : c.op === '<=' ? s > 0 : s !== 0) return undefined;
  }
  return values;
}

function pick(lo: { x: Rat; strict: boolean } | undefined, hi: { x: Rat; strict: boolean } | undefined, want: Rat, integral: boolean): Rat | undefined {
  const above = (x: Rat) => !lo || x.cmp(lo.x) > 0 || (!lo.strict && x.eq(lo.x));
  const below = (x: Rat) => !hi || x.cmp(hi.x) < 0 || (!hi.strict && x.eq(hi.x));
  if (integral) {
    const L = lo ? (lo.strict ? lo.x.floor() + 1n : lo.x.ceil()) : undefined;
    const H = hi ? (hi.strict ? hi.x.ceil() - 1n : hi.x.floor()) : undefined;
    if (L !== undefined && H !== undefined && L > H) return undefined;
    let w = want.isInt() ? want.n : want.floor();
    if (L !== undefined && w < L) w = L;
    if (H !== undefined && w > H) w = H;
    return Rat.of(w);
  }
  if (above(want) && below(want)) return want;
  if (lo && hi) {
    if (!lo.strict && below(lo.x) && want.cmp(lo.x) < 0) return lo.x;
    if (!hi.strict && above(hi.x) && want.cmp(hi.x) > 0) return hi.x;
    const mid = lo.x.add(hi.x).div(Rat.of(2n));
    return above(mid) && below(mid) ? mid : undefined;
  }
  if (lo) return lo.strict ? lo.x.add(Rat.ONE) : lo.x;
  if (hi) return hi.strict ? hi.x.sub(Rat.ONE) : hi.x;
  return want;
}

function eliminate(input: readonly Constraint[], info: (v: Var) => VarInfo, order: (v: Var) => number): { result: Feasibility; stages: Stage[] } {
  let cs: Constraint[] = [];
  const vars = new Set<Var>();
  for (const c of input) for (const v of c.e.terms.keys()) vars.add(v);
  for (const v of vars) {
    const vi = info(v);
    if (vi.lo) cs.push({ e: Lin.constant(vi.lo).sub(Lin.variable(v)), op: '<=' });
    if (vi.hi) cs.push({ e: Lin.variable(v).sub(Lin.constant(vi.hi)), op: '<=' });
  }
  cs.push(...input);
  const stages: Stage[] = [];
  // Equalities first: each removes a variable by substitution.
  for (;;) {
    const eq = cs.find((c) => c.op === '=' && !c.e.isConstant());
    if (!eq) break;
    const [v, a] = [...eq.e.terms].sort((x, y) => order(x[0]) - order(y[0]))[0]!;
    // v = −(e − a·v)/a
    const rest = eq.e.sub(new Lin(new Map([[v, a]]), Rat.ZERO)).scale(Rat.ONE.neg().div(a));
    stages.push({ v, upper: [], lower: [], eq: rest });
    cs = cs.filter((c) => c !== eq).map((c) => {
      const k = c.e.coef(v);
      return k.sign() === 0 ? c : { e: c.e.sub(new Lin(new Map([[v, k]]), Rat.ZERO)).add(rest, k), op: c.op };
    });
    vars.delete(v);
  }
  for (;;) {
    const tidy = normalize(cs, info);
    if (tidy === 'unsat') return { result: 'unsat', stages };
    cs = tidy;
    const live = [...vars].filter((v) => cs.some((c) => c.e.coef(v).sign() !== 0));
    if (live.length === 0) return { result: 'sat', stages };
    // The variable whose elimination makes the fewest new constraints, by the caller's order first.
    let best: Var | undefined;
    let bestCost = Infinity;
    for (const v of live) {
      let p = 0;
      let n = 0;
      for (const c of cs) { const s = c.e.coef(v).sign(); if (s > 0) p++; else if (s < 0) n++; }
      const cost = order(v) * 1e9 + p * n - p - n;
      if (cost < bestCost) { bestCost = cost; best = v; }
    }
    const v = best!;
    const upper = cs.filter((c) => c.e.coef(v).sign() > 0);
    const lower = cs.filter((c) => c.e.coef(v).sign() < 0);
    const next = cs.filter((c) => c.e.coef(v).sign() === 0);
    for (const u of upper) {
      for (const l of lower) {
        // u/|a_u| + l/|a_l|: v cancels.
        const e = u.e.scale(Rat.ONE.div(u.e.coef(v))).add(l.e.scale(Rat.ONE.div(l.e.coef(v).neg())));
        next.push({ e, op: u.op === '<' || l.op === '<' ? '<' : '<=' });
      }
    }
    if (next.length > MAX_CONSTRAINTS) return { result: 'unknown', stages };
    stages.push({ v, upper, lower });
    vars.delete(v);
    cs = next;
  }
}

/**
 * Drops constant constraints that hold (unsat when one does not), rounds
 * single-variable bounds of whole-number variables inwards, scales each
 * constraint so its first coefficient is ±1 and keeps the tightest of
 * constraints that differ only in their constant.
 */
function normalize(cs: readonly Constraint[], info: (v: Var) => VarInfo): Constraint[] | 'unsat' {
  const best = new Map<string, Constraint>();
  for (let c of cs) {
    if (c.e.isConstant()) {
      const s = c.e.c.sign();
      if (c.op === '<' ? s >= 0 : c.op === '<=' ? s > 0 : s !== 0) return 'unsat';
      continue;
    }
    const entries = [...c.e.terms].sort((a, b) => a[0] - b[0]);
    const [v0, a0] = entries[0]!;
    if (entries.length === 1 && info(v0).integral && c.op !== '=') {
      // a·v + k (op) 0 → v ≤ ⌊−k/a⌋ (a > 0) or v ≥ ⌈−k/a⌉ (a < 0), strictness folded in.
      const b = c.e.c.neg().div(a0);
      if (a0.sign() > 0) {
        const h = c.op === '<' ? b.ceil() - 1n : b.floor();
        c = { e: Lin.variable(v0).sub(Lin.constant(Rat.of(h))), op: '<=' };
      } else {
        const l = c.op === '<' ? b.floor() + 1n : b.ceil();
        c = { e: Lin.constant(Rat.of(l)).sub(Lin.variable(v0)), op: '<=' };
      }
    } else {
      c = { e: c.e.scale(Rat.ONE.div(a0.abs())), op: c.op };
    }
    const shape = [...c.e.terms].sort((a, b) => a[0] - b[0]).map(([v, a]) => `${a}*x${v}`).join('+') + c.op;
    const prev = best.get(shape);
    // Same left side: the larger constant is the tighter (e + k < 0 ⇒ e + k' < 0 for k' < k).
    if (!prev || c.e.c.cmp(prev.e.c) > 0) best.set(shape, c);
  }
  // x ≤ a and −x ≤ b with equal shapes in opposite signs are checked by elimination.
  return [...best.values()];
}
