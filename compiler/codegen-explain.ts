// What an explained decision shows for each rule that fired, generated as one
// object literal per rule: id, title, outcome, score, reason, message, seen,
// in that order (the optional ones only when the rule has them), the same
// entry runtime/decision.ts builds for the interpreter. Everything that does
// not depend on the event is text in the source or a constant; the values come
// from the slots and memos decide() has filled, read once, in the order the
// interpreter reads them: the leaves, then the zh placeholders, then the en.
// Rule text reaches the source only through jsString and jsNumber.
import { jsNumber, jsString } from './escape.ts';
import type { CheckedPack, CheckedRule, IR, Template } from './ir.ts';
import { leafLabel } from './print.ts';
import type { ConstantRef } from './codegen-records.ts';

/** Writes an expression's value in the function being generated. */
export type ValueOf = (e: IR) => string;

export class FiredEntries {
  constructor(private readonly pack: CheckedPack, private readonly constant: ConstantRef) {}

  /** A statement that stores rule `r`'s entry in `out[j]`. */
  entry(r: CheckedRule, val: ValueOf): string {
    const head = [
      `id: ${jsString(r.id)}`,
      ...(r.title !== undefined ? [`title: ${jsString(r.title)}`] : []),
      ...(r.outcome ? [`outcome: ${jsString(r.outcome)}`] : []),
      `score: ${jsNumber(r.score)}`,
      ...(r.reason ? [`reason: ${jsString(r.reason)}`] : []),
    ].join(', ');
    if (!r.leaves.length) return `out[j] = { ${head}, message: ${this.message(r, val)}, seen: ${this.constant([], freeze)} };`;
    // The leaves are read before the placeholders, as the interpreter reads them.
    const seen = r.leaves.map((leaf) => `{ feature: ${jsString(leafLabel(this.pack, leaf))}, value: ${val(leaf)} }`);
    return `{ const seen = [${seen.join(', ')}]; out[j] = { ${head}, message: ${this.message(r, val)}, seen }; }`;
  }

  /** A message without placeholders is one frozen constant; otherwise its text is built from the values. */
  private message(r: CheckedRule, val: ValueOf): string {
    const { zh, en } = r.message;
    if (![...(zh ?? []), ...(en ?? [])].some((p) => p.expr)) {
      return this.constant({ ...(zh ? { zh: fixedText(zh) } : {}), ...(en ? { en: fixedText(en) } : {}) }, freeze);
    }
    return `{ ${[...(zh ? [`zh: ${this.text(zh, val)}`] : []), ...(en ? [`en: ${this.text(en, val)}`] : [])].join(', ')} }`;
  }

  /** A template as a concatenation: its text, and each placeholder formatted by its type (R.fmt, display.ts formatValue). */
  private text(t: Template, val: ValueOf): string {
    const pieces: string[] = [];
    for (const p of t) {
      if (p.expr) pieces.push(`R.fmt(${this.constant(p.expr.type)}, ${val(p.expr)})`);
      else if (p.text) pieces.push(jsString(p.text));
    }
    return pieces.length ? pieces.join(' + ') : '""';
  }
}

const freeze = (k: string): string => `Object.freeze(${k})`;

function fixedText(t: Template): string {
  return t.map((p) => p.text ?? '').join('');
}
