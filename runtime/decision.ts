// Turning "these rules fired, this is the score" into a decision: the winning
// outcome by the pack's precedence, reasons, messages with their values, and
// what each fired rule saw. Shared by both evaluators: the interpreter's
// entries are built here from the values it saw (decision()), compiled code
// builds its own (compiler/codegen-explain.ts) and only the rest is added here
// (assemble()).
import type { CheckedPack, Template, Value } from '../compiler/ir.ts';
import type { Type } from '../compiler/types.ts';
import { formatValue } from '../compiler/display.ts';
import { leafLabel } from '../compiler/print.ts';
import { Precedence } from './outcome.ts';

export interface Seen {
  /** `event.amount`, `customer.age_years`, `count(by device_id, last 30d)`, a predicate's name. */
  readonly feature: string;
  readonly value: Value;
}

export interface FiredRule {
  readonly id: string;
  readonly title?: string;
  readonly outcome?: string;
  readonly score: number;
  readonly reason?: string;
  readonly message: { readonly zh?: string; readonly en?: string };
  readonly seen: readonly Seen[];
}

/** A rule in force that did not fire, and says why it could not decide (`note when …`). */
export interface RuleNote {
  readonly id: string;
  readonly message: { readonly zh?: string; readonly en?: string };
}

export interface Decision {
  readonly pack: string;
  readonly version?: string;
  readonly outcome: string;
  readonly score: number;
  readonly fired: readonly FiredRule[];
  /** Present when a rule explains not deciding; never changes the outcome. */
  readonly notes?: readonly RuleNote[];
}

export { formatValue, showValue } from '../compiler/display.ts';
export { leafLabel };

/** A message template, split once: texts[0], value 0, texts[1], value 1, … texts[n]. */
interface Renderer {
  readonly texts: readonly string[];
  readonly types: readonly Type[];
}

function renderer(t: Template): Renderer {
  const texts = [''];
  const types: Type[] = [];
  for (const p of t) {
    if (p.expr) { types.push(p.expr.type); texts.push(''); } else texts[texts.length - 1] += p.text ?? '';
  }
  return { texts, types };
}

function render(r: Renderer, values: readonly Value[], offset: number): string {
  const { texts, types } = r;
  let s = texts[0]!;
  for (let k = 0; k < types.length; k++) s += formatValue(types[k]!, values[offset + k]) + texts[k + 1]!;
  return s;
}

type Message = FiredRule['message'];
const NO_MESSAGE: Message = Object.freeze({});
const NOTHING_SEEN: readonly Seen[] = Object.freeze([]);

/** A message in zh and en: fixed text once for all, placeholders filled per decision. */
class MessageView {
  private readonly zh?: Renderer;
  private readonly en?: Renderer;
  /** The message when it has no placeholders. */
  private readonly fixed?: Message;

  constructor(m: { readonly zh?: Template; readonly en?: Template }, private readonly offset: number) {
    const zh = m.zh && renderer(m.zh);
    const en = m.en && renderer(m.en);
    if (!zh?.types.length && !en?.types.length) {
      this.fixed = !zh && !en ? NO_MESSAGE : Object.freeze({ ...(zh ? { zh: zh.texts[0]! } : {}), ...(en ? { en: en.texts[0]! } : {}) });
    } else {
      if (zh) this.zh = zh;
      if (en) this.en = en;
    }
  }

  /** `values` holds, from `offset`, the zh placeholders' values and then the en ones'. */
  render(values: readonly Value[]): Message {
    if (this.fixed) return this.fixed;
    const { zh, en } = this;
    if (!en) return { zh: render(zh!, values, this.offset) };
    const enAt = this.offset + (zh ? zh.types.length : 0);
    return zh ? { zh: render(zh, values, this.offset), en: render(en, values, enAt) } : { en: render(en, values, enAt) };
  }
}

type Head = Omit<FiredRule, 'message' | 'seen'> & { readonly kind: number };

/**
 * A fired rule's entry: id, title, outcome, score, reason, message, seen, in
 * that order, the optional ones only when the rule has them. Built as an
 * object literal, not by spreading a prepared head: V8 copies a spread
 * through its slow runtime path, which cost more than the rest of the decision.
 */
