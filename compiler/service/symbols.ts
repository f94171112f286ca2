// The pack's symbol index for the editor: every declaration a name can refer
// to, and every place in the source that refers to one. Built from the ASTs
// and the checked pack; nothing here re-implements name resolution rules
// beyond "a path's first part names a constant, predicate, list or entity".
import type * as A from '../ast.ts';
import type { CheckedPack } from '../ir.ts';
import type { Span } from '../source.ts';
import { TIMESTAMP, typeName, type Type } from '../types.ts';
import { TIME_FIELD } from '../check/context.ts';
import { scanTemplate } from '../check/templates.ts';
import { AGGREGATE_FUNCTIONS } from '../functions.ts';

/** `let` symbols are named RULE.NAME (a let is seen only inside its rule). */
export type SymbolKind = 'const' | 'predicate' | 'list' | 'entity' | 'field' | 'rule' | 'outcome' | 'event' | 'fixture' | 'let';

export interface Symbol_ {
  readonly kind: SymbolKind;
  /** `amount`, `customer.age_years`, `POLICE_LIST_PAYEE`. */
  readonly name: string;
  /** Where it is declared (undefined for built-ins such as the event time). */
  readonly span?: Span;
  /** The declared name itself, inside `span` (what rename rewrites and go to definition selects). */
  readonly nameSpan?: Span;
  /** Fields and constants: their type (completion offers an enum's members after `==`). */
  readonly type?: Type;
  /** Lists: kept in the feature store by name. */
  readonly external?: boolean;
  /** One line: the type, the value or the outcome. */
  readonly detail: string;
  /** Markdown shown on hover. */
  readonly doc: string;
}

export interface Reference {
  readonly span: Span;
  /** Key into `SymbolIndex.symbols`. */
  readonly key: string;
}

export interface SymbolIndex {
  readonly symbols: ReadonlyMap<string, Symbol_>;
  /** Sorted by file then start. */
  readonly refs: readonly Reference[];
}

export const symbolKey = (kind: SymbolKind, name: string): string => `${kind}:${name}`;

