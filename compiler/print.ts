// A canonical text for checked expressions: the key for sharing equal
// sub-expressions, the label of aggregates in explanations, and `zhiyu dump`.
import type { CheckedPack, IR, SetRef, Value, Window } from './ir.ts';
import { formatDuration } from './semantics.ts';

export function printValue(v: Value): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x as Value)).join(', ')}]`;
  return String(v);
}

export function printWindow(w: Window): string {
  switch (w.kind) {
    case 'all': return '';
    case 'rolling': return `last ${formatDuration(w.ms)}`;
    case 'calendar': return w.unit === 'day' ? 'today' : `this ${w.unit}`;
    case 'events': return `last ${w.n} event${w.n === 1 ? '' : 's'}`;
    case 'months': return `last ${w.n} calendar month${w.n === 1 ? '' : 's'}`;
  }
}

function printSet(s: SetRef): string {
  switch (s.kind) {
    case 'values': return s.list ?? `[${s.values.map(printValue).join(', ')}]`;
    case 'external': return s.list;
    case 'expr': return printIR(s.x);
    case 'items': return `[${s.xs.map(printIR).join(', ')}]`;
  }
}

export function printIR(e: IR): string {
  switch (e.k) {
    case 'lit': return e.constName ?? printValue(e.value);
    case 'now': return 'now';
    case 'field': return `${e.entity}.${e.field}`;
    case 'hfield': return e.field;
    case 'neg': return `-(${printIR(e.x)})`;
    case 'arith':
    case 'cmp': return `(${printIR(e.l)} ${e.op} ${printIR(e.r)})`;
    case 'coalesce': return `(${printIR(e.l)} ?? ${printIR(e.r)})`;
    case 'not': return `not ${printIR(e.x)}`;
    case 'and':
    case 'or': return `(${e.xs.map(printIR).join(` ${e.k} `)})`;
    case 'isMissing': return `(${printIR(e.x)} is ${e.negated ? 'not ' : ''}missing)`;
    case 'in': return `(${printIR(e.x)} ${e.negated ? 'not in' : 'in'} ${printSet(e.set)})`;
    case 'between': return `(${printIR(e.x)} between ${printIR(e.lo)} and ${printIR(e.hi)})`;
    case 'call': return `${e.fn}(${[...e.args.map(printIR), ...(e.holidays ? [e.holidays.list] : [])].join(', ')})`;
    case 'agg': return `agg#${e.id}`;
    case 'pred': return e.name;
    case 'local': return e.name;
    case 'quant': return `(${e.q} of ${printSet(e.items)} ${e.negated ? 'not in' : 'in'} ${printSet(e.set)})`;
    case 'shared': return `$${e.slot}`;
  }
}

/** What an explained decision calls a leaf it saw: an aggregate by its text as written, anything else printed. */
export function leafLabel(pack: CheckedPack, leaf: IR): string {
  return leaf.k === 'agg' ? pack.aggregates[leaf.id]!.text : printIR(leaf);
}
