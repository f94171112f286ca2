// ZY6002: a condition that can never be true, or never be false.
//
// Reported, at the smallest expression that has the property by itself:
//   - one comparison against literals that its term can never meet or never
//     fail: `hour(now) > 23`, `event.attempt == 2.5` (an integer is whole),
//     `count(…) >= 0`, `event.type is missing` on a required field,
//     `event.channel in [app, web, branch]` listing every member of the enum;
//   - `and` whose conjuncts contradict on one term (`x > 5 and x < 3`,
//     `x == "a" and x in ["b", "c"]`, `x is missing and x > 1`, `p and not p`),
//     looking through predicates used as conjuncts;
//   - `or` whose disjuncts cover every value of one term (`x < 3 or x >= 3`);
//   - a comparison of two constants (`LIMIT > 0`), or of a term with itself.
// "Never false" is reported as "always true" only when the expression can
// never be missing either; otherwise as "true whenever … has a value".
// Rule conditions, predicate bodies and aggregate filters are analysed.
import type { CheckedRule, IR } from '../ir.ts';
import { children, fold } from '../optimize/fold.ts';
import { printIR } from '../print.ts';
import { atomOf, conflicting, conjuncts, type Atom } from './facts.ts';
import type { Finding, LintContext, LintRule } from './context.ts';

interface Info {
  readonly neverTrue: boolean;
  readonly neverFalse: boolean;
  readonly neverMissing: boolean;
}
const UNKNOWN: Info = { neverTrue: false, neverFalse: false, neverMissing: false };

export const always: LintRule = {
  code: 'ZY6002',
  name: 'always-or-never-true',
  run(cx) {
    const out: Finding[] = [];
    const predInfo = new Map<string, Info>();
    const localInfo = new Map<number, Info>();
    const analyser = (rule?: CheckedRule) => new Analyser(cx, rule, predInfo, localInfo, out);
    for (const [name, p] of cx.pack.predicates) predInfo.set(name, analyser().info(p.body));
    // A `let` is analysed once, where it is declared; its uses take what was found.
    for (const r of cx.pack.rules) for (const l of r.locals) localInfo.set(l.slot, analyser(r).info(l.x));
    for (const a of cx.pack.aggregates) for (const f of [...(a.filter ? [a.filter] : []), ...(a.steps ?? [])]) analyser(cx.ruleAt(a.span)).info(f);
    for (const r of cx.pack.rules) {
      if (r.note) analyser(r).info(r.note.condition);
      const before = out.length;
      const info = analyser(r).info(r.condition);
      if (info.neverTrue && out.length > before) {
        const first = out[before]!;
        out[before] = { ...first, diagnostic: { ...first.diagnostic, message: `${first.diagnostic.message}, so rule \`${r.id}\` can never fire` } };
      }
    }
    return out;
  },
};

class Analyser {
  constructor(
    private readonly cx: LintContext,
    private readonly rule: CheckedRule | undefined,
    private readonly preds: ReadonlyMap<string, Info>,
    private readonly locals: ReadonlyMap<number, Info>,
    private readonly out: Finding[],
  ) {}

  private report(ir: IR, claim: NonNullable<Finding['claim']>, message: string, hint?: string): void {
    this.out.push({ ...this.cx.finding('ZY6002', this.cx.spanOf(ir), message, hint, this.rule), node: ir, claim });
  }

  private show(ir: IR): string {
    return `\`${this.cx.text(this.cx.spanOf(ir))}\``;
  }

  /** Analyses a bool expression, reporting what it finds below and at it. */
  info(ir: IR): Info {
    switch (ir.k) {
      case 'lit':
        return { neverTrue: ir.value !== true, neverFalse: ir.value !== false, neverMissing: ir.value !== undefined };
      case 'and': case 'or': return this.logical(ir);
      case 'not': {
        const x = this.info(ir.x);
        return { neverTrue: x.neverFalse, neverFalse: x.neverTrue, neverMissing: x.neverMissing };
      }
      case 'pred': return this.preds.get(ir.name) ?? UNKNOWN;
      case 'local': return this.locals.get(ir.slot) ?? UNKNOWN;
      default: {
        for (const c of children(ir)) if (c.type.t === 'bool') this.info(c);
        return this.atom(ir);
      }
    }
  }

