// Completion: what may come next at the cursor, and nothing where nothing
// fits. The compiler's own lexer reads the declaration the cursor is in (from
// the line where it starts) and says where we are: a comment or a string
// (nothing, unless inside a message placeholder or an enum's value), right
// after a literal (nothing: typing goes on), after `when`/`and`/`or` (the
// predicates, features and functions), after `==` on an enum (its values),
// inside `sum(`/`count(` (the field, then the parts not yet given), after
// `then` (the outcomes), at the start of a clause (the clause keywords, as
// the grammar lists them), a rule's own `let` names where a value goes.
import type { IToken } from 'chevrotain';
import { AGGREGATE_DOCS, AGGREGATE_FUNCTIONS, FUNCTIONS } from '../functions.ts';
import { lex } from '../lexer.ts';
import { firstWords } from '../parse.ts';
import { SEVERITIES } from '../check/index.ts';
import { SCALAR_TYPE_NAMES, type Type } from '../types.ts';
import type { Symbol_, SymbolIndex, SymbolKind } from './symbols.ts';

export type CompletionKind = 'keyword' | 'field' | 'entity' | 'list' | 'const' | 'predicate' | 'function' | 'outcome' | 'rule' | 'unit' | 'value' | 'fixture' | 'let';

export interface Completion {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  readonly doc?: string;
  readonly insertText?: string;
}

export interface CompletionResult {
  /** The word being completed ends at the cursor and starts here (an offset). */
  readonly from: number;
  readonly items: readonly Completion[];
}

export interface CompleteOptions {
  /** Asked for (Ctrl+Space), not popped up by typing: a little more is offered. */
  readonly explicit?: boolean;
}

const UNITS = [['m', 'minutes'], ['h', 'hours'], ['d', 'days'], ['w', 'weeks'], ['s', 'seconds'], ['ms', 'milliseconds']] as const;
const GIVEN = ['event', 'history', 'list', 'holidays', 'workdays'];
const TYPES = [...Object.keys(SCALAR_TYPE_NAMES), 'enum', 'set'];
// What a declaration, a clause or an expectation may begin with, from the grammar
// (plus `note`, a word the grammar reads as a name so that fields may be called so).
const DECLS = (): readonly string[] => firstWords('decl');
const RULE_CLAUSES = (): readonly string[] => [...firstWords('ruleClause'), 'note'];
const TEST_CLAUSES = (): readonly string[] => firstWords('testClause');
const EXPECTATIONS = (): readonly string[] => [...firstWords('expectation'), 'note'];
/** The clauses a fixture may have: the data of a test, not its expectations. */
const FIXTURE_CLAUSES = ['at', 'given'];
const QUANTIFIERS = [
  ['any of', 'any of ITEMS in SET: at least one of the values is in the set'],
  ['all of', 'all of ITEMS in SET: every one of the values is in the set'],
  ['count of', 'count of ITEMS in SET: how many of the values are in the set'],
] as const;
const LITERALS = new Set(['NumberLit', 'MoneyLit', 'DurationLit', 'TimestampLit', 'StringLit']);
const COMPARISONS = new Set(['EqEq', 'NotEq', 'Lt', 'Gt', 'LtEq', 'GtEq']);
/** Tokens after which an operand starts. */
const OPERAND_START = new Set(['When', 'And', 'Or', 'Not', 'LParen', 'Comma', 'Where', 'Equals', 'Plus', 'Minus', 'Star', 'Slash', 'Percent', 'Coalesce', 'LBracket', 'Colon', 'Of', 'Seen', ...COMPARISONS]);
const NUMERIC = new Set(['number', 'integer', 'money', 'duration']);
const none = (from: number): CompletionResult => ({ from, items: [] });

export function complete(text: string, offset: number, index: SymbolIndex, opts: CompleteOptions = {}): CompletionResult {
  const before = text.slice(0, offset);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before)?.[0] ?? '';
  const digits = word ? undefined : /\d[\d_]*$/.exec(before)?.[0];
  const from = offset - (word || digits || '').length;
  const lineStart = before.lastIndexOf('\n') + 1;

  // Comments and strings: nothing, except in a message placeholder or an enum's value.
  const line = lex(text.slice(lineStart, from), 0);
  if (line.comments.length) return none(from);
  const open = line.diagnostics.find((d) => d.code === 'ZY1003' && d.span.end === from - lineStart);
  if (open) return inString(text, lineStart + open.span.start, offset, index, opts);

  // A word at column 0 starts a declaration.
  const declStart = from === lineStart ? from : startOfDeclaration(text, from);
  const tokens = lex(text.slice(declStart, from), 0).tokens;
  return { from, items: itemsAt(tokens, { index, opts, word, digits, atLineStart: !text.slice(lineStart, from).trim() }) };
}

