// Stage 1: text → AST for one file. Lexes, then runs the grammar
// (parser.ts), whose rules build the AST as they parse. A file with errors is
// parsed again with Chevrotain's concrete syntax tree, which shows what the
// parser repaired: a declaration it had to repair is kept out of the AST (its
// error is already reported) but its name is remembered, so later stages do
// not report it as unknown; every other declaration is built from its tokens.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diag, type Diagnostic } from './diagnostics.ts';
import { Keyword, lex, scanTokens } from './lexer.ts';
import { RuleParser } from './parser.ts';
import { firstChildNode } from './cst.ts';
import { fileSizeDiagnostic, isStackOverflow, nestingDiagnostic, tooDeep } from './limits.ts';

const parsers: { ast?: RuleParser; cst?: RuleParser; recovering?: RuleParser } = {};
/**
 * The shared parser that builds the AST, the one that outputs the CST, or one
 * that builds the AST and recovers from errors. The first stops at the first
 * error, and none of its results is kept then: a file with an error is parsed
 * again with the CST's (parseWithErrors), a lone expression with the third.
 */
function parser(output: 'ast' | 'cst' | 'recovering'): RuleParser {
  return (parsers[output] ??= new RuleParser({ output: output === 'cst' ? 'cst' : 'ast', recover: output !== 'ast' }));
}

const firstWordsOf = new Map<string, readonly string[]>();
/**
 * The keywords a part of the grammar can begin with, as the grammar says: the
 * editor cuts files into declarations at `decl`'s, and completes clauses with
 * `ruleClause`'s, `testClause`'s and `expectation`'s. (Words the grammar reads
 * as names, such as `note`, are not keywords and not listed.)
 */
export function firstWords(rule: 'decl' | 'ruleClause' | 'testClause' | 'expectation'): readonly string[] {
  let words = firstWordsOf.get(rule);
  if (!words) {
    words = [...new Set(parser('ast').computeContentAssist(rule, []).flatMap((s) => {
      const pattern = s.nextTokenType.PATTERN;
      const keyword = s.nextTokenType.CATEGORIES?.includes(Keyword) && pattern instanceof RegExp;
      return keyword ? [/^[a-z_]+/.exec(pattern.source)![0]] : [];
    }))];
    firstWordsOf.set(rule, words);
  }
  return words;
}

export interface ParseResult {
  readonly ast: A.FileAst;
  readonly diagnostics: Diagnostic[];
  /** Names declared by declarations that could not be parsed. */
  readonly brokenNames: string[];
}

export function parseFile(text: string, file: number): ParseResult {
  const tooBig = fileSizeDiagnostic(text, file);
  if (tooBig) return { ast: { file, decls: [] }, diagnostics: [tooBig], brokenNames: [] };
  const inParts = text.length > PART_CHARS ? parseInParts(text, file) : undefined;
  if (inParts) return inParts;
  const lexed = lex(text, file);
  // The parser recurses on nesting: past the limit, or if the stack runs out anyway, the file is one ZY1005.
  const deep = nestingDiagnostic(lexed.tokens, file);
  if (deep) return { ast: { file, decls: [] }, diagnostics: [...lexed.diagnostics, deep], brokenNames: [] };
  try {
    return parseTokens(text, file, lexed);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return { ast: { file, decls: [] }, diagnostics: [...lexed.diagnostics, tooDeep({ file, start: 0, end: Math.min(1, text.length) })], brokenNames: [] };
  }
}

/** About how much text is lexed and parsed at a time (parseInParts). */
const PART_CHARS = 4096;
/**
 * A line that starts with one of these words starts a declaration, and no
 * declaration goes on with one of them: none can follow a complete
 * declaration inside it (`event` and `list` can, after `given` or in a path,
 * and are left out). So no part cut before such a line parses without an
 * error when the whole file would parse differently.
 */
const PART_START = /\n[ \t\r\u00a0\u3000]*(?:pack|outcomes|threshold|decides|measured|entity|const|predicate|rule|test|fixture|invariant)(?![A-Za-z0-9_])/g;

