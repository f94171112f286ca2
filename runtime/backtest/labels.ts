// What the backtest knows about which events were positive, by the label
// kinds that measure the pack (its `measured by`).
//
// zy_labels holds labels on an event (subject = its zy_seq) or on a customer
// (subject = the customer key), each of a kind (fraud, chargeback, qa_breach,
// complaint_upheld, …), saying whether it holds (positive) or was checked and
// does not (negative), with the time it became known (labeled_at). The rules,
// in order:
//   1. Only labels of the kinds asked for count; with none, nothing is labelled.
//   2. A label counts only if it was known by `asOf` (labeled_at <= asOf); a
//      label without a time is always known. Without `asOf`, every stored label
//      counts: a backtest is judged with hindsight, as of today.
//   3. For one subject, the label known last wins (by labeled_at, then by id):
//      "fraud", then later "not fraud" after an investigation, is negative.
//   4. An event's own label wins over its customer's; a customer label covers
//      all of that customer's events (that the pack decides: the others are
//      never looked at). A decision the service logged live (not a stored
//      event) is labelled by subject_kind 'decision' and its log id: a shadow
//      report reads those (ofDecision).
//   5. Unlabelled events count as negative for precision (which says how many
//      of the hits were labelled).
// Labels are never an input to a decision: rules cannot read zy_labels, so a
// label from the future cannot leak into an event's decision, only into how
// the decision is scored, which `asOf` controls.
import type { DB } from '../store/sqlite/schema.ts';

export const POSITIVE = 1;
export const NEGATIVE = 2;
export const UNLABELLED = 0;
export type LabelClass = typeof POSITIVE | typeof NEGATIVE | typeof UNLABELLED;

export type LabelRow = readonly [subjectKind: string, subject: string, positive: number];

function sqliteRows(db: DB, asOf: number | null, kinds: readonly string[]): LabelRow[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zy_labels'`).get();
  if (!exists || kinds.length === 0) return [];
  // NULL times sort first: a label without a time is the oldest.
  return db.prepare(`SELECT subject_kind, subject, positive FROM zy_labels
    WHERE kind IN (SELECT value FROM json_each(@kinds)) AND (@asOf IS NULL OR labeled_at IS NULL OR labeled_at <= @asOf)
    ORDER BY labeled_at, id`).raw().all({ asOf, kinds: JSON.stringify(kinds) }) as [string, string, number][];
}

export class Labels {
  private readonly events = new Map<number, LabelClass>();
  private readonly customers = new Map<string, LabelClass>();
  private readonly decisions = new Map<number, LabelClass>();

  /**
   * From a SQLite store, or from rows a store read by the rules above (kinds
   * and asOf applied, oldest first): [subject_kind, subject, positive 1 | 0].
   */
  constructor(source: DB | readonly LabelRow[], asOf: number | null, kinds: readonly string[]) {
    const rows = Array.isArray(source) ? source as readonly LabelRow[] : sqliteRows(source as DB, asOf, kinds);
    for (const [kind, subject, positive] of rows) {
      const c: LabelClass = positive === 1 ? POSITIVE : NEGATIVE;
      if (kind === 'event') this.events.set(Number(subject), c);
      else if (kind === 'decision') this.decisions.set(Number(subject), c);
      else this.customers.set(subject, c);
    }
  }

  of(seq: number, customer: unknown): LabelClass {
    return this.events.get(seq) ?? this.ofCustomer(customer);
  }

  /** A logged decision: its own label, else its customer's. */
  ofDecision(id: number, customer: unknown): LabelClass {
    return this.decisions.get(id) ?? this.ofCustomer(customer);
  }

  private ofCustomer(customer: unknown): LabelClass {
    if (customer === undefined || customer === null) return UNLABELLED;
    return this.customers.get(String(customer)) ?? UNLABELLED;
  }
}
