// What a backtest is given and what it returns. The result is plain data
// (numbers, strings, arrays, null): JSON.stringify gives the `--json` report,
// and the editor's panel reads the same object.
//
// "Positive" means labelled with one of the label kinds that measure the pack
// (its `measured by`: fraud and chargeback for a fraud pack, qa_breach for a
// collection gate, …), holding; "negative", labelled with one of them and
// checked not to hold; everything else is unlabelled and counts as negative
// for precision.
import type { Program } from '../engine.ts';
import type { Bundle } from '../bundle.ts';
import type { DB } from '../store/sqlite/schema.ts';

/** What can be backtested: a compiled program ({pack, code}) or a loaded bundle. */
export type Backtestable = Program | Bundle;

/** The store: a file path, or an open connection to a file (workers reopen it read-only by its path). */
export type StoreRef = string | DB;

/** A time: epoch milliseconds, a Date, or ISO 8601 text (Asia/Shanghai when no zone is given). */
export type TimeInput = number | string | Date;

export interface BacktestProgress {
  /**
   * 'replay': events decided. 'copy' (over PostgreSQL, first): the snapshot being copied, table by table;
   * done and total are then the rows of the table being copied (`copy` says which).
   */
  readonly phase: 'copy' | 'replay';
  /** Events decided or skipped so far, and how many the range holds (rows of the table, while copying). */
  readonly done: number;
  readonly total: number;
  /** While copying: the table, which of how many, and whether its rows are counted yet (total is 0 until they are). */
  readonly copy?: { readonly table: string; readonly index: number; readonly tables: number; readonly counted: boolean };
  readonly elapsedMs: number;
  /** Events per second so far; 0 at the start. */
  readonly rate: number;
  /** Estimated milliseconds left; undefined until there is a rate. */
  readonly etaMs?: number;
}

export interface BacktestOptions {
  /** First event time included. */
  readonly from?: TimeInput;
  /** Events at or after this time are left out; a date alone (`2026-02-28`) includes that whole local day. */
  readonly to?: TimeInput;
  /** The pack running today: each event is decided by both, and the outcomes compared. */
  readonly baseline?: Backtestable;
  readonly onProgress?: (p: BacktestProgress) => void;
  /** Worker threads; default: one per CPU core, at most 8, and 1 for small ranges or an in-memory store. */
  readonly workers?: number;
  /** Only labels known by this time count (labeled_at ≤ labelsAsOf; a date alone means the end of that day; a label without a time is always known). Default: every label stored. */
  readonly labelsAsOf?: TimeInput;
  /** The label kinds to score against; default: the pack's `measured by`. */
  readonly labelKinds?: readonly string[];
  /** Keep every decided event's outcome and fired rules in `decisions` (for comparing with a decision log). */
  readonly decisions?: boolean;
  /** The money field summed on hits; default `amount` when the event has it, else the first money field. */
  readonly amountField?: string;
  /** Example event ids kept per transition and per rule (default 5). */
  readonly examples?: number;
  /**
   * Create the indexes the packs' windows need (the same covering indexes a
   * service creates) when the store is writable. Default true: without them
   * every window scans the whole event table.
   */
  readonly createIndexes?: boolean;
  /** Stops the run; the promise rejects with ZY7505. */
  readonly signal?: AbortSignal;
}

export interface Money {
  /** Sum of the amount field (fen) on positive events. */
  readonly positive: number;
  /** Sum on every other event (negative or unlabelled). */
  readonly other: number;
}

export interface Confusion {
  /** Positive events decided so (true positive), others decided so, positive decided otherwise, others decided otherwise. */
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface RuleStats {
  readonly index: number;
  readonly id: string;
  readonly title?: string;
  readonly outcome?: string;
  readonly score: number;
  readonly enabled: boolean;
  readonly hits: number;
  /** hits ÷ decided events. */
  readonly hitRate: number | null;
  /** Hits on positive events. */
  readonly positiveHits: number;
  /** Hits on negative events (the rest of the hits are unlabelled). */
  readonly negativeHits: number;
  /** positiveHits ÷ hits: unlabelled hits count as negative. Null when no label kind measures the pack. */
  readonly precision: number | null;
  /** positiveHits ÷ (positiveHits + negativeHits): labelled hits only. */
  readonly labelledPrecision: number | null;
  /** positiveHits ÷ every positive event decided. */
  readonly recall: number | null;
  readonly money: Money | null;
  /** Hits on events where no other rule fired. */
  readonly uniqueHits: number;
  /** The first few hit events (zy_seq), in replay order. */
  readonly examples: readonly number[];
  /** The first few hits on positive events, and the first few on the others. */
  readonly positiveExamples: readonly number[];
  readonly otherExamples: readonly number[];
  /**
   * Rules that fired on every event this rule hit, with an outcome at least
   * as strong as this rule's: this rule changes no decision (empty when it
   * has no hits or no outcome, or when no such rule exists).
   */
  readonly redundantWith: readonly string[];
}

export interface OutcomeStats {
  readonly outcome: string;
  readonly events: number;
  readonly share: number | null;
  readonly positive: number;
  readonly money: Money | null;
  /** This outcome against every other, as a classifier of positive events. */
  readonly confusion: Confusion;
}

export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly events: number;
  readonly positive: number;
  readonly money: Money | null;
  /** The first few events (zy_seq) that changed this way, in replay order. */
  readonly examples: readonly number[];
}

