// A change request an approver can read: two compiled packs compared rule by
// rule and condition by condition, not line by line. A rule's condition is
// cut into its conjuncts (the parts joined by `and`); a conjunct is the same,
// changed (the same shape with another threshold, operator or window), added
// or removed. Literals are shown as people write them (¥2,000, 30m), a named
// constant with its value, an aggregate by its text. Outcomes, scores,
// reasons, messages and metadata are compared side by side, and so are the
// pack's outcomes, thresholds, constants, lists, predicates and schema.
//
// Both sides are the optimized packs a bundle carries (the editor compiles
// the pack as saved and as edited the same way), so equal rules print equal.
// Pure data in, data out: the CLI renders it as text or HTML, the editor as
// its Diff panel.
import type { CheckedPack, CheckedRule, EntityInfo, IR, SetRef, Template, Value } from '../compiler/ir.ts';
import { printWindow } from '../compiler/print.ts';
import { formatValue } from './decision.ts';

export type Status = 'same' | 'changed' | 'added' | 'removed';

export interface Side { readonly pack: string; readonly version?: string; readonly hash?: string; readonly effectiveFrom?: number }

/** One value compared: absent on the side that lacks it. */
export interface Change { readonly what: string; readonly old?: string; readonly new?: string }

export interface ConditionDiff { readonly status: Status; readonly old?: string; readonly new?: string }

export interface RuleDiff {
  readonly id: string;
  readonly status: Status;
  readonly title?: string;
  /** Outcome, score, reason, messages, metadata: only those that differ. */
  readonly changes: readonly Change[];
  /** Every conjunct of the condition, in the new rule's order (removed ones after). */
  readonly conditions: readonly ConditionDiff[];
  /** Predicates, lists and constants the rule uses that changed elsewhere in the pack. */
  readonly uses: readonly string[];
}

export interface PackDiff {
  readonly old: Side;
  readonly new: Side;
  /** Pack-level: name, version, effective from, outcomes, thresholds, decides, measured by. */
  readonly pack: readonly Change[];
  readonly consts: readonly Change[];
  readonly lists: readonly Change[];
  readonly predicates: readonly (Change & { readonly conditions: readonly ConditionDiff[] })[];
  /** Fields added, removed or retyped, by event or entity. */
  readonly schema: readonly Change[];
  /** Every rule of either side: added, removed and changed first, then the same ones. */
  readonly rules: readonly RuleDiff[];
  readonly summary: { readonly added: number; readonly removed: number; readonly changed: number; readonly same: number };
}

// ---------- printing conditions as an approver reads them ----------

function literal(type: IR['type'], v: Value): string {
  if (v === undefined) return 'missing';
  if (type.t === 'string' || type.t === 'enum') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  return formatValue(type, v);
}

function set(s: SetRef, pack: CheckedPack, hole: boolean): string {
  switch (s.kind) {
    case 'values': return s.list ?? (hole ? '[?]' : `[${s.values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`);
    case 'external': return s.list;
    case 'expr': return print(s.x, pack, hole);
    case 'items': return `[${s.xs.map((x) => print(x, pack, hole)).join(', ')}]`;
  }
}

