// The outcome of a decision from the rules that fired and the score: the
// first of the pack's outcomes (`outcomes block > hold > review > allow`)
// that a fired rule asks for or a reached threshold gives, else the last.
// One implementation for decide(), decideOutcome(), the interpreter and
// backtests, so that no caller re-implements precedence.
import type { CheckedPack } from '../compiler/ir.ts';

declare const packOrder: unique symbol;

/**
 * Indexes into `pack.rules` of the rules that fired, ascending: the order in
 * which the rules are written in the pack, whatever order they ran in.
 */
export type FiredIndexes = readonly number[] & { readonly [packOrder]: true };

/** What decideRaw() gives: the rules that fired and the score (rule scores added in pack order). */
export interface RawDecision {
  readonly fired: FiredIndexes;
  readonly score: number;
}

/** What decideOutcome() gives: decideRaw()'s result and the outcome by the pack's precedence and thresholds. */
export interface OutcomeDecision extends RawDecision {
  readonly outcome: string;
}

/** The outcome names a pack can give, highest precedence first; a pack without outcomes gives `none`. */
export const outcomeNames = (pack: CheckedPack): readonly string[] => (pack.outcomes.length ? pack.outcomes : ['none']);

export class Precedence {
  /** Outcome names, highest precedence first; `rank()` indexes them. */
  readonly names: readonly string[];
  /** The index of the outcome when nothing asks for another. */
  readonly fallback: number;
  private readonly ranks: Int32Array;
  private readonly thresholds: readonly { readonly rank: number; readonly at: number }[];

  constructor(pack: CheckedPack) {
    this.names = outcomeNames(pack);
    this.fallback = this.names.length - 1;
    const rank = (o: string | undefined) => (o === undefined ? -1 : pack.outcomes.indexOf(o));
    this.ranks = Int32Array.from(pack.rules.map((r) => rank(r.outcome)));
    this.thresholds = pack.thresholds.map((t) => ({ rank: rank(t.outcome), at: t.at })).filter((t) => t.rank >= 0);
  }

  /** The winning outcome's index in `names`. */
  rank(fired: readonly number[], score: number): number {
    let best = this.fallback;
    for (let i = 0; i < fired.length; i++) {
      const k = this.ranks[fired[i]!]!;
      if (k >= 0 && k < best) best = k;
    }
    const ts = this.thresholds;
    for (let i = 0; i < ts.length; i++) if (score >= ts[i]!.at && ts[i]!.rank < best) best = ts[i]!.rank;
    return best;
  }

  outcome(fired: readonly number[], score: number): string {
    return this.names[this.rank(fired, score)]!;
  }
}
