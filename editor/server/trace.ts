// The interpreter's trace, shaped for the editor: per rule, the conditions it
// evaluated with the value each saw, ready to paint over the source. Only
// the steps worth showing: truth values of conditions, and the features,
// aggregates and predicates they read.
import type { CheckedPack } from '../../compiler/ir.ts';
import type { RuleTrace } from '../../runtime/interpreter.ts';
import type { Decision } from '../../runtime/decision.ts';
import { showValue } from '../../compiler/display.ts';

export interface BrowserStep {
  readonly file: number;
  readonly start: number;
  readonly end: number;
  readonly kind: string;
  /** How the value reads to an analyst (¥2,000.00, 30m, 2026-03-01 10:00 +08:00, missing). */
  readonly text: string;
  /** For conditions: true, false, or null when missing; absent for values. */
  readonly truth?: boolean | null;
}

export interface BrowserRuleTrace {
  readonly id: string;
  readonly active: boolean;
  readonly fired: boolean;
  readonly value: boolean | null;
  readonly steps: readonly BrowserStep[];
}

const SHOWN = new Set(['field', 'agg', 'pred', 'call', 'cmp', 'in', 'between', 'isMissing', 'not', 'and', 'or']);

/** The decision with each value a fired rule saw also as an analyst reads it (`text`): money in yuan, times with their zone. */
export function withShownValues(pack: CheckedPack, d: Decision): Decision {
  return {
    ...d,
    fired: d.fired.map((f) => {
      const leaves = pack.rules.find((r) => r.id === f.id)?.leaves ?? [];
      return { ...f, seen: f.seen.map((s, i) => ({ ...s, text: leaves[i] ? showValue(leaves[i]!.type, s.value) : String(s.value) })) };
    }),
  };
}

export function stepsForBrowser(_pack: CheckedPack, trace: readonly RuleTrace[]): BrowserRuleTrace[] {
  return trace.map((r) => {
    const seen = new Map<string, BrowserStep>();
    for (const s of r.steps) {
      if (!SHOWN.has(s.kind)) continue;
      const isBool = s.type.t === 'bool';
      // One step per span: a shared sub-expression evaluated twice shows once.
      seen.set(`${s.span.file}:${s.span.start}:${s.span.end}`, {
        file: s.span.file, start: s.span.start, end: s.span.end, kind: s.kind,
        text: showValue(s.type, s.value),
        ...(isBool ? { truth: s.value === undefined ? null : s.value === true } : {}),
      });
    }
    return { id: r.id, active: r.active, fired: r.fired, value: r.value === undefined ? null : r.value === true, steps: [...seen.values()] };
  });
}
