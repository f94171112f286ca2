// Whether a set of literals can hold together. Three parts, each exact or
// erring only towards "can": presence (Horn clauses, decided exactly by
// forward chaining), discrete values (equalities with constants and between
// terms, finite domains), and linear arithmetic (Fourier–Motzkin over the
// rationals, whole-number bounds rounded inwards). "Cannot" is therefore
// always true, which is what a proof rests on; "can" is checked on a real
// input before any counterexample is shown.
import type { Discrete, Lit, Term } from './formula.ts';
import { feasible, type Constraint } from './linear.ts';
import type { Terms } from './terms.ts';

export type Verdict = 'sat' | 'unsat';

export class Theory {
  private readonly cache = new Map<string, Verdict>();
  /** Theory checks made, for the search budget. */
  checks = 0;

  constructor(private readonly terms: Terms) {}

  /** Terms present by these and every presence fact. */
  closure(pos: readonly number[]): Set<number> { return presenceClosure(this.terms, pos); }

  /**
   * Groups of parts (given by the terms each mentions) that share terms,
   * directly or through presence facts; the group of part 0 first. A
   * presence fact about a term that is always present links nothing; its
   * value still does.
   */
  group(partTerms: readonly Set<number>[]): number[][] {
    const uf = new Classes();
    const live = (t: number) => !this.terms.get(t).always;
    for (const [a, bs] of this.terms.horn.needs) for (const b of bs) if (live(a) && live(b)) uf.union(a, b);
    for (const r of this.terms.horn.madeBy) for (const b of r.body) if (live(r.head) && live(b)) uf.union(r.head, b);
    const anchor = partTerms.map((ts) => {
      const xs = [...ts];
      for (const t of xs.slice(1)) uf.union(xs[0]!, t);
      return xs[0];
    });
    const groups = new Map<number | string, number[]>();
    anchor.forEach((t, i) => {
      const k = t === undefined ? `alone${i}` : uf.find(t);
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    const out = [...groups.values()];
    out.sort((a, b) => (a.includes(0) ? -1 : b.includes(0) ? 1 : 0));
    return out;
  }

  check(lits: readonly Lit[]): Verdict {
    const key = lits.map(litKey).sort().join('|');
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.checks++;
    const v = presenceOk(this.terms, lits) && discreteOk(this.terms, lits) && linearOk(this.terms, lits) ? 'sat' : 'unsat';
    if (this.cache.size > 200_000) this.cache.clear();
    this.cache.set(key, v);
    return v;
  }
}

export function litKey(l: Lit): string {
  switch (l.k) {
    case 'p': return `p${l.pos ? '+' : '-'}${l.t}`;
    case 'eq': return `e${l.pos ? '+' : '-'}${l.t}=${typeof l.v}:${String(l.v)}`;
    case 'teq': return `t${l.pos ? '+' : '-'}${Math.min(l.a, l.b)}=${Math.max(l.a, l.b)}`;
    case 'lin': return `l${l.strict ? '<' : '≤'}${l.e.key()}`;
    case 'lineq': return `q${l.e.key()}`;
  }
}

/** The terms that must be present: the asserted ones and `always` ones, closed under the Horn clauses. */
export function presenceClosure(terms: Terms, positive: Iterable<number>): Set<number> {
  const have = new Set<number>();
  const todo: number[] = [];
  const add = (t: number) => { if (!have.has(t)) { have.add(t); todo.push(t); } };
  for (const t of positive) add(t);
  for (const t of terms.list) if (t.always) add(t.id);
  const { needs, madeBy } = terms.horn;
  for (;;) {
    while (todo.length) {
      const t = todo.pop()!;
      for (const n of needs.get(t) ?? []) add(n);
    }
    let more = false;
    for (const r of madeBy) if (!have.has(r.head) && r.body.every((b) => have.has(b))) { add(r.head); more = true; }
    if (!more) return have;
  }
}

function presenceOk(terms: Terms, lits: readonly Lit[]): boolean {
  const pos: number[] = [];
  const neg: number[] = [];
  for (const l of lits) if (l.k === 'p') (l.pos ? pos : neg).push(l.t);
  if (neg.length === 0) return true;
  const have = presenceClosure(terms, pos);
  return !neg.some((t) => have.has(t));
}

class Classes {
  private readonly parent = new Map<number, number>();
  find(t: number): number {
    let p = this.parent.get(t) ?? t;
    if (p !== t) { p = this.find(p); this.parent.set(t, p); }
    return p;
  }
  union(a: number, b: number): void {
    const x = this.find(a);
    const y = this.find(b);
    if (x !== y) this.parent.set(x, y);
  }
}

/** What one class of equal discrete terms may be. */
interface ClassInfo { is?: Discrete; not: Set<string>; domain?: readonly Discrete[] }
const dkey = (v: Discrete) => `${typeof v}:${String(v)}`;

export function discreteClasses(terms: Terms, lits: readonly Lit[]): { classes: Classes; info: Map<number, ClassInfo> } | undefined {
  const classes = new Classes();
  for (const l of lits) if (l.k === 'teq' && l.pos) classes.union(l.a, l.b);
  const info = new Map<number, ClassInfo>();
  const of = (t: number): ClassInfo => {
    const c = classes.find(t);
    let i = info.get(c);
    if (!i) { i = { not: new Set() }; info.set(c, i); }
    return i;
  };
  const touched = new Set<number>();
  for (const l of lits) {
    if (l.k === 'eq') touched.add(l.t);
    if (l.k === 'teq') { touched.add(l.a); touched.add(l.b); }
  }
  for (const t of touched) {
    const d = terms.get(t).domain;
    if (!d) continue;
    const i = of(t);
    i.domain = i.domain ? i.domain.filter((v) => d.some((w) => dkey(w) === dkey(v))) : d;
  }
  for (const l of lits) {
    if (l.k !== 'eq') continue;
    const i = of(l.t);
    if (l.pos) {
      if (i.is !== undefined && dkey(i.is) !== dkey(l.v)) return undefined;
      i.is = l.v;
    } else i.not.add(dkey(l.v));
  }
  for (const i of info.values()) {
    if (i.is !== undefined) {
      if (i.not.has(dkey(i.is))) return undefined;
      if (i.domain && !i.domain.some((v) => dkey(v) === dkey(i.is!))) return undefined;
    } else if (i.domain && i.domain.every((v) => i.not.has(dkey(v)))) return undefined;
  }
  for (const l of lits) {
    if (l.k !== 'teq' || l.pos) continue;
    const a = classes.find(l.a);
    const b = classes.find(l.b);
    if (a === b) return undefined;
    const only = (c: number): string | undefined => {
      const i = info.get(c);
      if (!i) return undefined;
      if (i.is !== undefined) return dkey(i.is);
      const left = i.domain?.filter((v) => !i.not.has(dkey(v)));
      return left?.length === 1 ? dkey(left[0]!) : undefined;
    };
    const x = only(a);
    if (x !== undefined && x === only(b)) return undefined;
  }
  return { classes, info };
}

function discreteOk(terms: Terms, lits: readonly Lit[]): boolean {
  if (!lits.some((l) => l.k === 'eq' || l.k === 'teq')) return true;
  return discreteClasses(terms, lits) !== undefined;
}

export function linearConstraints(lits: readonly Lit[]): Constraint[] {
  const out: Constraint[] = [];
  for (const l of lits) {
    if (l.k === 'lin') out.push({ e: l.e, op: l.strict ? '<' : '<=' });
    else if (l.k === 'lineq') out.push({ e: l.e, op: '=' });
  }
  return out;
}

export const varInfo = (terms: Terms) => (v: number): { integral: boolean; lo?: Term['lo']; hi?: Term['hi'] } => {
  const t = terms.get(v);
  return { integral: t.integral, ...(t.lo ? { lo: t.lo } : {}), ...(t.hi ? { hi: t.hi } : {}) };
};

function linearOk(terms: Terms, lits: readonly Lit[]): boolean {
  const cs = linearConstraints(lits);
  if (cs.length === 0) return true;
  // "unknown" (the elimination grew too large) counts as possible: never a proof by accident.
  return feasible(cs, varInfo(terms)) !== 'unsat';
}