/**
 * A large file without errors, lexed and parsed a few declarations at a time:
 * the tokens of one part die young, where a whole file's stayed alive until
 * its last declaration was parsed and were copied by the garbage collector
 * (a 1 MB file has 150,000 of them). A part is cut at a line that starts a
 * declaration (PART_START): no token crosses a line break but white space,
 * so its tokens are the whole file's (lexer.ts, scanTokens). Any error, or a
 * nesting too deep, and this gives up: the file is parsed whole, as below,
 * so what is reported never depends on the parts.
 */
function parseInParts(text: string, file: number): ParseResult | undefined {
  const p = parser('ast');
  const decls: A.Decl[] = [];
  const diagnostics: Diagnostic[] = [];
  try {
    for (let start = 0; start < text.length;) {
      PART_START.lastIndex = start + PART_CHARS;
      const next = PART_START.exec(text);
      const end = next ? next.index + 1 : text.length;
      const tokens = scanTokens(text, start, end);
      if (!tokens) return undefined;
      if (nestingDiagnostic(tokens, file)) return undefined;
      p.start(tokens, text, file);
      const part = p.file();
      if (p.errors.length) return undefined;
      for (const d of part) decls.push(d);
      for (const d of p.diagnostics) diagnostics.push(d);
      start = end;
    }
  } catch {
    // Whatever went wrong is found again, and reported, when the file is parsed whole.
    return undefined;
  } finally {
    p.start([], '', 0);
  }
  return { ast: { file, decls }, diagnostics, brokenNames: [] };
}

function parseTokens(text: string, file: number, lexed: ReturnType<typeof lex>): ParseResult {
  const lexErrors = lexed.diagnostics.filter((d) => d.code === 'ZY1001' || d.code === 'ZY1003').map((d) => d.span.start);
  if (lexErrors.length === 0) {
    const p = parser('ast');
    p.start(lexed.tokens, text, file);
    let decls: A.Decl[] | undefined;
    try {
      decls = p.file();
    } catch (e) {
      // Whatever went wrong, with an error recorded, the file is parsed again below.
      if (p.errors.length === 0) throw e;
    }
    if (p.errors.length === 0) return { ast: { file, decls: decls! }, diagnostics: [...lexed.diagnostics, ...p.diagnostics], brokenNames: [] };
  }
  return parseWithErrors(text, file, lexed, lexErrors);
}

