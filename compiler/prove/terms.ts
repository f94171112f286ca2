// The prover's unknowns: one term per field, aggregate, function value or
// expression it does not look inside, each with the facts its type gives
// (whole numbers, bounds, finite domains), and the Horn clauses between their
// presences ("this term is there only when that one is").
import type { Type } from '../types.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../literals.ts';
import type { Horn, Term } from './formula.ts';
import { Rat } from './rational.ts';

/** Largest magnitude JavaScript adds and subtracts whole numbers at without rounding. */
export const EXACT = 2 ** 53;

const NUMERIC = new Set(['number', 'integer', 'money', 'duration', 'timestamp']);
export const INTEGRAL = new Set(['integer', 'money', 'duration', 'timestamp']);
export const isNumericType = (t: Type) => NUMERIC.has(t.t);

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
export function typeFacts(type: Type): Pick<Term, 'sort' | 'integral' | 'lo' | 'hi' | 'domain'> {
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

