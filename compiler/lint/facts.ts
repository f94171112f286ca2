// Reasoning about conditions over literals, shared by the "always / never
// true" lint (ZY6002) and the "never decides" lint (ZY6003).
//
// An *atom* is a bool condition on one *term* (any expression that is not a
// literal): `x > 5`, `x between 1 and 3`, `x in [..]`, `x is missing`, a bool
// feature or predicate `p` (read as `p == true`), and `not` of those. For an
// atom we know exactly when it is true and when it is false, as a union of
// constraints on its term: presence, an interval (numbers, money, durations,
// timestamps), a finite set of allowed values and a set of excluded values.
// A missing term makes every comparison missing, never true or false, which
// is why "true" and "false" each require the term to be present.
//
// The reasoning is deliberately one-sided: it only ever concludes that a
// combination of constraints is *impossible*, and only when that follows from
// literals and facts that always hold (an integer is whole, a count is never
// negative, an hour is 0–23, an enum is one of its members, a required event
// field is never missing). Terms are compared by their printed form; two
// different terms are treated as unrelated, which can only hide a finding,
// never invent one.
import type { IR, Value } from '../ir.ts';
import { fold } from '../optimize/fold.ts';
import { printIR } from '../print.ts';
import type { CheckedPack } from '../ir.ts';

export type Val = number | string | boolean;

export interface Term {
  readonly key: string;
  readonly ir: IR;
  readonly numeric: boolean;
  readonly integral: boolean;
  /** Values the term always lies within (inclusive). */
  readonly lo: number;
  readonly hi: number;
  /** All the values it can take, when finitely many (enums, bools). */
  readonly domain?: readonly Val[];
  readonly neverMissing: boolean;
}

export interface Con {
  /** true: the term must be present; false: it must be missing. */
  readonly present?: boolean;
  readonly lo: number;
  readonly loIncl: boolean;
  readonly hi: number;
  readonly hiIncl: boolean;
  readonly allowed?: readonly Val[];
  readonly excluded: readonly Val[];
}

export interface Atom {
  readonly term: Term;
  /** The atom's own node, for messages. */
  readonly ir: IR;
  /** When the atom is true: any one of these. */
  readonly whenTrue: readonly Con[];
  /** When the atom is false: any one of these. */
  readonly whenFalse: readonly Con[];
}

const ANY: Con = { lo: -Infinity, loIncl: false, hi: Infinity, hiIncl: false, excluded: [] };
export const PRESENT: Con = { ...ANY, present: true };
export const MISSING: Con = { ...ANY, present: false };

type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const NOT: Record<CmpOp, CmpOp> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

function cmpCon(op: CmpOp, v: Val): Con | undefined {
  switch (op) {
    case '==': return { ...PRESENT, allowed: [v] };
    case '!=': return { ...PRESENT, excluded: [v] };
  }
  if (typeof v !== 'number') return undefined; // string order is not reasoned about
  switch (op) {
    case '<': return { ...PRESENT, hi: v, hiIncl: false };
    case '<=': return { ...PRESENT, hi: v, hiIncl: true };
    case '>': return { ...PRESENT, lo: v, loIncl: false };
    case '>=': return { ...PRESENT, lo: v, loIncl: true };
  }
}

const NUMERIC = new Set(['number', 'integer', 'money', 'duration', 'timestamp']);
const RANGES: Record<string, [number, number]> = {
  hour: [0, 23], minute: [0, 59], weekday: [1, 7], day: [1, 31], month: [1, 12], len: [0, Infinity], abs: [0, Infinity],
  // Half the circumference of the earth: no two points are further apart.
  distance_km: [0, 20_016],
};

