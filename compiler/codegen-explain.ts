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

/**
 * A large pack's entries from tables (`FiredEntries.tabled`): the body of
 * explain()'s loop over `fired[j]`, and the rules left to `entry` (messages
 * with placeholders, scores JSON cannot hold).
 */
export interface EntryTables {
  readonly lines: readonly string[];
  readonly own: readonly CheckedRule[];
}

export class FiredEntries {
  /** `table`: a constant used once, not looked up (the tables of `tabled`). */
  constructor(private readonly pack: CheckedPack, private readonly constant: ConstantRef, private readonly table: ConstantRef) {}

  /** A statement that stores rule `r`'s entry in `out[j]`. */
  entry(r: CheckedRule, val: ValueOf): string {
    const head = [
      `id: ${jsString(r.id)}`,
      ...(r.title !== undefined ? [`title: ${jsString(r.title)}`] : []),
      ...(r.outcome ? [`outcome: ${jsString(r.outcome)}`] : []),
      `score: ${jsNumber(r.score)}`,
      ...(r.reason ? [`reason: ${jsString(r.reason)}`] : []),
    ].join(', ');
    // The leaves are read before the placeholders, as the interpreter reads them.
    const seen = r.leaves.map((leaf) => `{ feature: ${jsString(leafLabel(this.pack, leaf))}, value: ${val(leaf)} }`);
    const { texts, message } = this.message(r, val);
    const lets = [...(seen.length ? [`const seen = [${seen.join(', ')}];`] : []), ...texts];
    const entry = `out[j] = { ${head}, message: ${message}, seen${seen.length ? '' : `: ${this.constant([], freeze)}`} };`;
    return lets.length ? `{ ${lets.join(' ')} ${entry} }` : entry;
  }

  /**
   * Every entry of a large pack in a few lines instead of a literal per rule
   * (4.3 MB of source for 10,000 rules, most of what V8 parsed to load them).
   * For each rule with a fixed message, a constant holds its head (id, title,
   * outcome, score, reason and message, in the literal's order) and its
   * leaves as pairs of feature label and value number; each distinct leaf
   * value is written once, in a switch on its number. The entry is the head
   * copied with `seen` added: the same keys in the same order as `entry`'s
   * literal, the leaves read in the same order. The lines read the rule's
   * index from `r`.
   */
  tabled(rules: readonly CheckedRule[], val: ValueOf, reset: () => void): EntryTables {
    const heads: (object | null)[] = new Array(this.pack.rules.length).fill(null);
    const leaves: (readonly (number | string)[] | null)[] = new Array(this.pack.rules.length).fill(null);
    const own: CheckedRule[] = [];
    const values = new Map<string, number>();
    const cases: string[] = [];
    // A leaf read by many rules (a field, a predicate, an aggregate) is written and labelled once:
    // its value's text is the same in every rule (explain() knows no value, and what a memo holds
    // is settled for the whole function), and writing it again would only repeat the same uses.
    const known = new LeafTable<{ readonly n: number; readonly label: string }>();
    for (const r of rules) {
      const { zh, en } = r.message;
      // JSON keeps neither -0 nor non-finite numbers (jsNumber refuses the latter anyway).
      if (hasPlaceholders(zh) || hasPlaceholders(en) || !Number.isFinite(r.score) || Object.is(r.score, -0)) { own.push(r); continue; }
      heads[r.index] = {
        id: r.id,
        ...(r.title !== undefined ? { title: r.title } : {}),
        ...(r.outcome ? { outcome: r.outcome } : {}),
        score: r.score,
        ...(r.reason ? { reason: r.reason } : {}),
        message: { ...(zh ? { zh: fixedText(zh) } : {}), ...(en ? { en: fixedText(en) } : {}) },
      };
      const row: (number | string)[] = [];
      for (const leaf of r.leaves) {
        let seen = known.get(leaf);
        if (seen === undefined) {
          reset();
          const v = val(leaf);
          let n = values.get(v);
          if (n === undefined) { values.set(v, (n = values.size)); cases.push(`      case ${n}: v = ${v}; break;`); }
          known.set(leaf, (seen = { n, label: leafLabel(this.pack, leaf) }));
        }
        row.push(seen.n, seen.label);
      }
      leaves[r.index] = row;
    }
    // The messages frozen as `entry`'s constants are; the heads are only ever copied.
    const h = this.table(heads, (k) => `${k}.map((h) => (h !== null && Object.freeze(h.message), h))`);
    const l = this.table(leaves);
    const none = this.constant([], freeze);
    const lines = [
      `const h = ${h}[r];`,
      'if (h !== null) {',
      `  const ls = ${l}[r];`,
      '  if (ls.length === 0) { out[j] = { ...h, seen: ' + none + ' }; continue; }',
      '  const seen = [];',
      '  for (let k = 0; k < ls.length; k += 2) {',
      '    let v;',
      '    switch (ls[k]) {',
      ...cases,
      '    }',
      '    seen.push({ feature: ls[k + 1], value: v });',
      '  }',
      '  out[j] = { ...h, seen };',
      '  continue;',
      '}',
    ];
    return { lines, own };
  }