interface Where {
  readonly index: SymbolIndex;
  readonly opts: CompleteOptions;
  readonly word: string;
  readonly digits: string | undefined;
  readonly atLineStart: boolean;
}

function itemsAt(tokens: readonly IToken[], w: Where): Completion[] {
  const c = new Items(w.index);
  const last = (i: number): IToken | undefined => tokens[tokens.length - i];
  const name = (i: number): string | undefined => last(i)?.tokenType.name;
  const decl = tokens[0]?.tokenType.name;

  if (!decl) return c.words(DECLS());
  c.lets = decl === 'Rule' ? letNames(tokens) : [];
  if (w.digits) {
    // `last 7` → 7d, 7h …: the window units, and the windows that count events or calendar months.
    return name(1) === 'Last' ? [
      ...UNITS.map(([u, n]) => ({ label: `${w.digits}${u}`, kind: 'unit' as const, detail: n })),
      { label: `${w.digits} events`, kind: 'unit' as const, detail: 'the latest events before this one' },
      { label: `${w.digits} calendar months`, kind: 'unit' as const, detail: 'whole months before this one (Asia/Shanghai)' },
    ] : [];
  }
  // `last 5 |`: what the number counts.
  if (name(1) === 'NumberLit' && name(2) === 'Last') return [{ label: 'events', kind: 'unit' }, { label: 'calendar months', kind: 'unit' }];
  // Right after a literal the analyst is still typing it (¥20,000 → ¥20,000,…): nothing.
  if (name(1) && LITERALS.has(name(1)!) && !w.word && !w.opts.explicit && !w.atLineStart) return [];
  const agg = aggregateAt(tokens);
  if (name(1) === 'Dot' && last(2)) return c.sym('field', `${last(2)!.image}.`);

  switch (name(1)) {
    case 'In': return quantifierOpen(tokens) ? [...c.sym('list'), ...c.operands(false)] : c.sym('list');
    case 'Then': return decl === 'Threshold' || decl === 'Rule' ? c.sym('outcome') : [];
    case 'Severity': return c.words(SEVERITIES, 'value');
    case 'By':
      if (decl === 'Entity') return c.eventFields();
      if (name(2) === 'Measured') return [];
      // `A followed by |`: the next step, a filter on history events.
      if (last(2)?.image === 'followed') return c.operands(true);
      return c.eventFields((t) => ['string', 'enum', 'integer'].includes(t.t));
    case 'This': return c.words(['week', 'month'], 'unit');
    case 'Last': return ['10m', '1h', '24h', '7d', '30d', '90d'].map((d) => ({ label: d, kind: 'unit' as const, detail: 'rolling window' }));
    case 'Including': return c.words(['current']);
    case 'Given': return [...c.words(GIVEN), ...c.sym('entity'), ...c.sym('fixture')];
    case 'Expect': case 'Arrow': return [...c.sym('outcome'), ...c.words(EXPECTATIONS())];
    case 'Fired': return c.sym('rule');
    case 'Identifier':
      if (last(1)!.image === 'note' && ['Expect', 'Not', 'Arrow'].includes(name(2) ?? '')) return c.sym('rule');
      if (last(1)!.image === 'followed' && !w.word) return c.words(['by']);
      break;
    case 'Measured': return c.words(['by']);
    case 'Decides': return c.valuesOf('type', '"');
    case 'List': if (name(2) === 'Given') return c.sym('list'); break;
    case 'Not': if (name(2) === 'Expect' || name(2) === 'Arrow') return c.words(['fired', 'reason', 'note']); break;
    case 'Comma':
      if (firedListContinues(tokens)) return c.sym('rule');
      if (decl === 'Decides') return c.valuesOf('type', '"');
      break;
    case 'Reason': case 'Owner': case 'Tags': case 'Message': case 'En': case 'Zh': case 'Score': case 'Suppress': return [];
    default: break;
  }
  if (decl === 'Test' || decl === 'Fixture') {
    if (w.atLineStart) return c.words(decl === 'Test' ? TEST_CLAUSES() : FIXTURE_CLAUSES);
    const rec = recordAt(tokens);
    if (rec) return rec.expectsValue ? c.valuesOf(rec.field) : c.recordFields(rec.owner);
    return operandStart(name(1)) ? c.operands(false) : [];
  }
  if (decl === 'Event' || decl === 'Entity' || decl === 'List') return name(1) === 'Colon' || name(1) === 'Lt' ? c.words(TYPES) : [];
  if (decl !== 'Rule' && decl !== 'Predicate' && decl !== 'Const') return [];

  if (agg) return aggregateItems(agg, tokens, c);
  if (name(1) && COMPARISONS.has(name(1)!)) {
    const left = operandBefore(tokens, tokens.length - 1);
    const t = left ? c.typeOf(left, false) : undefined;
    if (t?.t === 'enum') return c.members(t);
  }
  if (decl === 'Rule' && w.atLineStart && !operandStart(name(1))) {
    // A new line in a rule: a clause, or the condition going on.
    const clause = inClause(tokens);
    return [...(clause === 'When' || clause === 'Let' ? c.words(['and', 'or']) : []), ...c.words(RULE_CLAUSES())];
  }
  // Values go in the condition, a `let`, and a note's condition (`note when`).
  if (decl === 'Rule' && inClause(tokens) !== 'When' && inClause(tokens) !== 'Let') return [];
  if (operandStart(name(1)) || (decl !== 'Rule' && name(1) === 'Equals')) return c.operands(false);
  // After a complete operand: what may join it, when asked for or while a word is typed.
  return w.opts.explicit || w.word ? c.words(['and', 'or', 'not', 'in', 'between', 'is', ...(decl === 'Rule' ? ['then', 'score', 'reason'] : [])]) : [];
}

