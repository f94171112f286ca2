// The token definitions are the single source of truth for the language's
// vocabulary: the parser, the formatter and the editor's highlighting and
// completion all read them from here.
import { createToken, Lexer, type ILexingResult, type IToken, type TokenType } from 'chevrotain';
import { diag, type Diagnostic } from './diagnostics.ts';

/** Every word-like token (identifiers and keywords) — usable as a field name after `.`. */
export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA });
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [AnyName] });

const keywordTokens: TokenType[] = [];
/** Each keyword's token type by its spelling: the lexer matches a word as an `Identifier`, then looks it up here. */
const keywordByWord = new Map<string, TokenType>();
const keywordWord = new Map<TokenType, string>();
/**
 * A keyword: a whole word (`and` but not `andy`). Its pattern says which word
 * (completion, `firstWords`); the lexer does not try it: trying, as a regex,
 * every keyword that starts with a word's first letter before `Identifier`
 * cost more than one lookup of the whole word.
 */
function kw(word: string): TokenType {
  const t = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(`${word}(?![A-Za-z0-9_])`),
    categories: [Keyword, AnyName],
  });
  keywordTokens.push(t);
  keywordByWord.set(word, t);
  keywordWord.set(t, word);
  return t;
}

export const Pack = kw('pack');
export const Version = kw('version');
export const Outcomes = kw('outcomes');
export const Threshold = kw('threshold');
export const Decides = kw('decides');
export const Measured = kw('measured');
export const At = kw('at');
export const Event = kw('event');
export const Entity = kw('entity');
export const By = kw('by');
export const List = kw('list');
export const External = kw('external');
export const Const = kw('const');
export const Predicate = kw('predicate');
export const Jsonlogic = kw('jsonlogic');
export const Rule = kw('rule');
export const Test = kw('test');
export const Owner = kw('owner');
export const Tags = kw('tags');
export const Severity = kw('severity');
export const Enabled = kw('enabled');
export const Disabled = kw('disabled');
export const Effective = kw('effective');
export const Until = kw('until');
export const When = kw('when');
export const Then = kw('then');
export const Score = kw('score');
export const Reason = kw('reason');
export const Message = kw('message');
export const En = kw('en');
export const Zh = kw('zh');
export const And = kw('and');
export const Or = kw('or');
export const Not = kw('not');
export const In = kw('in');
export const Between = kw('between');
export const Is = kw('is');
export const Missing = kw('missing');
export const True = kw('true');
export const False = kw('false');
export const Now = kw('now');
export const Last = kw('last');
export const Today = kw('today');
export const This = kw('this');
export const Where = kw('where');
export const Including = kw('including');
export const Current = kw('current');
export const Given = kw('given');
export const History = kw('history');
export const Expect = kw('expect');
export const Fired = kw('fired');
export const Cases = kw('cases');
export const Required = kw('required');
export const Protected = kw('protected');
export const Enum = kw('enum');
export const Set = kw('set');
export const Suppress = kw('suppress');
export const Let = kw('let');
export const Of = kw('of');
export const Seen = kw('seen');
export const Fixture = kw('fixture');
export const Invariant = kw('invariant');

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\u00a0\u3000]+/, group: Lexer.SKIPPED });
// Comments are kept in their own group: the parser never sees them, the formatter does.
export const Comment = createToken({ name: 'Comment', pattern: /(?:#|\/\/)[^\n]*/, group: 'comments' });

export const TimestampLit = createToken({
  name: 'TimestampLit',
  pattern: /@\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(?:Z|[+-]\d{2}:\d{2})?/,
});
// Money: ¥2000, ¥19.99, 2000yuan, 2000 元, 150fen, 150 分. Stored as integer fen.
export const MoneyLit = createToken({
  name: 'MoneyLit',
  pattern: /[¥￥](?:\d{1,3}(?:,\d{3})+(?!\d)|\d[\d_]*)(?:\.\d+)?|\d[\d_]*(?:\.\d+)?[ \t]*(?:yuan(?![A-Za-z0-9_])|元|fen(?![A-Za-z0-9_])|分)/,
});
export const DurationLit = createToken({ name: 'DurationLit', pattern: /\d[\d_]*(?:ms|s|m|h|d|w)(?![A-Za-z0-9_])/ });
export const NumberLit = createToken({ name: 'NumberLit', pattern: /\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z_])/ });
export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"|'(?:[^'\\\n\r]|\\[^\n\r])*'/ });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*|'(?:[^'\\\n\r]|\\[^\n\r])*/ });

export const Arrow = createToken({ name: 'Arrow', pattern: /=>/ });
/** `==` `!=` `<` `<=` `>` `>=`: comparisons, and the comparison of `expect score`. */
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: [CompareOp] });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [CompareOp] });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, categories: [CompareOp] });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, categories: [CompareOp] });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: [CompareOp] });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: [CompareOp] });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Coalesce = createToken({ name: 'Coalesce', pattern: /\?\?/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Percent = createToken({ name: 'Percent', pattern: /%/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });

export const KEYWORDS: readonly TokenType[] = keywordTokens;

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, Comment,
  TimestampLit, MoneyLit, DurationLit, NumberLit, StringLit, UnterminatedString,
  Arrow, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Equals, Coalesce,
  Plus, Minus, Star, Slash, Percent, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, Dot,
  ...keywordTokens, Identifier,
  AnyName, Keyword, CompareOp,
];

/** Keyword spellings, for the editor's completion and highlighting. */
export const KEYWORD_WORDS: readonly string[] = keywordTokens.map((t) => String((t.PATTERN as RegExp).source).replace(/\(\?!.*$/, ''));

let lexer: Lexer | undefined;
/**
 * The language's tokens in `text`, comments in their own group: the lexer is
 * built on first use (the editor's page imports the token definitions and
 * must not pay for building it before its first paint).
 */
export function tokenize(text: string): ILexingResult {
  lexer ??= withEndOffsets(new Lexer(ALL_TOKENS.filter((t) => !KEYWORDS.includes(t)), { ensureOptimizations: false, positionTracking: 'onlyOffset' }));
  return lexer.tokenize(text);
}

/**
 * 'onlyOffset' tracking makes tokens without `endOffset`, which node spans are
 * built from; a token made with it has it in the object itself, where adding
 * it afterwards gave each of a large file's tokens a second allocation (V8's
 * out-of-object property store). A word that is a keyword becomes that
 * keyword's token here. Replaces an internal method of chevrotain@11 (pinned
 * in package.json; spec/parser.test.ts checks the tokens).
 */
function withEndOffsets(l: Lexer): Lexer {
  (l as unknown as { createTokenInstance: (image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType) => IToken }).createTokenInstance =
    (image, startOffset, tokenTypeIdx, tokenType) => {
      if (tokenType === Identifier) {
        const k = keywordByWord.get(image);
        // The keyword's own spelling: the matched copy dies young (a large file has 100,000s of keywords).
        if (k !== undefined) { tokenType = k; tokenTypeIdx = k.tokenTypeIdx!; image = keywordWord.get(k)!; }
      }
      return { image, startOffset, endOffset: startOffset + image.length - 1, tokenTypeIdx, tokenType };
    };
  return l;
}

/**
 * The parser's tokens of `text` from `start` to `end`, as `tokenize` makes
 * them (the same images, offsets and types), without the comments; undefined
 * where `tokenize` would report an error or an unterminated string. Written
 * out for the characters most text is made of (white space, words,
 * punctuation, whole numbers, strings without escapes); any other token is
 * matched by the token definitions' own patterns, tried in the lexer's order
 * (the first that matches wins, as in Chevrotain's lexer). `start` must be
 * where a token can start (a line start): parse.ts lexes a large file a few
 * declarations at a time with it. `end` must be the end of the text or just
 * after a line break: no token but white space crosses one, so no pattern
 * looks past `end`.
 */
export function scanTokens(text: string, start: number, end: number): IToken[] | undefined {
  const tokens: IToken[] = [];
  const sub = text;
  let i = start;
  while (i < end) {
    const c = sub.charCodeAt(i);
    let type: TokenType | undefined;
    let j = i + 1;
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 0xa0 || c === 0x3000) {
      while (j < end && isSpace(sub.charCodeAt(j))) j++;
      i = j;
      continue;
    } else if (isWordStart(c)) {
      while (j < end && isWordPart(sub.charCodeAt(j))) j++;
      let image = sub.slice(i, j);
      const k = keywordByWord.get(image);
      if (k !== undefined) image = keywordWord.get(k)!;
      tokens.push(token(image, i, k ?? Identifier));
      i = j;
      continue;
    } else if (c >= 48 && c <= 57) {
      while (j < end && (isDigit(sub.charCodeAt(j)) || sub.charCodeAt(j) === 95)) j++;
      // A whole number: nothing after its digits could make it money, a duration, a decimal or an exponent.
      if (j === end || !mayExtendNumber(sub.charCodeAt(j))) type = NumberLit;
    } else if (c === 34 || c === 39) {
      while (j < end && sub.charCodeAt(j) !== c && sub.charCodeAt(j) !== 92 && sub.charCodeAt(j) !== 10 && sub.charCodeAt(j) !== 13) j++;
      if (j < end && sub.charCodeAt(j) === c) { j++; type = StringLit; }
    } else if (c === 35 || (c === 47 && sub.charCodeAt(j) === 47)) {
      // A comment, to the end of the line.
      while (j < end && sub.charCodeAt(j) !== 10) j++;
      i = j;
      continue;
    } else {
      const next = sub.charCodeAt(j);
      type = PUNCTUATION[c];
      if (c === 61) { if (next === 62) { type = Arrow; j++; } else if (next === 61) { type = EqEq; j++; } }
      else if (c === 60 && next === 61) { type = LtEq; j++; }
      else if (c === 62 && next === 61) { type = GtEq; j++; }
      else if (c === 33) { if (next === 61) { type = NotEq; j++; } }
      else if (c === 63) { if (next === 63) { type = Coalesce; j++; } }
    }
    if (type === undefined) {
      // Any other token: its definition's own pattern decides.
      const m = matchAt(sub, i);
      if (m === undefined) return undefined;
      type = m.type;
      j = i + m.length;
      if (type === UnterminatedString) return undefined;
      if (type === WhiteSpace || type === Comment) { i = j; continue; }
    }
    tokens.push(token(sub.slice(i, j), i, type));
    i = j;
  }
  return tokens;
}

function token(image: string, startOffset: number, tokenType: TokenType): IToken {
  return { image, startOffset, endOffset: startOffset + image.length - 1, tokenTypeIdx: tokenType.tokenTypeIdx!, tokenType };
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 0xa0 || c === 0x3000;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isWordPart = (c: number) => isWordStart(c) || isDigit(c);
/** After `\d[\d_]*`: a character with which the digits may be money (`2000 元`), a duration, a decimal or not a number at all. */
const mayExtendNumber = (c: number) => isWordStart(c) || c === 46 || c === 32 || c === 9 || c === 0x5143 || c === 0x5206;

/** The tokens of one character that no other token starts with (`=`, `<`, `>`, `!`, `?` may start a longer one: see scanTokens). */
const PUNCTUATION: (TokenType | undefined)[] = [];
for (const t of [Plus, Minus, Star, Slash, Percent, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, Dot, Equals, Lt, Gt]) {
  PUNCTUATION[(t.PATTERN as RegExp).source.replace(/^\\/, '').charCodeAt(0)] = t;
}

let sticky: { type: TokenType; re: RegExp }[] | undefined;
/** The first token definition (in the lexer's order) whose pattern matches at `at`, and the length it matches. */
function matchAt(text: string, at: number): { type: TokenType; length: number } | undefined {
  sticky ??= ALL_TOKENS.filter((t) => t.PATTERN instanceof RegExp && !KEYWORDS.includes(t))
    .map((t) => ({ type: t, re: new RegExp((t.PATTERN as RegExp).source, 'y') }));
  for (const { type, re } of sticky) {
    re.lastIndex = at;
    if (re.test(text)) return { type, length: re.lastIndex - at };
  }
  return undefined;
}

export interface LexResult {
  tokens: IToken[];
  /** `#` and `//` comments, in source order (not part of `tokens`). */
  comments: IToken[];
  diagnostics: Diagnostic[];
}

export function lex(text: string, file: number): LexResult {
  const r = tokenize(text);
  const diagnostics: Diagnostic[] = r.errors.map((e) =>
    diag('ZY1001', { file, start: e.offset, end: e.offset + e.length }, `unexpected character ${JSON.stringify(text.slice(e.offset, e.offset + Math.min(e.length, 1)))}`),
  );
  const unterminated = r.tokens.filter((t) => t.tokenType === UnterminatedString);
  for (const t of unterminated) {
    diagnostics.push(diag('ZY1003', { file, start: t.startOffset, end: t.startOffset + t.image.length }, 'unterminated string', 'close the string with `"` on the same line'));
  }
  const tokens = unterminated.length ? r.tokens.filter((t) => t.tokenType !== UnterminatedString) : r.tokens;
  return { tokens, comments: r.groups['comments'] ?? [], diagnostics };
}