/** A file with a syntax error: which declarations were repaired is read from the CST, and the others are built from their tokens. */
function parseWithErrors(text: string, file: number, lexed: ReturnType<typeof lex>, lexErrors: number[]): ParseResult {
  const p = parser('cst');
  p.start(lexed.tokens, text, file);
  const built: Diagnostic[] = [];
  const decls: A.Decl[] = [];
  const brokenNames: string[] = [];
  // A syntax error anywhere between a declaration's start and the next one's
  // belongs to it, even if the parser closed the declaration before the error:
  // so a declaration is built when the next one has been parsed (or the file
  // has), when every error before the next one's start is known. Building as
  // the parser goes leaves the CST of a large file to die young.
  const errorAt = (e: (typeof p.errors)[number]) => errorStart(e.token, text);
  let cursor = 0;
  const settle = (d: CstNode, next: number) => {
    const inner = firstChildNode(d);
    if (inner) build(inner, d.location?.startOffset ?? 0, next);
    // Built: its CST is not needed any more (the file's node still lists it).
    (d as { children: CstNode['children'] }).children = {};
  };
  const build = (inner: CstNode, start: number, next: number) => {
    const inside = (o: number) => o > start && o <= next;
    if (isBroken(inner) || lexErrors.some(inside) || p.errors.some((e) => inside(errorAt(e)))) {
      const name = (inner.children['Identifier'] ?? inner.children['name'])?.[0] as IToken | undefined;
      if (name && !name.isInsertedInRecovery) brokenNames.push(name.image);
      return;
    }
    // Not repaired: its tokens are the lexer's, in order, and parse alone to its AST.
    const tokens = lexed.tokens;
    while (tokens[cursor]!.startOffset < inner.location!.startOffset) cursor++;
    let end = cursor;
    while (tokens[end]!.endOffset! < inner.location!.endOffset!) end++;
    const a = parser('ast');
    a.start(tokens.slice(cursor, end + 1), text, file);
    const decl = a.decl();
    if (a.errors.length) throw new Error(`internal error: a declaration at offset ${inner.location!.startOffset} parsed in the file does not parse alone`);
    built.push(...a.diagnostics);
    decls.push(decl);
    cursor = end + 1;
  };
  let held: CstNode | undefined;
  let delivered = 0;
  p.onDecl = (d) => {
    if (held) settle(held, d.location?.startOffset ?? Infinity);
    held = d;
    delivered++;
  };
  let cst: CstNode;
  try {
    cst = p.file() as unknown as CstNode;
  } finally {
    p.onDecl = undefined;
  }
  // The last one, and one the parser gave up inside (it is in the file's node without having been returned).
  const last = [...(held ? [held] : []), ...nodes(cst, 'decl').slice(delivered)];
  last.forEach((d, i) => settle(d, last[i + 1]?.location?.startOffset ?? Infinity));
  const diagnostics = [...lexed.diagnostics];
  for (const e of p.errors) {
    const start = errorAt(e);
    diagnostics.push(diag('ZY1002', { file, start, end: start + Math.max(1, e.token.image.length) }, e.message));
  }
  diagnostics.push(...built);
  return { ast: { file, decls }, diagnostics, brokenNames };
}

/** Where a syntax error is reported: at its token, or at the end of the file. */
function errorStart(t: IToken, text: string): number {
  return Number.isNaN(t.startOffset) || t.tokenType.name === 'EOF' ? text.length : t.startOffset;
}

/** Parses a lone expression (message placeholders), offsets relative to `base`. */
export function parseExpression(text: string, file: number, base: number): { expr?: A.Expr; diagnostics: Diagnostic[] } {
  // Lexed alone and moved to `base` (not padded with `base` spaces: a
  // placeholder late in a long file would lex the whole file's length).
  const lexed = lex(text, file);
  for (const t of lexed.tokens) {
    t.startOffset += base;
    t.endOffset = (t.endOffset ?? t.startOffset + t.image.length - 1 - base) + base;
  }
  // Every error is listed: an expression with one is parsed again, recovering.
  let p = parser('ast');
  let expr = expressionOf(p, lexed.tokens, text, file);
  if (p.errors.length) expr = expressionOf((p = parser('recovering')), lexed.tokens, text, file);
  const diagnostics = lexed.diagnostics.map((d) => ({ ...d, span: { ...d.span, start: d.span.start + base, end: d.span.end + base } }));
  for (const e of p.errors) {
    const start = Number.isNaN(e.token.startOffset) ? base + text.length : e.token.startOffset;
    diagnostics.push(diag('ZY1002', { file, start, end: start + Math.max(1, e.token.image.length) }, e.message));
  }
  if (diagnostics.length) return { diagnostics };
  return { expr, diagnostics: p.diagnostics };
}

function expressionOf(p: RuleParser, tokens: IToken[], text: string, file: number): A.Expr | undefined {
  p.start(tokens, text, file);
  try {
    return p.expression();
  } catch (e) {
    if (p.errors.length === 0) throw e;
    return undefined;
  }
}

function isBroken(n: CstNode): boolean {
  if (n.recoveredNode) return true;
  for (const list of Object.values(n.children)) {
    for (const c of list) {
      if ('children' in c) { if (isBroken(c)) return true; }
      else if (c.isInsertedInRecovery || Number.isNaN(c.startOffset)) return true;
    }
  }
  return false;
}

function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []) as CstNode[];
}
