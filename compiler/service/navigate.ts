// Finding your way around a pack: the symbol under the cursor, every place
// that names it (find references), renaming it in every file of the pack,
// and the outline of a file or of the whole pack (go to symbol).
import type * as A from '../ast.ts';
import { KEYWORD_WORDS } from '../lexer.ts';
import type { Span } from '../source.ts';
import { symbolKey, type Symbol_, type SymbolIndex, type SymbolKind } from './symbols.ts';

/** What navigation needs of an analysis. */
export interface Navigable {
  readonly files: readonly { readonly path: string; readonly text: string }[];
  readonly asts: readonly A.FileAst[];
  readonly index: SymbolIndex;
}

export interface SymbolAt {
  readonly key: string;
  readonly symbol: Symbol_;
  /** The name under the cursor: a use, or the declaration's own name. */
  readonly span: Span;
}

/** The symbol named at the offset: a reference to it, or its declaration's name. */
export function symbolUnder(a: Navigable, file: number, offset: number): SymbolAt | undefined {
  const inside = (s: Span) => s.file === file && s.start <= offset && offset <= s.end;
  const r = a.index.refs.find((x) => inside(x.span));
  if (r) return { key: r.key, symbol: a.index.symbols.get(r.key)!, span: r.span };
  for (const [key, s] of a.index.symbols) if (s.nameSpan && inside(s.nameSpan)) return { key, symbol: s, span: s.nameSpan };
  return undefined;
}

