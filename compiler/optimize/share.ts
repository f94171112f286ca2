// Pass: sub-expressions that appear more than once in the pack (across rules
// and predicates) are computed once per decision, on first use.
import type { IR, SetRef } from '../ir.ts';
import { printValue } from '../print.ts';
import { children, mapChanged } from './fold.ts';
import { cost } from './order.ts';

const NO_PREDICATES = new Map<string, IR>();

const SHAREABLE = new Set<IR['k']>(['arith', 'call', 'cmp', 'coalesce', 'in', 'between', 'and', 'or', 'not', 'neg', 'isMissing', 'quant']);
/** Below this cost, recomputing is cheaper than checking a memo. */
const WORTH_SHARING = 5;

interface Info {
  /** Equal sub-trees have equal keys. */
  readonly key: number;
  /** A history field inside: the value depends on the history event, so it is not shared. */
  readonly history: boolean;
  readonly shareable: boolean;
}

/**
 * One walk gives every node its key, built from its children's keys (printing
 * every sub-tree anew would cost its depth in time), and counts occurrences.
 */
class Census {
  private readonly info = new Map<IR, Info>();
  private readonly table = new Map<string, number>();
  readonly counts: number[] = [];

  count(e: IR): Info {
    let sig = '';
    let history = e.k === 'hfield';
    for (const c of children(e)) {
      const ci = this.count(c);
      sig += `${ci.key},`;
      history ||= ci.history;
    }
    let i = this.info.get(e);
    if (!i) {
      const shape = `${shapeOf(e)} ${sig}`;
      let key = this.table.get(shape);
      if (key === undefined) { key = this.table.size; this.table.set(shape, key); }
      i = { key, history, shareable: SHAREABLE.has(e.k) && !history };
      this.info.set(e, i);
    }
    if (i.shareable) this.counts[i.key] = (this.counts[i.key] ?? 0) + 1;
    return i;
  }

  of(e: IR): Info {
    return this.info.get(e)!;
  }
}

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
  for (const r of roots) census.count(r);
  const counts = census.counts;
  // Count again, looking inside each repeated expression only once: a part that
  // only ever appears inside a shared expression gains nothing from its own slot.
  const once: number[] = [];
  const opened = new Set<number>();
  const recount = (e: IR): void => {
    const i = census.of(e);
    if (i.shareable) {
      once[i.key] = (once[i.key] ?? 0) + 1;
      if ((counts[i.key] ?? 0) > 1) {
        if (opened.has(i.key)) return;
        opened.add(i.key);
      }
    }
    for (const c of children(e)) recount(c);
  };
  roots.forEach(recount);
  const slots = new Map<number, number>();
  const rewrite = (e: IR): IR => {
    const i = census.of(e);
    if (i.shareable && (once[i.key] ?? 0) > 1 && cost(e, NO_PREDICATES) >= WORTH_SHARING) {
      let slot = slots.get(i.key);
      if (slot === undefined) { slot = slots.size; slots.set(i.key, slot); }
      return { k: 'shared', type: e.type, slot, x: mapChanged(e, rewrite), span: e.span };
    }
    return mapChanged(e, rewrite);
  };
  const out = roots.map(rewrite);
  return { roots: out, slots: slots.size };
}
