// Pass: sub-expressions that appear more than once in the pack (across rules
// and predicates) are computed once per decision, on first use.
import type { IR } from '../ir.ts';
import { printIR } from '../print.ts';
import { children, mapChildren } from './fold.ts';
import { cost } from './order.ts';

const NO_PREDICATES = new Map<string, IR>();

const SHAREABLE = new Set<IR['k']>(['arith', 'call', 'cmp', 'coalesce', 'in', 'between', 'and', 'or', 'not', 'neg', 'isMissing']);
/** Below this cost, recomputing is cheaper than checking a memo. */
const WORTH_SHARING = 5;

export function share(roots: readonly IR[]): { roots: IR[]; slots: number } {
  const counts = new Map<string, number>();
  const hasHistory = new Map<IR, boolean>();
  const usesHistory = (e: IR): boolean => {
    let v = hasHistory.get(e);
    if (v === undefined) {
      v = e.k === 'hfield' || children(e).some(usesHistory);
      hasHistory.set(e, v);
    }
    return v;
  };
  const count = (e: IR): void => {
    if (SHAREABLE.has(e.k) && !usesHistory(e)) {
      const key = printIR(e);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    children(e).forEach(count);
  };
  roots.forEach(count);
  // Count again, looking inside each repeated expression only once: a part that
  // only ever appears inside a shared expression gains nothing from its own slot.
  const once = new Map<string, number>();
  const opened = new Set<string>();
  const recount = (e: IR): void => {
    if (SHAREABLE.has(e.k) && !usesHistory(e)) {
      const key = printIR(e);
      once.set(key, (once.get(key) ?? 0) + 1);
      if ((counts.get(key) ?? 0) > 1) {
        if (opened.has(key)) return;
        opened.add(key);
      }
    }
    children(e).forEach(recount);
  };
  roots.forEach(recount);
  const slots = new Map<string, number>();
  const rewrite = (e: IR): IR => {
    if (SHAREABLE.has(e.k) && !usesHistory(e)) {
      const key = printIR(e);
      if ((once.get(key) ?? 0) > 1 && cost(e, NO_PREDICATES) >= WORTH_SHARING) {
        let slot = slots.get(key);
        if (slot === undefined) { slot = slots.size; slots.set(key, slot); }
        return { k: 'shared', type: e.type, slot, x: mapChildren(e, rewrite), span: e.span };
      }
    }
    return mapChildren(e, rewrite);
  };
  const out = roots.map(rewrite);
  return { roots: out, slots: slots.size };
}
