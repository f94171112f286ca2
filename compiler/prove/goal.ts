// What "the invariant is broken" means as formulas. The decision's outcome is
// the strongest outcome among the rules that fire and the score thresholds
// met, the pack's last outcome when none is (runtime/decision.ts assemble);
// so "outcome at least X" fails exactly when no rule or threshold of X or
// stronger fires, and "outcome at most X" fails when one stronger than X
// does. Each query is a list of parts that must all hold: the search
// refutes it (the conclusion holds for every input) or finds a case.
import type { CheckedInvariant, CheckedPack, InvariantConclusion } from '../ir.ts';
import { NUMBER } from '../types.ts';
import { and, compareLin, not, or, type F } from './formula.ts';
import { Lin } from './linear.ts';
import { Rat } from './rational.ts';
import type { Terms } from './terms.ts';
import type { Translator } from './translate.ts';

/** One way the conclusion can fail: all parts at once. */
export interface Query {
  readonly conclusion: InvariantConclusion;
  readonly parts: readonly F[];
}

/** A source of an outcome: a rule that fires, or a score threshold met. */
interface Source { readonly rank: number; readonly fires: () => F }

export function queries(inv: CheckedInvariant, pack: CheckedPack, tr: Translator, terms: Terms): Query[] {
  const last = pack.outcomes.length - 1;
  const rank = (o: string) => pack.outcomes.indexOf(o);
  const scoreParts: F[] = [];
  const sources: Source[] = pack.rules.filter((r) => r.outcome !== undefined).map((r) => ({ rank: rank(r.outcome!), fires: () => tr.fires(r) }));
  if (pack.thresholds.length) {
    // The score as a sum of one unknown per scoring rule: its score when it fires, else 0.
    let sum = Lin.constant(Rat.ZERO);
    for (const r of pack.rules) {
      if (r.score === 0) continue;
      const t = terms.term(`score#${r.index}`, {
        label: `score of ${r.id}`, type: NUMBER, sort: 'num', integral: false, always: true,
        origin: { k: 'opaque', ir: r.condition, why: 'a rule\'s share of the score' },
      });
      const v = Lin.variable(t.id);
      const fires = tr.fires(r);
      scoreParts.push(or(
        and(fires, compareLin('==', v, Lin.constant(Rat.num(r.score)))),
        and(not(fires), compareLin('==', v, Lin.constant(Rat.ZERO))),
      ));
      sum = sum.add(v);
    }
    for (const th of pack.thresholds) {
      const at = Lin.constant(Rat.num(th.at));
      sources.push({ rank: rank(th.outcome), fires: () => compareLin('>=', sum, at) });
    }
  }
  const condition = tr.T(inv.condition);
  const out: Query[] = [];
  const withScore = (parts: F[]) => (pack.thresholds.length ? [...parts, ...scoreParts] : parts);
  for (const c of inv.conclusions) {
    if (c.kind === 'fired') {
      const r = pack.rules.find((x) => x.id === c.rule)!;
      out.push({ conclusion: c, parts: [condition, c.negated ? tr.fires(r) : not(tr.fires(r))] });
      continue;
    }
    const k = rank(c.outcome);
    // Too strong: a source stronger than X fires.
    const tooStrong = () => ({ conclusion: c, parts: withScore([condition, or(...sources.filter((s) => s.rank < k).map((s) => s.fires()))]) });
    // Too weak: nothing as strong as X fires (never, when X is the default).
    const tooWeak = () => ({ conclusion: c, parts: withScore([condition, ...sources.filter((s) => s.rank <= k).map((s) => not(s.fires()))]) });
    if (c.op !== 'atLeast') out.push(tooStrong());
    if (c.op !== 'atMost' && k !== last) out.push(tooWeak());
  }
  return out.filter((q) => !q.parts.some((p) => p.k === 'false'));
}

/** Whether a decision (its outcome and fired rules) satisfies one conclusion. */
export function satisfies(pack: CheckedPack, c: InvariantConclusion, outcome: string, fired: ReadonlySet<string>): boolean {
  if (c.kind === 'fired') return fired.has(c.rule) !== c.negated;
  const got = pack.outcomes.indexOf(outcome);
  const want = pack.outcomes.indexOf(c.outcome);
  return c.op === 'is' ? got === want : c.op === 'atLeast' ? got <= want : got >= want;
}