export interface Comparison {
  readonly baseline: { readonly pack: string; readonly version?: string; readonly outcomes: readonly string[] };
  readonly baselineOutcomes: readonly OutcomeStats[];
  /** Events (of those the pack decides) whose outcome differs; `(not decided)` when the baseline cannot decide one. */
  readonly changed: number;
  /** By (baseline outcome → new outcome), most events first. */
  readonly transitions: readonly Transition[];
  /** Positive events stopped (any outcome but the pack's default), and their money. */
  readonly caughtPositive: Delta;
  readonly caughtPositiveMoney: Delta | null;
  /** Distinct customers with at least one good (not positive) event stopped. */
  readonly goodCustomersAffected: Delta;
  /** Good (not positive) events stopped, and their money. */
  readonly goodEventsStopped: Delta;
  readonly goodMoneyStopped: Delta | null;
}

export interface Delta { readonly baseline: number; readonly candidate: number; readonly change: number }

export interface Daily {
  /** Local (Asia/Shanghai) dates with at least one decided event, ascending. */
  readonly days: readonly string[];
  readonly events: readonly number[];
  /** rule id → hits per day (same order as `days`). */
  readonly hits: Readonly<Record<string, readonly number[]>>;
  /** outcome → events per day. */
  readonly outcomes: Readonly<Record<string, readonly number[]>>;
}

export interface BacktestResult {
  readonly pack: { readonly name: string; readonly version?: string; readonly rules: number; readonly outcomes: readonly string[] };
  readonly range: {
    /** The requested bounds (epoch ms; null when open). */
    readonly from: number | null;
    readonly to: number | null;
    /** The first and last event decided. */
    readonly first: number | null;
    readonly last: number | null;
  };
  readonly events: {
    /** Stored events in the range. */
    readonly total: number;
    readonly decided: number;
    /** Events the pack cannot decide (for example another pack's event type), by reason. */
    readonly skipped: number;
    readonly skippedBy: readonly { readonly reason: string; readonly events: number; readonly example: number }[];
  };
  /** Which events the pack is for: the event types it `decides` (null: every event it accepts as input). */
  readonly scope: { readonly decides: readonly string[] | null };
  /** How entity profiles were read: each as of its event, when the store has their history. */
  readonly profiles: {
    readonly entities: readonly ProfileReads[];
  };
  readonly labels: {
    readonly asOf: number | null;
    /** The label kinds scored against (the pack's `measured by`); empty: none, and no precision or recall. */
    readonly kinds: readonly string[];
    /** Decided events labelled positive, negative, and not labelled with any of the kinds. */
    readonly positive: number;
    readonly negative: number;
    readonly unlabelled: number;
    readonly positiveMoney: number | null;
  };
  readonly amountField: string | null;
  readonly customerField: string | null;
  readonly rules: readonly RuleStats[];
  readonly outcomes: readonly OutcomeStats[];
  /** Any outcome but the default, as a classifier of fraud. */
  readonly stopped: Confusion & { readonly goodCustomers: number };
  readonly daily: Daily;
  readonly comparison?: Comparison;
  /** Things the reader should know: fields the store lacks, missing indexes. */
  readonly warnings: readonly string[];
  /** Every decided event in replay order, when asked for (`decisions: true`). */
  readonly decisions?: readonly EventDecision[];
}

export interface EventDecision { readonly seq: number; readonly outcome: string; readonly score: number; readonly fired: readonly string[] }

/** One entity's profile reads: the fields the pack reads, and how each read was answered. */
export interface ProfileReads {
  readonly entity: string;
  readonly fields: readonly string[];
  readonly reads: number;
  /** Answered by the version in force at the event's time. */
  readonly asOfEvent: number;
  /** No version yet at the event's time (the row did not exist then): read as missing, which is what a live decision saw. */
  readonly notYet: number;
  /** Answered by a version whose start is unknown (stored before versions were kept): as it is now, not known to be as of the event. */
  readonly undated: number;
}

/** The result with how the run went; `run` differs between runs, the rest never does. */
export interface BacktestRun extends BacktestResult {
  readonly run: { readonly workers: number; readonly seconds: number; readonly eventsPerSecond: number };
}
