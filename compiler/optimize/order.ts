// Pass: inside `and`/`or`, cheap operands go first so that the expensive ones
// (history aggregates, external lists, regular expressions) are often skipped.
// Safe because every operation is pure and total, and Kleene `and`/`or` give
// the same result in any order.
import type { AggregateSpec, IR } from '../ir.ts';
import { children, mapChanged } from './fold.ts';

// A node's cost is its own part (ownCost) plus its children's. The walk that
// orders works them out bottom-up as it goes, so no cost is remembered per IR
// node: a Map from node to cost grew to every node of a large pack, and
// filling it was most of this pass.

/** A predicate's cost by name, per predicate table (one per pass): it dies with the table. */
const predCosts = new WeakMap<ReadonlyMap<string, IR>, Map<string, number>>();

function predCost(name: string, preds: ReadonlyMap<string, IR>): number {
  let known = predCosts.get(preds);
  if (!known) predCosts.set(preds, (known = new Map()));
  let c = known.get(name);
  if (c === undefined) {
    const b = preds.get(name);
    known.set(name, (c = b ? Math.min(cost(b, preds), 1000) : 5));
  }
  return c;
}

/** What `e` costs beyond its children (for a predicate: its body). */
function ownCost(e: IR, preds: ReadonlyMap<string, IR>): number {
  switch (e.k) {
    case 'lit': return 0;
    case 'now': case 'hfield': return 1;
    // An entity field may mean reading and checking a whole row.
    case 'field': return e.entity === 'event' ? 1 : 4;
    case 'agg': return 1000;
    case 'pred': return predCost(e.name, preds);
    case 'quant': return 2 + (e.set.kind === 'external' ? 100 * (e.items.kind === 'items' ? e.items.xs.length : 5) : 3);
    // A set of values or an external list is no child: only `x` is.
    case 'in': return 2 + (e.set.kind === 'external' ? 100 : e.set.kind === 'values' ? (e.set.values.length > 6 ? 3 : 1) : 0);
    case 'call': return e.fn === 'matches' ? 50 : 4;
    default: return 1;
  }
}

/** The cost of `e`: its own and its children's (costs are whole numbers, so the sum's order does not matter). */
export function cost(e: IR, preds: ReadonlyMap<string, IR>): number {
  let c = ownCost(e, preds);
  if (e.k !== 'pred') for (const x of children(e)) c += cost(x, preds);
  return c;
}

/** The same cost from the children's costs, summed already (`kids`). */
export function costWith(e: IR, kids: number, preds: ReadonlyMap<string, IR>): number {
  return ownCost(e, preds) + kids;
}

// The walk's state: the predicate table, and the cost of the node `walk` last returned
// (module state rather than a pair per node: this runs for every node of the pack).
let table: ReadonlyMap<string, IR> = new Map();
let walked = 0;
let kidsCost = 0;
const child = (x: IR): IR => {
  const y = walk(x);
  kidsCost += walked;
  return y;
};

function walk(e: IR): IR {
  switch (e.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred':
      walked = ownCost(e, table);
      return e;
    case 'and': case 'or': {
      const n = e.xs.length;
      let xs: IR[] | undefined;
      const cs: number[] = new Array(n);
      let sum = 0;
      let sorted = true;
      for (let i = 0; i < n; i++) {
        const y = walk(e.xs[i]!);
        if (y !== e.xs[i]) (xs ??= e.xs.slice())[i] = y;
        cs[i] = walked;
        sum += walked;
        if (i > 0 && walked < cs[i - 1]!) sorted = false;
      }
      walked = 1 + sum;
      const inner = xs === undefined ? e : { ...e, xs };
      if (sorted) return inner;
      const from = xs ?? e.xs;
      // Stable: equal costs keep their order.
      const ranked = from.map((x, i) => ({ x, i, c: cs[i]! }));
      ranked.sort((a, b) => a.c - b.c || a.i - b.i);
      return { ...inner, xs: ranked.map((r) => r.x) };
    }
    default: {
      const saved = kidsCost;
      kidsCost = 0;
      const m = mapChanged(e, child);
      walked = ownCost(e, table) + kidsCost;
      kidsCost = saved;
      return m;
    }
  }
}

export function order(e: IR, preds: ReadonlyMap<string, IR>): IR {
  const outer = table;
  table = preds;
  try {
    return walk(e);
  } finally {
    table = outer;
  }
}

export function orderFilter(spec: AggregateSpec, preds: ReadonlyMap<string, IR>): AggregateSpec {
  return spec.filter ? { ...spec, filter: order(spec.filter, preds) } : spec;
}
