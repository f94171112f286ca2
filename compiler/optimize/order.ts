// Pass: inside `and`/`or`, cheap operands go first so that the expensive ones
// (history aggregates, external lists, regular expressions) are often skipped.
// Safe because every operation is pure and total, and Kleene `and`/`or` give
// the same result in any order.
import type { AggregateSpec, IR } from '../ir.ts';
import { children, mapChanged } from './fold.ts';

// Costs are remembered per predicate table (one per pass) in a plain Map, which
// dies with the table: a WeakMap per IR node made the collector trace
// hundreds of thousands of ephemerons on a large pack.
const costs = new WeakMap<ReadonlyMap<string, IR>, Map<IR, number>>();

export function cost(e: IR, preds: ReadonlyMap<string, IR>): number {
  let known = costs.get(preds);
  if (!known) costs.set(preds, (known = new Map()));
  let c = known.get(e);
  if (c === undefined) known.set(e, (c = costOf(e, preds)));
  return c;
}

function costOf(e: IR, preds: ReadonlyMap<string, IR>): number {
  switch (e.k) {
    case 'lit': return 0;
    case 'now': case 'hfield': return 1;
    // An entity field may mean reading and checking a whole row.
    case 'field': return e.entity === 'event' ? 1 : 4;
    case 'agg': return 1000;
    case 'pred': { const b = preds.get(e.name); return b ? Math.min(cost(b, preds), 1000) : 5; }
    case 'quant': return 2 + children(e).reduce((s, x) => s + cost(x, preds), 0) + (e.set.kind === 'external' ? 100 * (e.items.kind === 'items' ? e.items.xs.length : 5) : 3);
    case 'in': return 2 + cost(e.x, preds) + (e.set.kind === 'external' ? 100 : e.set.kind === 'values' ? (e.set.values.length > 6 ? 3 : 1) : children(e).slice(1).reduce((s, x) => s + cost(x, preds), 0));
    case 'call': return (e.fn === 'matches' ? 50 : 4) + e.args.reduce((s, x) => s + cost(x, preds), 0);
    default: return 1 + children(e).reduce((s, x) => s + cost(x, preds), 0);
  }
}

export function order(e: IR, preds: ReadonlyMap<string, IR>): IR {
  const inner = mapChanged(e, (x) => order(x, preds));
  if (inner.k !== 'and' && inner.k !== 'or') return inner;
  const ranked = inner.xs.map((x, i) => ({ x, i, c: cost(x, preds) }));
  ranked.sort((a, b) => a.c - b.c || a.i - b.i);
  return ranked.every((r, i) => r.i === i) ? inner : { ...inner, xs: ranked.map((r) => r.x) };
}

export function orderFilter(spec: AggregateSpec, preds: ReadonlyMap<string, IR>): AggregateSpec {
  return spec.filter ? { ...spec, filter: order(spec.filter, preds) } : spec;
}
