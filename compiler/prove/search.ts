// The case split. The formula to refute is a conjunction of parts (the
// invariant's condition, and for each rule that could satisfy it "this rule
// does not fire"); each part becomes its cases (disjunctive normal form), and
// a solution picks one case of every part such that all the chosen literals
// can hold together. Backtracking with forward checking: after each choice,
// every other part keeps only the cases still possible, and the part with
// the fewest left is chosen next. Exhausting the search without a solution
// proves the parts cannot all hold.
import { and, FALSE, or, TRUE, type F, type Lit } from './formula.ts';
import { litKey, type Theory } from './theory.ts';

export class TooLarge extends Error {}

/** The cases of a formula, each a list of literals; TooLarge past `cap`. */
export function cases(f: F, cap: number): Lit[][] {
  switch (f.k) {
    case 'true': return [[]];
    case 'false': return [];
    case 'lit': return [[f.lit]];
    case 'or': {
      const out: Lit[][] = [];
      for (const x of f.xs) {
        out.push(...cases(x, cap));
        if (out.length > cap) throw new TooLarge(`more than ${cap} cases`);
      }
      return dedupe(out);
    }
    case 'and': {
      let acc: Lit[][] = [[]];
      for (const x of f.xs) {
        const cs = cases(x, cap);
        const next: Lit[][] = [];
        for (const a of acc) {
          for (const c of cs) {
            const m = mergeCube(a, c);
            if (m) next.push(m);
            if (next.length > cap) throw new TooLarge(`more than ${cap} cases`);
          }
        }
        acc = next;
        if (acc.length === 0) return [];
      }
      return dedupe(acc);
    }
  }
}

/** Two cubes together, or undefined when a literal meets its own negation. */
function mergeCube(a: readonly Lit[], b: readonly Lit[]): Lit[] | undefined {
  const keys = new Set(a.map(litKey));
  const out = [...a];
  for (const l of b) {
    const k = litKey(l);
    if (keys.has(k)) continue;
    if (keys.has(opposite(l))) return undefined;
    keys.add(k);
    out.push(l);
  }
  return out;
}

function opposite(l: Lit): string {
  switch (l.k) {
    case 'p': case 'eq': case 'teq': return litKey({ ...l, pos: !l.pos } as Lit);
    default: return '';
  }
}

function dedupe(cs: Lit[][]): Lit[][] {
  const seen = new Set<string>();
  const out: Lit[][] = [];
  for (const c of cs) {
    const k = c.map(litKey).sort().join('|');
    if (!seen.has(k)) { seen.add(k); out.push(c); }
  }
  return out;
}

export interface SearchOptions {
  /** Most theory checks before giving up (TooLarge). */
  readonly budget: number;
  /** Most cases of one part. */
  readonly cap: number;
}

/**
 * Every combination of cases, one per part, that can hold together (as the
 * literals of all the chosen cases), lazily. Throws TooLarge when the parts
 * have too many cases or the search exceeds its budget.
 */
export function* solutions(parts: readonly F[], theory: Theory, opts: SearchOptions): Generator<Lit[]> {
  const start = theory.checks;
  const check = (lits: readonly Lit[]) => {
    if (theory.checks - start > opts.budget) throw new TooLarge(`more than ${opts.budget} combinations of cases`);
    return theory.check(lits) === 'sat';
  };
  const domains = parts.map((p) => cases(p, opts.cap).filter((c) => check(c)));
  if (domains.some((d) => d.length === 0)) return;
  yield* extend([], domains.map((cubes, i) => ({ i, cubes })), check);
}

function* extend(assigned: Lit[], remaining: { i: number; cubes: Lit[][] }[], check: (l: readonly Lit[]) => boolean): Generator<Lit[]> {
  if (remaining.length === 0) { yield assigned; return; }
  let at = 0;
  for (let j = 1; j < remaining.length; j++) if (remaining[j]!.cubes.length < remaining[at]!.cubes.length) at = j;
  const chosen = remaining[at]!;
  const others = remaining.filter((_, j) => j !== at);
  for (const cube of chosen.cubes) {
    const next = mergeCube(assigned, cube);
    if (!next || !check(next)) continue;
    const filtered: { i: number; cubes: Lit[][] }[] = [];
    let dead = false;
    for (const o of others) {
      const kept = o.cubes.filter((c) => { const m = mergeCube(next, c); return !!m && check(m); });
      if (kept.length === 0) { dead = true; break; }
      filtered.push({ i: o.i, cubes: kept });
    }
    if (dead) continue;
    yield* extend(next, filtered, check);
  }
}

