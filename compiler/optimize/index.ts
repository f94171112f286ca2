// Stage 4: the optimizer, an ordered table of small passes over the checked
// pack. Each returns a new pack; the checked pack stays as the interpreter's
// reference.
import type { CheckedPack, CheckedRule, IR } from '../ir.ts';
import { fold } from './fold.ts';
import { order, orderFilter } from './order.ts';
import { share } from './share.ts';

type Pass = { readonly name: string; readonly run: (p: CheckedPack) => CheckedPack };

export const PASSES: readonly Pass[] = [
  // First, so that later passes see literals, not constant sub-trees.
  {
    name: 'fold',
    run: (p) => ({
      ...p,
      rules: p.rules.map((r) => withCondition(r, fold(r.condition))),
      predicates: new Map([...p.predicates].map(([n, d]) => [n, { ...d, body: fold(d.body) }])),
      aggregates: p.aggregates.map((a) => (a.filter ? { ...a, filter: fold(a.filter) } : a)),
    }),
  },
  // Before `share`, so that equal sub-expressions also print equal.
  {
    name: 'order',
    run: (p) => {
      const bodies = new Map([...p.predicates].map(([n, d]) => [n, d.body] as [string, IR]));
      return {
        ...p,
        rules: p.rules.map((r) => withCondition(r, order(r.condition, bodies))),
        predicates: new Map([...p.predicates].map(([n, d]) => [n, { ...d, body: order(d.body, bodies) }])),
        aggregates: p.aggregates.map((a) => orderFilter(a, bodies)),
      };
    },
  },
  {
    name: 'share',
    run: (p) => {
      const preds = [...p.predicates.values()];
      const { roots, slots } = share([...p.rules.map((r) => r.condition), ...preds.map((d) => d.body)]);
      return {
        ...p,
        rules: p.rules.map((r, i) => withCondition(r, roots[i]!)),
        predicates: new Map(preds.map((d, i) => [d.name, { ...d, body: roots[p.rules.length + i]! }])),
        sharedSlots: slots,
      };
    },
  },
];

/**
 * The rule with this condition: the rule itself when the pass left its
 * condition as it was (most rules, in most passes), rather than a copy of
 * every one of its fields.
 */
function withCondition(r: CheckedRule, condition: IR): CheckedRule {
  return condition === r.condition ? r : { ...r, condition };
}

export function optimize(pack: CheckedPack, passes: readonly Pass[] = PASSES): CheckedPack {
  return passes.reduce((p, pass) => pass.run(p), pack);
}