export function buildIndex(asts: readonly A.FileAst[], pack: CheckedPack | undefined): SymbolIndex {
  const symbols = new Map<string, Symbol_>();
  const names = declaredNames(asts);
  const add = (s: Symbol_): void => {
    const key = symbolKey(s.kind, s.name);
    const nameSpan = names.get(key);
    symbols.set(key, nameSpan ? { ...s, nameSpan, span: s.span ?? nameSpan } : s);
  };
  const refs: Reference[] = [];
  if (pack) addPackSymbols(pack, add);
  else for (const f of asts) for (const d of f.decls) addDeclSymbol(d, add);
  // Fixtures and lets are not kept in the checked pack: they come from the files as written.
  for (const f of asts) for (const d of f.decls) addLocalSymbols(d, add);

  const has = (kind: SymbolKind, name: string): boolean => symbols.has(symbolKey(kind, name));
  const ref = (span: Span, kind: SymbolKind, name: string): void => { if (has(kind, name)) refs.push({ span, key: symbolKey(kind, name) }); };
  const entityOf = (name: string): SymbolKind | undefined => (name === 'event' ? 'event' : has('entity', name) ? 'entity' : undefined);

  // The rule being walked: its `let` names shadow nothing (the checker refuses clashes) and are seen only inside it.
  let rule: string | undefined;
  const visitPath = (p: A.PathExpr, inAggregate: boolean): void => {
    const [first, second] = p.parts;
    if (!first) return;
    if (p.parts.length === 1) {
      const n = first.text;
      if (rule !== undefined && has('let', `${rule}.${n}`)) ref(first.span, 'let', `${rule}.${n}`);
      else if (inAggregate && has('field', `event.${n}`)) ref(first.span, 'field', `event.${n}`);
      else for (const k of ['const', 'predicate', 'list'] as const) ref(first.span, k, n);
      return;
    }
    const ek = entityOf(first.text);
    if (!ek) return;
    if (ek === 'entity') ref(first.span, 'entity', first.text);
    if (second) ref(second.span, 'field', `${first.text}.${second.text}`);
  };

  const walk = (node: unknown, inAggregate: boolean): void => {
    if (Array.isArray(node)) { for (const n of node) walk(n, inAggregate); return; }
    if (typeof node !== 'object' || node === null) return;
    const n = node as { kind?: string } & Record<string, unknown>;
    switch (n.kind) {
      case 'path': visitPath(n as unknown as A.PathExpr, inAggregate); return;
      case 'call': {
        const c = n as unknown as A.CallExpr;
        const agg = AGGREGATES.has(c.callee.text);
        for (const a of c.args) {
          if (a.kind === 'by') ref(a.field.span, 'field', `event.${a.field.text}`);
          else if (a.kind === 'expr' || a.kind === 'where') walk(a.expr, agg || inAggregate);
        }
        return;
      }
      case 'then': case 'threshold': ref((n as { outcome: A.Name }).outcome.span, 'outcome', (n as { outcome: A.Name }).outcome.text); return;
      case 'message': case 'note': {
        // Placeholders are expressions inside the strings: "… {event.amount} …".
        // `expect note RULE` is a note too: it names a rule.
        if ('rule' in n) { const r = n['rule'] as A.Name; ref(r.span, 'rule', r.text); return; }
        const m = n as unknown as { zh?: A.StringLit; en?: A.StringLit; condition?: A.Expr };
        if (m.condition) walk(m.condition, inAggregate);
        for (const str of [m.zh, m.en]) if (str) for (const seg of scanTemplate(str).segments) if ('expr' in seg && seg.expr) walk(seg.expr, false);
        return;
      }
      case 'outcome': ref((n as { outcome: A.Name }).outcome.span, 'outcome', (n as { outcome: A.Name }).outcome.text); return;
      // `expect fired A, B` names rules; an invariant's `fired R` one.
      case 'fired': for (const r of (n as { rules?: A.Name[]; rule?: A.Name }).rules ?? [(n as { rule: A.Name }).rule]) ref(r.span, 'rule', r.text); return;
      case 'rule': {
        const d = n as unknown as A.RuleDecl;
        rule = d.id.text;
        walk(d.clauses, false);
        rule = undefined;
        return;
      }
      case 'givenFixture': { const g = n as unknown as { fixture: A.Name }; ref(g.fixture.span, 'fixture', g.fixture.text); return; }
      case 'givenEntity': {
        const g = n as unknown as { entity: A.Name; record: A.RecordLit };
        ref(g.entity.span, 'entity', g.entity.text);
        for (const f of g.record.fields) { ref(f.name.span, 'field', `${g.entity.text}.${f.name.text}`); walk(f.value, false); }
        return;
      }
      case 'givenEvent': case 'givenHistory': {
        const recs = n.kind === 'givenEvent' ? [(n as { record: A.RecordLit }).record] : (n as { events: A.RecordLit[] }).events;
        for (const r of recs) for (const f of r.fields) { ref(f.name.span, 'field', `event.${f.name.text}`); walk(f.value, false); }
        return;
      }
      case 'givenList': { const g = n as { list: A.Name; items: A.ListLit }; ref(g.list.span, 'list', g.list.text); walk(g.items, false); return; }
      case 'entity': {
        const e = n as unknown as A.EntityDecl;
        ref(e.key.span, 'field', `event.${e.key.text}`);
        walk(e.fields, false);
        return;
      }
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'span' && typeof v === 'object') walk(v, inAggregate);
  };
  for (const f of asts) walk(f.decls, false);
  refs.sort((a, b) => a.span.file - b.span.file || a.span.start - b.span.start);
  return { symbols, refs };
}

const AGGREGATES: ReadonlySet<string> = new Set(AGGREGATE_FUNCTIONS);