/** The terms a literal is about. */
function litTerms(l: Lit): number[] {
  switch (l.k) {
    case 'p': case 'eq': return [l.t];
    case 'teq': return [l.a, l.b];
    case 'lin': case 'lineq': return [...l.e.terms.keys()];
  }
}

function formulaTerms(f: F, out: Set<number>): Set<number> {
  if (f.k === 'lit') for (const t of litTerms(f.lit)) out.add(t);
  else if (f.k === 'and' || f.k === 'or') for (const x of f.xs) formulaTerms(x, out);
  return out;
}

/** What a case fixes: terms present or missing, values equal or not. */
interface Facts { readonly present: ReadonlySet<number>; readonly missing: ReadonlySet<number>; readonly is: ReadonlyMap<number, string>; readonly isNot: ReadonlySet<string>; readonly keys: ReadonlySet<string> }

const dk = (v: string | boolean) => `${typeof v}:${String(v)}`;

function factsOf(cube: readonly Lit[], closure: (pos: number[]) => Set<number>): Facts {
  const is = new Map<number, string>();
  const isNot = new Set<string>();
  const missing = new Set<number>();
  for (const l of cube) {
    if (l.k === 'p' && !l.pos) missing.add(l.t);
    if (l.k === 'eq') { if (l.pos) is.set(l.t, dk(l.v)); else isNot.add(`${l.t}=${dk(l.v)}`); }
  }
  return { present: closure(cube.flatMap((l) => (l.k === 'p' && l.pos ? [l.t] : []))), missing, is, isNot, keys: new Set(cube.map(litKey)) };
}

/** A formula with every literal the case decides replaced by its truth (exact: only what the case's literals imply). */
function simplify(f: F, facts: Facts): F {
  switch (f.k) {
    case 'true': case 'false': return f;
    case 'and': return and(...f.xs.map((x) => simplify(x, facts)));
    case 'or': return or(...f.xs.map((x) => simplify(x, facts)));
    case 'lit': {
      const l = f.lit;
      if (facts.keys.has(litKey(l))) return TRUE;
      if (l.k === 'p') {
        if (facts.present.has(l.t)) return l.pos ? TRUE : FALSE;
        if (facts.missing.has(l.t)) return l.pos ? FALSE : TRUE;
      } else if (l.k === 'eq') {
        const known = facts.is.get(l.t);
        if (known !== undefined) return (known === dk(l.v)) === l.pos ? TRUE : FALSE;
        if (facts.isNot.has(`${l.t}=${dk(l.v)}`)) return l.pos ? FALSE : TRUE;
      }
      return f;
    }
  }
}

/**
 * As `solutions`, faster on the queries the prover asks: the first part (the
 * invariant's condition) is split into its cases; in each, the other parts
 * are simplified by what the case fixes (the event type, a flag), and the
 * parts left are grouped by the terms they share (presence links included).
 * Parts about different terms cannot constrain each other, so each group is
 * searched on its own and their solutions are put together.
 */
export function* splitSolutions(parts: readonly F[], theory: Theory, opts: SearchOptions): Generator<Lit[]> {
  const start = theory.checks;
  const check = (lits: readonly Lit[]) => {
    if (theory.checks - start > opts.budget) throw new TooLarge(`more than ${opts.budget} combinations of cases`);
    return theory.check(lits) === 'sat';
  };
  const [head, ...rest] = parts;
  if (!head) { yield []; return; }
  for (const cube of cases(head, opts.cap)) {
    if (!check(cube)) continue;
    const facts = factsOf(cube, (pos) => theory.closure(pos));
    const left = rest.map((p) => simplify(p, facts));
    if (left.some((p) => p.k === 'false')) continue;
    const live = [{ k: 'and', xs: cube.map((l) => ({ k: 'lit', lit: l }) as F) } as F, ...left.filter((p) => p.k !== 'true')];
    const groups = theory.group(live.map((p) => formulaTerms(p, new Set())));
    const others: Lit[] = [];
    let dead = false;
    for (const g of groups.slice(1)) {
      const first = solutions(g.map((i) => live[i]!), theory, { ...opts, budget: opts.budget - (theory.checks - start) }).next();
      if (first.done) { dead = true; break; }
      others.push(...first.value);
    }
    if (dead) continue;
    for (const s of solutions(groups[0]!.map((i) => live[i]!), theory, { ...opts, budget: opts.budget - (theory.checks - start) })) yield [...s, ...others];
  }
}
