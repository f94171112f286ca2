// Pass: sub-expressions that appear more than once in the pack (across rules
// and predicates) are computed once per decision, on first use.
import type { IR, SetRef } from '../ir.ts';
import { printValue } from '../print.ts';
import { children, mapChanged } from './fold.ts';
import { costWith } from './order.ts';

const SHAREABLE = new Set<IR['k']>(['arith', 'call', 'cmp', 'coalesce', 'in', 'between', 'and', 'or', 'not', 'neg', 'isMissing', 'quant']);
/** Below this cost, recomputing is cheaper than checking a memo. */
const WORTH_SHARING = 5;

// What the census learned about each occurrence of a node, in arrays by its
// number in a pre-order walk (a node's children follow it, each after the
// previous one's sub-tree): its key (equal sub-trees have equal keys), its
// flags, and the size of its sub-tree, to step from one child to the next.
// No object per node: on a large pack they were most of this pass's garbage.
/** A history field inside: the value depends on the history event, so it is not shared. */
const HISTORY = 1;
const SHARE = 2;

/**
 * One walk gives every node its key, built from its children's keys (printing
 * every sub-tree anew would cost its depth in time), and counts occurrences.
 * The answers are numbered beside the IR (walked in step with it), not a map
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
  /** By occurrence (pre-order number, below `occurrences`): key, flags, sub-tree size; grown by doubling. */
  keyAt = new Int32Array(1024);
  flagsAt = new Uint8Array(1024);
  sizeAt = new Int32Array(1024);
  private occurrences = 0;
  /** Each key's cost (order.ts, no predicate bodies known): equal keys mean equal sub-trees, so equal costs. */
  readonly costs: number[] = [];

  /**
   * The number of `shapeOf(e)`. The commonest leaves are found by their parts
   * (strings V8 has hashed once) in a table per kind, without building the
   * text: a field by entity and name, a predicate by name, a literal by type
   * and primitive value (equal exactly when their printed values are); so are
   * operators, by kind and operator (or `negated`), whose text is only those.
   */
  private shape(e: IR): number {
    let byPart: Map<unknown, number> | undefined;
    let part: unknown;
    let table: Map<string, Map<unknown, number>> | undefined;
    let kind: string | undefined;
    switch (e.k) {
      case 'field': table = this.fields; kind = e.entity; part = e.field; break;
      case 'pred': byPart = this.preds; part = e.name; break;
      case 'lit': if (typeof e.value !== 'object') { table = this.lits; kind = e.type.t; part = e.value; } break;
      case 'cmp': case 'arith': table = this.ops; kind = e.k; part = e.op; break;
      case 'isMissing': table = this.ops; kind = e.k; part = e.negated; break;
      case 'and': case 'or': case 'not': case 'neg': case 'coalesce': case 'between': table = this.ops; kind = e.k; part = ''; break;
    }
    if (table !== undefined) byPart = table.get(kind!);
    if (byPart !== undefined) { const n = byPart.get(part); if (n !== undefined) return n; }
    const text = shapeOf(e);
    let shape = this.shapes.get(text);
    if (shape === undefined) { shape = this.shapes.size; this.shapes.set(text, shape); }
    if (table !== undefined) { if (!byPart) table.set(kind!, (byPart = new Map())); byPart.set(part, shape); }
    else if (e.k === 'pred') this.preds.set(part, shape);
    return shape;
  }

  private readonly fields = new Map<string, Map<unknown, number>>();
  private readonly preds = new Map<unknown, number>();
  private readonly lits = new Map<string, Map<unknown, number>>();
  private readonly ops = new Map<string, Map<unknown, number>>();
  /**
   * Nodes with one or two children, by numbers instead of `table`'s strings
   * (most nodes: comparisons, `not`, arithmetic): by shape and child's key
   * (shape × 2²⁶ + key), and by shape, then both keys (key × 2²⁶ + key).
   */
  private readonly unary = new Map<number, number>();
  private readonly binary = new Map<number, Map<number, number>>();

  /** Numbers `e`'s occurrence and its sub-tree's; returns its number. */
  count(e: IR): number {
    // The commonest leaves and lists without a children() array (the same children, in its order).
    const cs: readonly IR[] = e.k === 'lit' || e.k === 'field' || e.k === 'pred' ? NO_IR : e.k === 'and' || e.k === 'or' ? e.xs : children(e);
    const at = this.occurrences++;
    if (at === this.keyAt.length) this.grow();
    let history = e.k === 'hfield';
    const shape = this.shape(e);
    let key: number | undefined;
    const n = cs.length;
    if (n === 0) {
      key = this.leaves[shape];
      if (key === undefined) { this.leaves[shape] = key = this.keys++; this.costs[key] = costWith(e, 0, NO_PREDICATES); }
    } else {
      let kidsCost = 0;
      // Children's keys: the first two as numbers, all of them in `sig` past two.
      let k0 = 0;
      let k1 = 0;
      let sig = n > 2 ? `${shape}` : '';
      for (let j = 0; j < n; j++) {
        const c = this.count(cs[j]!);
        const ck = this.keyAt[c]!;
        if (j === 0) k0 = ck; else if (j === 1) k1 = ck;
        if (n > 2) sig += `,${ck}`;
        kidsCost += this.costs[ck]!;
        if ((this.flagsAt[c]! & HISTORY) !== 0) history = true;
      }
      if (n <= 2 && shape < NUMERIC_KEYS && k0 < NUMERIC_KEYS && k1 < NUMERIC_KEYS) {
        let m: Map<number, number> | undefined;
        let k: number;
        if (n === 1) { m = this.unary; k = shape * NUMERIC_KEYS + k0; }
        else {
          m = this.binary.get(shape);
          if (!m) this.binary.set(shape, (m = new Map()));
          k = k0 * NUMERIC_KEYS + k1;
        }
        key = m.get(k);
        if (key === undefined) { key = this.keys++; m.set(k, key); this.costs[key] = costWith(e, kidsCost, NO_PREDICATES); }
      } else {
        if (n <= 2) sig = n === 1 ? `${shape},${k0}` : `${shape},${k0},${k1}`;
        key = this.table.get(sig);
        if (key === undefined) { key = this.keys++; this.table.set(sig, key); this.costs[key] = costWith(e, kidsCost, NO_PREDICATES); }
      }
    }
    const shareable = SHAREABLE.has(e.k) && !history;
    if (shareable) this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.keyAt[at] = key;
    this.flagsAt[at] = (history ? HISTORY : 0) | (shareable ? SHARE : 0);
    this.sizeAt[at] = this.occurrences - at;
    return at;
  }

  private grow(): void {
    const n = this.keyAt.length * 2;
    const keys = new Int32Array(n);
    keys.set(this.keyAt);
    this.keyAt = keys;
    const flags = new Uint8Array(n);
    flags.set(this.flagsAt);
    this.flagsAt = flags;
    const sizes = new Int32Array(n);
    sizes.set(this.sizeAt);
    this.sizeAt = sizes;
  }
}