  /**
   * A message without placeholders is one frozen constant; otherwise its
   * text is built from the values, each placeholder formatted once for both
   * languages (`texts`: the statements that format them, in the order the
   * interpreter reads the placeholders: zh, then en). A placeholder that
   * writes the same value text with the same type as one before it reuses its
   * text: a value's text names the slot or memo that holds it, read again
   * unchanged, so the two are equal.
   */
  private message(r: CheckedRule, val: ValueOf): { texts: readonly string[]; message: string } {
    const { zh, en } = r.message;
    if (!hasPlaceholders(zh) && !hasPlaceholders(en)) {
      return { texts: [], message: this.constant({ ...(zh ? { zh: fixedText(zh) } : {}), ...(en ? { en: fixedText(en) } : {}) }, freeze) };
    }
    const formatted = new Map<string, string>();
    const texts: string[] = [];
    const text = (t: Template): string => {
      const pieces: string[] = [];
      for (const p of t) {
        if (p.expr) {
          const call = `R.fmt(${this.constant(p.expr.type)}, ${val(p.expr)})`;
          let name = formatted.get(call);
          if (name === undefined) {
            formatted.set(call, (name = `m${formatted.size}`));
            texts.push(`const ${name} = ${call};`);
          }
          pieces.push(name);
        } else if (p.text) pieces.push(jsString(p.text));
      }
      return pieces.length ? pieces.join(' + ') : '""';
    };
    const parts = [...(zh ? [`zh: ${text(zh)}`] : []), ...(en ? [`en: ${text(en)}`] : [])];
    return { texts, message: `{ ${parts.join(', ')} }` };
  }
}

const freeze = (k: string): string => `Object.freeze(${k})`;

function hasPlaceholders(t: Template | undefined): boolean {
  if (t) for (const p of t) if (p.expr) return true;
  return false;
}

/**
 * Something per leaf, found again for an equal leaf of another rule: an event
 * or entity field by entity and name, a predicate by name, an aggregate by
 * id. A `let` is its rule's own: never found.
 */
class LeafTable<T> {
  private readonly fields = new Map<string, Map<string, T>>();
  private readonly preds = new Map<string, T>();
  private readonly aggs: T[] = [];

  get(leaf: IR): T | undefined {
    switch (leaf.k) {
      case 'field': return this.fields.get(leaf.entity)?.get(leaf.field);
      case 'pred': return this.preds.get(leaf.name);
      case 'agg': return this.aggs[leaf.id];
      default: return undefined;
    }
  }

  set(leaf: IR, value: T): void {
    switch (leaf.k) {
      case 'field': {
        let m = this.fields.get(leaf.entity);
        if (!m) this.fields.set(leaf.entity, (m = new Map()));
        m.set(leaf.field, value);
        return;
      }
      case 'pred': this.preds.set(leaf.name, value); return;
      case 'agg': this.aggs[leaf.id] = value; return;
      default: return;
    }
  }
}

function fixedText(t: Template): string {
  return t.map((p) => p.text ?? '').join('');
}
