// The checked pack: names resolved, every expression typed. The checker
// builds it as new data from the AST; optimizer passes return new trees; the
// interpreter walks it as checked, codegen as optimized.
import type { Span } from './source.ts';
import type { Type } from './types.ts';

export type Value = number | string | boolean | readonly unknown[] | undefined;

export type IR =
  | { readonly k: 'lit'; readonly type: Type; readonly value: Value; readonly span: Span; readonly constName?: string }
  | { readonly k: 'now'; readonly type: Type; readonly span: Span }
  /** A feature of the current event (`entity: 'event'`) or of an entity row. */
  | { readonly k: 'field'; readonly type: Type; readonly entity: string; readonly field: string; readonly span: Span }
  /** A field of a history event, inside an aggregate's filter. */
  | { readonly k: 'hfield'; readonly type: Type; readonly field: string; readonly span: Span }
  | { readonly k: 'neg'; readonly type: Type; readonly x: IR; readonly span: Span }
  | { readonly k: 'arith'; readonly type: Type; readonly op: '+' | '-' | '*' | '/' | '%'; readonly l: IR; readonly r: IR; readonly span: Span }
  | { readonly k: 'cmp'; readonly type: Type; readonly op: '==' | '!=' | '<' | '<=' | '>' | '>='; readonly l: IR; readonly r: IR; readonly span: Span }
  | { readonly k: 'coalesce'; readonly type: Type; readonly l: IR; readonly r: IR; readonly span: Span }
  | { readonly k: 'not'; readonly type: Type; readonly x: IR; readonly span: Span }
  | { readonly k: 'and' | 'or'; readonly type: Type; readonly xs: readonly IR[]; readonly span: Span }
  | { readonly k: 'isMissing'; readonly type: Type; readonly negated: boolean; readonly x: IR; readonly span: Span }
  | { readonly k: 'in'; readonly type: Type; readonly negated: boolean; readonly x: IR; readonly set: SetRef; readonly span: Span }
  | { readonly k: 'between'; readonly type: Type; readonly x: IR; readonly lo: IR; readonly hi: IR; readonly span: Span }
  /** `holidays`: working_days(a, b, LIST), the holidays of a list instead of the store's calendar. */
  | { readonly k: 'call'; readonly type: Type; readonly fn: string; readonly args: readonly IR[]; readonly holidays?: Holidays; readonly span: Span }
  | { readonly k: 'agg'; readonly type: Type; readonly id: number; readonly span: Span }
  | { readonly k: 'pred'; readonly type: Type; readonly name: string; readonly span: Span }
  /** A use of a rule's `let` name: its value, computed once per decision (`slot` is unique in the pack). */
  | { readonly k: 'local'; readonly type: Type; readonly name: string; readonly slot: number; readonly x: IR; readonly span: Span }
  /** `any of ITEMS in SET` (Kleene `or` of the memberships), `all of` (`and`), `count of` (how many are in it). */
  | { readonly k: 'quant'; readonly type: Type; readonly q: Quantifier; readonly negated: boolean; readonly items: Members; readonly set: SetRef; readonly span: Span }
  /** Introduced by the optimizer: a sub-expression computed once per decision. */
  | { readonly k: 'shared'; readonly type: Type; readonly slot: number; readonly x: IR; readonly span: Span };

export type SetRef =
  /** Members known at compile time (a literal list or a pack list). */
  | { readonly kind: 'values'; readonly values: readonly Value[]; readonly list?: string }
  /** A list kept outside the pack (store, test `given list`). */
  | { readonly kind: 'external'; readonly list: string }
  /** A set-valued feature, or a list with non-constant members. */
  | { readonly kind: 'expr'; readonly x: IR }
  | { readonly kind: 'items'; readonly xs: readonly IR[] };

export type Quantifier = 'any' | 'all' | 'count';
/** The holidays of a list: local dates ("2026-05-01") of a pack list, or an external list's members (dates, or local midnights for a list of timestamps). */
export type Holidays =
  | { readonly kind: 'dates'; readonly dates: readonly string[]; readonly list: string }
  | { readonly kind: 'external'; readonly list: string; readonly timestamps: boolean };
/** The values a quantifier tests: a literal list, or a set-valued expression. */
export type Members = Extract<SetRef, { kind: 'items' | 'expr' }>;

export type Window =
  | { readonly kind: 'all' }
  | { readonly kind: 'rolling'; readonly ms: number }
  | { readonly kind: 'calendar'; readonly unit: 'day' | 'week' | 'month' }
  /** `last N events`: the N latest events that match the key and the filter. */
  | { readonly kind: 'events'; readonly n: number }
  /** `last N calendar months`: from the 1st of the month N months back to the end of the previous month. */
  | { readonly kind: 'months'; readonly n: number };

export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'distinct' | 'time_since_last' | 'stddev' | 'percentile' | 'latest' | 'sequence';

export interface AggregateSpec {
  readonly id: number;
  readonly fn: AggFn;
  readonly field?: string;
  /** The declared type of `field`. */
  readonly fieldType?: Type;
  readonly by?: string;
  readonly window: Window;
  readonly filter?: IR;
  /** percentile(): which one, 0–100. */
  readonly percentile?: number;
  /** sequence(): the steps, each a filter over history events, in order. */
  readonly steps?: readonly IR[];
  /** sequence(): the most the last step may come after the first (ms, exclusive). */
  readonly within?: number;
  readonly includeCurrent: boolean;
  readonly type: Type;
  /** Canonical text, also the label shown in explanations. */
  readonly text: string;
  readonly span: Span;
}

