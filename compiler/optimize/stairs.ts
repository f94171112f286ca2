// A threshold guard (`event.amount >= ¥500`, optimize/dispatch.ts) stands for
// rules that each need the field at or past a bound of their own: ¥500,
// ¥2,000, ¥50,000… Behind the guard every one of them is tested, though an
// amount of ¥1,000 can only fire those needing at most ¥1,000. Measured on the
// 10,000-rule scale pack, a threshold on the event is the part that fails a
// quarter of the rule tests a decision makes.
//
// A staircase instead: the rules are ordered by bound and cut into steps, each
// step behind a guard at its weakest bound, nested in the step before. A
// decision walks up the steps its value reaches and stops at the first it
// does not: it tests the rules whose bound it could meet, and one guard per
// step. A step is cut only where, on the traffic sample, it skips more rule
// tests than its guard costs (the rules past it, times how often a value that
// passed the step before falls short of it). Correct for any cut: every rule
// of a step needs the field past the step's bound, so a false guard means
// none of them can fire.
import type { IR } from '../ir.ts';
import type { DispatchNode } from './dispatch.ts';

/** Bounds at which the first step may start. */
const MAX_STARTS = 32;

export interface StairsInput {
  /** The group's rules and each one's bound. */
  readonly rules: readonly number[];
  readonly bound: (rule: number) => number;
  /** `>=` bounds (true) or `<=` bounds. */
  readonly up: boolean;
  /** How often `field >= bound` (or `<=`) holds on the sample. */
  readonly rate: (bound: number) => number;
}

export interface Steps {
  /** The rules, weakest bound first, and where each step starts in that order (those before the first are not in the group). */
  readonly order: readonly number[];
  readonly cuts: readonly number[];
  /** Rule tests skipped per decision on the sample, less the guards tested (the group's own guard included). */
  readonly gain: number;
}

/**
 * Where to cut the group into steps: each cut must skip more rule tests than
 * its guard costs. The rules below the first cut are left out of the group
 * (`cuts[0]`) when a guard at their bound would skip too little to pay for
 * itself: `amount >= ¥100` passes nearly every amount, `amount >= ¥20,000` few.
 */
export function steps(s: StairsInput): Steps {
  // Weakest bound first.
  const order = [...s.rules].sort((a, b) => (s.up ? s.bound(a) - s.bound(b) : s.bound(b) - s.bound(a)) || a - b);
  let best: Steps | undefined;
  // Each start is one pass over the rules: the weakest MAX_STARTS bounds are tried (a pack's thresholds take few values).
  for (let start = 0, tried = 0; start < order.length && tried < MAX_STARTS; start++) {
    if (start > 0 && s.bound(order[start]!) === s.bound(order[start - 1]!)) continue;
    tried++;
    const cuts: number[] = [start];
    let at = s.rate(s.bound(order[start]!));
    let gain = (order.length - start) * (1 - at) - 1;
    for (let k = start + 1; k < order.length; k++) {
      const b = s.bound(order[k]!);
      if (b === s.bound(order[k - 1]!) || at <= 0) continue;
      const r = s.rate(b);
      // The rules past the cut are skipped where a value past the last cut falls short of this one; its guard is tested wherever the last passed.
      const more = (order.length - k) * (at - r) - at;
      if (more > 0) { cuts.push(k); at = r; gain += more; }
    }
    if (!best || gain > best.gain) best = { order, cuts, gain };
  }
  return best!;
}

/**
 * The steps' rules as a staircase (nested guards at each step's weakest
 * bound; the group's own guard, at the first step's, is the caller's), or
 * undefined when there is one step. `plan` plans a step's own rules (grouped on
 * their other needs); `test` makes the guard `field >= bound` (or `<=`).
 */
export function stairs(st: Steps, bound: (rule: number) => number, test: (bound: number) => IR,
  plan: (rules: readonly number[]) => Extract<DispatchNode, { kind: 'rules' | 'guards' }>): DispatchNode | undefined {
  const { order, cuts } = st;
  if (cuts.length === 1) return undefined;
  let node: DispatchNode | undefined;
  for (let c = cuts.length - 1; c >= 0; c--) {
    const here = plan(order.slice(cuts[c], cuts[c + 1] ?? order.length).sort((a, b) => a - b));
    if (!node) { node = here; continue; }
    const step = { test: test(bound(order[cuts[c + 1]!]!)), then: node };
    node = here.kind === 'rules' ? { kind: 'guards', rest: here.rules, groups: [step] } : { kind: 'guards', rest: here.rest, groups: [...here.groups, step] };
  }
  return node;
}