function firedRule(h: Head, message: Message, seen: readonly Seen[]): FiredRule {
  // One literal per combination of the optional parts (kindOf): V8 builds a literal from its template at once.
  switch (h.kind) {
    case 0: return { id: h.id, score: h.score, message, seen };
    case 1: return { id: h.id, title: h.title!, score: h.score, message, seen };
    case 2: return { id: h.id, outcome: h.outcome!, score: h.score, message, seen };
    case 3: return { id: h.id, title: h.title!, outcome: h.outcome!, score: h.score, message, seen };
    case 4: return { id: h.id, score: h.score, reason: h.reason!, message, seen };
    case 5: return { id: h.id, title: h.title!, score: h.score, reason: h.reason!, message, seen };
    case 6: return { id: h.id, outcome: h.outcome!, score: h.score, reason: h.reason!, message, seen };
    default: return { id: h.id, title: h.title!, outcome: h.outcome!, score: h.score, reason: h.reason!, message, seen };
  }
}

/** Which optional parts a rule's entry has: title 1, outcome 2, reason 4. */
const kindOf = (h: Omit<Head, 'kind'>): number => (h.title !== undefined ? 1 : 0) + (h.outcome !== undefined ? 2 : 0) + (h.reason !== undefined ? 4 : 0);

/** What a fired rule shows that does not depend on the event, computed once per pack. */
interface RuleView {
  readonly head: Head;
  readonly labels: readonly string[];
  readonly message: MessageView;
}

/**
 * Turns the rules that fired, the score and the values they saw into a
 * decision. Everything that does not depend on the event — labels, fixed
 * message text, precedence — is worked out once per pack; a decision only
 * fills in values.
 */
export class Explainer {
  readonly precedence: Precedence;
  private readonly rules: readonly RuleView[];
  private readonly notes: readonly (MessageView | undefined)[];
  private readonly version: string | undefined;

  constructor(private readonly pack: CheckedPack) {
    this.precedence = new Precedence(pack);
    this.rules = pack.rules.map((r) => {
      const head = { id: r.id, ...(r.title !== undefined ? { title: r.title } : {}), ...(r.outcome ? { outcome: r.outcome } : {}), score: r.score, ...(r.reason ? { reason: r.reason } : {}) };
      return { head: { ...head, kind: kindOf(head) }, labels: r.leaves.map((leaf) => leafLabel(pack, leaf)), message: new MessageView(r.message, r.leaves.length) };
    });
    this.notes = pack.rules.map((r) => (r.note ? new MessageView(r.note.message, 0) : undefined));
    this.version = pack.version || undefined;
  }

  /**
   * `values[j]` holds, for the rule `fired[j]`, its leaves' values followed by
   * its message placeholders' values (zh, then en). `fired` is ascending.
   */
  decision(fired: readonly number[], score: number, values: readonly (readonly Value[])[], noted?: Noted): Decision {
    const out: FiredRule[] = new Array(fired.length);
    for (let j = 0; j < fired.length; j++) {
      const r = this.rules[fired[j]!]!;
      const vs = values[j]!;
      const labels = r.labels;
      let seen = NOTHING_SEEN;
      if (labels.length) {
        const s: Seen[] = new Array(labels.length);
        for (let k = 0; k < labels.length; k++) s[k] = { feature: labels[k]!, value: vs[k] };
        seen = s;
      }
      out[j] = firedRule(r.head, r.message.render(vs), seen);
    }
    return this.assemble(fired, score, out, noted);
  }

  /**
   * The decision from its fired rules' entries, built already (by the code a
   * pack compiles to, compiler/codegen-explain.ts, or by decision()).
   */
  assemble(fired: readonly number[], score: number, out: readonly FiredRule[], noted?: Noted): Decision {
    const pack = this.pack.name;
    const version = this.version;
    const outcome = this.precedence.outcome(fired, score);
    // One literal per shape (keys in this order), not properties added one by one: V8 builds a literal at once.
    if (noted?.rules.length) {
      const notes = noted.rules.map((i, j): RuleNote => ({ id: this.pack.rules[i]!.id, message: this.notes[i]!.render(noted.values[j]!) }));
      return version === undefined ? { pack, outcome, score, fired: out, notes } : { pack, version, outcome, score, fired: out, notes };
    }
    return version === undefined ? { pack, outcome, score, fired: out } : { pack, version, outcome, score, fired: out };
  }
}

/** The rules whose note is on the decision, ascending, and each one's placeholder values (zh, then en). */
export interface Noted {
  readonly rules: readonly number[];
  readonly values: readonly (readonly Value[])[];
}

const explainers = new WeakMap<CheckedPack, Explainer>();

/** The pack's explainer, made on first use. */
export function explainerFor(pack: CheckedPack): Explainer {
  let e = explainers.get(pack);
  if (!e) explainers.set(pack, (e = new Explainer(pack)));
  return e;
}
