// The prover's formulas: classical and/or over literals about terms. A term
// is an unknown input of the decision — a feature, `now`, an aggregate's
// result, a function of those — that may be missing; `P(t)` says it has a
// value. Numbers are related by linear constraints, other values by
// equalities with constants and with each other.
import type { IR, Value } from '../ir.ts';
import type { Type } from '../types.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';

export type Discrete = string | boolean;

export type Lit =
  /** The term has a value (pos) or is missing. */
  | { readonly k: 'p'; readonly t: number; readonly pos: boolean }
  /** A discrete term equals (or not) a constant. */
  | { readonly k: 'eq'; readonly t: number; readonly v: Discrete; readonly pos: boolean }
  /** Two discrete terms are equal (or not). */
  | { readonly k: 'teq'; readonly a: number; readonly b: number; readonly pos: boolean }
  /** e < 0 (strict) or e <= 0. */
  | { readonly k: 'lin'; readonly e: Lin; readonly strict: boolean }
  | { readonly k: 'lineq'; readonly e: Lin };

export type F =
  | { readonly k: 'true' } | { readonly k: 'false' }
  | { readonly k: 'lit'; readonly lit: Lit }
  | { readonly k: 'and'; readonly xs: readonly F[] }
  | { readonly k: 'or'; readonly xs: readonly F[] };

export const TRUE: F = { k: 'true' };
export const FALSE: F = { k: 'false' };
export const lit = (l: Lit): F => ({ k: 'lit', lit: l });

export function and(...xs: F[]): F {
  const out: F[] = [];
  for (const x of xs) {
    if (x.k === 'false') return FALSE;
    if (x.k === 'true') continue;
    if (x.k === 'and') out.push(...x.xs); else out.push(x);
  }
  return out.length === 0 ? TRUE : out.length === 1 ? out[0]! : { k: 'and', xs: out };
}

export function or(...xs: F[]): F {
  const out: F[] = [];
  for (const x of xs) {
    if (x.k === 'true') return TRUE;
    if (x.k === 'false') continue;
    if (x.k === 'or') out.push(...x.xs); else out.push(x);
  }
  return out.length === 0 ? FALSE : out.length === 1 ? out[0]! : { k: 'or', xs: out };
}

export function negLit(l: Lit): F {
  switch (l.k) {
    case 'p': return lit({ ...l, pos: !l.pos });
    case 'eq': return lit({ ...l, pos: !l.pos });
    case 'teq': return lit({ ...l, pos: !l.pos });
    // ¬(e < 0) ⇔ −e <= 0;  ¬(e <= 0) ⇔ −e < 0;  ¬(e = 0) ⇔ e < 0 ∨ −e < 0.
    case 'lin': return lit({ k: 'lin', e: l.e.scale(Rat.ONE.neg()), strict: !l.strict });
    case 'lineq': return or(lit({ k: 'lin', e: l.e, strict: true }), lit({ k: 'lin', e: l.e.scale(Rat.ONE.neg()), strict: true }));
  }
}

export function not(f: F): F {
  switch (f.k) {
    case 'true': return FALSE;
    case 'false': return TRUE;
    case 'lit': return negLit(f.lit);
    case 'and': return or(...f.xs.map(not));
    case 'or': return and(...f.xs.map(not));
  }
}

export const present = (t: number): F => lit({ k: 'p', t, pos: true });
export const absent = (t: number): F => lit({ k: 'p', t, pos: false });

/** `l op r` for linear expressions, as a formula (`!=` is a disjunction). */
export function compareLin(op: '==' | '!=' | '<' | '<=' | '>' | '>=', l: Lin, r: Lin): F {
  const d = l.sub(r);
  switch (op) {
    case '<': return linF(d, true);
    case '<=': return linF(d, false);
    case '>': return linF(d.scale(Rat.ONE.neg()), true);
    case '>=': return linF(d.scale(Rat.ONE.neg()), false);
    case '==': return d.isConstant() ? (d.c.sign() === 0 ? TRUE : FALSE) : lit({ k: 'lineq', e: d });
    case '!=': return not(compareLin('==', l, r));
  }
}

function linF(e: Lin, strict: boolean): F {
  if (e.isConstant()) { const s = e.c.sign(); return (strict ? s < 0 : s <= 0) ? TRUE : FALSE; }
  return lit({ k: 'lin', e, strict });
}

/** Where a term's value comes from: what realizing a counterexample has to produce. */
export type Origin =
  | { readonly k: 'now' }
  | { readonly k: 'field'; readonly entity: string; readonly field: string }
  | { readonly k: 'hfield'; readonly field: string }
  | { readonly k: 'agg'; readonly id: number }
  /** A function of other values: hour(t), working_days(a, b), len(s), years_since(t)… */
  | { readonly k: 'fn'; readonly fn: string; readonly ir: IR }
  /** Whether a constant is a member of a set-valued term (`"threat" in event.script_flags`): present exactly when the set is. */
  | { readonly k: 'member'; readonly set: number; readonly value: Value }
  /** Anything the prover does not reason about inside: an unknown of its type. */
  | { readonly k: 'opaque'; readonly ir: IR; readonly why: string };

export interface Term {
  readonly id: number;
  /** Identity: two uses with the same key are the same unknown. */
  readonly key: string;
  /** As the pack writes it, for messages. */
  readonly label: string;
  readonly sort: 'num' | 'val';
  readonly type: Type;
  readonly integral: boolean;
  readonly lo?: Rat;
  readonly hi?: Rat;
  /** Every value it can take, when finitely many (enums, bools). */
  readonly domain?: readonly Discrete[];
  /** Never missing (`now`, required event fields, constants' terms). */
  readonly always: boolean;
  readonly origin: Origin;
}

/**
 * Presence facts that hold for every input, as Horn clauses: P(a) ⇒ P(b)
 * (a customer field needs the customer key; hour(t) needs t), and
 * P(b₁) ∧ … ∧ P(bₙ) ⇒ P(a) (hour(t) has a value whenever t has).
 */
export interface Horn {
  readonly needs: Map<number, Set<number>>;
  readonly madeBy: { readonly head: number; readonly body: readonly number[] }[];
}