function addPackSymbols(pack: CheckedPack, add: (s: Symbol_) => void): void {
  for (const o of pack.outcomes) {
    const t = pack.thresholds.find((x) => x.outcome === o);
    add({ kind: 'outcome', name: o, detail: 'outcome', doc: `**${o}** — outcome${t ? `, reached at a score of ${t.at}` : ''}` });
  }
  const fields = (owner: string, info: CheckedPack['schema']['event']): void => {
    for (const f of info.fields.values()) {
      const tags = [f.required ? 'required' : '', f.protected ? 'protected: never decide on it' : ''].filter(Boolean).join(', ');
      add({
        kind: 'field', name: `${owner}.${f.name}`, span: f.span, detail: typeName(f.type), type: f.type,
        doc: `**${owner}.${f.name}**: \`${typeName(f.type)}\`${tags ? ` (${tags})` : ''}${f.description ? `\n\n${f.description}` : ''}`,
      });
    }
  };
  fields('event', pack.schema.event);
  if (!pack.schema.event.fields.has(TIME_FIELD)) {
    add({ kind: 'field', name: `event.${TIME_FIELD}`, detail: 'timestamp', type: TIMESTAMP, doc: `**event.${TIME_FIELD}**: \`timestamp\` — when the event happened; the decision's clock` });
  }
  add({ kind: 'event', name: 'event', span: pack.schema.event.span, detail: 'the event being decided', doc: `**event**${pack.schema.event.description ? ` — ${pack.schema.event.description}` : ''}` });
  for (const e of pack.schema.entities.values()) {
    add({ kind: 'entity', name: e.name, span: e.span, detail: `entity by ${e.key}`, doc: `**${e.name}** — entity looked up by \`event.${e.key}\`${e.description ? `\n\n${e.description}` : ''}` });
    fields(e.name, e);
  }
  for (const l of pack.lists.values()) {
    const members = l.values ? `${l.values.length} members: ${l.values.slice(0, 8).map((v) => JSON.stringify(v)).join(', ')}${l.values.length > 8 ? ', …' : ''}` : 'kept in the feature store';
    add({ kind: 'list', name: l.name, span: l.span, external: l.external, detail: `list of ${typeName(l.element)}${l.external ? ' (external)' : ''}`, doc: `**${l.name}**: list of \`${typeName(l.element)}\`${l.external ? ', external' : ''} — ${members}${l.description ? `\n\n${l.description}` : ''}` });
  }
  for (const c of pack.consts.values()) {
    const v = shownValue(c.value, typeName(c.type));
    add({ kind: 'const', name: c.name, span: c.span, type: c.type, detail: `${typeName(c.type)} = ${v}`, doc: `**${c.name}** = \`${v}\` (${typeName(c.type)})` });
  }
  for (const p of pack.predicates.values()) {
    add({ kind: 'predicate', name: p.name, span: p.span, detail: 'predicate', doc: `**${p.name}** — predicate${p.description ? `\n\n${p.description}` : ''}` });
  }
  for (const r of pack.rules) {
    const lines = [
      `**${r.id}**${r.title ? ` — ${r.title}` : ''}`,
      [r.outcome ? `then \`${r.outcome}\`` : '', r.score ? `score ${r.score > 0 ? '+' : ''}${r.score}` : '', r.reason ? `reason \`${r.reason}\`` : ''].filter(Boolean).join(' · '),
      [r.owner ? `owner ${r.owner}` : '', r.severity ? `severity ${r.severity}` : '', r.tags.length ? `tags ${r.tags.join(', ')}` : '', r.enabled ? '' : 'disabled'].filter(Boolean).join(' · '),
    ].filter(Boolean);
    add({ kind: 'rule', name: r.id, span: r.span, detail: r.title ?? 'rule', doc: lines.join('\n\n') });
  }
}