/** Every place that names the symbol at the offset, the declaration first; sorted by file and position. */
export function references(a: Navigable, file: number, offset: number, includeDeclaration = true): Span[] {
  const at = symbolUnder(a, file, offset);
  if (!at) return [];
  const uses = a.index.refs.filter((r) => r.key === at.key).map((r) => r.span);
  const decl = includeDeclaration && at.symbol.nameSpan ? [at.symbol.nameSpan] : [];
  const seen = new Set<string>();
  return [...decl, ...uses].filter((s) => {
    const k = `${s.file}:${s.start}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((x, y) => (x === decl[0] ? -1 : y === decl[0] ? 1 : x.file - y.file || x.start - y.start));
}

export interface Edit { readonly span: Span; readonly text: string }
export type RenameResult = { readonly edits: readonly Edit[] } | { readonly error: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why the symbol cannot be renamed here, or undefined when it can. */
function refusal(s: Symbol_): string | undefined {
  switch (s.kind) {
    case 'field': return `\`${s.name}\` is a column of the feature store: renaming it here would not rename the stored data or what callers send`;
    case 'entity': case 'event': return `\`${s.name}\` names a table of the feature store and cannot be renamed in the editor`;
    case 'list': return s.external ? `\`${s.name}\` is an external list: its entries are kept in the feature store under this name` : undefined;
    default: return s.nameSpan ? undefined : `\`${s.name}\` is built in`;
  }
}

/** The name rename would change at the offset (for the editor to offer), or why there is none. */
export function prepareRename(a: Navigable, file: number, offset: number): { span: Span; text: string } | { error: string } {
  const at = symbolUnder(a, file, offset);
  if (!at) return { error: 'nothing to rename here: put the cursor on a rule, constant, predicate, list, outcome, fixture or let' };
  const why = refusal(at.symbol);
  if (why) return { error: why };
  return { span: at.span, text: a.files[at.span.file]!.text.slice(at.span.start, at.span.end) };
}

/** Renames the symbol at the offset in every file of the pack: its declaration and every use. */
export function rename(a: Navigable, file: number, offset: number, newName: string): RenameResult {
  const at = symbolUnder(a, file, offset);
  if (!at) return { error: 'nothing to rename here' };
  const why = refusal(at.symbol);
  if (why) return { error: why };
  // A let is named RULE.NAME in the index; the text says NAME.
  const oldName = at.symbol.kind === 'let' ? at.symbol.name.slice(at.symbol.name.indexOf('.') + 1) : at.symbol.name;
  if (!IDENT.test(newName)) return { error: `\`${newName}\` is not a name: letters, digits and _, not starting with a digit` };
  if (KEYWORD_WORDS.includes(newName)) return { error: `\`${newName}\` is a keyword of the language` };
  if (newName === oldName) return { edits: [] };
  const clash = clashes(a.index, at.symbol.kind, newName, at.symbol.kind === 'let' ? at.symbol.name.slice(0, at.symbol.name.indexOf('.')) : undefined);
  if (clash) return { error: `the pack already has ${clash} \`${newName}\`` };
  const edits: Edit[] = [];
  for (const span of references(a, file, offset)) {
    // A use and the declaration must spell the old name; anything else is left alone.
    if (a.files[span.file]!.text.slice(span.start, span.end) !== oldName) continue;
    edits.push({ span, text: newName });
  }
  return { edits };
}

/** Plain names share one namespace (constants, predicates, lists, and inside aggregates the event's fields). */
function clashes(index: SymbolIndex, kind: SymbolKind, name: string, rule?: string): string | undefined {
  const has = (k: SymbolKind, n = name) => index.symbols.has(symbolKey(k, n));
  if (kind === 'let' && has('let', `${rule}.${name}`)) return `a let in ${rule} called`;
  const letNamed = [...index.symbols.values()].some((s) => s.kind === 'let' && s.name.endsWith(`.${name}`));
  if ((kind === 'const' || kind === 'predicate' || kind === 'list') && letNamed) return 'a let';
  if (kind === 'const' || kind === 'predicate' || kind === 'list' || kind === 'let') {
    if (has('const')) return 'a constant';
    if (has('predicate')) return 'a predicate';
    if (has('list')) return 'a list';
    if (has('field', `event.${name}`)) return 'an event field';
    if (name === 'event' || has('entity')) return 'an entity';
  }
  if (kind === 'rule' && has('rule')) return 'a rule';
  if (kind === 'outcome' && has('outcome')) return 'an outcome';
  if (kind === 'fixture' && has('fixture')) return 'a fixture';
  return undefined;
}

export interface OutlineItem {
  readonly name: string;
  readonly detail: string;
  readonly kind: SymbolKind | 'test' | 'pack' | 'threshold' | 'decides' | 'measured' | 'invariant';
  readonly span: Span;
  readonly nameSpan: Span;
  readonly children: readonly OutlineItem[];
}

/** A file's declarations in order, fields under their entity. */
export function outline(a: Navigable, file: number): OutlineItem[] {
  const ast = a.asts.find((x) => x.file === file);
  if (!ast) return [];
  const item = (name: string, detail: string, kind: OutlineItem['kind'], span: Span, nameSpan: Span, children: OutlineItem[] = []): OutlineItem =>
    ({ name, detail, kind, span, nameSpan, children });
  const fields = (fs: readonly A.FieldDecl[]) => fs.map((f) => item(f.name.text, f.description ?? '', 'field', f.span, f.name.span));
  const out: OutlineItem[] = [];
  for (const d of ast.decls) {
    switch (d.kind) {
      case 'pack': out.push(item(d.name.text, d.version ?? '', 'pack', d.span, d.name.span)); break;
      case 'outcomes': out.push(item('outcomes', d.outcomes.map((o) => o.text).join(' > '), 'outcome', d.span, d.outcomes[0]?.span ?? d.span)); break;
      case 'threshold': out.push(item(`threshold ${d.outcome.text}`, String(d.at), 'threshold', d.span, d.outcome.span)); break;
      case 'event': out.push(item('event', d.description ?? '', 'event', d.span, { ...d.span, end: d.span.start + 5 }, fields(d.fields))); break;
      case 'entity': out.push(item(d.name.text, `by ${d.key.text}`, 'entity', d.span, d.name.span, fields(d.fields))); break;
      case 'listDecl': out.push(item(d.name.text, d.external ? 'external list' : 'list', 'list', d.span, d.name.span)); break;
      case 'const': out.push(item(d.name.text, 'constant', 'const', d.span, d.name.span)); break;
      case 'predicate': case 'jsonlogicPredicate': out.push(item(d.name.text, d.description ?? 'predicate', 'predicate', d.span, d.name.span)); break;
      case 'rule': {
        const lets = d.clauses.flatMap((c) => (c.kind === 'let' ? [item(c.name.text, 'let', 'let', c.span, c.name.span)] : []));
        out.push(item(d.id.text, d.title ?? '', 'rule', d.span, d.id.span, lets));
        break;
      }
      case 'test': out.push(item(d.name.value, 'test', 'test', d.span, d.name.span)); break;
      case 'fixture': out.push(item(d.name.text, d.description ?? 'fixture', 'fixture', d.span, d.name.span)); break;
      case 'decides': out.push(item('decides', d.types.map((t) => t.text).join(', '), 'decides', d.span, d.types[0]?.span ?? d.span)); break;
      case 'measured': out.push(item('measured by', d.kinds.map((k) => k.text).join(', '), 'measured', d.span, d.kinds[0]?.span ?? d.span)); break;
      case 'invariant': out.push(item(d.title.value, d.source?.value ?? 'invariant', 'invariant', d.span, d.title.span)); break;
      default: break;
    }
  }
  return out;
}

/** Every declaration of the pack whose name contains the query (case-insensitive), for "go to symbol in pack". */
export function packSymbols(a: Navigable, query: string): (OutlineItem & { readonly path: string })[] {
  const q = query.trim().toLowerCase();
  const out: (OutlineItem & { path: string })[] = [];
  for (const ast of a.asts) {
    const path = a.files[ast.file]?.path ?? '';
    const walk = (items: readonly OutlineItem[]) => {
      for (const it of items) {
        if (!q || it.name.toLowerCase().includes(q) || it.detail.toLowerCase().includes(q)) out.push({ ...it, path });
        walk(it.children);
      }
    };
    walk(outline(a, ast.file));
  }
  // Names that start with the query first, then by name.
  return out.sort((x, y) => Number(!x.name.toLowerCase().startsWith(q)) - Number(!y.name.toLowerCase().startsWith(q)) || x.name.localeCompare(y.name));
}
