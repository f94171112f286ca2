// Analysis for rule indexing: most rules start by testing the event type (or
// another category). For the event field that sorts the most rules, work out
// which values each rule can possibly fire for; the generated code then
// switches on that field and runs only the rules that can fire, instead of
// testing every rule one by one.
import type { CheckedPack, IR, Value } from '../ir.ts';
import { children } from './fold.ts';

export interface Dispatch {
  readonly field: string;
  /** value → indexes of the rules that can fire for it (besides `always`). */
  readonly cases: ReadonlyMap<Value, readonly number[]>;
  /** Rules that can fire whatever the field's value. */
  readonly always: readonly number[];
}

type Allowed = ReadonlySet<Value> | 'any';

/** The values of `field` for which `e` can be true ('any' when it does not constrain them). */
function allowed(e: IR, field: string, preds: CheckedPack['predicates']): Allowed {
  switch (e.k) {
    case 'cmp':
      if (e.op === '==' && e.l.k === 'field' && e.l.entity === 'event' && e.l.field === field && e.r.k === 'lit') return new Set([e.r.value]);
      if (e.op === '==' && e.r.k === 'field' && e.r.entity === 'event' && e.r.field === field && e.l.k === 'lit') return new Set([e.l.value]);
      return 'any';
    case 'in':
      return !e.negated && e.x.k === 'field' && e.x.entity === 'event' && e.x.field === field && e.set.kind === 'values' ? new Set(e.set.values) : 'any';
    case 'pred': { const p = preds.get(e.name); return p ? allowed(p.body, field, preds) : 'any'; }
    case 'shared': return allowed(e.x, field, preds);
    case 'and': {
      let acc: Allowed = 'any';
      for (const x of e.xs) {
        const a = allowed(x, field, preds);
        if (a === 'any') continue;
        const prev = acc as Allowed;
        acc = prev === 'any' ? a : new Set<Value>([...prev].filter((v) => a.has(v)));
      }
      return acc;
    }
    case 'or': {
      const all = new Set<Value>();
      for (const x of e.xs) {
        const a = allowed(x, field, preds);
        if (a === 'any') return 'any';
        a.forEach((v) => all.add(v));
      }
      return all;
    }
    case 'lit': return e.value === true ? 'any' : new Set();
    default: return 'any';
  }
}

export function planDispatch(pack: CheckedPack, minRules = 4): Dispatch | undefined {
  const rules = pack.rules.filter((r) => r.enabled);
  const candidates = new Set<string>();
  const visit = (e: IR): void => {
    if (e.k === 'field' && e.entity === 'event') {
      const t = pack.schema.event.fields.get(e.field)?.type.t;
      if (t === 'enum' || t === 'string' || t === 'integer' || t === 'bool') candidates.add(e.field);
    }
    if (e.k === 'pred') { const p = pack.predicates.get(e.name); if (p) visit(p.body); }
    children(e).forEach(visit);
  };
  rules.forEach((r) => visit(r.condition));
  let best: { field: string; per: Map<number, Allowed>; sorted: number } | undefined;
  for (const field of candidates) {
    const per = new Map(rules.map((r) => [r.index, allowed(r.condition, field, pack.predicates)] as const));
    const sorted = [...per.values()].filter((a) => a !== 'any').length;
    if (sorted >= minRules && (!best || sorted > best.sorted)) best = { field, per, sorted };
  }
  if (!best) return undefined;
  const cases = new Map<Value, number[]>();
  const always: number[] = [];
  for (const [index, a] of best.per) {
    if (a === 'any') { always.push(index); continue; }
    for (const v of a) {
      if (v === undefined || typeof v === 'object') continue;
      let list = cases.get(v);
      if (!list) cases.set(v, (list = []));
      list.push(index);
    }
  }
  return { field: best.field, cases, always };
}
