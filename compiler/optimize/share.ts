// Pass: sub-expressions that appear more than once in the pack (across rules
// and predicates) are computed once per decision, on first use.
import type { IR, SetRef } from '../ir.ts';
import { printValue } from '../print.ts';
import { children, mapChanged } from './fold.ts';
import { cost } from './order.ts';

const SHAREABLE = new Set<IR['k']>(['arith', 'call', 'cmp', 'coalesce', 'in', 'between', 'and', 'or', 'not', 'neg', 'isMissing', 'quant']);
/** Below this cost, recomputing is cheaper than checking a memo. */
const WORTH_SHARING = 5;

/** What the census learned about one occurrence of a node, with its children's, in the same order. */
interface Info {
  /** Equal sub-trees have equal keys. */
  readonly key: number;
  /** A history field inside: the value depends on the history event, so it is not shared. */
  readonly history: boolean;
  readonly shareable: boolean;
  readonly kids: readonly Info[];
}

/**
 * One walk gives every node its key, built from its children's keys (printing
 * every sub-tree anew would cost its depth in time), and counts occurrences.
 * The answers form a tree beside the IR (walked in step with it), not a map
 * from node to answer: on a large pack that map held every node of the pack.
 */
class Census {
  /** Each node's own part (shapeOf), numbered; then a key per number and children's keys. */
  private readonly shapes = new Map<string, number>();
  /** Nodes without children: the key is the shape's. */
  private readonly leaves: number[] = [];
  /** `shape,key,key…`: short strings, not the shape's text again with every child's. */
  private readonly table = new Map<string, number>();
  private keys = 0;
  readonly counts: number[] = [];

  /**
   * The number of `shapeOf(e)`. The commonest leaves are found by their parts
   * (strings V8 has hashed once) in a table per kind, without building the
   * text: a field by entity and name, a predicate by name, a literal by type
   * and primitive value (equal exactly when their printed values are).
   */
  private shape(e: IR): number {
    let byPart: Map<unknown, number> | undefined;
    let part: unknown;
    if (e.k === 'field') { byPart = this.fields.get(e.entity); part = e.field; }
    else if (e.k === 'pred') { byPart = this.preds; part = e.name; }
    else if (e.k === 'lit' && typeof e.value !== 'object') { byPart = this.lits.get(e.type.t); part = e.value; }
    if (byPart !== undefined) { const n = byPart.get(part); if (n !== undefined) return n; }
    const text = shapeOf(e);
    let shape = this.shapes.get(text);
    if (shape === undefined) { shape = this.shapes.size; this.shapes.set(text, shape); }
    if (e.k === 'field') { if (!byPart) this.fields.set(e.entity, (byPart = new Map())); byPart.set(part, shape); }
    else if (e.k === 'pred') this.preds.set(part, shape);
    else if (e.k === 'lit' && typeof e.value !== 'object') { if (!byPart) this.lits.set(e.type.t, (byPart = new Map())); byPart.set(part, shape); }
    return shape;
  }

  private readonly fields = new Map<string, Map<unknown, number>>();
  private readonly preds = new Map<unknown, number>();
  private readonly lits = new Map<string, Map<unknown, number>>();

  count(e: IR): Info {
    // The commonest leaves and lists without a children() array (the same children, in its order).
    const cs: readonly IR[] = e.k === 'lit' || e.k === 'field' || e.k === 'pred' ? NO_IR : e.k === 'and' || e.k === 'or' ? e.xs : children(e);
    let kids: readonly Info[] = NO_INFO;
    let history = e.k === 'hfield';
    const shape = this.shape(e);
    let key: number | undefined;
    if (cs.length === 0) {
      key = this.leaves[shape];
      if (key === undefined) this.leaves[shape] = key = this.keys++;
    } else {
      const own: Info[] = (kids = new Array(cs.length));
      let sig = `${shape}`;
      for (let j = 0; j < cs.length; j++) {
        const ci = this.count(cs[j]!);
        own[j] = ci;
        sig += `,${ci.key}`;
        history ||= ci.history;
      }
      key = this.table.get(sig);
      if (key === undefined) { key = this.keys++; this.table.set(sig, key); }
    }
    const shareable = SHAREABLE.has(e.k) && !history;
    if (shareable) this.counts[key] = (this.counts[key] ?? 0) + 1;
    return { key, history, shareable, kids };
  }
}

const NO_IR: readonly IR[] = [];
const NO_INFO: readonly Info[] = [];

function shapeOf(e: IR): string {
  switch (e.k) {
    case 'lit': return `lit ${e.type.t} ${printValue(e.value)}`;
    case 'field': return `field ${e.entity}.${e.field}`;
    case 'hfield': return `hfield ${e.field}`;
    case 'agg': return `agg ${e.id}`;
    case 'pred': return `pred ${e.name}`;
    case 'shared': return `shared ${e.slot}`;
    case 'arith': case 'cmp': return `${e.k} ${e.op}`;
    case 'isMissing': return `${e.k} ${e.negated}`;
    case 'in': return `in ${e.negated} ${setShape(e.set)}`;
    case 'quant': return `quant ${e.q} ${e.negated} ${e.items.kind} ${setShape(e.set)}`;
    case 'local': return `local ${e.slot}`;
    case 'call': return `call ${e.fn}${e.holidays ? ` ${e.holidays.list}` : ''}`;
    default: return e.k;
  }
}

function setShape(s: SetRef): string {
  switch (s.kind) {
    case 'values': return `values ${s.values.map(printValue).join(',')}`;
    case 'external': return `external ${s.list}`;
    default: return s.kind;
  }
}

export function share(roots: readonly IR[]): { roots: IR[]; slots: number } {
  const census = new Census();
  const infos = roots.map((r) => census.count(r));
  const counts = census.counts;
  // Count again, looking inside each repeated expression only once: a part that
  // only ever appears inside a shared expression gains nothing from its own slot.
  const once: number[] = [];
  const opened = new Set<number>();
  const recount = (i: Info): void => {
    if (i.shareable) {
      once[i.key] = (once[i.key] ?? 0) + 1;
      if ((counts[i.key] ?? 0) > 1) {
        if (opened.has(i.key)) return;
        opened.add(i.key);
      }
    }
    for (const c of i.kids) recount(c);
  };
  infos.forEach(recount);
  const slots = new Map<number, number>();
  // A table of its own, so that the costs remembered for it go with it.
  const noPredicates = new Map<string, IR>();
  // Equal keys mean equal sub-trees, so equal costs: each is worked out once.
  const costs: number[] = [];
  // mapChanged visits the children in the order children() lists them, as the census did.
  const inner = (e: IR, i: Info): IR => {
    let j = 0;
    return mapChanged(e, (x) => rewrite(x, i.kids[j++]!));
  };
  const rewrite = (e: IR, i: Info): IR => {
    if (i.shareable && (once[i.key] ?? 0) > 1 && (costs[i.key] ??= cost(e, noPredicates)) >= WORTH_SHARING) {
      let slot = slots.get(i.key);
      if (slot === undefined) { slot = slots.size; slots.set(i.key, slot); }
      return { k: 'shared', type: e.type, slot, x: inner(e, i), span: e.span };
    }
    return inner(e, i);
  };
  const out = roots.map((r, k) => rewrite(r, infos[k]!));
  return { roots: out, slots: slots.size };
}
