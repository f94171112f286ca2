// The rows the writers of both backends take: cells already checked and
// encoded (ingest-rows.ts), and labels.
export type Cell = number | string | null;

export interface LabelRow {
  /** An event (subject: its zy_seq), a customer (its key) or a logged decision (its id in the decision log). */
  readonly subjectKind: 'event' | 'customer' | 'decision';
  readonly subject: string | number;
  readonly kind: string;
  /** The kind holds (fraud confirmed, breach found); false: checked, and it does not. */
  readonly positive: boolean;
  readonly labeledAt: number | null;
  readonly note?: string | null;
}

export const LABEL_KIND = /^[a-z][a-z0-9_]*$/;
