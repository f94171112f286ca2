// How parse errors read to an analyst: token names in words ("a name",
// "`==`"), and for the grammar's rules what was expected in the DSL's terms
// rather than Chevrotain's list of token types.
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './lexer.ts';

const LABELS: Record<string, string> = {
  Identifier: 'a name', AnyName: 'a name', StringLit: 'a string', NumberLit: 'a number', MoneyLit: 'an amount of money',
  DurationLit: 'a duration', TimestampLit: 'a timestamp', Arrow: '`=>`', EqEq: '`==`', NotEq: '`!=`', LtEq: '`<=`',
  GtEq: '`>=`', Lt: '`<`', Gt: '`>`', CompareOp: 'a comparison', Equals: '`=`', Coalesce: '`??`', Plus: '`+`', Minus: '`-`', Star: '`*`',
  Slash: '`/`', Percent: '`%`', LParen: '`(`', RParen: '`)`', LBrace: '`{`', RBrace: '`}`', LBracket: '`[`',
  RBracket: '`]`', Comma: '`,`', Colon: '`:`', Dot: '`.`', EOF: 'the end of the file',
};

export function tokenLabel(t: TokenType): string {
  return LABELS[t.name] ?? (T.KEYWORDS.includes(t) ? `\`${t.name.toLowerCase()}\`` : t.name);
}

function shown(tok: IToken): string {
  return tok.tokenType === EOF ? 'the end of the file' : `\`${tok.image}\``;
}

function oneOf(labels: string[]): string {
  const u = [...new Set(labels)];
  if (u.length <= 1) return u[0] ?? 'something else';
  if (u.length > 6) return `${u.slice(0, 6).join(', ')}, …`;
  return `${u.slice(0, -1).join(', ')} or ${u[u.length - 1]}`;
}

const RULE_WORDS: Record<string, string> = {
  expectation: 'an expectation: an outcome, `fired`, `not fired`, `score`, `reason`, `message`, `seen` or `note`',
  expression: 'an expression', andExpr: 'an expression', notExpr: 'an expression', cmpExpr: 'an expression', coalesceExpr: 'an expression', addExpr: 'an expression', mulExpr: 'an expression', unaryExpr: 'an expression', primary: 'an expression', decl: 'a declaration (pack, outcomes, decides, measured by, event, entity, list, const, predicate, rule, test, fixture or invariant)',
  conclusion: 'a conclusion: `outcome X`, `outcome at least X`, `outcome at most X`, `fired R` or `not fired R`',
  predicateDecl: 'an expression or `jsonlogic "FILE.json"`', typeExpr: 'a type', testClause: 'a test clause', ruleClause: 'a rule clause', callArg: 'an argument',
};

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${tokenLabel(expected)} but found ${shown(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${shown(firstRedundant)}: expected a declaration`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => tokenLabel(path[0]!)));
    const what = RULE_WORDS[ruleName];
    return `expected ${what ?? oneOf(firsts)} but found ${shown(actual[0]!)}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) => {
    const what = RULE_WORDS[ruleName] ?? oneOf(expectedIterationPaths.map((p) => tokenLabel(p[0]!)));
    return `expected ${what} but found ${shown(actual[0]!)}`;
  },
};
