// Signature help: inside `sum(`… or `age(`…, what the call takes and which
// part the cursor is on. An aggregate's parts after the field come in any
// order, so the active one is named by the word the current argument starts
// with (`by`, `last`, `where` …), or is the first part not given yet.
import type { IToken } from 'chevrotain';
import { AGGREGATE_DOCS, AGGREGATE_FUNCTIONS, FUNCTIONS } from '../functions.ts';
import { lex } from '../lexer.ts';
import { startOfDeclaration } from './complete.ts';

export interface SignatureHelp {
  readonly label: string;
  readonly doc: string;
  /** Each parameter as [start, end) offsets into `label`, with what it means. */
  readonly params: readonly { readonly at: readonly [number, number]; readonly doc: string }[];
  readonly active: number;
}

/** The parts of an aggregate call after its field, with the word each starts with. */
export const AGGREGATE_PARTS = [
  { part: 'by KEY', starts: ['By'], doc: 'only history events whose KEY equals this event\'s (customer_id, device_id, payee_id …)' },
  { part: 'last D | last N events | last N calendar months | today | this week | this month', starts: ['Last', 'Today', 'This'], doc: 'the window: a rolling `last 10m`/`24h`/`30d`, the latest N events, whole calendar months, or a calendar window in Asia/Shanghai' },
  { part: 'where FILTER', starts: ['Where'], doc: 'only history events for which FILTER is true; a bare name is the history event\'s field' },
  { part: 'including current', starts: ['Including'], doc: 'count this event too' },
] as const;

const FIELD = { part: 'FIELD', starts: [] as string[], doc: 'a bare field of the event schema (`amount`, not `event.amount`)' };
const PERCENT = { part: 'P', starts: [] as string[], doc: 'which percentile, a constant from 0 to 100 (95: the value 95 % of events stay under)' };
const STEPS = { part: 'A followed by B …', starts: [] as string[], doc: 'the steps, each a filter on history events, in the order they must happen' };
const WITHIN = { part: 'within D', starts: ['Within'], doc: 'the longest time from the first step to the last' };
const [BY, WINDOW, WHERE] = AGGREGATE_PARTS;

/** Each aggregate's parts, in the order the signature shows them. */
function partsOf(fn: string): readonly { part: string; starts: readonly string[]; doc: string }[] {
  switch (fn) {
    case 'count': return AGGREGATE_PARTS;
    case 'time_since_last': return [BY, WINDOW, WHERE];
    case 'sequence': return [STEPS, BY, WITHIN, WHERE];
    case 'percentile': return [FIELD, PERCENT, ...AGGREGATE_PARTS];
    default: return [FIELD, ...AGGREGATE_PARTS];
  }
}

export function signatureAt(text: string, offset: number): SignatureHelp | undefined {
  const start = startOfDeclaration(text, offset);
  const tokens = lex(text.slice(start, offset), 0).tokens;
  const open: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'LParen') open.push(i);
    else if (n === 'RParen') open.pop();
  }
  for (let k = open.length - 1; k >= 0; k--) {
    const callee = tokens[open[k]! - 1]?.image ?? '';
    const args = argumentsOf(tokens, open[k]!);
    if ((AGGREGATE_FUNCTIONS as readonly string[]).includes(callee)) return aggregateSignature(callee, args);
    const fn = FUNCTIONS.get(callee);
    if (fn) {
      const names = fn.arity === 1 ? ['value'] : ['a', 'b'];
      return build(`${callee}(`, names.map((n) => ({ part: n, doc: '' })), fn.doc, Math.min(args.length - 1, names.length - 1));
    }
  }
  return undefined;
}

function argumentsOf(tokens: readonly IToken[], open: number): IToken[][] {
  const args: IToken[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < tokens.length; i++) {
    const n = tokens[i]!.tokenType.name;
    if (n === 'LParen') depth++;
    else if (n === 'RParen') depth--;
    if (n === 'Comma' && depth === 0) args.push([]);
    else args[args.length - 1]!.push(tokens[i]!);
  }
  return args;
}

function aggregateSignature(fn: string, args: IToken[][]): SignatureHelp {
  const parts = partsOf(fn);
  // The leading parts that are positional (the field, the percentile, the steps) take the first arguments in turn.
  const positional = parts.filter((p) => p.starts.length === 0).length;
  // `within` is a word, not a keyword: it is told apart by its text.
  const head = (a: IToken[]) => (a[0]?.image === 'within' ? 'Within' : a[0]?.tokenType.name ?? '');
  const current = args[args.length - 1]!;
  let active = args.length <= positional ? args.length - 1 : parts.findIndex((p) => p.starts.length > 0 && p.starts.includes(head(current)));
  if (active < 0) {
    const used = new Set(args.slice(0, -1).map(head));
    active = parts.findIndex((p) => p.starts.length > 0 && !p.starts.some((s) => used.has(s)));
  }
  return build(`${fn}(`, parts, AGGREGATE_DOCS[fn] ?? '', active);
}

function build(prefix: string, parts: readonly { part: string; doc: string }[], doc: string, active: number): SignatureHelp {
  let label = prefix;
  const params = parts.map((p, i) => {
    if (i > 0) label += ', ';
    const at = [label.length, label.length + p.part.length] as const;
    label += p.part;
    return { at, doc: p.doc };
  });
  return { label: `${label})`, doc, params, active: Math.max(0, active) };
}