/** A condition as text; `hole`: literals as `?` (the conjunct's shape, for pairing a changed threshold with its old self). */
function print(e: IR, pack: CheckedPack, hole = false, top = false): string {
  const wrap = (s: string) => (top ? s : `(${s})`);
  switch (e.k) {
    case 'lit': return e.constName ? (hole ? e.constName : `${e.constName} (${literal(e.type, e.value)})`) : hole ? '?' : literal(e.type, e.value);
    case 'now': return 'now';
    case 'field': return `${e.entity}.${e.field}`;
    case 'hfield': return e.field;
    case 'neg': return `-${print(e.x, pack, hole)}`;
    case 'arith': case 'cmp': return wrap(`${print(e.l, pack, hole)} ${e.op} ${print(e.r, pack, hole)}`);
    case 'coalesce': return wrap(`${print(e.l, pack, hole)} ?? ${print(e.r, pack, hole)}`);
    case 'not': return `not ${print(e.x, pack, hole)}`;
    case 'and': case 'or': return wrap(e.xs.map((x) => print(x, pack, hole)).join(` ${e.k} `));
    case 'isMissing': return wrap(`${print(e.x, pack, hole)} is ${e.negated ? 'not ' : ''}missing`);
    case 'in': return wrap(`${print(e.x, pack, hole)} ${e.negated ? 'not in' : 'in'} ${set(e.set, pack, hole)}`);
    case 'between': return wrap(`${print(e.x, pack, hole)} between ${print(e.lo, pack, hole)} and ${print(e.hi, pack, hole)}`);
    case 'call': return `${e.fn}(${[...e.args.map((x) => print(x, pack, hole, true)), ...(e.holidays ? [e.holidays.list] : [])].join(', ')})`;
    case 'agg': {
      const a = pack.aggregates[e.id]!;
      if (!hole) return a.text;
      // The shape of a window: its function, field and key, not its length (nor which percentile).
      const sized = a.window.kind === 'rolling' || a.window.kind === 'events' || a.window.kind === 'months';
      return `${a.fn}(${[a.field, a.percentile !== undefined ? '?' : '', a.by ? `by ${a.by}` : '', sized ? 'last ?' : printWindow(a.window)].filter(Boolean).join(', ')})`;
    }
    case 'pred': return e.name;
    // A let is compared where it is defined (see letRows); a use shows its name.
    case 'local': return e.name;
    case 'quant': return wrap(`${e.q} of ${set(e.items, pack, hole)} ${e.negated ? 'not in' : 'in'} ${set(e.set, pack, hole)}`);
    case 'shared': return print(e.x, pack, hole, top);
  }
}

const parts = (e: IR): IR[] => (e.k === 'and' ? [...e.xs] : e.k === 'shared' ? parts(e.x) : [e]);
/** The conjuncts in the order they are written (the optimizer runs cheap ones first). */
const conjuncts = (e: IR): IR[] => parts(e).sort((x, y) => x.span.file - y.span.file || x.span.start - y.span.start);

/** What a conjunct reads (fields, aggregates, predicates): a looser key than its shape, for pairing a changed operator. */
function reads(e: IR, pack: CheckedPack): string {
  const out = new Set<string>();
  // Every IR node below, also inside sets (`in`, quantifiers) and lets.
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { for (const y of v) walk(y); return; }
    if (!v || typeof v !== 'object') return;
    const x = v as IR;
    if (x.k === 'field') out.add(`${x.entity}.${x.field}`);
    else if (x.k === 'agg') out.add(`agg:${pack.aggregates[x.id]!.fn}:${pack.aggregates[x.id]!.field ?? ''}:${pack.aggregates[x.id]!.by ?? ''}`);
    else if (x.k === 'pred') out.add(`pred:${x.name}`);
    else if (x.k === 'local') out.add(`let:${x.name}`);
    for (const [k, y] of Object.entries(v)) if (k !== 'type' && k !== 'span') walk(y);
  };
  walk(e);
  return [...out].sort().join(',');
}

/** Conjuncts paired: the same text, then the same shape, then the same reads; the rest added or removed. */
export function diffConditions(oldE: IR | undefined, oldPack: CheckedPack | undefined, newE: IR | undefined, newPack: CheckedPack | undefined): ConditionDiff[] {
  type C = { text: string; shape: string; reads: string; used: boolean };
  const side = (e: IR | undefined, p: CheckedPack | undefined): C[] => (e && p ? conjuncts(e).map((x) => ({ text: print(x, p, false, true), shape: print(x, p, true, true), reads: reads(x, p), used: false })) : []);
  const olds = side(oldE, oldPack);
  const news = side(newE, newPack);
  const match: (C | undefined)[] = news.map(() => undefined);
  for (const key of ['text', 'shape', 'reads'] as const) {
    news.forEach((n, i) => {
      if (match[i] || (key === 'reads' && !n.reads)) return;
      const o = olds.find((x) => !x.used && x[key] === n[key]);
      if (o) { o.used = true; match[i] = o; }
    });
  }
  const out: ConditionDiff[] = news.map((n, i) => {
    const o = match[i];
    return o ? { status: o.text === n.text ? 'same' : 'changed', old: o.text, new: n.text } : { status: 'added', new: n.text };
  });
  for (const o of olds) if (!o.used) out.push({ status: 'removed', old: o.text });
  return out;
}

// ---------- comparing packs ----------

