// Where an expression ends. The spans of composite expressions come from the
// parser's node locations, which today have no end offset (the lexer's
// `positionTracking: 'onlyOffset'` gives tokens a start but no end, so
// `location.endOffset + 1` is NaN). Until that is fixed where spans are made,
// this works the end out from the file's tokens, for what lint reports and
// what coverage shows. Spans that already have an end are left alone.
import type { IToken } from 'chevrotain';
import type { IR } from '../ir.ts';
import { lex } from '../lexer.ts';
import type { SourceFile, Span } from '../source.ts';

export class Spans {
  private readonly cache = new Map<string, IToken[]>();

  constructor(private readonly files: readonly SourceFile[]) {}

  private lexed(key: string, text: string, file: number): IToken[] {
    let t = this.cache.get(key);
    if (!t) { t = lex(text, file).tokens; this.cache.set(key, t); }
    return t;
  }

  /**
   * The tokens around an offset: the file's, or, inside a message string, those of
   * the `{…}` placeholder holding it (lexed at their real offsets, as the checker parses them).
   */
  private tokens(file: number, offset: number): IToken[] {
    const text = this.files[file]?.text ?? '';
    const ts = this.lexed(`${file}`, text, file);
    const i = indexAt(ts, offset + 1) - 1;
    const t = ts[i];
    if (!t || t.tokenType.name !== 'StringLit' || offset <= t.startOffset || offset >= t.startOffset + t.image.length - 1) return ts;
    const open = text.lastIndexOf('{', offset - 1);
    const close = text.indexOf('}', offset);
    if (open < t.startOffset || close < 0) return ts;
    return this.lexed(`${file}:${open}`, ' '.repeat(open + 1) + text.slice(open + 1, close), file);
  }

  /** A span with a usable end: as given, or as far as the token at its start. */
  span(s: Span): Span {
    if (Number.isFinite(s.end) || s.file < 0) return s;
    const ts = this.tokens(s.file, s.start);
    return { ...s, end: tokenEnd(ts, indexAt(ts, s.start), this.files[s.file]?.text.length ?? 0) };
  }

  /** The span of a checked expression, with its real end. */
  of(e: IR): Span {
    if (Number.isFinite(e.span.end) || e.span.file < 0) return e.span;
    const ts = this.tokens(e.span.file, e.span.start);
    return { ...e.span, end: balanced(ts, e.span.start, end(ts, e)) };
  }
}

/** Index of the first token starting at or after `offset`. */
function indexAt(ts: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function tokenEnd(ts: readonly IToken[], i: number, fallback = 0): number {
  const t = ts[i] ?? ts[ts.length - 1];
  return t ? t.startOffset + t.image.length : fallback;
}

/** The end of the bracket group opening at token i, at its matching closer. */
function closing(ts: readonly IToken[], i: number): number {
  let depth = 0;
  for (let j = i; j < ts.length; j++) {
    const n = ts[j]!.tokenType.name;
    if (n === 'LParen' || n === 'LBracket' || n === 'LBrace') depth++;
    if (n === 'RParen' || n === 'RBracket' || n === 'RBrace') depth--;
    if (depth === 0) return tokenEnd(ts, j);
  }
  return tokenEnd(ts, ts.length - 1);
}

/** Extends `end` over the `)` that close parentheses opened inside [start, end). */
function balanced(ts: readonly IToken[], start: number, end: number): number {
  let open = 0;
  let i = indexAt(ts, start);
  for (; i < ts.length && ts[i]!.startOffset < end; i++) {
    const n = ts[i]!.tokenType.name;
    if (n === 'LParen') open++;
    if (n === 'RParen') open--;
  }
  while (open > 0 && ts[i]?.tokenType.name === 'RParen') { end = tokenEnd(ts, i++); open--; }
  return end;
}

function end(ts: readonly IToken[], e: IR): number {
  const first = indexAt(ts, e.span.start);
  switch (e.k) {
    case 'lit': case 'now': case 'pred': case 'hfield': case 'local':
      return Number.isFinite(e.span.end) ? e.span.end : tokenEnd(ts, first);
    case 'field': {
      let i = first;
      while (ts[i + 1]?.tokenType.name === 'Dot' && ts[i + 2]) i += 2;
      return tokenEnd(ts, i);
    }
    case 'call': case 'agg':
      return ts[first + 1]?.tokenType.name === 'LParen' ? closing(ts, first + 1) : tokenEnd(ts, first);
    case 'neg': case 'not': case 'shared': return end(ts, e.x);
    case 'arith': case 'cmp': case 'coalesce': return end(ts, e.r);
    case 'and': case 'or': return end(ts, e.xs[e.xs.length - 1]!);
    case 'between': return end(ts, e.hi);
    case 'isMissing': {
      let i = indexAt(ts, end(ts, e.x));
      while (ts[i] && ts[i]!.tokenType.name !== 'Missing') i++;
      return tokenEnd(ts, i);
    }
    case 'quant': case 'in': {
      if (e.set.kind === 'expr') return end(ts, e.set.x);
      let i = indexAt(ts, e.k === 'in' ? end(ts, e.x) : e.items.kind === 'expr' ? end(ts, e.items.x) : closing(ts, indexAt(ts, e.span.start) + 2));
      while (ts[i] && ts[i]!.tokenType.name !== 'In') i++;
      i++;
      return ts[i]?.tokenType.name === 'LBracket' ? closing(ts, i) : tokenEnd(ts, i);
    }
  }
}
