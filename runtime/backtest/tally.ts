// The counts one chunk of events adds up to. A tally is plain data (it
// crosses from a worker thread by structured clone), and merging tallies in
// chunk order gives exactly the tally of one pass over all the events: every
// field is a sum, a set union, or a list of the first few examples in replay
// order (chunks are in replay order, so concatenating and cutting is exact).

/** Counters per rule or per outcome, all of one length. */
export interface Counters {
  events: number[];
  positive: number[];
  negative: number[];
  positiveMoney: number[];
  otherMoney: number[];
}

export interface TransitionTally {
  events: number;
  positive: number;
  positiveMoney: number;
  otherMoney: number;
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
  positive: number;
  negative: number;
  positiveMoney: number;
  /** entity → how its reads were answered (see ProfileReads). */
  profiles: Record<string, { reads: number; asOfEvent: number; notYet: number; undated: number }>;
  /** With `decisions`: [zy_seq, outcome index, score, fired rule indexes] per decided event, in replay order. */
  decisions?: [number, number, number, number[]][];
  rules: Counters & {
    unique: number[]; examples: number[][];
    /** The first few hits on positive events, and the first few on the others (zy_seq), in replay order. */
    positiveExamples: number[][]; otherExamples: number[][];
    /** Per rule: the rules that fired on every one of its hits (null before its first hit). */
    coveredBy: (number[] | null)[];
  };
  candidate: SideTally;
  /** Local day number → events, hits per rule, events per outcome. */
  days: Record<string, { events: number; hits: number[]; outcomes: number[] }>;
  baseline?: SideTally & { transitions: Record<string, TransitionTally> };
}

export const counters = (n: number): Counters => ({
  events: new Array<number>(n).fill(0), positive: new Array<number>(n).fill(0), negative: new Array<number>(n).fill(0),
  positiveMoney: new Array<number>(n).fill(0), otherMoney: new Array<number>(n).fill(0),
});

export function emptyTally(rules: number, outcomes: number, baselineOutcomes?: number, decisions = false): Tally {
  return {
    total: 0, decided: 0, skipped: {}, first: null, last: null, positive: 0, negative: 0, positiveMoney: 0, profiles: {},
    ...(decisions ? { decisions: [] } : {}),
    rules: {
      ...counters(rules), unique: new Array<number>(rules).fill(0), examples: Array.from({ length: rules }, () => []),
      positiveExamples: Array.from({ length: rules }, () => []), otherExamples: Array.from({ length: rules }, () => []),
      coveredBy: new Array<number[] | null>(rules).fill(null),
    },
    candidate: { outcomes: counters(outcomes), goodCustomers: [] },
    days: {},
    ...(baselineOutcomes !== undefined ? { baseline: { outcomes: counters(baselineOutcomes), goodCustomers: [], transitions: {} } } : {}),
  };
}

const addInto = (a: number[], b: readonly number[]) => { for (let i = 0; i < a.length; i++) a[i]! += b[i]!; };

function addCounters(a: Counters, b: Counters): void {
  addInto(a.events, b.events); addInto(a.positive, b.positive); addInto(a.negative, b.negative);
  addInto(a.positiveMoney, b.positiveMoney); addInto(a.otherMoney, b.otherMoney);
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
    out.positive += t.positive;
    out.negative += t.negative;
    out.positiveMoney += t.positiveMoney;
    for (const [entity, x] of Object.entries(t.profiles)) {
      const have = out.profiles[entity] ??= { reads: 0, asOfEvent: 0, notYet: 0, undated: 0 };
      have.reads += x.reads; have.asOfEvent += x.asOfEvent; have.notYet += x.notYet; have.undated += x.undated;
    }
    if (out.decisions && t.decisions) out.decisions.push(...t.decisions);
    addCounters(out.rules, t.rules);
    addInto(out.rules.unique, t.rules.unique);
    out.rules.examples = out.rules.examples.map((xs, i) => [...xs, ...t.rules.examples[i]!].slice(0, examples));
    out.rules.positiveExamples = out.rules.positiveExamples.map((xs, i) => [...xs, ...t.rules.positiveExamples[i]!].slice(0, examples));
    out.rules.otherExamples = out.rules.otherExamples.map((xs, i) => [...xs, ...t.rules.otherExamples[i]!].slice(0, examples));
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
        have.events += x.events; have.positive += x.positive; have.positiveMoney += x.positiveMoney; have.otherMoney += x.otherMoney;
        have.examples = [...have.examples, ...x.examples].slice(0, examples);
      }
    }
  }
  return out;
}
