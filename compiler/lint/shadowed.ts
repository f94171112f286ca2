// ZY6003: a rule that never decides the outcome, because whenever it fires
// another rule with a strictly stronger outcome fires too.
//
// In zhiyu every active rule is evaluated and the strongest outcome wins, so
// rule order does not matter: B is reported when some rule A (earlier or
// later) that is active whenever B is (enabled, effective at least as long)
// asks for a stronger outcome and B's condition implies A's. B is only
// reported when it has an outcome and no score (a score still counts).
//
// Implication is shown syntactically and with the interval reasoning of
// facts.ts: every conjunct of A's condition (predicates looked through) must
// appear among B's conjuncts, or follow from B's constraints on the same term
// (`x >= ¥10,000` implies `x >= ¥2,000`; `x in ["a"]` implies `x != "b"`), or
// be an `or` one of whose branches follows. If B's condition is an `or`, each
// branch must imply A's. Anything else is not reported.
import type { CheckedPack, CheckedRule, IR } from '../ir.ts';
import { printIR } from '../print.ts';
import { allImpossible, atomOf, conflicting, conjuncts, MISSING, type Atom } from './facts.ts';
import type { Finding, LintRule } from './context.ts';

export const shadowed: LintRule = {
  code: 'ZY6003',
  name: 'never-decides',
  run(cx) {
    const pack = cx.pack;
    const rank = (o: string) => pack.outcomes.indexOf(o);
    const out: Finding[] = [];
    for (const b of pack.rules) {
      if (!b.enabled || b.outcome === undefined || b.score !== 0 || neverTrue(b.condition, pack)) continue;
      const a = pack.rules.find((x) => x !== b && x.enabled && x.outcome !== undefined && rank(x.outcome) < rank(b.outcome!)
        && covers(x, b) && implies(b.condition, x.condition, pack, 0));
      if (!a) continue;
      out.push({ ...cx.finding('ZY6003', cx.ruleSpan(b),
        `rule \`${b.id}\` never decides the outcome: whenever it fires, \`${a.id}\` fires too and asks for \`${a.outcome}\`, which is stronger than \`${b.outcome}\``,
        `narrow one of the two conditions, give \`${b.id}\` a score, or say why the overlap is intended with suppress ZY6003 "…"`, b), related: a.id });
    }
    return out;
  },
};

/** Is A active whenever B is (by effective dates)? */
function covers(a: CheckedRule, b: CheckedRule): boolean {
  return (a.effectiveFrom ?? -Infinity) <= (b.effectiveFrom ?? -Infinity) && (a.effectiveUntil ?? Infinity) >= (b.effectiveUntil ?? Infinity);
}

function neverTrue(ir: IR, pack: CheckedPack): boolean {
  const atoms = conjuncts(ir, pack).map((c) => atomOf(c, pack)).filter((x): x is Atom => !!x);
  return !!conflicting(atoms, (x) => x.whenTrue);
}

/** Does `b` being true guarantee that `a` is true? (false when not shown) */
export function implies(b: IR, a: IR, pack: CheckedPack, depth: number): boolean {
  if (depth > 8) return false;
  if (b.k === 'or') return b.xs.every((x) => implies(x, a, pack, depth + 1));
  const bs = conjuncts(b, pack);
  const keys = new Set(bs.map(printIR));
  const atoms = bs.map((x) => atomOf(x, pack)).filter((x): x is Atom => !!x);
  const follows = (c: IR, d: number): boolean => {
    if (d > 8) return false;
    if (keys.has(printIR(c))) return true;
    if (c.k === 'lit') return c.value === true;
    if (c.k === 'and') return c.xs.every((x) => follows(x, d + 1));
    if (c.k === 'or') return c.xs.some((x) => follows(x, d + 1));
    if (c.k === 'pred') {
      const body = pack.predicates.get(c.name)?.body;
      return !!body && follows(body, d + 1);
    }
    const atom = atomOf(c, pack);
    if (!atom || atom.whenTrue.length === 0) return false;
    const known = atoms.filter((x) => x.term.key === atom.term.key).map((x) => x.whenTrue);
    if (known.length === 0) return false;
    // B's constraints on the term leave no room for the atom to be false or missing.
    return [MISSING, ...atom.whenFalse].every((notTrue) => allImpossible([...known, [notTrue]], atom.term));
  };
  return follows(a, depth);
}