  private atom(ir: IR): Info {
    // Two constants, or a term compared with itself.
    if (ir.k === 'cmp') {
      const l = fold(ir.l);
      const r = fold(ir.r);
      if (l.k === 'lit' && r.k === 'lit') {
        const v = fold(ir);
        const value = v.k === 'lit' ? v.value : undefined;
        this.report(ir, value === true ? 'alwaysTrue' : 'neverTrue', `${this.show(ir)} compares two constants: it is ${value === true ? 'always true' : value === false ? 'never true' : 'always missing, never true'}`,
          'a rule that should always (or never) apply says so plainly, or is disabled');
        return { neverTrue: value !== true, neverFalse: value !== false, neverMissing: value !== undefined };
      }
      if (l.k !== 'lit' && printIR(l) === printIR(r)) {
        const reflexive = ir.op === '==' || ir.op === '<=' || ir.op === '>=';
        this.report(ir, reflexive ? 'neverFalse' : 'neverTrue', reflexive
          ? `${this.show(ir)} compares a value with itself: it is true whenever ${this.show(ir.l)} has a value`
          : `${this.show(ir)} compares a value with itself: it is never true`);
        return { neverTrue: !reflexive, neverFalse: reflexive, neverMissing: false };
      }
    }
    const a = atomOf(ir, this.cx.pack);
    if (!a) return UNKNOWN;
    const neverMissing = ir.k === 'isMissing' || (a.term.neverMissing && this.operandsPresent(ir));
    const neverTrue = !!conflicting([a], (x) => x.whenTrue);
    const neverFalse = !!conflicting([a], (x) => x.whenFalse);
    if (neverTrue) this.report(ir, 'neverTrue', `${this.show(ir)} is never true${this.why(a)}`);
    else if (neverFalse) this.report(ir, neverMissing ? 'alwaysTrue' : 'neverFalse', `${this.show(ir)} is ${neverMissing ? 'always true' : `true whenever ${this.show(a.term.ir)} has a value`}${this.why(a)}`);
    return { neverTrue, neverFalse, neverMissing };
  }

  /** Beyond the term, are the other operands of an atom never missing? (They are literals or a list.) */
  private operandsPresent(ir: IR): boolean {
    if (ir.k === 'not') return this.operandsPresent(ir.x);
    return children(ir).every((c) => c.k !== 'lit' || c.value !== undefined) || ir.k === 'in';
  }

  private why(a: Atom): string {
    const t = a.term;
    if (a.whenTrue.length === 0 && a.whenFalse.length === 0) return ': it compares with a constant that is always missing';
    if (t.neverMissing && a.ir.k === 'isMissing') return `: ${this.show(t.ir)} is required, so never missing`;
    if (t.ir.k === 'call' && t.lo !== -Infinity) return `: ${t.ir.fn}() is between ${t.lo} and ${t.hi === Infinity ? '∞' : t.hi}`;
    if (t.ir.k === 'agg' && t.lo === 0 && !(t.integral && this.fractionIn(a.ir))) return `: ${this.show(t.ir)} is never negative`;
    if (t.integral) return `: ${this.show(t.ir)} is a whole number`;
    if (t.domain && t.domain.length > 2) return `: ${this.show(t.ir)} is one of ${t.domain.join(', ')}`;
    return '';
  }

  /** Does the atom compare with a literal that is not a whole number? */
  private fractionIn(ir: IR): boolean {
    return children(ir.k === 'not' ? ir.x : ir).some((c) => { const f = fold(c); return f.k === 'lit' && typeof f.value === 'number' && !Number.isInteger(f.value); });
  }

  private logical(ir: Extract<IR, { k: 'and' | 'or' }>): Info {
    const xs = ir.xs.map((x) => this.info(x));
    const isAnd = ir.k === 'and';
    const neverMissing = xs.every((x) => x.neverMissing);
    const inherited = isAnd ? xs.some((x) => x.neverTrue) : xs.some((x) => x.neverFalse);
    let neverTrue = isAnd ? xs.some((x) => x.neverTrue) : xs.every((x) => x.neverTrue);
    let neverFalse = isAnd ? xs.every((x) => x.neverFalse) : xs.some((x) => x.neverFalse);
    if (!inherited) {
      // Look for a term whose atoms cannot all be true (and), or all false (or).
      const parts = isAnd ? ir.xs.flatMap((x) => conjuncts(x, this.cx.pack)) : ir.xs;
      const atoms = parts.map((p) => atomOf(p, this.cx.pack)).filter((a): a is Atom => !!a);
      const clash = conflicting(atoms, (a) => (isAnd ? a.whenTrue : a.whenFalse));
      if (clash && clash.length > 1) {
        const shown = clash.slice(0, 3).map((a) => this.show(a.ir)).join(isAnd ? ' and ' : ' or ');
        if (isAnd) {
          neverTrue = true;
          this.report(ir, 'neverTrue', `${shown} can never all be true at once: this condition is never true`);
        } else {
          neverFalse = true;
          const term = this.show(clash[0]!.term.ir);
          this.report(ir, neverMissing ? 'alwaysTrue' : 'neverFalse', `${shown} cover every value of ${term}: this condition is ${neverMissing ? 'always true' : `true whenever ${term} has a value`}`);
        }
      }
    }
    return { neverTrue, neverFalse, neverMissing };
  }
}

