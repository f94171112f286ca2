// Stage 1: text → AST for one file. Lexes, runs the CstParser with recovery,
// then walks the CST into the AST of ast.ts. A declaration that the parser had
// to repair is kept out of the AST (its error is already reported) but its
// name is remembered, so later stages do not report it as unknown.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diag, type Diagnostic } from './diagnostics.ts';
import { Keyword, lex } from './lexer.ts';
import { parseDuration, parseMoney, parseNumber, parseString, parseTimestamp, type LiteralResult } from './literals.ts';
import { RuleParser } from './parser.ts';
import { firstChild, firstChildNode } from './cst.ts';
import { fileSizeDiagnostic, isStackOverflow, nestingDiagnostic, tooDeep } from './limits.ts';
import type { Span } from './source.ts';

let sharedParser: RuleParser | undefined;
function parser(): RuleParser {
  return (sharedParser ??= new RuleParser());
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
    words = [...new Set(parser().computeContentAssist(rule, []).flatMap((s) => {
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

function parseTokens(text: string, file: number, lexed: ReturnType<typeof lex>): ParseResult {
  const p = parser();
  p.text = text;
  p.input = lexed.tokens;
  const built: Diagnostic[] = [];
  const b = new Builder(file, built);
  const decls: A.Decl[] = [];
  const brokenNames: string[] = [];
  // A syntax error anywhere between a declaration's start and the next one's
  // belongs to it, even if the parser closed the declaration before the error:
  // so a declaration is built when the next one has been parsed (or the file
  // has), when every error before the next one's start is known. Building as
  // the parser goes leaves the CST of a large file to die young.
  const lexErrors = lexed.diagnostics.filter((d) => d.code === 'ZY1001' || d.code === 'ZY1003').map((d) => d.span.start);
  const errorAt = (e: (typeof p.errors)[number]) => errorStart(e.token, text);
  const settle = (d: CstNode, next: number) => {
    const inner = firstChildNode(d);
    if (inner) build(inner, d.location?.startOffset ?? 0, next);
    // Built: its CST is not needed any more (the file's node still lists it).
    (d as { children: CstNode['children'] }).children = {};
  };
  const build = (inner: CstNode, start: number, next: number) => {
    const inside = (o: number) => o > start && o <= next;
    // Without any error, no node can have been repaired: skip the walk.
    if ((lexErrors.length > 0 || p.errors.length > 0) && (isBroken(inner) || lexErrors.some(inside) || p.errors.some((e) => inside(errorAt(e))))) {
      const name = (inner.children['Identifier'] ?? inner.children['name'])?.[0] as IToken | undefined;
      if (name && !name.isInsertedInRecovery) brokenNames.push(name.image);
      return;
    }
    const decl = b.decl(inner);
    if (decl) decls.push(decl);
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
    cst = p.file();
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
  const p = parser();
  p.text = text;
  p.input = lexed.tokens;
  const cst = p.expression();
  // Parsed where it stands in the string; the tokens, and the nodes' locations computed from them, then move to `base`.
  for (const t of lexed.tokens) {
    t.startOffset += base;
    t.endOffset = (t.endOffset ?? t.startOffset + t.image.length - 1 - base) + base;
  }
  moveNodes(cst, base);
  const diagnostics = lexed.diagnostics.map((d) => ({ ...d, span: { ...d.span, start: d.span.start + base, end: d.span.end + base } }));
  for (const e of p.errors) {
    const start = Number.isNaN(e.token.startOffset) ? base + text.length : e.token.startOffset;
    diagnostics.push(diag('ZY1002', { file, start, end: start + Math.max(1, e.token.image.length) }, e.message));
  }
  if (diagnostics.length || isBroken(cst)) return { diagnostics };
  return { expr: new Builder(file, diagnostics).expression(cst), diagnostics };
}

function moveNodes(n: CstNode, by: number): void {
  if (n.location) {
    n.location.startOffset += by;
    if (n.location.endOffset !== undefined) n.location.endOffset += by;
  }
  for (const list of Object.values(n.children)) for (const c of list) if ('children' in c) moveNodes(c, by);
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
function node(n: CstNode, key: string, i = 0): CstNode | undefined {
  return n.children[key]?.[i] as CstNode | undefined;
}
function toks(n: CstNode, key: string): IToken[] {
  return (n.children[key] ?? []) as IToken[];
}
function tok(n: CstNode, key: string, i = 0): IToken | undefined {
  return n.children[key]?.[i] as IToken | undefined;
}

class Builder {
  constructor(private readonly file: number, private readonly diagnostics: Diagnostic[]) {}

  private span(n: CstNode | IToken): Span {
    return 'children' in n ? this.nodeSpan(n) : this.tokenSpan(n);
  }
  private nodeSpan(n: CstNode): Span {
    return { file: this.file, start: n.location!.startOffset, end: n.location!.endOffset! + 1 };
  }
  private tokenSpan(t: IToken): Span {
    return { file: this.file, start: t.startOffset, end: t.startOffset + t.image.length };
  }
  private spanOf(a: CstNode | IToken, b: CstNode | IToken): Span {
    const s = this.span(a);
    const e = this.span(b);
    return { file: this.file, start: s.start, end: Math.max(s.end, e.end) };
  }
  private name(t: IToken): A.Name {
    return { text: t.image, span: this.tokenSpan(t) };
  }
  private literal<T>(t: IToken, r: LiteralResult<T>, fallback: T): T {
    if (r.ok) return r.value;
    this.diagnostics.push(diag(r.range ? 'ZY1004' : 'ZY1003', this.span(t), r.message));
    return fallback;
  }
  private str(t: IToken): A.StringLit {
    return { kind: 'string', value: this.literal(t, parseString(t.image), ''), raw: t.image, span: this.span(t) };
  }
  private description(n: CstNode): string | undefined {
    const t = tok(n, 'StringLit');
    return t ? this.str(t).value : undefined;
  }

  decl(n: CstNode): A.Decl | undefined {
    const span = this.span(n);
    switch (n.name) {
      case 'packDecl': {
        const v = tok(n, 'StringLit');
        return { kind: 'pack', name: this.name(tok(n, 'Identifier')!), ...(v ? { version: this.str(v).value } : {}), span };
      }
      case 'outcomesDecl':
        return { kind: 'outcomes', outcomes: toks(n, 'Identifier').map((t) => this.name(t)), span };
      case 'thresholdDecl': {
        const num = tok(n, 'NumberLit')!;
        return { kind: 'threshold', outcome: this.name(tok(n, 'Identifier')!), at: this.literal(num, parseNumber(num.image), 0), atSpan: this.span(num), span };
      }
      case 'decidesDecl':
        return { kind: 'decides', types: toks(n, 'AnyName').map((t) => this.name(t)), span };
      case 'measuredDecl':
        return { kind: 'measured', kinds: toks(n, 'Identifier').map((t) => this.name(t)), span };
      case 'eventDecl':
        return { kind: 'event', ...opt('description', this.description(n)), fields: nodes(n, 'fieldDecl').map((f) => this.field(f)), span };
      case 'entityDecl':
        return {
          kind: 'entity', name: this.name(tok(n, 'name')!), key: this.name(tok(n, 'key')!),
          ...opt('description', this.description(n)), fields: nodes(n, 'fieldDecl').map((f) => this.field(f)), span,
        };
      case 'listDecl': {
        const items = node(n, 'listLit');
        return {
          kind: 'listDecl', name: this.name(tok(n, 'Identifier')!), type: this.typeExpr(node(n, 'typeExpr')!),
          ...(items ? { items: this.listLit(items) } : {}), external: !!tok(n, 'External'), ...opt('description', this.description(n)), span,
        };
      }
      case 'constDecl':
        return { kind: 'const', name: this.name(tok(n, 'Identifier')!), value: this.expression(node(n, 'expression')!), span };
      case 'predicateDecl': {
        const file = tok(n, 'file');
        if (file) return { kind: 'jsonlogicPredicate', name: this.name(tok(n, 'Identifier')!), ...opt('description', this.description(n)), file: this.str(file), span };
        return { kind: 'predicate', name: this.name(tok(n, 'Identifier')!), ...opt('description', this.description(n)), body: this.expression(node(n, 'expression')!), span };
      }
      case 'ruleDecl': {
        const title = tok(n, 'StringLit');
        return {
          kind: 'rule', id: this.name(tok(n, 'Identifier')!), ...(title ? { title: this.str(title).value } : {}),
          clauses: nodes(n, 'ruleClause').map((c) => this.ruleClause(c)), span,
        };
      }
      case 'testDecl':
        return { kind: 'test', name: this.str(tok(n, 'StringLit')!), clauses: nodes(n, 'testClause').map((c) => this.testClause(c)), span };
      case 'invariantDecl': {
        const source = tok(n, 'source');
        return {
          kind: 'invariant', title: this.str(tok(n, 'title')!), condition: this.expression(node(n, 'expression')!),
          conclusions: nodes(n, 'conclusion').map((c) => this.conclusion(c)), ...(source ? { source: this.str(source) } : {}), span,
        };
      }
      case 'fixtureDecl':
        return {
          kind: 'fixture', name: this.name(tok(n, 'Identifier')!), ...opt('description', this.description(n)),
          clauses: nodes(n, 'testClause').map((c) => this.testClause(c)), span,
        };
    }
    return undefined;
  }

  private field(n: CstNode): A.FieldDecl {
    return {
      kind: 'field', name: this.name(tok(n, 'AnyName')!), type: this.typeExpr(node(n, 'typeExpr')!),
      required: !!tok(n, 'Required'), protected: !!tok(n, 'Protected'), ...opt('description', this.description(n)), span: this.span(n),
    };
  }

  private typeExpr(n: CstNode): A.TypeExpr {
    const span = this.span(n);
    if (tok(n, 'Enum')) return { kind: 'enum', members: toks(n, 'AnyName').map((t) => this.name(t)), span };
    if (tok(n, 'Set')) return { kind: 'set', element: this.name(tok(n, 'Identifier')!), span };
    return { kind: 'named', name: this.name(tok(n, 'Identifier')!), span };
  }

  private ruleClause(n: CstNode): A.RuleClause {
    const span = this.span(n);
    if (tok(n, 'Let')) return { kind: 'let', name: this.name(tok(n, 'letName')!), value: this.expression(node(n, 'letValue')!), span };
    if (tok(n, 'note')) {
      const en = tok(n, 'noteEn');
      return { kind: 'note', condition: this.expression(node(n, 'noteWhen')!), zh: this.str(tok(n, 'noteZh')!), ...(en ? { en: this.str(en) } : {}), span };
    }
    if (tok(n, 'Owner')) return { kind: 'owner', value: this.str(tok(n, 'StringLit')!).value, span };
    if (tok(n, 'Tags')) return { kind: 'tags', tags: toks(n, 'AnyName').map((t) => this.name(t)), span };
    if (tok(n, 'Severity')) return { kind: 'severity', level: this.name(tok(n, 'Identifier')!), span };
    if (tok(n, 'Enabled')) return { kind: 'enabled', value: true, span };
    if (tok(n, 'Disabled')) return { kind: 'enabled', value: false, span };
    if (tok(n, 'Effective') || tok(n, 'Until')) {
      const from = tok(n, 'from');
      const until = tok(n, 'until');
      return { kind: 'effective', ...(from ? { from: this.timestamp(from) } : {}), ...(until ? { until: this.timestamp(until) } : {}), span };
    }
    if (tok(n, 'When')) return { kind: 'when', condition: this.expression(node(n, 'expression')!), span };
    if (tok(n, 'Then')) return { kind: 'then', outcome: this.name(tok(n, 'Identifier')!), span };
    if (tok(n, 'Score')) {
      const num = tok(n, 'NumberLit')!;
      const v = this.literal(num, parseNumber(num.image), 0);
      return { kind: 'score', points: tok(n, 'Minus') ? -v : v, span };
    }
    if (tok(n, 'Reason')) return { kind: 'reason', code: this.name(tok(n, 'Identifier')!), span };
    if (tok(n, 'Suppress')) return { kind: 'suppress', code: this.name(tok(n, 'code')!), reason: this.str(tok(n, 'why')!).value, span };
    const zh = tok(n, 'zh');
    const en = tok(n, 'en');
    return { kind: 'message', ...(zh ? { zh: this.str(zh) } : {}), ...(en ? { en: this.str(en) } : {}), span };
  }

  private conclusion(n: CstNode): A.Conclusion {
    const span = this.span(n);
    const rule = tok(n, 'rule');
    if (rule) return { kind: 'fired', negated: !!tok(n, 'Not'), rule: this.name(rule), span };
    const word = tok(n, 'outcomeWord')!;
    if (word.image !== 'outcome') this.diagnostics.push(diag('ZY1002', this.span(word), `expected \`outcome\`, \`fired\` or \`not fired\` after \`=>\` but found \`${word.image}\``));
    const bound = tok(n, 'bound');
    if (bound && bound.image !== 'least' && bound.image !== 'most') {
      this.diagnostics.push(diag('ZY1002', this.span(bound), `expected \`at least\` or \`at most\` but found \`at ${bound.image}\``));
    }
    const op = bound?.image === 'least' ? 'atLeast' : bound?.image === 'most' ? 'atMost' : 'is';
    return { kind: 'outcome', op, outcome: this.name(tok(n, 'outcome')!), span };
  }

  private testClause(n: CstNode): A.TestClause {
    const span = this.span(n);
    if (tok(n, 'At')) return { kind: 'at', time: this.expression(node(n, 'expression')!), span };
    if (tok(n, 'Expect')) return { kind: 'expect', expectation: this.expectation(node(n, 'expectation')!), span };
    if (tok(n, 'Cases')) {
      return {
        kind: 'cases', columns: nodes(n, 'pathExpr').map((p) => this.path(p)),
        rows: nodes(n, 'caseRow').map((r) => ({
          values: nodes(r, 'expression').map((e) => this.expression(e)),
          expect: nodes(r, 'expectation').map((e) => this.expectation(e)),
          span: this.span(r),
        })),
        span,
      };
    }
    if (tok(n, 'Event')) return { kind: 'givenEvent', record: this.record(node(n, 'record')!), span };
    if (tok(n, 'History')) return { kind: 'givenHistory', events: nodes(n, 'record').map((r) => this.record(r)), span };
    if (tok(n, 'List')) return { kind: 'givenList', list: this.name(tok(n, 'list')!), items: this.listLit(node(n, 'listLit')!), span };
    if (tok(n, 'days')) return { kind: 'givenDays', which: this.name(tok(n, 'days')!), days: this.listLit(node(n, 'listLit')!), span };
    if (tok(n, 'fixture')) return { kind: 'givenFixture', fixture: this.name(tok(n, 'fixture')!), span };
    return { kind: 'givenEntity', entity: this.name(tok(n, 'entity')!), record: this.record(node(n, 'record')!), span };
  }

  private expectation(n: CstNode): A.Expectation {
    const span = this.span(n);
    const negated = !!tok(n, 'Not');
    if (tok(n, 'Fired')) return { kind: 'fired', negated, rules: toks(n, 'Identifier').map((t) => this.name(t)), span };
    if (tok(n, 'Reason')) return { kind: 'reason', negated, code: this.name(tok(n, 'reason')!), span };
    if (tok(n, 'noteRule')) return { kind: 'note', negated, rule: this.name(tok(n, 'noteRule')!), span };
    if (tok(n, 'Score')) {
      const num = tok(n, 'NumberLit')!;
      const v = this.literal(num, parseNumber(num.image), 0);
      return { kind: 'score', op: (tok(n, 'op')?.image ?? '==') as A.ScoreOp, points: tok(n, 'Minus') ? -v : v, span };
    }
    if (tok(n, 'Message')) {
      const how = tok(n, 'how');
      const lang = tok(n, 'Zh') ? 'zh' : tok(n, 'En') ? 'en' : undefined;
      return { kind: 'message', ...(lang ? { lang } : {}), ...(how ? { how: this.name(how) } : {}), text: this.str(tok(n, 'StringLit')!), span };
    }
    if (tok(n, 'Seen')) return { kind: 'seen', what: this.coalesceExpr(node(n, 'seen')!), value: this.expression(node(n, 'value')!), span };
    const stray = toks(n, 'stray');
    const outcome = tok(n, 'outcome')!;
    if (stray.length) {
      const kinds = ['fired', 'score', 'reason', 'message', 'seen', 'note'];
      const near = kinds.find((k) => k !== outcome.image && (k.startsWith(outcome.image.slice(0, 3)) || outcome.image.startsWith(k)));
      this.diagnostics.push(diag('ZY1002', this.span(outcome), `\`expect ${outcome.image} ${stray.map((t) => t.image).join(' ')}\`: \`${outcome.image}\` is not a kind of expectation`,
        `${near ? `did you mean \`${near}\`? ` : ''}an expectation is an outcome, \`fired\`, \`not fired\`, \`score\`, \`reason\`, \`message\`, \`seen\` or \`note\``));
    }
    return { kind: 'outcome', outcome: this.name(outcome), ...(stray.length ? { misspelt: true } : {}), span };
  }

  private record(n: CstNode): A.RecordLit {
    const names = toks(n, 'AnyName');
    const values = nodes(n, 'expression');
    return {
      fields: names.map((t, i) => ({ name: this.name(t), value: this.expression(values[i]!), span: this.spanOf(t, values[i]!) })),
      span: this.span(n),
    };
  }

  private listLit(n: CstNode): A.ListLit {
    return { kind: 'list', items: nodes(n, 'expression').map((e) => this.expression(e)), span: this.span(n) };
  }

  private timestamp(t: IToken): A.TimestampLit {
    return { kind: 'timestamp', ms: this.literal(t, parseTimestamp(t.image), 0), raw: t.image, span: this.span(t) };
  }

  // ---------- expressions ----------
  // One method per precedence level, each reading its node's children by
  // name where it stands: every operand of every expression passes through
  // all of them (a shared lookup by a key in a variable was slower). Only a
  // CST the parser recovered from lacks an operand (the file has errors then,
  // and the declaration is not built).
  expression(n: CstNode): A.Expr {
    const cs = n.children['andExpr'] as CstNode[] | undefined;
    if (cs === undefined) return undefined as unknown as A.Expr;
    let acc = this.andExpr(cs[0]!);
    for (let i = 1; i < cs.length; i++) {
      const r = this.andExpr(cs[i]!);
      acc = { kind: 'or', left: acc, right: r, span: join(acc.span, r.span) };
    }
    return acc;
  }

  private andExpr(n: CstNode): A.Expr {
    const cs = n.children['notExpr'] as CstNode[] | undefined;
    if (cs === undefined) return undefined as unknown as A.Expr;
    let acc = this.notExpr(cs[0]!);
    for (let i = 1; i < cs.length; i++) {
      const r = this.notExpr(cs[i]!);
      acc = { kind: 'and', left: acc, right: r, span: join(acc.span, r.span) };
    }
    return acc;
  }

  private notExpr(n: CstNode): A.Expr {
    const inner = n.children['notExpr'] as CstNode[] | undefined;
    if (inner !== undefined) return { kind: 'not', operand: this.notExpr(inner[0]!), span: this.nodeSpan(n) };
    return this.cmp((n.children['cmpExpr'] as CstNode[])[0]!);
  }

  /** `coalesceExpr`, `addExpr` and `mulExpr`: operands joined from the left by the operator tokens between them. */
  private coalesceExpr(n: CstNode): A.Expr {
    const cs = n.children['addExpr'] as CstNode[] | undefined;
    if (cs === undefined) return undefined as unknown as A.Expr;
    let acc = this.addExpr(cs[0]!);
    for (let i = 1; i < cs.length; i++) acc = this.binary('??', acc, this.addExpr(cs[i]!), (n.children['Coalesce'] as IToken[])[i - 1]!);
    return acc;
  }

  private addExpr(n: CstNode): A.Expr {
    const cs = n.children['mulExpr'] as CstNode[] | undefined;
    if (cs === undefined) return undefined as unknown as A.Expr;
    let acc = this.mulExpr(cs[0]!);
    for (let i = 1; i < cs.length; i++) {
      const t = (n.children['op'] as IToken[])[i - 1]!;
      acc = this.binary(t.image as A.BinaryOp, acc, this.mulExpr(cs[i]!), t);
    }
    return acc;
  }

  private mulExpr(n: CstNode): A.Expr {
    const cs = n.children['unaryExpr'] as CstNode[] | undefined;
    if (cs === undefined) return undefined as unknown as A.Expr;
    let acc = this.unaryExpr(cs[0]!);
    for (let i = 1; i < cs.length; i++) {
      const t = (n.children['op'] as IToken[])[i - 1]!;
      acc = this.binary(t.image as A.BinaryOp, acc, this.unaryExpr(cs[i]!), t);
    }
    return acc;
  }

  private unaryExpr(n: CstNode): A.Expr {
    const inner = n.children['unaryExpr'] as CstNode[] | undefined;
    if (inner !== undefined) return { kind: 'neg', operand: this.unaryExpr(inner[0]!), span: this.nodeSpan(n) };
    return this.primary((n.children['primary'] as CstNode[])[0]!);
  }

  private binary(op: A.BinaryOp, left: A.Expr, right: A.Expr, opTok: IToken): A.Expr {
    return { kind: 'binary', op, left, right, opSpan: this.tokenSpan(opTok), span: join(left.span, right.span) };
  }

  private cmp(n: CstNode): A.Expr {
    const c = n.children;
    const left = this.coalesceExpr((c['left'] as CstNode[])[0]!);
    // Most operands compare nothing: their span is not needed.
    const op = c['op'] as IToken[] | undefined;
    if (op !== undefined) return this.binary(op[0]!.image as A.BinaryOp, left, this.coalesceExpr((c['right'] as CstNode[])[0]!), op[0]!);
    if (c['In']) return { kind: 'in', negated: !!c['notIn'], item: left, set: this.coalesceExpr((c['set'] as CstNode[])[0]!), span: this.nodeSpan(n) };
    if (c['Between']) return { kind: 'between', item: left, low: this.coalesceExpr((c['low'] as CstNode[])[0]!), high: this.coalesceExpr((c['high'] as CstNode[])[0]!), span: this.nodeSpan(n) };
    if (c['Is']) return { kind: 'isMissing', negated: !!c['isNot'], operand: left, span: this.nodeSpan(n) };
    return left;
  }

  private primary(n: CstNode): A.Expr {
    // One alternative was taken: its token or node is the only child (`(` … `)` has three).
    const c = n.children;
    if (c['pathExpr']) return this.path(c['pathExpr'][0] as CstNode);
    const span = this.nodeSpan(n);
    if (c['LParen']) return { kind: 'paren', inner: this.expression(node(n, 'expression')!), span };
    if (c['callExpr']) return this.call(c['callExpr'][0] as CstNode);
    if (c['listLit']) return this.listLit(c['listLit'][0] as CstNode);
    if (c['quantExpr']) return this.quant(c['quantExpr'][0] as CstNode);
    const t = firstChild(n) as IToken;
    switch (t.tokenType.name) {
      case 'NumberLit': return { kind: 'number', value: this.literal(t, parseNumber(t.image), 0), raw: t.image, span };
      case 'MoneyLit': return { kind: 'money', fen: this.literal(t, parseMoney(t.image), 0), raw: t.image, span };
      case 'DurationLit': return { kind: 'duration', ms: this.literal(t, parseDuration(t.image), 0), raw: t.image, span };
      case 'TimestampLit': return this.timestamp(t);
      case 'StringLit': return this.str(t);
      case 'True': return { kind: 'bool', value: true, span };
      case 'False': return { kind: 'bool', value: false, span };
      case 'Missing': return { kind: 'missing', span };
      case 'Now': return { kind: 'now', span };
    }
    throw new Error(`unexpected primary ${t.image}`);
  }

  private call(n: CstNode): A.Expr {
    return {
      kind: 'call', callee: this.name(tok(n, 'Identifier')!),
      args: nodes(n, 'callArg').map((a) => this.callArg(a)), span: this.span(n),
    };
  }

  private quant(n: CstNode): A.Expr {
    const q = tok(n, 'quantifier')!;
    if (!QUANTIFIERS.includes(q.image)) this.diagnostics.push(diag('ZY1002', this.span(q), `expected \`any\`, \`all\` or \`count\` before \`of\` but found \`${q.image}\``));
    return {
      kind: 'quant', quantifier: this.name(q), items: this.primary(node(n, 'items')!), negated: !!tok(n, 'Not'),
      set: this.primary(node(n, 'set')!), span: this.span(n),
    };
  }

  private callArg(n: CstNode): A.CallArg {
    const span = this.span(n);
    // `sequence(A followed by B …)`: the first `by` of an expression argument is the one after `followed`.
    const followed = toks(n, 'followed');
    if (tok(n, 'By') && !followed.length) return { kind: 'by', field: this.name(tok(n, 'AnyName')!), span };
    const d = tok(n, 'DurationLit');
    if (tok(n, 'Last') && d) return { kind: 'last', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span };
    const count = tok(n, 'count');
    if (count) {
      const c = this.literal(count, parseNumber(count.image), 0);
      const words = [tok(n, 'unitWord'), tok(n, 'unitWord2')].filter((t): t is IToken => !!t);
      const phrase = words.map((w) => w.image).join(' ');
      if (!Number.isInteger(c) || c < 1) this.diagnostics.push(diag('ZY1003', this.span(count), `\`last ${count.image} …\` needs a whole number of at least 1`));
      if (phrase === 'events' || phrase === 'event') return { kind: 'events', n: c, span };
      if (phrase === 'calendar months' || phrase === 'calendar month') return { kind: 'months', n: c, span };
      this.diagnostics.push(diag('ZY1002', this.spanOf(words[0]!, words[words.length - 1]!), `expected \`events\` or \`calendar months\` after \`last ${count.image}\` but found \`${phrase}\``,
        'a time window is written with a unit: `last 30d`'));
      return { kind: 'events', n: c, span };
    }
    const within = tok(n, 'within');
    if (within && d) {
      if (within.image !== 'within') this.diagnostics.push(diag('ZY1002', this.span(within), `expected \`within\` before \`${d.image}\` but found \`${within.image}\``));
      return { kind: 'within', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span };
    }
    if (tok(n, 'Today')) return { kind: 'calendar', unit: 'day', span };
    const unit = tok(n, 'unit');
    if (tok(n, 'This') && unit) {
      if (unit.image === 'week' || unit.image === 'month' || unit.image === 'day') return { kind: 'calendar', unit: unit.image, span };
      this.diagnostics.push(diag('ZY1002', this.span(unit), `expected \`day\`, \`week\` or \`month\` after \`this\` but found \`${unit.image}\``));
      return { kind: 'calendar', unit: 'day', span };
    }
    if (tok(n, 'Including')) return { kind: 'including', span };
    if (tok(n, 'Where')) return { kind: 'where', expr: this.expression(node(n, 'expression')!), span };
    if (followed.length) {
      for (const f of followed) if (f.image !== 'followed') this.diagnostics.push(diag('ZY1002', this.span(f), `expected \`followed by\` but found \`${f.image} by\``));
      return { kind: 'steps', steps: nodes(n, 'expression').map((e) => this.expression(e)), span };
    }
    return { kind: 'expr', expr: this.expression(node(n, 'expression')!), span };
  }

  private path(n: CstNode): A.PathExpr {
    const c = n.children;
    const first = this.name((c['Identifier'] ?? c['Event'])![0] as IToken);
    const more = c['AnyName'] as IToken[] | undefined;
    // A one-word path spans its word: the two share one span (spans are never changed).
    if (more === undefined) return { kind: 'path', parts: [first], span: first.span };
    // Made at its final length: grown by `push`, the list of a two-word path had room for 17.
    const parts = new Array<A.Name>(more.length + 1);
    parts[0] = first;
    for (let i = 0; i < more.length; i++) parts[i + 1] = this.name(more[i]!);
    return { kind: 'path', parts, span: this.nodeSpan(n) };
  }
}

const QUANTIFIERS = ['any', 'all', 'count'];

function join(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}
