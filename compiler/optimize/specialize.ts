// Inside a case of a dispatch switch the field's value is known: a rule's
// condition there is specialized by putting the value in place of the field
// and folding again, so `event.type == "transfer_out" and …` loses its first
// test, and a predicate such as `moving_money` becomes `true` or `false`.
// The result equals the condition for every event that reaches the case.
import type { IR, PredicateInfo, Value } from '../ir.ts';
import { children, fold, mapChanged } from './fold.ts';

export type Known = ReadonlyMap<string, Value>;

export class Specializer {
  /** By the known set's key, then by node: lookups on strings V8 has hashed once, no keys built per call. */
  private readonly nodeCache = new Map<string, Map<IR, IR>>();
  private readonly reads = new Map<IR, ReadonlySet<string>>();

  constructor(private readonly preds: ReadonlyMap<string, PredicateInfo>) {}

  /** As `specialize`, remembered per node and known set (code generation asks again for the same). */
  cached(e: IR, known: Known, knownKey = keyOf(known)): IR {
    if (known.size === 0) return e;
    let m = this.nodeCache.get(knownKey);
    if (!m) this.nodeCache.set(knownKey, (m = new Map()));
    let out = m.get(e);
    if (!out) m.set(e, (out = this.specialize(e, known, knownKey)));
    return out;
  }

  /** `e` with the known event fields replaced by their values, folded; `e` itself when nothing is known about it. */
  specialize(e: IR, known: Known, knownKey = keyOf(known)): IR {
    if (known.size === 0 || !this.touches(e, known)) return e;
    return fold(this.replace(e, known, knownKey));
  }

  /** A predicate's body under `known`, cached per predicate and known set. */
  predicate(name: string, known: Known, knownKey = keyOf(known)): IR {
    return this.cached(this.preds.get(name)!.body, known, knownKey);
  }

  private replace(e: IR, known: Known, knownKey: string): IR {
    switch (e.k) {
      case 'field':
        if (e.entity === 'event' && known.has(e.field)) return { k: 'lit', type: e.type, value: known.get(e.field), span: e.span };
        return e;
      case 'pred': {
        const b = this.predicate(e.name, known, knownKey);
        return b.k === 'lit' ? { ...b, span: e.span } : e;
      }
      case 'shared': case 'local': {
        // The slot keeps computing the whole expression; only a constant replaces it.
        const x = this.specialize(e.x, known, knownKey);
        return x.k === 'lit' ? { ...x, span: e.span } : e;
      }
      case 'lit': case 'now': case 'hfield': case 'agg':
        return e;
      default:
        return mapChanged(e, (x) => this.replace(x, known, knownKey));
    }
  }

  /** Whether `e` reads a known field, directly or through a predicate. */
  private touches(e: IR, known: Known): boolean {
    for (const f of this.fields(e)) if (known.has(f)) return true;
    return false;
  }

  /** The event fields an expression reads (through predicates and shared slots too). */
  fields(e: IR): ReadonlySet<string> {
    let s = this.reads.get(e);
    if (!s) {
      const out = new Set<string>();
      this.collect(e, out);
      this.reads.set(e, (s = out));
    }
    return s;
  }

  private collect(e: IR, out: Set<string>): void {
    if (e.k === 'field' && e.entity === 'event') out.add(e.field);
    else if (e.k === 'pred') {
      const b = this.preds.get(e.name)?.body;
      if (b) for (const f of this.fields(b)) out.add(f);
    }
    for (const c of children(e)) this.collect(c, out);
  }
}

export function keyOf(known: Known): string {
  return JSON.stringify([...known]);
}