const template = (t: Template | undefined): string | undefined => (t ? t.map((p) => (p.expr ? `{${p.source ?? '…'}}` : p.text ?? '')).join('') : undefined);
const when = (ms: number | undefined) => (ms === undefined ? undefined : formatValue({ t: 'timestamp' }, ms));

function changes(pairs: readonly [string, string | undefined, string | undefined][]): Change[] {
  return pairs.filter(([, a, b]) => a !== b).map(([what, a, b]) => ({ what, ...(a !== undefined ? { old: a } : {}), ...(b !== undefined ? { new: b } : {}) }));
}

function ruleFields(r: CheckedRule | undefined, pack: CheckedPack): Record<string, string | undefined> {
  if (!r) return {};
  return {
    outcome: r.outcome, score: r.score ? `+${r.score}` : undefined, reason: r.reason, enabled: r.enabled ? undefined : 'off', title: r.title,
    severity: r.severity, owner: r.owner, tags: r.tags.length ? r.tags.join(', ') : undefined,
    'in effect from': when(r.effectiveFrom), 'in effect until': when(r.effectiveUntil),
    'message (zh)': template(r.message.zh), 'message (en)': template(r.message.en),
    'note when': r.note && print(r.note.condition, pack, false, true), 'note (zh)': template(r.note?.message.zh), 'note (en)': template(r.note?.message.en),
  };
}

const RULE_FIELDS = ['outcome', 'score', 'reason', 'enabled', 'title', 'severity', 'owner', 'tags', 'in effect from', 'in effect until', 'message (zh)', 'message (en)', 'note when', 'note (zh)', 'note (en)'];

/** A rule's lets, paired by name (`let ratio = …`): they come before its condition, as in the source. */
function letRows(x: CheckedRule | undefined, a: CheckedPack, y: CheckedRule | undefined, b: CheckedPack): ConditionDiff[] {
  const text = (r: CheckedRule | undefined, p: CheckedPack, name: string) => {
    const l = r?.locals.find((v) => v.name === name);
    return l && `let ${name} = ${print(l.x, p, false, true)}`;
  };
  const names = [...new Set([...(y?.locals ?? []), ...(x?.locals ?? [])].map((l) => l.name))];
  return names.map((n) => {
    const o = text(x, a, n), w = text(y, b, n);
    return { status: o === undefined ? 'added' : w === undefined ? 'removed' : o === w ? 'same' : 'changed', ...(o !== undefined ? { old: o } : {}), ...(w !== undefined ? { new: w } : {}) };
  });
}

/** Names a rule uses, by kind: predicates, lists, constants. */
function usesOf(r: CheckedRule): Set<string> {
  const out = new Set<string>();
  JSON.stringify(r.condition, (k, v: unknown) => {
    if (v && typeof v === 'object') {
      const n = v as { k?: string; name?: string; constName?: string; kind?: string; list?: string };
      if (n.k === 'pred' && n.name) out.add(`predicate ${n.name}`);
      if (n.k === 'lit' && n.constName) out.add(`const ${n.constName}`);
      if ((n.kind === 'values' || n.kind === 'external') && n.list) out.add(`list ${n.list}`);
    }
    return v;
  });
  return out;
}

function schemaChanges(a: CheckedPack, b: CheckedPack): Change[] {
  const out: Change[] = [];
  const typeText = (t: IR['type']) => (t.t === 'enum' ? `enum(${t.members.join(', ')})` : t.t === 'set' ? `set of ${t.element.t}` : t.t);
  const one = (name: string, x: EntityInfo | undefined, y: EntityInfo | undefined) => {
    const fields = new Set([...(x?.fields.keys() ?? []), ...(y?.fields.keys() ?? [])]);
    for (const f of fields) {
      const fx = x?.fields.get(f), fy = y?.fields.get(f);
      const tx = fx ? typeText(fx.type) : undefined, ty = fy ? typeText(fy.type) : undefined;
      if (tx !== ty) out.push({ what: `${name}.${f}`, ...(tx ? { old: tx } : {}), ...(ty ? { new: ty } : {}) });
    }
  };
  one('event', a.schema.event, b.schema.event);
  for (const e of new Set([...a.schema.entities.keys(), ...b.schema.entities.keys()])) one(e, a.schema.entities.get(e), b.schema.entities.get(e));
  return out;
}

