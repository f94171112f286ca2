// The counts one chunk of events adds up to. A tally is plain data (it
// crosses from a worker thread by structured clone), and merging tallies in
// chunk order gives exactly the tally of one pass over all the events: every
// field is a sum, a set union, or a list of the first few examples in replay
// order (chunks are in replay order, so concatenating and cutting is exact).

/** Counters per rule or per outcome, all of one length. */
export interface Counters {
  events: number[];
  fraud: number[];
  labelledGood: number[];
  fraudMoney: number[];
  goodMoney: number[];
}

export interface TransitionTally {
  events: number;
  fraud: number;
  fraudMoney: number;
  goodMoney: number;
  examples: number[];
}

export interface SideTally {
  outcomes: Counters;
  /** Customer keys with at least one good event stopped (sorted, for a stable merge). */
  goodCustomers: string[];
}

export interface Tally {
  total: number;
  decided: number;
  /** `code field` → events, the first one (zy_seq) and its error message. */
  skipped: Record<string, { events: number; example: number; message: string }>;
  first: number | null;
  last: number | null;
  fraud: number;
  notFraud: number;
  fraudMoney: number;
  rules: Counters & {
    unique: number[]; examples: number[][];
    /** The first few hits labelled fraud, and the first few others (zy_seq), in replay order. */
    fraudExamples: number[][]; goodExamples: number[][];
    /** Per rule: the rules that fired on every one of its hits (null before its first hit). */
    coveredBy: (number[] | null)[];
  };
  candidate: SideTally;
  /** Local day number → events, hits per rule, events per outcome. */
  days: Record<string, { events: number; hits: number[]; outcomes: number[] }>;
  baseline?: SideTally & { transitions: Record<string, TransitionTally> };
}

export const counters = (n: number): Counters => ({
  events: new Array<number>(n).fill(0), fraud: new Array<number>(n).fill(0), labelledGood: new Array<number>(n).fill(0),
  fraudMoney: new Array<number>(n).fill(0), goodMoney: new Array<number>(n).fill(0),
});

export function emptyTally(rules: number, outcomes: number, baselineOutcomes?: number): Tally {
  return {
    total: 0, decided: 0, skipped: {}, first: null, last: null, fraud: 0, notFraud: 0, fraudMoney: 0,
    rules: {
      ...counters(rules), unique: new Array<number>(rules).fill(0), examples: Array.from({ length: rules }, () => []),
      fraudExamples: Array.from({ length: rules }, () => []), goodExamples: Array.from({ length: rules }, () => []),
      coveredBy: new Array<number[] | null>(rules).fill(null),
    },
    candidate: { outcomes: counters(outcomes), goodCustomers: [] },
    days: {},
    ...(baselineOutcomes !== undefined ? { baseline: { outcomes: counters(baselineOutcomes), goodCustomers: [], transitions: {} } } : {}),
  };
}

const addInto = (a: number[], b: readonly number[]) => { for (let i = 0; i < a.length; i++) a[i]! += b[i]!; };

function addCounters(a: Counters, b: Counters): void {
  addInto(a.events, b.events); addInto(a.fraud, b.fraud); addInto(a.labelledGood, b.labelledGood);
  addInto(a.fraudMoney, b.fraudMoney); addInto(a.goodMoney, b.goodMoney);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Rules that fired on every hit of both chunks (null: no hit in that chunk). */
export function intersect(a: readonly number[] | null, b: readonly number[] | null): number[] | null {
  if (a === null) return b === null ? null : [...b];
  if (b === null) return [...a];
  return a.filter((x) => b.includes(x));
}

/** Tallies in chunk (replay) order, merged into one; `examples` caps every example list. */
export function mergeTallies(tallies: readonly Tally[], examples: number): Tally {
  const [first, ...rest] = tallies;
  if (!first) throw new Error('no tallies to merge');
  const out = structuredClone(first);
  for (const t of rest) {
    out.total += t.total;
    out.decided += t.decided;
    for (const [reason, x] of Object.entries(t.skipped)) {
      const have = out.skipped[reason];
      if (have) have.events += x.events; else out.skipped[reason] = { ...x };
    }
    if (out.first === null) out.first = t.first;
    if (t.last !== null) out.last = t.last;
    out.fraud += t.fraud;
    out.notFraud += t.notFraud;
    out.fraudMoney += t.fraudMoney;
    addCounters(out.rules, t.rules);
    addInto(out.rules.unique, t.rules.unique);
    out.rules.examples = out.rules.examples.map((xs, i) => [...xs, ...t.rules.examples[i]!].slice(0, examples));
    out.rules.fraudExamples = out.rules.fraudExamples.map((xs, i) => [...xs, ...t.rules.fraudExamples[i]!].slice(0, examples));
    out.rules.goodExamples = out.rules.goodExamples.map((xs, i) => [...xs, ...t.rules.goodExamples[i]!].slice(0, examples));
    out.rules.coveredBy = out.rules.coveredBy.map((a, i) => intersect(a, t.rules.coveredBy[i]!));
    addCounters(out.candidate.outcomes, t.candidate.outcomes);
    out.candidate.goodCustomers = union(out.candidate.goodCustomers, t.candidate.goodCustomers);
    for (const [day, d] of Object.entries(t.days)) {
      const have = out.days[day];
      if (!have) { out.days[day] = structuredClone(d); continue; }
      have.events += d.events;
      addInto(have.hits, d.hits);
      addInto(have.outcomes, d.outcomes);
    }
    if (out.baseline && t.baseline) {
      addCounters(out.baseline.outcomes, t.baseline.outcomes);
      out.baseline.goodCustomers = union(out.baseline.goodCustomers, t.baseline.goodCustomers);
      for (const [key, x] of Object.entries(t.baseline.transitions)) {
        const have = out.baseline.transitions[key];
        if (!have) { out.baseline.transitions[key] = structuredClone(x); continue; }
        have.events += x.events; have.fraud += x.fraud; have.fraudMoney += x.fraudMoney; have.goodMoney += x.goodMoney;
        have.examples = [...have.examples, ...x.examples].slice(0, examples);
      }
    }
  }
  return out;
}
