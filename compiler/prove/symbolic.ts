// Symbolic values: what an expression may evaluate to, as alternatives
// each guarded by a formula — a number as a linear expression over terms, a
// string, enum, bool or set as a term, a constant, or missing.
import type { Value } from '../ir.ts';
import type { Type } from '../types.ts';
import { MAX_TIMESTAMP } from '../literals.ts';
import { and, FALSE, not, present, TRUE, type Discrete, type F, type Term } from './formula.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';
import { EXACT } from './terms.ts';

export type Sym =
  | { readonly k: 'missing' }
  /** A number: a linear expression, present when every term in `pres` is. */
  | { readonly k: 'num'; readonly lin: Lin; readonly pres: readonly number[]; readonly integral: boolean; readonly mag: number }
  /** A string, enum, bool or set valued term. */
  | { readonly k: 'val'; readonly t: number }
  | { readonly k: 'const'; readonly v: Discrete | readonly Value[] };

export interface Alt { readonly g: F; readonly v: Sym }

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

export const constSym = (v: Value, type: Type): Sym => {
  if (v === undefined) return { k: 'missing' };
  if (typeof v === 'number') return { k: 'num', lin: Lin.constant(Rat.num(v)), pres: [], integral: Number.isInteger(v), mag: Math.abs(v) };
  if (typeof v === 'string' || typeof v === 'boolean') return { k: 'const', v };
  void type;
  return { k: 'const', v: v as readonly Value[] };
};