function listText(pack: CheckedPack, name: string): string | undefined {
  const l = pack.lists.get(name);
  if (!l) return undefined;
  return l.external ? `${l.element.t}, kept outside the pack` : `[${(l.values ?? []).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`;
}

/** Compares two packs (old, then new): see PackDiff. */
export function diffPacks(oldPack: CheckedPack, newPack: CheckedPack, sides: { old?: Partial<Side>; new?: Partial<Side> } = {}): PackDiff {
  const a = oldPack, b = newPack;
  const side = (p: CheckedPack, s: Partial<Side> | undefined): Side => ({ pack: p.name, ...(p.version ? { version: p.version } : {}), ...s });
  const oldSide = side(a, sides.old), newSide = side(b, sides.new);
  const thresholds = (p: CheckedPack) => p.thresholds.map((t) => `${t.outcome} at ${t.at}`).join(', ') || undefined;
  const pack = changes([
    ['pack', a.name, b.name], ['version', a.version, b.version], ['in effect from', when(oldSide.effectiveFrom), when(newSide.effectiveFrom)],
    ['outcomes', a.outcomes.join(' > '), b.outcomes.join(' > ')], ['thresholds', thresholds(a), thresholds(b)],
    ['decides', a.decides?.join(', '), b.decides?.join(', ')], ['measured by', a.measuredBy.join(', ') || undefined, b.measuredBy.join(', ') || undefined],
  ]);
  const consts = changes([...new Set([...a.consts.keys(), ...b.consts.keys()])].map((n) => {
    const x = a.consts.get(n), y = b.consts.get(n);
    return [n, x ? literal(x.type, x.value) : undefined, y ? literal(y.type, y.value) : undefined];
  }));
  const lists = changes([...new Set([...a.lists.keys(), ...b.lists.keys()])].map((n) => [n, listText(a, n), listText(b, n)]));
  const predicates = [...new Set([...a.predicates.keys(), ...b.predicates.keys()])].flatMap((n) => {
    const x = a.predicates.get(n), y = b.predicates.get(n);
    const conditions = diffConditions(x?.body, a, y?.body, b);
    if (x && y && conditions.every((c) => c.status === 'same')) return [];
    return [{ what: n, ...(x ? { old: print(x.body, a, false, true) } : {}), ...(y ? { new: print(y.body, b, false, true) } : {}), conditions }];
  });
  const changedNames = new Set([...consts.map((c) => `const ${c.what}`), ...lists.map((c) => `list ${c.what}`), ...predicates.map((c) => `predicate ${c.what}`)]);
  const ids = [...new Set([...b.rules.map((r) => r.id), ...a.rules.map((r) => r.id)])];
  const rules: RuleDiff[] = ids.map((id) => {
    const x = a.rules.find((r) => r.id === id), y = b.rules.find((r) => r.id === id);
    const fx = ruleFields(x, a), fy = ruleFields(y, b);
    const fieldChanges = x && y ? changes(RULE_FIELDS.map((f) => [f, fx[f], fy[f]])) : [];
    const conditions = [...letRows(x, a, y, b), ...diffConditions(x?.condition, a, y?.condition, b)];
    const uses = y ? [...usesOf(y)].filter((u) => changedNames.has(u)).sort() : [];
    // A rule whose predicate, list or constant changed decides differently even if its own text did not.
    const status: Status = !x ? 'added' : !y ? 'removed' : fieldChanges.length || uses.length || conditions.some((c) => c.status !== 'same') ? 'changed' : 'same';
    const title = y?.title ?? x?.title;
    return { id, status, ...(title !== undefined ? { title } : {}), changes: !x ? changes(RULE_FIELDS.map((f) => [f, undefined, fy[f]])) : !y ? changes(RULE_FIELDS.map((f) => [f, fx[f], undefined])) : fieldChanges, conditions, uses };
  });
  const order: Record<Status, number> = { changed: 0, added: 1, removed: 2, same: 3 };
  rules.sort((p, q) => order[p.status] - order[q.status]);
  const count = (s: Status) => rules.filter((r) => r.status === s).length;
  return {
    old: oldSide, new: newSide, pack, consts, lists, predicates, schema: schemaChanges(a, b), rules,
    summary: { added: count('added'), removed: count('removed'), changed: count('changed'), same: count('same') },
  };
}
