// A merged tally as the result a reader wants: rates, precision and recall,
// confusion matrices, the days in order, the transitions sorted. Everything
// here is a pure function of the tally, so equal tallies give equal results.
import { localDate } from '../../compiler/semantics.ts';
import type { Program } from '../engine.ts';
import { outcomeNames } from './replay.ts';
import type { Counters, SideTally, Tally } from './tally.ts';
import type { BacktestResult, Comparison, Confusion, Delta, Money, OutcomeStats } from './types.ts';

const DAY = 86_400_000;
const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export interface SummaryInput {
  readonly candidate: Program;
  readonly baseline?: Program;
  readonly tally: Tally;
  readonly from: number | null;
  readonly to: number | null;
  readonly labelsAsOf: number | null;
  readonly amountField: string | null;
  readonly customerField: string | null;
  readonly labelKinds: readonly string[];
  readonly decides: readonly string[] | null;
  /** Events of other types in the range, by type. */
  readonly otherTypes: readonly { readonly type: string | null; readonly events: number; readonly example: number }[];
  /** The entity fields the packs read, by entity. */
  readonly profileFields: Readonly<Record<string, readonly string[]>>;
  readonly warnings: readonly string[];
}

/** Precision and recall only mean something when label kinds measure the pack. */
function confusion(tp: number, predicted: number, positives: number, decided: number, measured: boolean): Confusion {
  const fp = predicted - tp;
  const fn = positives - tp;
  return { tp, fp, fn, tn: decided - tp - fp - fn, precision: measured ? ratio(tp, predicted) : null, recall: measured ? ratio(tp, positives) : null };
}

function outcomeStats(names: readonly string[], c: Counters, t: Tally, money: boolean, measured: boolean): OutcomeStats[] {
  const decided = c.events.reduce((a, b) => a + b, 0);
  return names.map((outcome, i) => ({
    outcome, events: c.events[i]!, share: ratio(c.events[i]!, decided), positive: c.positive[i]!,
    money: money ? { positive: c.positiveMoney[i]!, other: c.otherMoney[i]! } : null,
    confusion: confusion(c.positive[i]!, c.events[i]!, t.positive, decided, measured),
  }));
}

/** Events, positive events and money in every outcome but the default one. */
function stoppedOf(s: SideTally, names: readonly string[]) {
  const c = s.outcomes;
  let events = 0, positive = 0, positiveMoney = 0, otherMoney = 0;
  for (let i = 0; i < names.length - 1; i++) {
    events += c.events[i]!; positive += c.positive[i]!; positiveMoney += c.positiveMoney[i]!; otherMoney += c.otherMoney[i]!;
  }
  return { events, positive, positiveMoney, otherMoney, good: events - positive, goodCustomers: s.goodCustomers };
}

const delta = (baseline: number, candidate: number): Delta => ({ baseline, candidate, change: candidate - baseline });