export function termOf(ir: IR, pack: CheckedPack): Term {
  // A `let` is its value: `let n = count(…)` is never negative, as the count is.
  if (ir.k === 'local') return termOf(ir.x, pack);
  const t = ir.type;
  let lo = -Infinity;
  let hi = Infinity;
  let neverMissing = false;
  if (ir.k === 'agg') {
    const a = pack.aggregates[ir.id]!;
    if (a.fn === 'count' || a.fn === 'distinct' || a.fn === 'time_since_last' || a.fn === 'stddev') lo = 0;
    if (a.window.kind === 'events' && (a.fn === 'count' || a.fn === 'distinct')) hi = a.window.n;
    if (a.fn === 'count' || a.fn === 'distinct') neverMissing = a.by === undefined || !!pack.schema.event.fields.get(a.by)?.required;
  } else if (ir.k === 'call' && RANGES[ir.fn]) {
    [lo, hi] = RANGES[ir.fn]!;
  } else if (ir.k === 'quant' && ir.q === 'count') {
    lo = 0;
    if (ir.items.kind === 'items') hi = ir.items.xs.length;
    neverMissing = ir.items.kind === 'items' && ir.set.kind !== 'expr';
  } else if (ir.k === 'field') {
    neverMissing = ir.entity === 'event' && !!pack.schema.event.fields.get(ir.field)?.required;
  } else if (ir.k === 'now' || ir.k === 'isMissing' || (ir.k === 'lit' && ir.value !== undefined)) {
    neverMissing = true;
  }
  return {
    key: printIR(ir), ir, numeric: NUMERIC.has(t.t), integral: t.t === 'integer', lo, hi,
    ...(t.t === 'enum' ? { domain: t.members } : t.t === 'bool' ? { domain: [true, false] } : {}),
    neverMissing,
  };
}

const lit = (e: IR): Extract<IR, { k: 'lit' }> | undefined => {
  const f = fold(e);
  return f.k === 'lit' ? f : undefined;
};
const isVal = (v: Value): v is Val => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** A bool term read as `term == true`. */
function boolAtom(ir: IR, pack: CheckedPack): Atom {
  return { term: termOf(ir, pack), ir, whenTrue: [{ ...PRESENT, allowed: [true] }], whenFalse: [{ ...PRESENT, allowed: [false] }] };
}