/** Below this, shapes and keys combine into one exact number (2²⁶ × 2²⁶ = 2⁵²). */
const NUMERIC_KEYS = 2 ** 26;

const NO_IR: readonly IR[] = [];
/** Costs as share has always weighed them: without predicate bodies (a predicate costs 5). */
const NO_PREDICATES: ReadonlyMap<string, IR> = new Map();

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
  const starts = roots.map((r) => census.count(r));
  const { counts, keyAt, flagsAt, sizeAt } = census;
  // Count again, looking inside each repeated expression only once: a part that
  // only ever appears inside a shared expression gains nothing from its own slot.
  const once: number[] = [];
  const opened = new Set<number>();
  const recount = (at: number): void => {
    if ((flagsAt[at]! & SHARE) !== 0) {
      const key = keyAt[at]!;
      once[key] = (once[key] ?? 0) + 1;
      if ((counts[key] ?? 0) > 1) {
        if (opened.has(key)) return;
        opened.add(key);
      }
    }
    const end = at + sizeAt[at]!;
    for (let c = at + 1; c < end; c += sizeAt[c]!) recount(c);
  };
  starts.forEach(recount);
  const slots = new Map<number, number>();
  const costs = census.costs;
  // mapChanged visits the children in the order children() lists them, as the census did.
  const inner = (e: IR, at: number): IR => {
    let c = at + 1;
    return mapChanged(e, (x) => {
      const y = rewrite(x, c);
      c += sizeAt[c]!;
      return y;
    });
  };
  const rewrite = (e: IR, at: number): IR => {
    const key = keyAt[at]!;
    if ((flagsAt[at]! & SHARE) !== 0 && (once[key] ?? 0) > 1 && costs[key]! >= WORTH_SHARING) {
      let slot = slots.get(key);
      if (slot === undefined) { slot = slots.size; slots.set(key, slot); }
      return { k: 'shared', type: e.type, slot, x: inner(e, at), span: e.span };
    }
    return inner(e, at);
  };
  const out = roots.map((r, k) => rewrite(r, starts[k]!));
  return { roots: out, slots: slots.size };
}
