// The sizes the compiler accepts. Past them a pack gets one clear diagnostic
// instead of minutes of compiling and gigabytes of memory (a 5 MB file, a
// 100,000-rule pack) or a blown stack (300 nested parentheses). Checked
// before the expensive stage they protect: sizes before parsing, nesting
// before the parser recurses, the number of rules while files are parsed.
// The same limits hold in the CLI, the services and the browser editor.
import type { IToken, TokenType } from 'chevrotain';
import { diag, type Diagnostic } from './diagnostics.ts';
import { LBracket, LParen, Minus, Not, RBracket, RParen } from './lexer.ts';
import type { SourceFile, Span } from './source.ts';

/** One source file, in characters (UTF-16 units). */
export const MAX_FILE_CHARS = 1024 * 1024;
/** All the files of a pack together. */
export const MAX_PACK_CHARS = 8 * 1024 * 1024;
/** Rules in one pack. */
export const MAX_RULES = 20_000;
/** Parentheses and brackets open at once. */
export const MAX_NESTING = 100;
/** `not` or unary `-` in a row (`not not … x`). */
export const MAX_PREFIX_RUN = 1000;

/** The codes of the limits above: a pack over one is not checked further. */
export const LIMIT_CODES: ReadonlySet<string> = new Set(['ZY1005', 'ZY1007', 'ZY2011']);

const OPEN = new Set<TokenType>([LParen, LBracket]);
const CLOSE = new Set<TokenType>([RParen, RBracket]);
const PREFIX = new Set<TokenType>([Not, Minus]);

/** ZY1007 for a file over MAX_FILE_CHARS (before it is even lexed). */
export function fileSizeDiagnostic(text: string, file: number): Diagnostic | undefined {
  if (text.length <= MAX_FILE_CHARS) return undefined;
  return diag('ZY1007', { file, start: 0, end: 1 }, `the file has ${text.length.toLocaleString('en')} characters; a file may have at most ${MAX_FILE_CHARS.toLocaleString('en')}`, 'split it into several files of the pack');
}

/** ZY1007 for a pack whose files together exceed MAX_PACK_CHARS. */
export function packSizeDiagnostic(files: readonly SourceFile[]): Diagnostic | undefined {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  if (total <= MAX_PACK_CHARS) return undefined;
  return diag('ZY1007', { file: 0, start: 0, end: 1 }, `the pack has ${total.toLocaleString('en')} characters of source; a pack may have at most ${MAX_PACK_CHARS.toLocaleString('en')}`, 'split it into several packs');
}

/**
 * ZY1005 at the first bracket nested more than MAX_NESTING deep, or the
 * first `not`/`-` of a run longer than MAX_PREFIX_RUN: the parser recurses
 * on both, and would exhaust the stack soon after.
 */
export function nestingDiagnostic(tokens: readonly IToken[], file: number): Diagnostic | undefined {
  let depth = 0;
  let run = 0;
  let runStart = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (PREFIX.has(type)) {
      if (run++ === 0) runStart = t.startOffset;
      if (run > MAX_PREFIX_RUN) return diag('ZY1005', { file, start: runStart, end: t.startOffset + t.image.length }, `more than ${MAX_PREFIX_RUN} \`not\` or \`-\` in a row`, 'say it once: `not not x` is `x`');
      continue;
    }
    run = 0;
    if (OPEN.has(type) && ++depth > MAX_NESTING) {
      return diag('ZY1005', { file, start: t.startOffset, end: t.startOffset + 1 }, `parentheses and brackets nest more than ${MAX_NESTING} deep here`, 'name the inner conditions as predicates');
    }
    if (CLOSE.has(type) && depth > 0) depth--;
  }
  return undefined;
}

/** Whether an error is the JavaScript stack running out (deep nesting that got past the checks above). */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** The ZY1005 reported when the stack ran out anyway (long chains of operators). */
export function tooDeep(span: Span): Diagnostic {
  return diag('ZY1005', span, 'the pack is nested too deeply to compile', 'split long conditions into named predicates');
}

/** ZY2011 on the first rule past MAX_RULES. */
export function tooManyRules(span: Span, count: number): Diagnostic {
  return diag('ZY2011', span, `the pack has more than ${MAX_RULES.toLocaleString('en')} rules (at least ${count.toLocaleString('en')}); split it into several packs`);
}