/** Where each declaration names itself, by symbol key (the first declaration wins, as in the checker). */
function declaredNames(asts: readonly A.FileAst[]): Map<string, Span> {
  const out = new Map<string, Span>();
  const put = (kind: SymbolKind, name: A.Name, prefix = ''): void => {
    const key = symbolKey(kind, `${prefix}${name.text}`);
    if (!out.has(key)) out.set(key, name.span);
  };
  for (const f of asts) {
    for (const d of f.decls) {
      switch (d.kind) {
        case 'const': put('const', d.name); break;
        case 'predicate': case 'jsonlogicPredicate': put('predicate', d.name); break;
        case 'listDecl': put('list', d.name); break;
        case 'outcomes': for (const o of d.outcomes) put('outcome', o); break;
        case 'entity': put('entity', d.name); for (const x of d.fields) put('field', x.name, `${d.name.text}.`); break;
        case 'event': for (const x of d.fields) put('field', x.name, 'event.'); break;
        case 'fixture': put('fixture', d.name); break;
        case 'rule': put('rule', d.id); for (const c of d.clauses) if (c.kind === 'let') put('let', c.name, `${d.id.text}.`); break;
        default: break;
      }
    }
  }
  return out;
}

/** Fixtures, and each rule's `let` names. */
function addLocalSymbols(d: A.Decl, add: (s: Symbol_) => void): void {
  if (d.kind === 'fixture') add({ kind: 'fixture', name: d.name.text, span: d.span, detail: 'fixture', doc: `**${d.name.text}** — fixture: test data a test includes with \`given ${d.name.text}\`${d.description ? `\n\n${d.description}` : ''}` });
  if (d.kind !== 'rule') return;
  for (const c of d.clauses) {
    if (c.kind === 'let') add({ kind: 'let', name: `${d.id.text}.${c.name.text}`, span: c.span, detail: `let in ${d.id.text}`, doc: `**${c.name.text}** — a value named in rule \`${d.id.text}\`` });
  }
}

/** Without a checked pack (the pack has errors) the index still knows what each file declares. */
function addDeclSymbol(d: A.Decl, add: (s: Symbol_) => void): void {
  switch (d.kind) {
    case 'const': add({ kind: 'const', name: d.name.text, span: d.span, detail: 'constant', doc: `**${d.name.text}** — constant` }); break;
    case 'predicate': add({ kind: 'predicate', name: d.name.text, span: d.span, detail: 'predicate', doc: `**${d.name.text}** — predicate${d.description ? `\n\n${d.description}` : ''}` }); break;
    case 'listDecl': add({ kind: 'list', name: d.name.text, span: d.span, detail: 'list', doc: `**${d.name.text}** — list${d.description ? `\n\n${d.description}` : ''}` }); break;
    case 'entity':
      add({ kind: 'entity', name: d.name.text, span: d.span, detail: `entity by ${d.key.text}`, doc: `**${d.name.text}** — entity${d.description ? `\n\n${d.description}` : ''}` });
      for (const f of d.fields) add({ kind: 'field', name: `${d.name.text}.${f.name.text}`, span: f.span, detail: 'field', doc: `**${d.name.text}.${f.name.text}**${f.description ? `\n\n${f.description}` : ''}` });
      break;
    case 'event':
      for (const f of d.fields) add({ kind: 'field', name: `event.${f.name.text}`, span: f.span, detail: 'field', doc: `**event.${f.name.text}**${f.description ? `\n\n${f.description}` : ''}` });
      break;
    case 'rule': add({ kind: 'rule', name: d.id.text, span: d.span, detail: d.title ?? 'rule', doc: `**${d.id.text}**${d.title ? ` — ${d.title}` : ''}` }); break;
    case 'outcomes': for (const o of d.outcomes) add({ kind: 'outcome', name: o.text, span: o.span, detail: 'outcome', doc: `**${o.text}** — outcome` }); break;
    default: break;
  }
}

function shownValue(v: unknown, type: string): string {
  if (type === 'money' && typeof v === 'number') return `¥${(v / 100).toLocaleString('en-US', { minimumFractionDigits: v % 100 ? 2 : 0 })}`;
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  return JSON.stringify(v) ?? 'missing';
}
