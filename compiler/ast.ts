// The parse tree the checker reads. A discriminated union on `kind`, every
// node with its span. Nothing downstream mutates it.
import type { Span } from './source.ts';

export interface Name {
  readonly text: string;
  readonly span: Span;
}

// ---------- expressions ----------
export type Expr =
  | NumberLit | MoneyLit | DurationLit | TimestampLit | StringLit | BoolLit | MissingLit | ListLit
  | NowExpr | PathExpr | CallExpr | UnaryExpr | BinaryExpr | NotExpr | LogicalExpr
  | InExpr | BetweenExpr | IsMissingExpr | ParenExpr | QuantExpr;

export interface NumberLit { readonly kind: 'number'; readonly value: number; readonly raw: string; readonly span: Span }
/** Money in fen. */
export interface MoneyLit { readonly kind: 'money'; readonly fen: number; readonly raw: string; readonly span: Span }
/** Duration in milliseconds. */
export interface DurationLit { readonly kind: 'duration'; readonly ms: number; readonly raw: string; readonly span: Span }
/** Epoch milliseconds. */
export interface TimestampLit { readonly kind: 'timestamp'; readonly ms: number; readonly raw: string; readonly span: Span }
export interface StringLit { readonly kind: 'string'; readonly value: string; readonly raw: string; readonly span: Span }
export interface BoolLit { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
export interface MissingLit { readonly kind: 'missing'; readonly span: Span }
export interface ListLit { readonly kind: 'list'; readonly items: readonly Expr[]; readonly span: Span }
export interface NowExpr { readonly kind: 'now'; readonly span: Span }
/** `name`, `event.amount`, `customer.age_years`. */
export interface PathExpr { readonly kind: 'path'; readonly parts: readonly Name[]; readonly span: Span }
export interface CallExpr {
  readonly kind: 'call';
  readonly callee: Name;
  readonly args: readonly CallArg[];
  readonly span: Span;
}
export type CallArg =
  | { readonly kind: 'expr'; readonly expr: Expr; readonly span: Span }
  /** `A followed by B followed by C`, the steps of sequence(). */
  | { readonly kind: 'steps'; readonly steps: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'by'; readonly field: Name; readonly span: Span }
  | { readonly kind: 'last'; readonly ms: number; readonly raw: string; readonly span: Span }
  /** `last 5 events`: the latest N matching events. */
  | { readonly kind: 'events'; readonly n: number; readonly span: Span }
  /** `last 3 calendar months`: the N calendar months before the current one. */
  | { readonly kind: 'months'; readonly n: number; readonly span: Span }
  /** `within 10m`: the longest a sequence may take, first step to last. */
  | { readonly kind: 'within'; readonly ms: number; readonly raw: string; readonly span: Span }
  | { readonly kind: 'calendar'; readonly unit: 'day' | 'week' | 'month'; readonly span: Span }
  | { readonly kind: 'where'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'including'; readonly span: Span };
export interface UnaryExpr { readonly kind: 'neg'; readonly operand: Expr; readonly span: Span }
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '??';
export interface BinaryExpr { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly opSpan: Span; readonly span: Span }
export interface NotExpr { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
export interface LogicalExpr { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
export interface InExpr { readonly kind: 'in'; readonly negated: boolean; readonly item: Expr; readonly set: Expr; readonly span: Span }
export interface BetweenExpr { readonly kind: 'between'; readonly item: Expr; readonly low: Expr; readonly high: Expr; readonly span: Span }
export interface IsMissingExpr { readonly kind: 'isMissing'; readonly negated: boolean; readonly operand: Expr; readonly span: Span }
export interface ParenExpr { readonly kind: 'paren'; readonly inner: Expr; readonly span: Span }
/** `any of ITEMS in SET`, `all of ITEMS not in SET`, `count of ITEMS in SET`. */
export interface QuantExpr {
  readonly kind: 'quant'; readonly quantifier: Name; readonly items: Expr; readonly negated: boolean; readonly set: Expr; readonly span: Span;
}

// ---------- types in the schema ----------
export type TypeExpr =
  | { readonly kind: 'named'; readonly name: Name; readonly span: Span }
  | { readonly kind: 'enum'; readonly members: readonly Name[]; readonly span: Span }
  | { readonly kind: 'set'; readonly element: Name; readonly span: Span };

export interface FieldDecl {
  readonly kind: 'field';
  readonly name: Name;
  readonly type: TypeExpr;
  readonly required: boolean;
  readonly protected: boolean;
  readonly description?: string;
  readonly span: Span;
}

// ---------- declarations ----------
export type Decl =
  | PackDecl | OutcomesDecl | ThresholdDecl | DecidesDecl | MeasuredDecl | EventDecl | EntityDecl | ListDecl | ConstDecl | PredicateDecl | JsonLogicPredicateDecl
  | RuleDecl | TestDecl | FixtureDecl;

export interface PackDecl { readonly kind: 'pack'; readonly name: Name; readonly version?: string; readonly span: Span }
export interface OutcomesDecl { readonly kind: 'outcomes'; readonly outcomes: readonly Name[]; readonly span: Span }
export interface ThresholdDecl { readonly kind: 'threshold'; readonly outcome: Name; readonly at: number; readonly atSpan: Span; readonly span: Span }
/** `decides a, b`: the event types (members of the event's `type` enum) the pack decides. */
export interface DecidesDecl { readonly kind: 'decides'; readonly types: readonly Name[]; readonly span: Span }
/** `measured by k1, k2`: the label kinds that measure the pack in backtests. */
export interface MeasuredDecl { readonly kind: 'measured'; readonly kinds: readonly Name[]; readonly span: Span }
export interface EventDecl { readonly kind: 'event'; readonly description?: string; readonly fields: readonly FieldDecl[]; readonly span: Span }
export interface EntityDecl {
  readonly kind: 'entity'; readonly name: Name; readonly key: Name; readonly description?: string;
  readonly fields: readonly FieldDecl[]; readonly span: Span;
}
export interface ListDecl {
  readonly kind: 'listDecl'; readonly name: Name; readonly type: TypeExpr;
  readonly items?: ListLit; readonly external: boolean; readonly description?: string; readonly span: Span;
}
export interface ConstDecl { readonly kind: 'const'; readonly name: Name; readonly value: Expr; readonly span: Span }
export interface PredicateDecl { readonly kind: 'predicate'; readonly name: Name; readonly description?: string; readonly body: Expr; readonly span: Span }
/** `predicate NAME ["description"] = jsonlogic "file.json"`: the body is a JSON Logic rule in another file of the pack. */
export interface JsonLogicPredicateDecl {
  readonly kind: 'jsonlogicPredicate'; readonly name: Name; readonly description?: string;
  /** The file, relative to the directory of the file that declares the predicate. */
  readonly file: StringLit; readonly span: Span;
}

export type RuleClause =
  | { readonly kind: 'owner'; readonly value: string; readonly span: Span }
  | { readonly kind: 'tags'; readonly tags: readonly Name[]; readonly span: Span }
  | { readonly kind: 'severity'; readonly level: Name; readonly span: Span }
  | { readonly kind: 'enabled'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'effective'; readonly from?: TimestampLit; readonly until?: TimestampLit; readonly span: Span }
  | { readonly kind: 'when'; readonly condition: Expr; readonly span: Span }
  | { readonly kind: 'then'; readonly outcome: Name; readonly span: Span }
  | { readonly kind: 'score'; readonly points: number; readonly span: Span }
  | { readonly kind: 'reason'; readonly code: Name; readonly span: Span }
  /** `suppress ZY6003 "why"`: a lint finding on this rule, silenced with a stated reason. */
  | { readonly kind: 'suppress'; readonly code: Name; readonly reason: string; readonly span: Span }
  | { readonly kind: 'message'; readonly zh?: StringLit; readonly en?: StringLit; readonly span: Span }
  /** `let name = expression`: a value named once, used in the rule's condition, messages and note. */
  | { readonly kind: 'let'; readonly name: Name; readonly value: Expr; readonly span: Span }
  /** `note when CONDITION "中文" en "English"`: why the rule did not decide, listed on the decision. */
  | { readonly kind: 'note'; readonly condition: Expr; readonly zh: StringLit; readonly en?: StringLit; readonly span: Span };

export interface RuleDecl { readonly kind: 'rule'; readonly id: Name; readonly title?: string; readonly clauses: readonly RuleClause[]; readonly span: Span }

export interface RecordField { readonly name: Name; readonly value: Expr; readonly span: Span }
export interface RecordLit { readonly fields: readonly RecordField[]; readonly span: Span }

export type ScoreOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Expectation =
  /** `misspelt`: words followed the name (`expect reasons R`), already reported as a syntax error. */
  | { readonly kind: 'outcome'; readonly outcome: Name; readonly misspelt?: boolean; readonly span: Span }
  | { readonly kind: 'fired'; readonly negated: boolean; readonly rules: readonly Name[]; readonly span: Span }
  | { readonly kind: 'score'; readonly op: ScoreOp; readonly points: number; readonly span: Span }
  | { readonly kind: 'reason'; readonly negated: boolean; readonly code: Name; readonly span: Span }
  | { readonly kind: 'note'; readonly negated: boolean; readonly rule: Name; readonly span: Span }
  /** `expect message [zh|en] [contains] "text"`; `how` is the word before the text, if any. */
  | { readonly kind: 'message'; readonly lang?: 'zh' | 'en'; readonly how?: Name; readonly text: StringLit; readonly span: Span }
  | { readonly kind: 'seen'; readonly what: Expr; readonly value: Expr; readonly span: Span };

export interface CaseRow { readonly values: readonly Expr[]; readonly expect: readonly Expectation[]; readonly span: Span }

export type TestClause =
  | { readonly kind: 'at'; readonly time: Expr; readonly span: Span }
  | { readonly kind: 'givenEvent'; readonly record: RecordLit; readonly span: Span }
  | { readonly kind: 'givenEntity'; readonly entity: Name; readonly record: RecordLit; readonly span: Span }
  | { readonly kind: 'givenHistory'; readonly events: readonly RecordLit[]; readonly span: Span }
  | { readonly kind: 'givenList'; readonly list: Name; readonly items: ListLit; readonly span: Span }
  /** `given holidays [@2026-05-01, …]` or `given workdays [@2026-04-26]`: the working-day calendar. */
  | { readonly kind: 'givenDays'; readonly which: Name; readonly days: ListLit; readonly span: Span }
  /** `given NAME`: the data of a fixture. */
  | { readonly kind: 'givenFixture'; readonly fixture: Name; readonly span: Span }
  | { readonly kind: 'expect'; readonly expectation: Expectation; readonly span: Span }
  | { readonly kind: 'cases'; readonly columns: readonly PathExpr[]; readonly rows: readonly CaseRow[]; readonly span: Span };

export interface TestDecl { readonly kind: 'test'; readonly name: StringLit; readonly clauses: readonly TestClause[]; readonly span: Span }
/** `fixture NAME ["description"]` with `at` and `given` clauses, included by tests with `given NAME`. */
export interface FixtureDecl { readonly kind: 'fixture'; readonly name: Name; readonly description?: string; readonly clauses: readonly TestClause[]; readonly span: Span }

export interface FileAst { readonly file: number; readonly decls: readonly Decl[] }
