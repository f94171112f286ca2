// Inside a case of a dispatch switch the field's value is known: a rule's
// condition there is specialized by putting the value in place of the field
// and folding again, so `event.type == "transfer_out" and …` loses its first
// test, and a predicate such as `moving_money` becomes `true` or `false`.
// The result equals the condition for every event that reaches the case.
import type { IR, PredicateInfo, Value } from '../ir.ts';
import { foldNode, mapChanged } from './fold.ts';

export type Known = ReadonlyMap<string, Value>;

export class Specializer {
  /** By the known set's key, then by node: lookups on strings V8 has hashed once, no keys built per call. */
  private readonly nodeCache = new Map<string, Map<IR, IR>>();

  /**
   * `shared`: one body per slot (the code generator's, codegen-emitter.ts).
   * Equal slots hold equal sub-trees, so a slot's body is specialized once per
   * known set, not again for every rule it occurs in.
   */
  constructor(private readonly preds: ReadonlyMap<string, PredicateInfo>, private readonly shared: ReadonlyMap<number, IR> = new Map()) {}

  /** As `specialize`, remembered per node and known set (code generation asks again for the same). */
  cached(e: IR, known: Known, knownKey = keyOf(known)): IR {
    if (known.size === 0) return e;
    let m = this.nodeCache.get(knownKey);
    if (!m) this.nodeCache.set(knownKey, (m = new Map()));
    let out = m.get(e);
    if (!out) m.set(e, (out = this.specialize(e, known, knownKey)));
    return out;
  }

  /**
   * Set by `replace` when it met a known field, directly or through a
   * predicate or slot: only then is the folded copy returned (the same test
   * as "reads a known field", without a second walk collecting field sets).
   */
  private touched = false;
  /** `replace` under the known set `subKey`, for mapChanged. */
  private sub: ((x: IR) => IR) | undefined;
  private subKey = '';

  /** `e` with the known event fields replaced by their values, folded; `e` itself when nothing is known about it. */
  specialize(e: IR, known: Known, knownKey = keyOf(known)): IR {
    if (known.size === 0) return e;
    const outer = this.touched;
    this.touched = false;
    const r = this.replace(e, known, knownKey);
    const touched = this.touched;
    this.touched = outer || touched;
    return touched ? r : e;
  }

  /** A predicate's body under `known`, cached per predicate and known set. */
  predicate(name: string, known: Known, knownKey = keyOf(known)): IR {
    return this.cached(this.preds.get(name)!.body, known, knownKey);
  }

  // A specialized node is the node itself exactly when it reads no known field
  // (a folded copy is always a new object), which is how `touched` propagates
  // through predicates and slots, cached or not.
  private replace(e: IR, known: Known, knownKey: string): IR {
    switch (e.k) {
      case 'field':
        if (e.entity === 'event' && known.has(e.field)) {
          this.touched = true;
          return { k: 'lit', type: e.type, value: known.get(e.field), span: e.span };
        }
        return e;
      case 'pred': {
        const body = this.preds.get(e.name)?.body;
        if (!body) return e;
        const b = this.cached(body, known, knownKey);
        if (b !== body) this.touched = true;
        return b.k === 'lit' ? { ...b, span: e.span } : e;
      }
      case 'shared': {
        // The slot keeps computing the whole expression; only a constant replaces it.
        const body = this.shared.get(e.slot) ?? e.x;
        const x = this.cached(body, known, knownKey);
        if (x !== body) this.touched = true;
        return x.k === 'lit' ? { ...x, span: e.span } : e;
      }
      case 'local': {
        const x = this.specialize(e.x, known, knownKey);
        if (x !== e.x) this.touched = true;
        return x.k === 'lit' ? { ...x, span: e.span } : e;
      }
      case 'lit': case 'now': case 'hfield': case 'agg':
        return e;
      // The commonest kinds walked here, without a call through mapChanged per child (the same
      // children in the same order, the same copies): every rule of every case comes this way.
      case 'cmp': case 'arith': case 'coalesce': {
        const l = this.replace(e.l, known, knownKey);
        const r = this.replace(e.r, known, knownKey);
        return l === e.l && r === e.r ? e : foldNode({ ...e, l, r } as IR, true);
      }
      case 'and': case 'or': {
        let xs: IR[] | undefined;
        for (let i = 0; i < e.xs.length; i++) {
          const y = this.replace(e.xs[i]!, known, knownKey);
          if (y !== e.xs[i]) (xs ??= e.xs.slice())[i] = y;
        }
        return xs === undefined ? e : foldNode({ ...e, xs }, true);
      }
      case 'not': case 'neg': case 'isMissing': {
        const x = this.replace(e.x, known, knownKey);
        return x === e.x ? e : foldNode({ ...e, x } as IR, true);
      }
      default: {
        // Folded on the way back up, only where something changed: the rest
        // is folded already (the optimizer's first pass). One function for
        // the children of every node under the same known set, not one per node.
        let sub = this.sub;
        if (sub === undefined || this.subKey !== knownKey) {
          this.sub = sub = (x: IR) => this.replace(x, known, knownKey);
          this.subKey = knownKey;
        }
        const r = mapChanged(e, sub);
        return r === e ? e : foldNode(r, true);
      }
    }
  }
}

export function keyOf(known: Known): string {
  return JSON.stringify([...known]);
}
