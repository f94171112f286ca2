// Which event fields a function of decide() keeps in locals. Every field the
// pack reads is checked in every copy of decide() (a wrong type is refused
// whether or not the copy's rules read it), but a copy keeps only the values
// its rules read (its slots) and their explanations can show (here): the rest
// are tested in one condition and dropped (codegen.ts `reads`).
import type { CheckedPack, FieldInfo, IR } from './ir.ts';
import { children } from './optimize/fold.ts';
import type { DispatchNode } from './optimize/dispatch.ts';
import { TIME_FIELD } from './check/context.ts';

/** The rules a part of the dispatch plan can fire. */
export function rulesOf(n: DispatchNode, out: number[] = []): number[] {
  switch (n.kind) {
    case 'rules': out.push(...n.rules); break;
    case 'guards': out.push(...n.rest); for (const g of n.groups) rulesOf(g.then, out); break;
    case 'switch': rulesOf(n.always, out); for (const c of n.cases.values()) rulesOf(c, out); break;
  }
  return out;
}

/**
 * The event fields that explaining `rules` can read (the fields their
 * conditions read are the function's own slots): what the leaves their
 * entries show and their messages' placeholders read, through predicates and
 * lets, with the key of every entity row they read and the time. More is
 * harmless (kept needlessly), less is not: an aggregate counts for every
 * field the pack reads. Only leaves are walked, not whole conditions: on a
 * 10,000-rule pack 12–16 ms of CPU instead of 26–46 ms.
 */
export function fieldsShown(pack: CheckedPack, rules: Iterable<number>): Set<string> {
  const out = new Set<string>([TIME_FIELD]);
  const preds = new Set<string>();
  // A shared part is one object wherever it appears: walked once.
  const shared = new Set<IR>();
  const walk = (x: IR): void => {
    switch (x.k) {
      case 'lit': case 'now': return;
      case 'field': out.add(x.entity === 'event' ? x.field : pack.schema.entities.get(x.entity)!.key); return;
      case 'and': case 'or': for (const c of x.xs) walk(c); return;
      case 'cmp': case 'arith': case 'coalesce': walk(x.l); walk(x.r); return;
      case 'shared': if (!shared.has(x.x)) { shared.add(x.x); walk(x.x); } return;
      case 'agg': case 'hfield': for (const f of pack.eventFields) out.add(f); return;
      case 'pred': {
        const p = pack.predicates.get(x.name);
        if (p && !preds.has(x.name)) { preds.add(x.name); walk(p.body); }
        return;
      }
      default: for (const c of children(x)) walk(c);
    }
  };
  for (const i of rules) {
    const r = pack.rules[i]!;
    r.leaves.forEach(walk);
    for (const p of [...(r.message.zh ?? []), ...(r.message.en ?? [])]) if (p.expr) walk(p.expr);
  }
  return out;
}

/**
 * `checkEvent(src, at)`: every field the pack reads, read and checked in
 * schema order as a copy of decide() reads them (the time only when the
 * caller gave none), so that the first wrong field throws its own error.
 * `check` reads one field into `v` and checks it.
 */
export function checkEvent(pack: CheckedPack, check: (f: FieldInfo) => string): string {
  const lines = ['function checkEvent(src, at) {', '  let v;'];
  for (const name of pack.eventFields) {
    const c = check(pack.schema.event.fields.get(name)!);
    lines.push(name === TIME_FIELD ? `  if (at === undefined) { ${c} }` : `  ${c}`);
  }
  lines.push('}');
  return lines.join('\n');
}

/**
 * Whether a node reads an aggregate, directly, through a predicate or in a
 * shared slot (remembered per node, and so per predicate body and slot:
 * specialized copies of many rules share them).
 */
export class AggregateReads {
  private readonly known = new Map<IR, boolean>();
  constructor(private readonly pack: CheckedPack, private readonly sharedBodies: ReadonlyMap<number, IR>) {}

  in(e: IR): boolean {
    // No aggregate in the pack: no node reads one (history fields live only in aggregates' filters).
    if (this.pack.aggregates.length === 0) return false;
    let r = this.known.get(e);
    if (r === undefined) this.known.set(e, (r = this.walk(e)));
    return r;
  }

  private walk(e: IR): boolean {
    if (e.k === 'agg' || e.k === 'hfield') return true;
    if (e.k === 'pred') { const b = this.pack.predicates.get(e.name)?.body; if (b && this.in(b)) return true; }
    if (e.k === 'shared') { const b = this.sharedBodies.get(e.slot); if (b && b !== e.x && this.in(b)) return true; }
    for (const c of children(e)) if (this.in(c)) return true;
    return false;
  }
}
