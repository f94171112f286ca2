// Turning "these rules fired, this is the score" into a decision: the winning
// outcome by the pack's precedence, reasons, messages with their values, and
// what each fired rule saw. Shared by both evaluators.
import type { CheckedPack, IR, Template, Value } from '../compiler/ir.ts';
import { formatValue } from '../compiler/display.ts';
import { printIR } from '../compiler/print.ts';

export interface Seen {
  /** `event.amount`, `customer.age_years`, `count(by device_id, last 30d)`, a predicate's name. */
  readonly feature: string;
  readonly value: Value;
}

export interface FiredRule {
  readonly id: string;
  readonly title?: string;
  readonly outcome?: string;
  readonly score: number;
  readonly reason?: string;
  readonly message: { readonly zh?: string; readonly en?: string };
  readonly seen: readonly Seen[];
}

/** A rule in force that did not fire, and says why it could not decide (`note when …`). */
export interface RuleNote {
  readonly id: string;
  readonly message: { readonly zh?: string; readonly en?: string };
}

export interface Decision {
  readonly pack: string;
  readonly version?: string;
  readonly outcome: string;
  readonly score: number;
  readonly fired: readonly FiredRule[];
  /** Present when a rule explains not deciding; never changes the outcome. */
  readonly notes?: readonly RuleNote[];
}

export { formatValue, showValue } from '../compiler/display.ts';

export function leafLabel(pack: CheckedPack, leaf: IR): string {
  return leaf.k === 'agg' ? pack.aggregates[leaf.id]!.text : printIR(leaf);
}

function render(t: Template | undefined, values: readonly Value[], offset: number): string | undefined {
  if (!t) return undefined;
  let i = offset;
  return t.map((p) => (p.expr ? formatValue(p.expr.type, values[i++]) : p.text ?? '')).join('');
}

/** The rules whose note is on the decision, and each one's placeholder values (zh, then en). */
export interface Noted {
  readonly rules: readonly number[];
  readonly values: (rule: number) => readonly Value[];
}

/**
 * `values(i)` gives, for fired rule i, its leaves' values followed by its
 * message placeholders' values (zh, then en).
 */
export function assemble(pack: CheckedPack, fired: readonly number[], score: number, values: (rule: number) => readonly Value[], noted?: Noted): Decision {
  let best = pack.outcomes.length - 1;
  const rank = (o: string | undefined) => (o === undefined ? -1 : pack.outcomes.indexOf(o));
  const out: FiredRule[] = [];
  for (const i of [...fired].sort((a, b) => a - b)) {
    const r = pack.rules[i]!;
    const k = rank(r.outcome);
    if (k >= 0 && k < best) best = k;
    const vs = values(i);
    const zhCount = (r.message.zh ?? []).filter((p) => p.expr).length;
    const zh = render(r.message.zh, vs, r.leaves.length);
    const en = render(r.message.en, vs, r.leaves.length + zhCount);
    out.push({
      id: r.id, ...(r.title !== undefined ? { title: r.title } : {}), ...(r.outcome ? { outcome: r.outcome } : {}),
      score: r.score, ...(r.reason ? { reason: r.reason } : {}),
      message: { ...(zh !== undefined ? { zh } : {}), ...(en !== undefined ? { en } : {}) },
      seen: r.leaves.map((leaf, j) => ({ feature: leafLabel(pack, leaf), value: vs[j] })),
    });
  }
  for (const t of pack.thresholds) {
    const k = rank(t.outcome);
    if (score >= t.at && k >= 0 && k < best) best = k;
  }
  const notes = (noted?.rules ?? []).map((i): RuleNote => {
    const m = pack.rules[i]!.note!.message;
    const vs = noted!.values(i);
    const zhCount = (m.zh ?? []).filter((p) => p.expr).length;
    const zh = render(m.zh, vs, 0);
    const en = render(m.en, vs, zhCount);
    return { id: pack.rules[i]!.id, message: { ...(zh !== undefined ? { zh } : {}), ...(en !== undefined ? { en } : {}) } };
  });
  return {
    pack: pack.name, ...(pack.version ? { version: pack.version } : {}),
    outcome: pack.outcomes[best] ?? 'none', score, fired: out, ...(notes.length ? { notes } : {}),
  };
}