function comparison(input: SummaryInput, names: readonly string[], money: boolean, measured: boolean): Comparison | undefined {
  const { tally: t, baseline } = input;
  if (!baseline || !t.baseline) return undefined;
  const bNames = outcomeNames(baseline.pack);
  const b = stoppedOf(t.baseline, bNames);
  const c = stoppedOf(t.candidate, names);
  const transitions = Object.entries(t.baseline.transitions).map(([key, x]) => {
    const [from, to] = JSON.parse(key) as [string, string];
    return { from, to, events: x.events, positive: x.positive, money: money ? { positive: x.positiveMoney, other: x.otherMoney } : null, examples: x.examples };
  }).sort((x, y) => y.events - x.events || (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
  return {
    baseline: { pack: baseline.pack.name, ...(baseline.pack.version ? { version: baseline.pack.version } : {}), outcomes: bNames },
    baselineOutcomes: outcomeStats(bNames, t.baseline.outcomes, t, money, measured),
    changed: transitions.reduce((n, x) => n + x.events, 0),
    transitions,
    caughtPositive: delta(b.positive, c.positive),
    caughtPositiveMoney: money ? delta(b.positiveMoney, c.positiveMoney) : null,
    goodCustomersAffected: delta(b.goodCustomers.length, c.goodCustomers.length),
    goodEventsStopped: delta(b.good, c.good),
    goodMoneyStopped: money ? delta(b.otherMoney, c.otherMoney) : null,
  };
}

/** The rules that fired on every hit of rule i and decide at least as strong an outcome. */
function redundantWith(pack: Program['pack'], i: number, coveredBy: readonly number[] | null): string[] {
  const own = pack.rules[i]!.outcome;
  if (!coveredBy || own === undefined) return [];
  const rank = pack.outcomes.indexOf(own);
  return coveredBy.filter((j) => {
    const o = pack.rules[j]!.outcome;
    return o !== undefined && pack.outcomes.indexOf(o) <= rank;
  }).map((j) => pack.rules[j]!.id);
}

export function summarize(input: SummaryInput): BacktestResult {
  const { tally: t, candidate } = input;
  const pack = candidate.pack;
  const names = outcomeNames(pack);
  const money = input.amountField !== null;
  const r = t.rules;
  const measured = input.labelKinds.length > 0;
  const m = (positive: number, other: number): Money | null => (money ? { positive, other } : null);
  const dayNums = Object.keys(t.days).map(Number).sort((a, b) => a - b);
  const days = dayNums.map((d) => t.days[String(d)]!);
  const stopped = stoppedOf(t.candidate, names);
  const comp = comparison(input, names, money, measured);
  const skippedBy = [
    ...input.otherTypes.map((x) => ({ reason: x.type === null ? 'not decided by the pack: no event type' : `not decided by the pack: type ${x.type}`, events: x.events, example: x.example })),
    ...Object.entries(t.skipped).map(([reason, x]) => ({ reason: `${reason}: ${x.message}`, events: x.events, example: x.example }))
      .sort((a, b) => b.events - a.events || a.example - b.example),
  ];
  const skipped = skippedBy.reduce((n, x) => n + x.events, 0);
  return {
    pack: { name: pack.name, ...(pack.version ? { version: pack.version } : {}), rules: pack.rules.length, outcomes: names },
    range: { from: input.from, to: input.to, first: t.first, last: t.last },
    events: { total: t.decided + skipped, decided: t.decided, skipped, skippedBy },
    scope: { decides: input.decides },
    profiles: {
      entities: Object.entries(input.profileFields).map(([entity, fields]) => {
        const c = t.profiles[entity] ?? { reads: 0, asOfEvent: 0, notYet: 0, undated: 0 };
        return { entity, fields, reads: c.reads, asOfEvent: c.asOfEvent, notYet: c.notYet, undated: c.undated };
      }),
    },
    labels: {
      asOf: input.labelsAsOf, kinds: input.labelKinds, positive: t.positive, negative: t.negative,
      unlabelled: t.decided - t.positive - t.negative, positiveMoney: money ? t.positiveMoney : null,
    },
    amountField: input.amountField,
    customerField: input.customerField,
    rules: pack.rules.map((rule, i) => ({
      index: i, id: rule.id, ...(rule.title !== undefined ? { title: rule.title } : {}), ...(rule.outcome ? { outcome: rule.outcome } : {}),
      score: rule.score, enabled: rule.enabled,
      hits: r.events[i]!, hitRate: ratio(r.events[i]!, t.decided), positiveHits: r.positive[i]!, negativeHits: r.negative[i]!,
      precision: measured ? ratio(r.positive[i]!, r.events[i]!) : null, labelledPrecision: measured ? ratio(r.positive[i]!, r.positive[i]! + r.negative[i]!) : null,
      recall: measured ? ratio(r.positive[i]!, t.positive) : null, money: m(r.positiveMoney[i]!, r.otherMoney[i]!), uniqueHits: r.unique[i]!, examples: r.examples[i]!,
      positiveExamples: r.positiveExamples[i]!, otherExamples: r.otherExamples[i]!, redundantWith: redundantWith(pack, i, r.coveredBy[i]!),
    })),
    outcomes: outcomeStats(names, t.candidate.outcomes, t, money, measured),
    stopped: { ...confusion(stopped.positive, stopped.events, t.positive, t.decided, measured), goodCustomers: stopped.goodCustomers.length },
    daily: {
      days: dayNums.map((d) => localDate(d * DAY)),
      events: days.map((d) => d.events),
      hits: Object.fromEntries(pack.rules.map((rule, i) => [rule.id, days.map((d) => d.hits[i]!)])),
      outcomes: Object.fromEntries(names.map((o, i) => [o, days.map((d) => d.outcomes[i]!)])),
    },
    ...(comp ? { comparison: comp } : {}),
    warnings: input.warnings,
    ...(t.decisions ? {
      decisions: t.decisions.map(([seq, oc, score, fired]) => ({ seq, outcome: names[oc]!, score, fired: fired.map((i) => pack.rules[i]!.id) })),
    } : {}),
  };
}