export interface FieldInfo {
  readonly name: string;
  readonly type: Type;
  readonly required: boolean;
  readonly protected: boolean;
  readonly description?: string;
  readonly span: Span;
}

export interface EntityInfo {
  readonly name: string;
  /** The event field whose value is this entity's key. */
  readonly key: string;
  readonly description?: string;
  readonly fields: ReadonlyMap<string, FieldInfo>;
  readonly span: Span;
}

export interface ListInfo {
  readonly name: string;
  readonly element: Type;
  readonly external: boolean;
  readonly values?: readonly Value[];
  readonly description?: string;
  readonly span: Span;
}

export interface Schema {
  readonly event: EntityInfo; // name 'event', key ''
  readonly entities: ReadonlyMap<string, EntityInfo>;
}

export interface TemplatePart { readonly text?: string; readonly expr?: IR; readonly source?: string }
export type Template = readonly TemplatePart[];

/** A rule's `let`: its name, the slot its value is kept in, and its checked value. */
export interface LocalInfo { readonly name: string; readonly slot: number; readonly x: IR; readonly span: Span }

/** A rule's `note when …`: shown on a decision in which the rule is in force, did not fire and the condition is true. */
export interface RuleNote {
  readonly condition: IR;
  readonly message: { readonly zh?: Template; readonly en?: Template };
  readonly span: Span;
}

export interface CheckedRule {
  readonly index: number;
  readonly id: string;
  readonly title?: string;
  readonly owner?: string;
  readonly tags: readonly string[];
  readonly severity?: string;
  readonly enabled: boolean;
  readonly effectiveFrom?: number;
  readonly effectiveUntil?: number;
  readonly condition: IR;
  /** The features, aggregates and predicates the condition reads, in source order: what a decision shows it saw. */
  readonly leaves: readonly IR[];
  readonly outcome?: string;
  readonly score: number;
  readonly reason?: string;
  readonly message: { readonly zh?: Template; readonly en?: Template };
  /** The rule's `let` names, in order. */
  readonly locals: readonly LocalInfo[];
  readonly note?: RuleNote;
  /** Lint findings silenced on this rule, each with its stated reason. */
  readonly suppress: readonly { readonly code: string; readonly reason: string; readonly span: Span }[];
  readonly span: Span;
}

export interface PredicateInfo { readonly name: string; readonly body: IR; readonly description?: string; readonly span: Span }
export interface ConstInfo { readonly name: string; readonly value: Value; readonly type: Type; readonly span: Span }

export type TestExpect =
  | { readonly kind: 'outcome'; readonly outcome: string; readonly span: Span }
  | { readonly kind: 'fired'; readonly negated: boolean; readonly rules: readonly string[]; readonly span: Span }
  | { readonly kind: 'score'; readonly op: '==' | '!=' | '<' | '<=' | '>' | '>='; readonly points: number; readonly span: Span }
  /** Some fired rule has (or, negated, none has) this reason code. */
  | { readonly kind: 'reason'; readonly negated: boolean; readonly code: string; readonly span: Span }
  /** The rule's note is (or is not) on the decision. */
  | { readonly kind: 'note'; readonly negated: boolean; readonly rule: string; readonly span: Span }
  /** Some fired rule's message (in `lang`, or either) is, or contains, `text`. */
  | { readonly kind: 'message'; readonly lang?: 'zh' | 'en'; readonly contains: boolean; readonly text: string; readonly span: Span }
  /** The value `what` (a feature, aggregate, predicate or `let`) had in the decision. */
  | { readonly kind: 'seen'; readonly what: IR; readonly value: Value; readonly span: Span };

export type Record_ = Readonly<Record<string, Value>>;

export interface TestCase {
  /** `name` or `name [row 2]` for table rows. */
  readonly name: string;
  readonly event: Record_;
  readonly entities: Readonly<Record<string, Record_>>;
  readonly history: readonly Record_[];
  readonly lists: Readonly<Record<string, readonly Value[]>>;
  /** "YYYY-MM-DD" → working day (make-up days) or not (holidays). */
  readonly calendar: Readonly<Record<string, boolean>>;
  readonly expect: readonly TestExpect[];
  readonly span: Span;
}

export interface CheckedPack {
  readonly name: string;
  readonly version?: string;
  /** Highest precedence first; the last is the default. */
  readonly outcomes: readonly string[];
  readonly thresholds: readonly { readonly outcome: string; readonly at: number }[];
  /** The event types the pack decides (`decides`); absent: every event it accepts as input. */
  readonly decides?: readonly string[];
  /** The label kinds that measure it in backtests (`measured by`); empty: none declared. */
  readonly measuredBy: readonly string[];
  readonly schema: Schema;
  readonly lists: ReadonlyMap<string, ListInfo>;
  readonly consts: ReadonlyMap<string, ConstInfo>;
  readonly predicates: ReadonlyMap<string, PredicateInfo>;
  readonly aggregates: readonly AggregateSpec[];
  readonly rules: readonly CheckedRule[];
  readonly tests: readonly TestCase[];
  /**
   * The event fields a decision reads and checks, in schema order: every field
   * an expression, message, aggregate key or filter of the pack uses, the keys
   * of the entities it reads, the required fields and the event time.
   */
  readonly eventFields: readonly string[];
  /** Number of `shared` slots the optimizer introduced. */
  readonly sharedSlots: number;
}
