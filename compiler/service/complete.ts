// Completion: what may come next at the cursor. The tokens before the cursor
// (from the compiler's own lexer) say where we are: after `event.` the event's
// fields, after `in` the lists, after `then` the outcomes, inside an aggregate
// call the history fields and window words, and so on.
import type { IToken } from 'chevrotain';
import { AGGREGATE_DOCS, AGGREGATE_FUNCTIONS, FUNCTIONS } from '../functions.ts';
import { KEYWORD_WORDS, lex } from '../lexer.ts';
import { SEVERITIES } from '../check/index.ts';
import type { SymbolIndex, SymbolKind } from './symbols.ts';

export type CompletionKind = 'keyword' | 'field' | 'entity' | 'list' | 'const' | 'predicate' | 'function' | 'outcome' | 'rule' | 'unit' | 'value';

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

const UNITS = [['m', 'minutes'], ['h', 'hours'], ['d', 'days'], ['w', 'weeks'], ['s', 'seconds'], ['ms', 'milliseconds']] as const;
const GIVEN = ['event', 'history', 'list', 'holidays', 'workdays'];

export function complete(text: string, offset: number, index: SymbolIndex): CompletionResult {
  const before = text.slice(0, offset);
  const digits = /(\d+)$/.exec(before);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before);
  const from = offset - (word?.[0].length ?? digits?.[0].length ?? 0);
  const tokens = lex(text.slice(0, from), 0).tokens;
  const last = (i: number): IToken | undefined => tokens[tokens.length - i];
  const is = (t: IToken | undefined, name: string): boolean => t?.tokenType.name === name;

  const sym = (kind: SymbolKind, prefix = ''): Completion[] => {
    const out: Completion[] = [];
    for (const s of index.symbols.values()) {
      if (s.kind !== kind || !s.name.startsWith(prefix)) continue;
      out.push({ label: s.name.slice(prefix.length), kind: kind === 'event' ? 'entity' : kind as CompletionKind, detail: s.detail, doc: s.doc });
    }
    return out;
  };
  const eventFields = (): Completion[] => sym('field', 'event.');
  const words = (ws: readonly string[], kind: CompletionKind = 'keyword'): Completion[] => ws.map((w) => ({ label: w, kind }));

  if (digits && !word) {
    // `last 7` → 7d, 7h …: the window units.
    return is(last(1), 'Last') || inAggregate(tokens)
      ? { from, items: UNITS.map(([u, name]) => ({ label: `${digits[1]}${u}`, kind: 'unit' as const, detail: name })) }
      : { from, items: [] };
  }
  if (is(last(1), 'Dot') && last(2)) {
    const owner = last(2)!.image;
    return { from, items: sym('field', `${owner}.`) };
  }
  switch (last(1)?.tokenType.name) {
    case 'In': return { from, items: sym('list') };
    case 'Then': return { from, items: sym('outcome') };
    case 'Severity': return { from, items: words(SEVERITIES, 'value') };
    case 'By': return { from, items: eventFields() };
    case 'This': return { from, items: words(['week', 'month'], 'unit') };
    case 'Last': return { from, items: ['10m', '1h', '24h', '7d', '30d', '90d'].map((d) => ({ label: d, kind: 'unit' as const, detail: 'rolling window' })) };
    case 'Including': return { from, items: words(['current']) };
    case 'Given': return { from, items: [...words(GIVEN), ...sym('entity')] };
    case 'Expect': return { from, items: [...sym('outcome'), ...words(['fired', 'not', 'score'])] };
    case 'Fired': return { from, items: sym('rule') };
    case 'List': if (is(last(2), 'Given')) return { from, items: sym('list') }; break;
    case 'Not': if (is(last(2), 'Expect') || is(last(2), 'Arrow')) return { from, items: words(['fired']) }; break;
    case 'Comma': if (firedListContinues(tokens)) return { from, items: sym('rule') }; break;
    case 'Arrow': return { from, items: [...sym('outcome'), ...words(['fired', 'not', 'score'])] };
    default: break;
  }
  const agg = inAggregate(tokens);
  if (agg) {
    return {
      from,
      items: [
        ...eventFields(),
        ...words(['by', 'last', 'today', 'this', 'where', 'including']),
        ...sym('const'), ...sym('list'),
      ],
    };
  }
  return {
    from,
    items: [
      ...words(KEYWORD_WORDS),
      { label: 'event', kind: 'entity', detail: 'the event being decided' },
      ...sym('entity'), ...sym('const'), ...sym('predicate'), ...sym('list'),
      ...AGGREGATE_FUNCTIONS.map((f) => ({ label: f, kind: 'function' as const, detail: 'velocity aggregate', doc: AGGREGATE_DOCS[f], insertText: `${f}(` })),
      ...[...FUNCTIONS.values()].map((f) => ({ label: f.name, kind: 'function' as const, detail: `function of ${f.arity} argument${f.arity === 1 ? '' : 's'}`, doc: f.doc, insertText: `${f.name}(` })),
    ],
  };
}

/** The innermost open parenthesis belongs to an aggregate call. */
function inAggregate(tokens: readonly IToken[]): boolean {
  const open: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType.name === 'LParen') open.push((AGGREGATE_FUNCTIONS as readonly string[]).includes(tokens[i - 1]?.image ?? ''));
    else if (t.tokenType.name === 'RParen') open.pop();
  }
  return open[open.length - 1] ?? false;
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