const operandStart = (n: string | undefined): boolean => !!n && OPERAND_START.has(n);

/** The aggregates whose first part is not a field: they count events, or test their order. */
const COUNTS_EVENTS: ReadonlySet<string> = new Set(['count', 'time_since_last', 'sequence']);

/** The rule's `let` names declared so far (`let NAME =`). */
function letNames(tokens: readonly IToken[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (tokens[i]!.tokenType.name === 'Let' && tokens[i + 2]!.tokenType.name === 'Equals') out.push(tokens[i + 1]!.image);
  }
  return out;
}

/** `any of X in |`: the set of a quantifier, which may be a list or any value holding several. */
function quantifierOpen(tokens: readonly IToken[]): boolean {
  for (let i = tokens.length - 2; i >= 1; i--) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'Of') return ['any', 'all', 'count'].includes(tokens[i - 1]!.image);
    if (n === 'When' || n === 'And' || n === 'Or' || n === 'Let') return false;
  }
  return false;
}

/** The clause of a rule the cursor is in: the last clause keyword seen at the top level. */
function inClause(tokens: readonly IToken[]): string | undefined {
  let depth = 0;
  for (let i = tokens.length - 1; i > 0; i--) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'RParen' || n === 'RBracket' || n === 'RBrace') depth++;
    else if (n === 'LParen' || n === 'LBracket' || n === 'LBrace') depth--;
    else if (depth <= 0 && ['When', 'Then', 'Score', 'Reason', 'Message', 'Owner', 'Tags', 'Severity', 'Effective', 'Until', 'Suppress', 'Enabled', 'Disabled', 'Let'].includes(n)) return n;
  }
  return undefined;
}

/** Where the declaration around `offset` starts: the last line before it that begins at column 0 with a word. */
export function startOfDeclaration(text: string, offset: number): number {
  let at = offset;
  for (;;) {
    const nl = text.lastIndexOf('\n', at - 1);
    const start = nl + 1;
    if (start < offset && /[A-Za-z]/.test(text[start] ?? '')) return start;
    if (nl < 0) return 0;
    at = nl;
  }
}

/** Inside a string: a message placeholder completes as an expression; an enum's value as its members. */
function inString(text: string, quote: number, offset: number, index: SymbolIndex, opts: CompleteOptions): CompletionResult {
  const inner = text.slice(quote + 1, offset);
  const brace = inner.lastIndexOf('{');
  if (text[quote] === '"' && brace >= 0 && !inner.slice(brace).includes('}')) {
    // "… {event.am|": the placeholder is an expression of the rule.
    const source = inner.slice(brace + 1);
    const base = quote + 1 + brace + 1;
    const wrapped = `rule X when ${source}`;
    const r = complete(wrapped, wrapped.length, index, opts);
    return { from: base + r.from - (wrapped.length - source.length), items: r.items };
  }
  // `event.type == "app|`: the enum's members, without their quotes.
  const lineStart = text.lastIndexOf('\n', quote - 1) + 1;
  const declStart = startOfDeclaration(text, quote);
  const tokens = lex(text.slice(declStart, quote), 0).tokens;
  const c = new Items(index);
  const op = tokens[tokens.length - 1];
  if (quote >= lineStart && op && COMPARISONS.has(op.tokenType.name)) {
    const left = operandBefore(tokens, tokens.length - 1);
    const t = left ? c.typeOf(left, !!aggregateAt(tokens)) : undefined;
    if (t?.t === 'enum') return { from: quote + 1, items: t.members.map((m) => ({ label: m, kind: 'value' as const, detail: 'enum member' })) };
  }
  return none(offset);
}

