// ZY6001: a rule reads a feature the schema marks `protected` (gender,
// ethnicity, religion, …).
//
// Every rule decides on the subject of the event: its outcome, its score, its
// reason and its message all go into the decision. So any rule that reads a
// protected field is reported — directly, through a predicate (at any depth),
// through an aggregate (its field, its `by` key or its `where` filter), or in
// its message. One finding per rule and field, at the first place the rule
// reaches it. Predicates that no rule uses are not reported.
//
// This is an error, not a warning: deciding on a protected characteristic is a
// conduct breach (fair treatment of financial consumers), not a matter of
// style, so CI fails until the rule changes or someone records, on that rule,
// why it is allowed: `suppress ZY6001 "…"`. The suppression is the audit trail.
import type { CheckedRule, FieldInfo, IR } from '../ir.ts';
import { children } from '../optimize/fold.ts';
import type { Span } from '../source.ts';
import { ruleExprs, type Finding, type LintContext, type LintRule } from './context.ts';

interface Reached { readonly feature: string; readonly via: readonly string[] }
interface Use extends Reached { readonly at: Span; readonly inMessage: boolean }

export const protectedFeatures: LintRule = {
  code: 'ZY6001',
  name: 'protected-feature',
  run(cx) {
    const out: Finding[] = [];
    for (const r of cx.pack.rules) {
      const seen = new Set<string>();
      for (const { ir, inMessage } of ruleExprs(r)) {
        forLeaves(ir, (leaf) => {
          for (const u of reach(cx, leaf, [], new Set())) {
            if (seen.has(u.feature)) continue;
            seen.add(u.feature);
            out.push(finding(cx, r, { ...u, at: cx.spanOf(leaf), inMessage }));
          }
        });
      }
    }
    return out;
  },
};

function finding(cx: LintContext, r: CheckedRule, u: Use): Finding {
  const how = u.via.length ? ` through ${u.via.join(' → ')}` : '';
  const where = u.inMessage ? ' in its message' : '';
  return cx.finding('ZY6001', u.at, `rule \`${r.id}\` reads the protected feature \`${u.feature}\`${how}${where}`,
    'a decision must not depend on a protected characteristic; remove it, or record on the rule why it is allowed: suppress ZY6001 "…"', r);
}

/** Calls `f` on each feature, history field, predicate and aggregate in an expression, in source order. */
function forLeaves(e: IR, f: (leaf: IR) => void): void {
  if (e.k === 'field' || e.k === 'hfield' || e.k === 'pred' || e.k === 'agg') f(e);
  // A `let`'s value is looked into at each use (it is part of the rule).
  children(e).forEach((c) => forLeaves(c, f));
}

/** The protected features a leaf reaches, and through what. */
function reach(cx: LintContext, x: IR, via: readonly string[], visiting: Set<string>): Reached[] {
  const field = (f: FieldInfo | undefined, name: string): Reached[] => (f?.protected ? [{ feature: name, via }] : []);
  switch (x.k) {
    case 'field': return field(cx.field(x.entity, x.field), `${x.entity}.${x.field}`);
    case 'hfield': return field(cx.field('event', x.field), `event.${x.field}`);
    case 'pred': {
      const body = cx.predicateBody(x.name);
      if (!body || visiting.has(x.name)) return [];
      visiting.add(x.name);
      const out: Reached[] = [];
      forLeaves(body, (leaf) => out.push(...reach(cx, leaf, [...via, `predicate \`${x.name}\``], visiting)));
      visiting.delete(x.name);
      return out;
    }
    case 'agg': {
      const a = cx.aggregate(x.id);
      const inAgg = [...via, `\`${a.text}\``];
      const out: Reached[] = [];
      for (const f of [a.field, a.by]) if (f !== undefined) out.push(...field(cx.field('event', f), `event.${f}`).map((u) => ({ ...u, via: inAgg })));
      for (const x of [...(a.filter ? [a.filter] : []), ...(a.steps ?? [])]) forLeaves(x, (leaf) => out.push(...reach(cx, leaf, inAgg, visiting)));
      return out;
    }
    default: return [];
  }
}
