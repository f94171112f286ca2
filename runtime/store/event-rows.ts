// Ad-hoc reads of the event and label tables (the editor's event search and
// the events behind a backtest number). Each backend spells its dialect's
// differences in its own folder; callers write one statement for both.

/** Statements over the store's tables; `arg` adds a parameter and returns its placeholder. */
export interface StoreRows {
  /** The columns of the event table. */
  eventColumns(): Promise<Set<string>>;
  all(sql: string, args: readonly unknown[]): Promise<Record<string, unknown>[]>;
  arg(args: unknown[], value: unknown): string;
  /** `expr` is one of `values` (numbers or text, as `type` says). */
  anyOf(expr: string, args: unknown[], values: readonly (number | string)[], type: 'integer' | 'text'): string;
  /** An event label's subject (zy_seq as text) as the event's number; text that is not a number names no event. */
  readonly subjectSeq: string;
}
