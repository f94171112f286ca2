// Pass: constant folding. Sub-trees with no feature, history, predicate or
// clock in them become literals; `and`/`or` drop operands that cannot change
// the result under Kleene logic.
import { evaluate, type Env } from '../evaluate.ts';
import type { IR, SetRef } from '../ir.ts';

class NotConstant extends Error {}
const constantEnv: Env = {
  get now(): number { throw new NotConstant(); },
  // Working days depend on the store's holiday calendar: never folded.
  get calendar(): never { throw new NotConstant(); },
  field: () => { throw new NotConstant(); },
  hfield: () => { throw new NotConstant(); },
  agg: () => { throw new NotConstant(); },
  pred: () => { throw new NotConstant(); },
  listHas: () => { throw new NotConstant(); },
};

const isLit = (e: IR): e is Extract<IR, { k: 'lit' }> => e.k === 'lit';

export function fold(e: IR): IR {
  const m = mapChanged(e, fold);
  return foldNode(m, m !== e);
}

/**
 * The folding of one node whose children are folded already (as `fold` leaves
 * them). `fresh`: `e` is a copy no one else holds, which may be returned
 * instead of another copy.
 */
export function foldNode(e: IR, fresh: boolean): IR {
  const f = setToValues(e);
  const own = fresh || f !== e;
  switch (f.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred': case 'shared':
      return f;
    case 'and': case 'or': {
      const absorbing = f.k === 'or';
      if (f.xs.some((x) => isLit(x) && x.value === absorbing)) return { k: 'lit', type: f.type, value: absorbing, span: f.span };
      const xs = f.xs.filter((x) => !(isLit(x) && x.value === !absorbing));
      if (xs.length === 0) return { k: 'lit', type: f.type, value: !absorbing, span: f.span };
      if (xs.length === 1 && xs[0]!.type.t === 'bool') return xs[0]!;
      if (xs.every(isLit)) return constant(f);
      return own && xs.length === f.xs.length ? f : { ...f, xs };
    }
    case 'in':
      if (f.set.kind === 'external' || f.set.kind === 'expr' || (f.set.kind === 'items' && !f.set.xs.every(isLit))) return f;
      return isLit(f.x) ? constant(f) : f;
    case 'quant':
      if (f.set.kind === 'external' || f.set.kind === 'expr' || (f.set.kind === 'items' && !f.set.xs.every(isLit))) return f;
      return f.items.kind === 'items' && f.items.xs.every(isLit) ? constant(f) : f;
    // A `let` whose value is a constant is that constant.
    case 'local': return isLit(f.x) ? { ...f.x, span: f.span } : f;
    default:
      return children(f).every(isLit) ? constant(f) : f;
  }
}

function constant(e: IR): IR {
  try {
    return { k: 'lit', type: e.type, value: evaluate(e, constantEnv), span: e.span };
  } catch (err) {
    if (err instanceof NotConstant) return e;
    throw err;
  }
}

export function children(e: IR): IR[] {
  switch (e.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred': return [];
    case 'shared': case 'neg': case 'not': case 'isMissing': case 'local': return [e.x];
    case 'arith': case 'cmp': case 'coalesce': return [e.l, e.r];
    case 'and': case 'or': return [...e.xs];
    case 'in': return [e.x, ...setChildren(e.set)];
    case 'quant': return [...setChildren(e.items), ...setChildren(e.set)];
    case 'between': return [e.x, e.lo, e.hi];
    case 'call': return [...e.args];
  }
}

function setChildren(s: SetRef): IR[] {
  return s.kind === 'expr' ? [s.x] : s.kind === 'items' ? [...s.xs] : [];
}

/** Rebuilds a node with each child replaced by `f(child)`. */
export function mapChildren(e: IR, f: (x: IR) => IR): IR {
  switch (e.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred': return e;
    case 'shared': case 'neg': case 'not': case 'isMissing': case 'local': return { ...e, x: f(e.x) } as IR;
    case 'arith': case 'cmp': case 'coalesce': return { ...e, l: f(e.l), r: f(e.r) } as IR;
    case 'and': case 'or': return { ...e, xs: e.xs.map(f) };
    case 'in': return { ...e, x: f(e.x), set: mapSet(e.set, f) };
    case 'between': return { ...e, x: f(e.x), lo: f(e.lo), hi: f(e.hi) };
    case 'call': return { ...e, args: e.args.map(f) };
    case 'quant': return { ...e, items: mapSet(e.items, f) as typeof e.items, set: mapSet(e.set, f) };
  }
}

function mapSet(s: SetRef, f: (x: IR) => IR): SetRef {
  return s.kind === 'expr' ? { kind: 'expr', x: f(s.x) } : s.kind === 'items' ? { kind: 'items', xs: s.xs.map(f) } : s;
}

/**
 * As `mapChildren`, but `e` itself when `f` changes no child (passes keep
 * untouched sub-trees). Calls `f` once per child in `children` order, and
 * copies the node only when a child changed: most nodes of a large pack do not.
 */
export function mapChanged(e: IR, f: (x: IR) => IR): IR {
  // The common kinds without the children array (this runs for every node of every pass).
  switch (e.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred': return e;
    case 'shared': case 'neg': case 'not': case 'isMissing': case 'local': {
      const x = f(e.x);
      return x === e.x ? e : { ...e, x } as IR;
    }
    case 'arith': case 'cmp': case 'coalesce': {
      const l = f(e.l);
      const r = f(e.r);
      return l === e.l && r === e.r ? e : { ...e, l, r } as IR;
    }
    case 'and': case 'or': {
      let xs: IR[] | undefined;
      for (let i = 0; i < e.xs.length; i++) {
        const y = f(e.xs[i]!);
        if (y !== e.xs[i]) (xs ??= e.xs.slice())[i] = y;
      }
      return xs === undefined ? e : { ...e, xs };
    }
    case 'between': {
      const x = f(e.x);
      const lo = f(e.lo);
      const hi = f(e.hi);
      return x === e.x && lo === e.lo && hi === e.hi ? e : { ...e, x, lo, hi };
    }
  }
  const before = children(e);
  let after: IR[] | undefined;
  for (let i = 0; i < before.length; i++) {
    const y = f(before[i]!);
    if (y !== before[i]) (after ??= before.slice())[i] = y;
  }
  if (after === undefined) return e;
  let j = 0;
  return mapChildren(e, () => after[j++]!);
}

function setToValues(folded: IR): IR {
  if ((folded.k === 'in' || folded.k === 'quant') && folded.set.kind === 'items' && folded.set.xs.every((x) => isLit(x) && x.value !== undefined)) {
    return { ...folded, set: { kind: 'values', values: folded.set.xs.map((x) => (x as Extract<IR, { k: 'lit' }>).value) } };
  }
  return folded;
}
