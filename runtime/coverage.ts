// Test coverage from the reference interpreter's trace. For each rule: did
// the tests make it fire, and did they make it not fire? For each condition
// of its `when` — every bool-valued comparison, `in`, `between`, `is
// missing`, predicate use, bool feature and bool function call, however deep
// in `and` / `or` / `not` — was it seen true, and seen false? (Missing is
// counted too, but covers neither.) Predicate bodies and aggregate filters
// are not looked into: a predicate is one condition where a rule uses it.
import type { CheckedPack, CheckedRule, IR, Value } from '../compiler/ir.ts';
import { children } from '../compiler/optimize/fold.ts';
import type { Span } from '../compiler/source.ts';
import { interpret, type RuleTrace } from './interpreter.ts';
import { runTest, type TestResult } from './testing.ts';

export interface ConditionCoverage {
  readonly span: Span;
  readonly kind: IR['k'];
  readonly seenTrue: number;
  readonly seenFalse: number;
  readonly seenMissing: number;
}

export interface RuleCoverage {
  readonly id: string;
  readonly span: Span;
  /** A disabled rule is listed but not counted. */
  readonly enabled: boolean;
  /** Decisions in which the rule was active and evaluated. */
  readonly evaluated: number;
  readonly fired: number;
  readonly notFired: number;
  readonly conditions: readonly ConditionCoverage[];
}

export interface Tally {
  readonly covered: number;
  readonly total: number;
  /** covered / total × 100; 100 when there is nothing to cover. */
  readonly percent: number;
}

export interface Coverage {
  readonly rules: readonly RuleCoverage[];
  /** Per rule: fired and not fired (2 each). */
  readonly outcomes: Tally;
  /** Per condition: true and false (2 each). */
  readonly conditions: Tally;
  readonly total: Tally;
}

const ATOMS = new Set<IR['k']>(['cmp', 'in', 'between', 'isMissing', 'pred', 'field', 'hfield', 'call']);

/** The conditions of a rule, in source order: bool-typed atoms of its `when`. */
export function conditionsOf(rule: CheckedRule): IR[] {
  const out: IR[] = [];
  const visit = (e: IR): void => {
    if (e.type.t === 'bool' && ATOMS.has(e.k)) out.push(e);
    children(e).forEach(visit);
  };
  visit(rule.condition);
  return out.sort((a, b) => a.span.file - b.span.file || a.span.start - b.span.start);
}

/**
 * A node is recognised in the trace by file, start and kind: node spans may
 * lack an end today (see compiler/lint/spans.ts), and two conditions of one
 * rule never share start and kind.
 */
const keyOf = (span: Span, kind: string) => `${span.file}:${span.start}:${kind}`;

export class CoverageCollector {
  private readonly counts = new Map<string, { evaluated: number; fired: number; notFired: number; conds: Map<string, [number, number, number]> }>();

  /** `spanOf` gives the span reported for a condition (e.g. with its end repaired); matching never needs it. */
  constructor(private readonly pack: CheckedPack, private readonly spanOf: (e: IR) => Span = (e) => e.span) {
    for (const r of pack.rules) {
      this.counts.set(r.id, { evaluated: 0, fired: 0, notFired: 0, conds: new Map(conditionsOf(r).map((c) => [keyOf(c.span, c.k), [0, 0, 0]])) });
    }
  }

  /** Adds one decision's trace. */
  add(trace: readonly RuleTrace[]): void {
    for (const rt of trace) {
      const c = this.counts.get(rt.id);
      if (!c || !rt.active) continue;
      c.evaluated++;
      if (rt.fired) c.fired++;
      else c.notFired++;
      for (const s of rt.steps) {
        const n = c.conds.get(keyOf(s.span, s.kind));
        if (n) n[bucket(s.value)]++;
      }
    }
  }

  result(): Coverage {
    let outcomes = 0;
    let outcomesTotal = 0;
    let conds = 0;
    let condsTotal = 0;
    const rules = this.pack.rules.map((r): RuleCoverage => {
      const c = this.counts.get(r.id)!;
      const conditions = conditionsOf(r).map((x): ConditionCoverage => {
        const [t, f, m] = c.conds.get(keyOf(x.span, x.k))!;
        return { span: this.spanOf(x), kind: x.k, seenTrue: t, seenFalse: f, seenMissing: m };
      });
      if (r.enabled) {
        outcomesTotal += 2;
        outcomes += (c.fired > 0 ? 1 : 0) + (c.notFired > 0 ? 1 : 0);
        for (const x of conditions) {
          condsTotal += 2;
          conds += (x.seenTrue > 0 ? 1 : 0) + (x.seenFalse > 0 ? 1 : 0);
        }
      }
      return { id: r.id, span: r.span, enabled: r.enabled, evaluated: c.evaluated, fired: c.fired, notFired: c.notFired, conditions };
    });
    return {
      rules, outcomes: tally(outcomes, outcomesTotal), conditions: tally(conds, condsTotal),
      total: tally(outcomes + conds, outcomesTotal + condsTotal),
    };
  }
}

function bucket(v: Value): 0 | 1 | 2 {
  return v === true ? 0 : v === false ? 1 : 2;
}

export function tally(covered: number, total: number): Tally {
  return { covered, total, percent: total === 0 ? 100 : (covered / total) * 100 };
}

/** Runs a pack's tests on the interpreter, collecting coverage from every decision's trace. */
export function runTestsWithCoverage(pack: CheckedPack, spanOf?: (e: IR) => Span): { results: TestResult[]; coverage: Coverage } {
  const collector = new CoverageCollector(pack, spanOf);
  const results = pack.tests.map((t) => runTest(pack, t, (event, provider) => {
    const traced = interpret(pack, event, provider);
    collector.add(traced.trace);
    return traced.decision;
  }));
  return { results, coverage: collector.result() };
}
