// A typed tree's children visited in place: the checker's walks over every
// rule (the leaves a rule reads, the event fields the pack reads) visit each
// child in the order of optimize/fold.ts's `children`, without the array
// `children` makes for every node (a large pack has millions of nodes).
import type { IR, SetRef } from '../ir.ts';

/** Calls `f` on each child of `e`, in `children(e)` order. */
export function eachChild(e: IR, f: (x: IR) => void): void {
  switch (e.k) {
    case 'lit': case 'now': case 'field': case 'hfield': case 'agg': case 'pred': return;
    case 'shared': case 'neg': case 'not': case 'isMissing': case 'local': f(e.x); return;
    case 'arith': case 'cmp': case 'coalesce': f(e.l); f(e.r); return;
    case 'and': case 'or': for (const x of e.xs) f(x); return;
    case 'in': f(e.x); eachInSet(e.set, f); return;
    case 'quant': eachInSet(e.items, f); eachInSet(e.set, f); return;
    case 'between': f(e.x); f(e.lo); f(e.hi); return;
    case 'call': for (const x of e.args) f(x); return;
  }
}

function eachInSet(s: SetRef, f: (x: IR) => void): void {
  if (s.kind === 'expr') f(s.x);
  else if (s.kind === 'items') for (const x of s.xs) f(x);
}
