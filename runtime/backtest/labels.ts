// What the backtest knows about which events were fraud.
//
// zy_labels holds labels on an event (subject = its zy_seq) or on a customer
// (subject = the customer key), each with the time it became known
// (labeled_at). The rules, in order:
//   1. A label counts only if it was known by `asOf` (labeled_at <= asOf); a
//      label without a time is always known. Without `asOf`, every stored label
//      counts: a backtest is judged with hindsight, as of today.
//   2. For one subject, the label known last wins (by labeled_at, then by id):
//      "fraud", then later "not_fraud" after an investigation, is not fraud.
//   3. An event's own label wins over its customer's; a customer label covers
//      all of that customer's events.
//   4. fraud and chargeback count as fraud; not_fraud and no label at all
//      count as good (precision treats unlabelled hits as good, and says how
//      many of the hits were labelled).
// Labels are never an input to a decision: rules cannot read zy_labels, so a
// label from the future cannot leak into an event's decision, only into how
// the decision is scored, which `asOf` controls.
import type { DB } from '../store/schema.ts';

export const FRAUD = 1;
export const NOT_FRAUD = 2;
export const UNLABELLED = 0;
export type LabelClass = typeof FRAUD | typeof NOT_FRAUD | typeof UNLABELLED;

export class Labels {
  private readonly events = new Map<number, LabelClass>();
  private readonly customers = new Map<string, LabelClass>();

  constructor(db: DB, asOf: number | null) {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zy_labels'`).get();
    if (!exists) return;
    // NULL times sort first: a label without a time is the oldest.
    const rows = db.prepare(`SELECT subject_kind, subject, label FROM zy_labels
      WHERE @asOf IS NULL OR labeled_at IS NULL OR labeled_at <= @asOf ORDER BY labeled_at, id`).raw().all({ asOf }) as [string, string, string][];
    for (const [kind, subject, label] of rows) {
      const c: LabelClass = label === 'fraud' || label === 'chargeback' ? FRAUD : NOT_FRAUD;
      if (kind === 'event') this.events.set(Number(subject), c);
      else this.customers.set(subject, c);
    }
  }

  of(seq: number, customer: unknown): LabelClass {
    const e = this.events.get(seq);
    if (e !== undefined) return e;
    if (customer === undefined || customer === null) return UNLABELLED;
    return this.customers.get(String(customer)) ?? UNLABELLED;
  }
}