/** The operand ending just before token `end`: a path (`event.type`, `device.in_call`) or a bare name. */
function operandBefore(tokens: readonly IToken[], end: number): string | undefined {
  const parts: string[] = [];
  let i = end - 1;
  while (i >= 0) {
    const t = tokens[i]!;
    if (!/^[A-Za-z_]/.test(t.image)) break;
    parts.unshift(t.image);
    if (tokens[i - 1]?.tokenType.name !== 'Dot') break;
    i -= 2;
  }
  return parts.length ? parts.join('.') : undefined;
}

interface Aggregate { readonly fn: string; readonly open: number }

/** The aggregate call whose parentheses the cursor is directly inside, if any. */
function aggregateAt(tokens: readonly IToken[]): Aggregate | undefined {
  const open: { agg: boolean; at: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType.name === 'LParen') open.push({ agg: (AGGREGATE_FUNCTIONS as readonly string[]).includes(tokens[i - 1]?.image ?? ''), at: i });
    else if (t.tokenType.name === 'RParen') open.pop();
  }
  // Within a `where` filter the innermost parenthesis may be a plain one: the aggregate still counts.
  for (let k = open.length - 1; k >= 0; k--) if (open[k]!.agg) return { fn: tokens[open[k]!.at - 1]!.image, open: open[k]!.at };
  return undefined;
}

/** Inside `sum(`…: the field first, then the parts not given yet; inside `where`, history fields. */
function aggregateItems(agg: Aggregate, tokens: readonly IToken[], c: Items): Completion[] {
  const args: IToken[][] = [[]];
  let depth = 0;
  for (let i = agg.open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    const n = t.tokenType.name;
    if (n === 'LParen') depth++;
    else if (n === 'RParen') depth--;
    if (n === 'Comma' && depth === 0) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  const current = args[args.length - 1]!;
  const head = current[0]?.tokenType.name;
  const used = new Set(args.slice(0, -1).map((a) => a[0]?.tokenType.name));
  const takesField = !COUNTS_EVENTS.has(agg.fn);
  // sequence(A followed by B, …): the steps are filters on history events.
  if (agg.fn === 'sequence' && args.length === 1) {
    const n = current[current.length - 1]?.tokenType.name;
    return current.length === 0 || operandStart(n) ? c.operands(true) : [];
  }
  if (head === 'Where') {
    const n = current[current.length - 1]?.tokenType.name;
    if (n && COMPARISONS.has(n)) {
      const left = operandBefore(current, current.length - 1);
      const t = left ? c.typeOf(left, true) : undefined;
      if (t?.t === 'enum') return c.members(t);
    }
    return operandStart(n) ? c.operands(true) : [];
  }
  if (current.length > 0) return [];
  if (args.length === 1 && takesField) {
    const fits = (t: Type) => agg.fn === 'distinct' || agg.fn === 'latest' || NUMERIC.has(t.t) || ((agg.fn === 'min' || agg.fn === 'max') && t.t === 'timestamp');
    return c.eventFields(fits, true);
  }
  // percentile(amount, |): which percentile, a number the analyst types.
  if (args.length === 2 && agg.fn === 'percentile') return [];
  const parts: Completion[] = [];
  const part = (label: string, insertText: string, detail: string) => parts.push({ label, kind: 'keyword', insertText, detail });
  if (!used.has('By')) part('by', 'by ', 'only history events with the same key as this event');
  if (agg.fn === 'sequence') {
    if (!args.slice(0, -1).some((x) => x[0]?.image === 'within')) part('within', 'within ', 'the longest time from the first step to the last: within 10m');
  } else if (!used.has('Last') && !used.has('Today') && !used.has('This')) {
    part('last', 'last ', 'a rolling window (last 10m, last 24h, last 30d), the latest events (last 5 events) or whole months (last 6 calendar months)');
    part('today', 'today', 'since local midnight (Asia/Shanghai)');
    part('this week', 'this week', 'since Monday 00:00 local time');
    part('this month', 'this month', 'since the 1st, 00:00 local time');
  }
  if (!used.has('Where')) part('where', 'where ', 'only history events for which the filter is true');
  if (!used.has('Including') && agg.fn !== 'time_since_last' && agg.fn !== 'sequence') part('including current', 'including current', 'count this event too');
  return parts;
}

/** Inside `given event { … }` / `given customer { … }`: the field being named, or its value. */
function recordAt(tokens: readonly IToken[]): { owner: string; field?: string; expectsValue: boolean } | undefined {
  let depth = 0;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'RBrace') depth++;
    else if (n === 'LBrace') {
      if (depth > 0) { depth--; continue; }
      const owner = tokens[i - 1]?.image;
      if (!owner || tokens[i - 2]?.tokenType.name !== 'Given') return undefined;
      const lastTok = tokens[tokens.length - 1]!;
      const expectsValue = lastTok.tokenType.name === 'Colon';
      return { owner, ...(expectsValue ? { field: tokens[tokens.length - 2]?.image } : {}), expectsValue };
    }
  }
  return undefined;
}

