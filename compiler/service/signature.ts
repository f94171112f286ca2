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
  { part: 'last D | today | this week | this month', starts: ['Last', 'Today', 'This'], doc: 'the window: a rolling `last 10m`/`24h`/`30d`, or a calendar window in Asia/Shanghai' },
  { part: 'where FILTER', starts: ['Where'], doc: 'only history events for which FILTER is true; a bare name is the history event\'s field' },
  { part: 'including current', starts: ['Including'], doc: 'count this event too' },
] as const;

const FIELD = { part: 'FIELD', starts: [] as string[], doc: 'a bare field of the event schema (`amount`, not `event.amount`)' };

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
  const takesField = !['count', 'time_since_last'].includes(fn);
  const parts = [...(takesField ? [FIELD] : []), ...AGGREGATE_PARTS.filter((p) => !(fn === 'time_since_last' && p.part === 'including current'))];
  const head = (a: IToken[]) => a[0]?.tokenType.name ?? '';
  const current = args[args.length - 1]!;
  let active = parts.findIndex((p) => (p.starts as readonly string[]).includes(head(current)));
  if (active < 0) {
    if (takesField && args.length === 1) active = 0;
    else {
      const used = new Set(args.slice(0, -1).map(head));
      active = parts.findIndex((p) => p !== FIELD && !p.starts.some((s) => used.has(s)));
    }
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
