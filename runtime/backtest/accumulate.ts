// Adding decided events to a tally, one at a time: what a backtest does for
// each stored event it replays (replay.ts), and what a shadow report does
// for each decision the service logged with its shadow beside it
// (shadow.ts). Both then summarize the tally the same way, so they report in
// one shape.
import { SHANGHAI_OFFSET } from '../../compiler/semantics.ts';
import { NEGATIVE, POSITIVE, type LabelClass } from './labels.ts';
import { emptyTally, type Counters, type SideTally, type Tally } from './tally.ts';

const DAY = 86_400_000;

/** The baseline's outcome for an event it cannot decide (another schema, say). */
export const NOT_DECIDED = '(not decided)';

/** What the accumulator needs of a pack: its outcome names, the default last. */
export interface SideShape {
  readonly outcomes: readonly string[];
  readonly defaultOutcome: number;
}

export class Accumulator {
  readonly tally: Tally;
  private readonly goodC = new Set<string>();
  private readonly goodB = new Set<string>();

  constructor(rules: number, private readonly candidate: SideShape, private readonly baseline: SideShape | undefined, private readonly examples: number, keepDecisions: boolean) {
    this.tally = emptyTally(rules, candidate.outcomes.length, baseline?.outcomes.length, keepDecisions);
  }

  /** An event the candidate could not decide (`reason`: code and field). */
  skip(reason: string, seq: number, message: string): void {
    const t = this.tally;
    t.total++;
    const have = t.skipped[reason];
    if (have) have.events++; else t.skipped[reason] = { events: 1, example: seq, message };
  }

  /**
   * One decided event: the candidate's fired rules (indexes), outcome index
   * and score; the baseline's outcome index (-1: it could not decide the
   * event; undefined: no baseline).
   */
  add(seq: number, time: number, fired: readonly number[], oc: number, score: number, label: LabelClass, amount: number, customer: unknown, ob?: number): void {
    const t = this.tally;
    const K = this.examples;
    const C = this.candidate;
    t.total++;
    const isPositive = label === POSITIVE;
    t.decided++;
    if (t.first === null) t.first = time;
    t.last = time;
    if (isPositive) { t.positive++; t.positiveMoney += amount; } else if (label === NEGATIVE) t.negative++;
    const dayKey = String(Math.floor((time + SHANGHAI_OFFSET) / DAY));
    const day = t.days[dayKey] ??= { events: 0, hits: new Array<number>(t.rules.events.length).fill(0), outcomes: new Array<number>(C.outcomes.length).fill(0) };
    day.events++;
    for (const i of fired) {
      count(t.rules, i, label, amount);
      day.hits[i]!++;
      if (fired.length === 1) t.rules.unique[i]!++;
      const ex = t.rules.examples[i]!;
      if (ex.length < K) ex.push(seq);
    }
    day.outcomes[oc]!++;
    t.decisions?.push([seq, oc, score, [...fired]]);
    side(t.candidate, oc, C.defaultOutcome, label, amount, customer, this.goodC);
    const B = this.baseline;
    if (!B || !t.baseline || ob === undefined) return;
    if (ob >= 0) side(t.baseline, ob, B.defaultOutcome, label, amount, customer, this.goodB);
    const from = ob >= 0 ? B.outcomes[ob]! : NOT_DECIDED;
    const to = C.outcomes[oc]!;
    if (from === to) return;
    const key = JSON.stringify([from, to]);
    const tr = t.baseline.transitions[key] ??= { events: 0, positive: 0, positiveMoney: 0, otherMoney: 0, examples: [] };
    tr.events++;
    if (isPositive) { tr.positive++; tr.positiveMoney += amount; } else tr.otherMoney += amount;
    if (tr.examples.length < K) tr.examples.push(seq);
  }

  /** The tally, with the good customers (sorted, for a stable merge). */
  finish(): Tally {
    this.tally.candidate.goodCustomers = [...this.goodC].sort();
    if (this.tally.baseline) this.tally.baseline.goodCustomers = [...this.goodB].sort();
    return this.tally;
  }
}

function count(c: Counters, i: number, label: LabelClass, amount: number): void {
  c.events[i]!++;
  if (label === POSITIVE) { c.positive[i]!++; c.positiveMoney[i]! += amount; } else {
    c.otherMoney[i]! += amount;
    if (label === NEGATIVE) c.negative[i]!++;
  }
}

function side(s: SideTally, outcome: number, defaultOutcome: number, label: LabelClass, amount: number, customer: unknown, good: Set<string>): void {
  count(s.outcomes, outcome, label, amount);
  if (outcome !== defaultOutcome && label !== POSITIVE && customer !== undefined && customer !== null) good.add(String(customer));
}