/** `expect fired A, B, |` */
function firedListContinues(tokens: readonly IToken[]): boolean {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'Fired') return true;
    if (n !== 'Comma' && n !== 'Identifier') return false;
  }
  return false;
}

/** Completion items from the pack's symbols and the built-ins. */
class Items {
  /** The `let` names of the rule being completed, declared before the cursor. */
  lets: readonly string[] = [];
  constructor(private readonly index: SymbolIndex) {}

  sym(kind: SymbolKind, prefix = '', keep: (s: Symbol_) => boolean = () => true): Completion[] {
    const out: Completion[] = [];
    for (const s of this.index.symbols.values()) {
      if (s.kind !== kind || !s.name.startsWith(prefix) || !keep(s)) continue;
      out.push({ label: s.name.slice(prefix.length), kind: kind === 'event' ? 'entity' : kind, detail: s.detail, doc: s.doc });
    }
    return out;
  }

  eventFields(fits: (t: Type) => boolean = () => true, history = false): Completion[] {
    return this.sym('field', 'event.', (s) => !s.type || fits(s.type)).map((x) => (history ? { ...x, detail: `${x.detail ?? ''} (history event)` } : x));
  }

  recordFields(owner: string): Completion[] {
    const prefix = `${owner === 'history' ? 'event' : owner}.`;
    return this.sym('field', prefix).map((x) => ({ ...x, insertText: `${x.label}: ` }));
  }

  /** An enum field's members (quoted, as values; bare where the grammar takes names, as after `decides`). */
  valuesOf(field: string | undefined, bare?: '"'): Completion[] {
    for (const s of this.index.symbols.values()) {
      if (s.kind === 'field' && field && s.name.endsWith(`.${field}`) && s.type?.t === 'enum') {
        return bare ? s.type.members.map((m) => ({ label: m, kind: 'value' as const, detail: 'event type' })) : this.members(s.type);
      }
    }
    return [];
  }

  words(ws: readonly string[], kind: CompletionKind = 'keyword'): Completion[] {
    return ws.map((w) => ({ label: w, kind }));
  }

  members(t: Extract<Type, { t: 'enum' }>): Completion[] {
    return t.members.map((m) => ({ label: `"${m}"`, kind: 'value' as const, detail: 'enum member' }));
  }

  /** The type of `event.x`, `customer.y`, a constant, or (inside an aggregate) a bare history field. */
  typeOf(path: string, inAggregate: boolean): Type | undefined {
    // A rule's `let` has the type of its value, which the checker knows; here it stays unknown.
    const get = (kind: SymbolKind, name: string) => this.index.symbols.get(`${kind}:${name}`)?.type;
    if (path.includes('.')) return get('field', path);
    return (inAggregate ? get('field', `event.${path}`) : undefined) ?? get('const', path);
  }

  /** Where an operand starts: features and the things that read them. */
  operands(history: boolean): Completion[] {
    return [
      ...(history ? this.eventFields(() => true, true) : []),
      ...this.sym('predicate'),
      { label: 'event', kind: 'entity', detail: 'the event being decided' },
      ...this.sym('entity'),
      ...(history ? [] : AGGREGATE_FUNCTIONS.map((f) => ({ label: f, kind: 'function' as const, detail: 'velocity aggregate', doc: AGGREGATE_DOCS[f], insertText: `${f}(` }))),
      ...[...FUNCTIONS.values()].map((f) => ({ label: f.name, kind: 'function' as const, detail: `function of ${f.arity} argument${f.arity === 1 ? '' : 's'}`, doc: f.doc, insertText: `${f.name}(` })),
      ...this.sym('const'),
      ...this.lets.map((l) => ({ label: l, kind: 'let' as const, detail: 'let in this rule' })),
      ...QUANTIFIERS.map(([label, doc]) => ({ label, kind: 'keyword' as const, doc, insertText: `${label} ` })),
      ...this.words(['not']),
    ];
  }
}