/** The atom a bool node is, if it is one. */
export function atomOf(ir: IR, pack: CheckedPack): Atom | undefined {
  switch (ir.k) {
    case 'cmp': {
      const l = lit(ir.l);
      const r = lit(ir.r);
      if ((l && r) || (!l && !r)) return undefined;
      const termIr = l ? fold(ir.r) : fold(ir.l);
      const op = l ? FLIP[ir.op] : ir.op;
      const v = (l ?? r)!.value;
      const term = termOf(termIr, pack);
      if (v === undefined) return { term, ir, whenTrue: [], whenFalse: [] }; // compared with missing: always missing
      if (!isVal(v)) return undefined;
      const t = cmpCon(op, v);
      const f = cmpCon(NOT[op], v);
      return t && f ? { term, ir, whenTrue: [t], whenFalse: [f] } : undefined;
    }
    case 'between': {
      const lo = lit(ir.lo);
      const hi = lit(ir.hi);
      if (!lo || !hi || lit(ir.x)) return undefined;
      const term = termOf(fold(ir.x), pack);
      if (lo.value === undefined || hi.value === undefined) {
        // `x between missing and 5`: one half is always missing, the other may be false.
        const known = lo.value === undefined ? hi : lo;
        if (typeof known.value !== 'number') return undefined;
        const f = cmpCon(lo.value === undefined ? '>' : '<', known.value)!;
        return { term, ir, whenTrue: [], whenFalse: [f] };
      }
      if (typeof lo.value !== 'number' || typeof hi.value !== 'number') return undefined;
      return {
        term, ir,
        whenTrue: [{ ...PRESENT, lo: lo.value, loIncl: true, hi: hi.value, hiIncl: true }],
        whenFalse: [cmpCon('<', lo.value)!, cmpCon('>', hi.value)!],
      };
    }
    case 'in': {
      if (ir.set.kind !== 'values' || lit(ir.x)) return undefined;
      const values = ir.set.values.filter(isVal);
      if (values.length !== ir.set.values.length) return undefined;
      const term = termOf(fold(ir.x), pack);
      const inside: Con = { ...PRESENT, allowed: values };
      const outside: Con = { ...PRESENT, excluded: values };
      return { term, ir, whenTrue: [ir.negated ? outside : inside], whenFalse: [ir.negated ? inside : outside] };
    }
    case 'isMissing': {
      if (lit(ir.x)) return undefined;
      const term = termOf(fold(ir.x), pack);
      return { term, ir, whenTrue: [ir.negated ? PRESENT : MISSING], whenFalse: [ir.negated ? MISSING : PRESENT] };
    }
    case 'not': {
      const a = atomOf(ir.x, pack);
      return a ? { term: a.term, ir, whenTrue: a.whenFalse, whenFalse: a.whenTrue } : undefined;
    }
    case 'local': return ir.type.t === 'bool' ? atomOf(ir.x, pack) ?? boolAtom(ir, pack) : undefined;
    case 'field': case 'hfield': case 'pred': case 'call': case 'agg': case 'quant':
      if (ir.type.t !== 'bool') return undefined;
      return { term: termOf(ir, pack), ir, whenTrue: [{ ...PRESENT, allowed: [true] }], whenFalse: [{ ...PRESENT, allowed: [false] }] };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- constraints

function hasValues(c: Con): boolean {
  return c.lo !== -Infinity || c.hi !== Infinity || c.allowed !== undefined || c.excluded.length > 0;
}

export function merge(a: Con, b: Con): Con | undefined {
  if (a.present !== undefined && b.present !== undefined && a.present !== b.present) return undefined;
  const present = a.present ?? b.present;
  let { lo, loIncl, hi, hiIncl } = a;
  if (b.lo > lo || (b.lo === lo && !b.loIncl)) { lo = b.lo; loIncl = b.loIncl; }
  if (b.hi < hi || (b.hi === hi && !b.hiIncl)) { hi = b.hi; hiIncl = b.hiIncl; }
  const allowed = a.allowed && b.allowed ? a.allowed.filter((v) => b.allowed!.includes(v)) : a.allowed ?? b.allowed;
  return { ...(present !== undefined ? { present } : {}), lo, loIncl, hi, hiIncl, ...(allowed ? { allowed } : {}), excluded: [...a.excluded, ...b.excluded] };
}

/** Can the term meet the constraint? false only when it certainly cannot. */
export function satisfiable(c: Con, t: Term): boolean {
  if (c.present === false) return !t.neverMissing && !hasValues(c);
  if (c.present === undefined && !hasValues(c)) return true;
  let { lo, loIncl, hi, hiIncl } = c;
  if (t.lo > lo) { lo = t.lo; loIncl = true; }
  if (t.hi < hi) { hi = t.hi; hiIncl = true; }
  const within = (v: Val): boolean => typeof v !== 'number'
    || ((v > lo || (v === lo && loIncl)) && (v < hi || (v === hi && hiIncl)) && (!t.integral || Number.isInteger(v)));
  const allowed = t.domain ? (c.allowed ? c.allowed.filter((v) => t.domain!.includes(v)) : t.domain) : c.allowed;
  if (allowed) return allowed.some((v) => !c.excluded.includes(v) && within(v));
  if (!t.numeric) return true; // infinitely many strings
  if (t.integral) {
    const L = lo === -Infinity ? -Infinity : loIncl ? Math.ceil(lo) : Math.floor(lo) + 1;
    const H = hi === Infinity ? Infinity : hiIncl ? Math.floor(hi) : Math.ceil(hi) - 1;
    if (L > H) return false;
    if (H - L < 64) {
      for (let v = L; v <= H; v++) if (!c.excluded.includes(v)) return true;
      return false;
    }
    return true;
  }
  if (lo > hi) return false;
  if (lo === hi) return loIncl && hiIncl && !c.excluded.includes(lo);
  return true;
}

/** Is every choice of one alternative per union, merged, impossible for the term? (Gives up — false — past 256 choices.) */
export function allImpossible(unions: readonly (readonly Con[])[], t: Term): boolean {
  let combos: Con[] = [ANY];
  for (const u of unions) {
    const next: Con[] = [];
    for (const c of combos) for (const alt of u) { const m = merge(c, alt); if (m) next.push(m); }
    if (next.length > 256) return false;
    combos = next;
  }
  return combos.every((c) => !satisfiable(c, t));
}

/** Groups atoms by term; returns the atoms of a term whose constraints (`pick` of each) cannot all hold. */
export function conflicting(atoms: readonly Atom[], pick: (a: Atom) => readonly Con[]): Atom[] | undefined {
  const byTerm = new Map<string, Atom[]>();
  for (const a of atoms) byTerm.set(a.term.key, [...(byTerm.get(a.term.key) ?? []), a]);
  for (const group of byTerm.values()) {
    if (allImpossible(group.map(pick), group[0]!.term)) return group;
  }
  return undefined;
}

/** The conjuncts of a condition: `and` flattened, predicates expanded (kept as well), to a bounded depth. */
export function conjuncts(ir: IR, pack: CheckedPack, depth = 0): IR[] {
  if (ir.k === 'and') return ir.xs.flatMap((x) => conjuncts(x, pack, depth));
  if (ir.k === 'pred' && depth < 8) {
    const body = pack.predicates.get(ir.name)?.body;
    return body ? [ir, ...conjuncts(body, pack, depth + 1)] : [ir];
  }
  if (ir.k === 'local' && depth < 8) return [ir, ...conjuncts(ir.x, pack, depth + 1)];
  return [ir];
}
