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
  readonly warnings: readonly string[];
}

function confusion(tp: number, predicted: number, positives: number, decided: number): Confusion {
  const fp = predicted - tp;
  const fn = positives - tp;
  return { tp, fp, fn, tn: decided - tp - fp - fn, precision: ratio(tp, predicted), recall: ratio(tp, positives) };
}

function outcomeStats(names: readonly string[], c: Counters, t: Tally, money: boolean): OutcomeStats[] {
  const decided = c.events.reduce((a, b) => a + b, 0);
  return names.map((outcome, i) => ({
    outcome, events: c.events[i]!, share: ratio(c.events[i]!, decided), fraud: c.fraud[i]!,
    money: money ? { fraud: c.fraudMoney[i]!, good: c.goodMoney[i]! } : null,
    confusion: confusion(c.fraud[i]!, c.events[i]!, t.fraud, decided),
  }));
}

/** Events, fraud and money in every outcome but the default one. */
function stoppedOf(s: SideTally, names: readonly string[]) {
  const c = s.outcomes;
  let events = 0, fraud = 0, fraudMoney = 0, goodMoney = 0;
  for (let i = 0; i < names.length - 1; i++) {
    events += c.events[i]!; fraud += c.fraud[i]!; fraudMoney += c.fraudMoney[i]!; goodMoney += c.goodMoney[i]!;
  }
  return { events, fraud, fraudMoney, goodMoney, good: events - fraud, goodCustomers: s.goodCustomers };
}

const delta = (baseline: number, candidate: number): Delta => ({ baseline, candidate, change: candidate - baseline });

function comparison(input: SummaryInput, names: readonly string[], money: boolean): Comparison | undefined {
  const { tally: t, baseline } = input;
  if (!baseline || !t.baseline) return undefined;
  const bNames = outcomeNames(baseline.pack);
  const b = stoppedOf(t.baseline, bNames);
  const c = stoppedOf(t.candidate, names);
  const transitions = Object.entries(t.baseline.transitions).map(([key, x]) => {
    const [from, to] = JSON.parse(key) as [string, string];
    return { from, to, events: x.events, fraud: x.fraud, money: money ? { fraud: x.fraudMoney, good: x.goodMoney } : null, examples: x.examples };
  }).sort((x, y) => y.events - x.events || (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
  return {
    baseline: { pack: baseline.pack.name, ...(baseline.pack.version ? { version: baseline.pack.version } : {}), outcomes: bNames },
    baselineOutcomes: outcomeStats(bNames, t.baseline.outcomes, t, money),
    changed: transitions.reduce((n, x) => n + x.events, 0),
    transitions,
    caughtFraud: delta(b.fraud, c.fraud),
    caughtFraudMoney: money ? delta(b.fraudMoney, c.fraudMoney) : null,
    goodCustomersAffected: delta(b.goodCustomers.length, c.goodCustomers.length),
    goodEventsStopped: delta(b.good, c.good),
    goodMoneyStopped: money ? delta(b.goodMoney, c.goodMoney) : null,
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
  const m = (fraud: number, good: number): Money | null => (money ? { fraud, good } : null);
  const dayNums = Object.keys(t.days).map(Number).sort((a, b) => a - b);
  const days = dayNums.map((d) => t.days[String(d)]!);
  const stopped = stoppedOf(t.candidate, names);
  const comp = comparison(input, names, money);
  return {
    pack: { name: pack.name, ...(pack.version ? { version: pack.version } : {}), rules: pack.rules.length, outcomes: names },
    range: { from: input.from, to: input.to, first: t.first, last: t.last },
    events: {
      total: t.total, decided: t.decided, skipped: t.total - t.decided,
      skippedBy: Object.entries(t.skipped)
        .map(([reason, x]) => ({ reason: `${reason}: ${x.message}`, events: x.events, example: x.example }))
        .sort((a, b) => b.events - a.events || a.example - b.example),
    },
    labels: { asOf: input.labelsAsOf, fraud: t.fraud, notFraud: t.notFraud, unlabelled: t.decided - t.fraud - t.notFraud, fraudMoney: money ? t.fraudMoney : null },
    amountField: input.amountField,
    customerField: input.customerField,
    rules: pack.rules.map((rule, i) => ({
      index: i, id: rule.id, ...(rule.title !== undefined ? { title: rule.title } : {}), ...(rule.outcome ? { outcome: rule.outcome } : {}),
      score: rule.score, enabled: rule.enabled,
      hits: r.events[i]!, hitRate: ratio(r.events[i]!, t.decided), fraudHits: r.fraud[i]!, labelledGoodHits: r.labelledGood[i]!,
      precision: ratio(r.fraud[i]!, r.events[i]!), labelledPrecision: ratio(r.fraud[i]!, r.fraud[i]! + r.labelledGood[i]!),
      recall: ratio(r.fraud[i]!, t.fraud), money: m(r.fraudMoney[i]!, r.goodMoney[i]!), uniqueHits: r.unique[i]!, examples: r.examples[i]!,
      fraudExamples: r.fraudExamples[i]!, goodExamples: r.goodExamples[i]!, redundantWith: redundantWith(pack, i, r.coveredBy[i]!),
    })),
    outcomes: outcomeStats(names, t.candidate.outcomes, t, money),
    stopped: { ...confusion(stopped.fraud, stopped.events, t.fraud, t.decided), goodCustomers: stopped.goodCustomers.length },
    daily: {
      days: dayNums.map((d) => localDate(d * DAY)),
      events: days.map((d) => d.events),
      hits: Object.fromEntries(pack.rules.map((rule, i) => [rule.id, days.map((d) => d.hits[i]!)])),
      outcomes: Object.fromEntries(names.map((o, i) => [o, days.map((d) => d.outcomes[i]!)])),
    },
    ...(comp ? { comparison: comp } : {}),
    warnings: input.warnings,
  };
}
