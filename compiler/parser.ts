// The grammar, one Chevrotain parser class run two ways. Built with
// `{ output: 'ast' }` (parse.ts), each rule returns its part of the AST of
// ast.ts, built as the rule is parsed; built with `{ output: 'cst' }` (the
// formatter, and parse.ts on a file with errors), each rule returns
// Chevrotain's concrete syntax tree and the AST actions are skipped. Rules are
// class fields so that a misspelt rule name is a type error. Error recovery is
// on, so one broken declaration does not hide the errors in the others.
import { EmbeddedActionsParser, type CstNode, type IOrAlt, type IParserConfig, type IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diag, type Diagnostic } from './diagnostics.ts';
import * as T from './lexer.ts';
import { parseDuration, parseMoney, parseNumber, parseString, parseTimestamp, type LiteralResult } from './literals.ts';
import { messages } from './parser-messages.ts';
import type { Span } from './source.ts';

const LEFT = { LABEL: 'left' } as const;
const OP = { LABEL: 'op' } as const;
const QUANTIFIERS = ['any', 'all', 'count'];

/** A CST node's children: no inherited keys, as Chevrotain's own `Object.create(null)`. */
function Children(): void {}
Children.prototype = Object.create(null) as object;
const NewChildren = Children as unknown as new () => CstNode['children'];

/** The tree builder's setup, which Chevrotain's parser calls while it is constructed (chevrotain@11's internal `initTreeBuilder`). */
const initTreeBuilder = (Object.getPrototypeOf(EmbeddedActionsParser.prototype) as { initTreeBuilder(config: IParserConfig): void }).initTreeBuilder;

export class RuleParser extends EmbeddedActionsParser {
  // The alternatives of the ORs parsed most often are built once (`…Alts ??=`)
  // instead of as a fresh array of closures on every call: for each operand of
  // an expression that was about 30 objects of garbage (Chevrotain's
  // documented optimization; the closures use nothing but `this`). The bodies
  // of the MANYs and OPTIONs of expressions, lists and rules are kept the same
  // way (`…More ??=`), and so are the options objects (`LEFT`, `OP`). What a
  // kept body parses goes on `stack`, which the rule that called it takes back.
  /** The text being parsed (set with `input`): a few rules look at line breaks. */
  text = '';
  /** The file the spans of the AST are in (set with `input`). */
  fileIndex = 0;
  /** Where literal and word errors found while building the AST go (set with `input`). */
  diagnostics: Diagnostic[] = [];
  /** Whether the rules build the AST (false while Chevrotain records the grammar, and for CST output). */
  private readonly ast: boolean = false;
  private readonly stack: unknown[] = [];

  /** Is `b` on the same line as `a` ends on? */
  private sameLine(a: IToken, b: IToken): boolean {
    return !Number.isNaN(b.startOffset) && !this.text.slice(a.startOffset + a.image.length, b.startOffset).includes('\n');
  }

  constructor({ output }: { output: 'ast' | 'cst' }) {
    super(T.ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'onlyOffset', errorMessageProvider: messages, cst: output === 'cst' } as IParserConfig);
    this.performSelfAnalysis();
    this.ast = output === 'ast';
  }

  /**
   * Chevrotain's CstParser and EmbeddedActionsParser differ only in this
   * setting: `cst` picks the concrete syntax tree as each rule's result.
   * (Overrides an internal method of chevrotain@11, pinned in package.json;
   * spec/parser.test.ts checks both outputs.)
   */
  protected initTreeBuilder(config: IParserConfig & { cst?: boolean }): void {
    initTreeBuilder.call(this, { ...config, outputCst: config.cst === true });
  }

  /**
   * Chevrotain gives each CST node's `children` a null prototype
   * (`Object.create(null)`), which V8 makes a hash table: one per node, and a
   * large file has millions of nodes. `Children` objects have no inherited
   * keys either, but V8 lays them out as ordinary objects.
   * (Overrides an internal method of chevrotain@11, pinned in package.json;
   * spec/parser.test.ts checks the nodes it makes.)
   */
  protected cstInvocationStateUpdate(fullRuleName: string): void {
    const node = { name: fullRuleName, children: new NewChildren() } as unknown as CstNode;
    (this as unknown as { setInitialNodeLocation(n: CstNode): void }).setInitialNodeLocation(node);
    (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.push(node);
  }

  /** Sets the tokens to parse, the text they are from and the file the AST is in; clears the diagnostics. */
  start(tokens: IToken[], text: string, file: number): void {
    this.input = tokens;
    this.text = text;
    this.fileIndex = file;
    this.diagnostics = [];
    this.stack.length = 0;
  }

  // ---------- building the AST ----------
  /** From offset `start` to the end of the last token parsed. */
  private from(start: number): Span {
    return { file: this.fileIndex, start, end: this.LA(0).endOffset! + 1 };
  }
  private tokenSpan(t: IToken): Span {
    return { file: this.fileIndex, start: t.startOffset, end: t.startOffset + t.image.length };
  }
  /** What `stack` holds from `mark` on, taken off it. */
  private take<X>(mark: number): X[] {
    const xs = this.stack.slice(mark) as X[];
    this.drop(mark);
    return xs;
  }
  /** Takes `stack` back to `mark` (popped: setting an array's length is a call into the runtime). */
  private drop(mark: number): void {
    while (this.stack.length > mark) this.stack.pop();
  }
  private name(t: IToken): A.Name {
    return { text: t.image, span: this.tokenSpan(t) };
  }
  private literal<X>(t: IToken, r: LiteralResult<X>, fallback: X): X {
    if (r.ok) return r.value;
    this.diagnostics.push(diag(r.range ? 'ZY1004' : 'ZY1003', this.tokenSpan(t), r.message));
    return fallback;
  }
  private str(t: IToken): A.StringLit {
    return { kind: 'string', value: this.literal(t, parseString(t.image), ''), raw: t.image, span: this.tokenSpan(t) };
  }
  private description(t: IToken | undefined): { description?: string } {
    return t ? { description: this.str(t).value } : {};
  }
  private timestamp(t: IToken): A.TimestampLit {
    return { kind: 'timestamp', ms: this.literal(t, parseTimestamp(t.image), 0), raw: t.image, span: this.tokenSpan(t) };
  }
  private binary(op: A.BinaryOp, left: A.Expr, right: A.Expr, opTok: IToken): A.Expr {
    return { kind: 'binary', op, left, right, opSpan: this.tokenSpan(opTok), span: join(left.span, right.span) };
  }
  private error(at: IToken | Span, message: string, help?: string): void {
    this.diagnostics.push(diag('ZY1002', 'image' in at ? this.tokenSpan(at) : at, message, help));
  }

  /** Called with each declaration's CST as soon as it is parsed (CST output only: parse.ts, on a file with errors). */
  onDecl: ((decl: CstNode) => void) | undefined;

  file = this.RULE('file', (): A.Decl[] => {
    const decls: A.Decl[] = [];
    this.MANY(() => {
      const d = this.SUBRULE(this.decl);
      if (this.ast) decls.push(d);
      else if (this.onDecl && !this.RECORDING_PHASE) this.onDecl(d as unknown as CstNode);
    });
    return decls;
  });

  private declAlts?: IOrAlt<A.Decl>[];
  decl = this.RULE('decl', (): A.Decl => this.OR((this.declAlts ??= [
    { ALT: () => this.SUBRULE(this.packDecl) },
    { ALT: () => this.SUBRULE(this.outcomesDecl) },
    { ALT: () => this.SUBRULE(this.thresholdDecl) },
    { ALT: () => this.SUBRULE(this.decidesDecl) },
    { ALT: () => this.SUBRULE(this.measuredDecl) },
    { ALT: () => this.SUBRULE(this.eventDecl) },
    { ALT: () => this.SUBRULE(this.entityDecl) },
    { ALT: () => this.SUBRULE(this.listDecl) },
    { ALT: () => this.SUBRULE(this.constDecl) },
    { ALT: () => this.SUBRULE(this.predicateDecl) },
    { ALT: () => this.SUBRULE(this.ruleDecl) },
    { ALT: () => this.SUBRULE(this.testDecl) },
    { ALT: () => this.SUBRULE(this.fixtureDecl) },
    { ALT: () => this.SUBRULE(this.invariantDecl) },
  ])));

  packDecl = this.RULE('packDecl', (): A.Decl => {
    const start = this.CONSUME(T.Pack).startOffset;
    const name = this.CONSUME(T.Identifier);
    const v = this.OPTION(() => { this.CONSUME(T.Version); return this.CONSUME(T.StringLit); });
    if (!this.ast) return undefined as never;
    return { kind: 'pack', name: this.name(name), ...(v ? { version: this.str(v).value } : {}), span: this.from(start) };
  });

  outcomesDecl = this.RULE('outcomesDecl', (): A.Decl => {
    const start = this.CONSUME(T.Outcomes).startOffset;
    const outcomes: A.Name[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Gt, DEF: () => { const t = this.CONSUME(T.Identifier); if (this.ast) outcomes.push(this.name(t)); } });
    return { kind: 'outcomes', outcomes, span: this.ast ? this.from(start) : (undefined as never) };
  });

  thresholdDecl = this.RULE('thresholdDecl', (): A.Decl => {
    const start = this.CONSUME(T.Threshold).startOffset;
    const outcome = this.CONSUME(T.Identifier);
    this.CONSUME(T.At);
    const num = this.CONSUME(T.NumberLit);
    if (!this.ast) return undefined as never;
    return { kind: 'threshold', outcome: this.name(outcome), at: this.literal(num, parseNumber(num.image), 0), atSpan: this.tokenSpan(num), span: this.from(start) };
  });

  /** `decides login, transfer_out`: the event types the pack is for (members of the event's `type`). */
  decidesDecl = this.RULE('decidesDecl', (): A.Decl => {
    const start = this.CONSUME(T.Decides).startOffset;
    const types: A.Name[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.AnyName); if (this.ast) types.push(this.name(t)); } });
    return { kind: 'decides', types, span: this.ast ? this.from(start) : (undefined as never) };
  });

  /** `measured by fraud, chargeback`: the label kinds a backtest scores the pack against. */
  measuredDecl = this.RULE('measuredDecl', (): A.Decl => {
    const start = this.CONSUME(T.Measured).startOffset;
    this.CONSUME(T.By);
    const kinds: A.Name[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.Identifier); if (this.ast) kinds.push(this.name(t)); } });
    return { kind: 'measured', kinds, span: this.ast ? this.from(start) : (undefined as never) };
  });

  eventDecl = this.RULE('eventDecl', (): A.Decl => {
    const start = this.CONSUME(T.Event).startOffset;
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    const description = this.ast ? this.description(d) : {};
    this.CONSUME(T.LBrace);
    const fields: A.FieldDecl[] = [];
    this.MANY(() => fields.push(this.SUBRULE(this.fieldDecl)));
    this.CONSUME(T.RBrace);
    return { kind: 'event', ...description, fields, span: this.ast ? this.from(start) : (undefined as never) };
  });

  entityDecl = this.RULE('entityDecl', (): A.Decl => {
    const start = this.CONSUME(T.Entity).startOffset;
    const name = this.CONSUME(T.AnyName, { LABEL: 'name' });
    this.CONSUME(T.By);
    const key = this.CONSUME2(T.AnyName, { LABEL: 'key' });
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    const head = this.ast ? { name: this.name(name), key: this.name(key), ...this.description(d) } : (undefined as never);
    this.CONSUME(T.LBrace);
    const fields: A.FieldDecl[] = [];
    this.MANY(() => fields.push(this.SUBRULE(this.fieldDecl)));
    this.CONSUME(T.RBrace);
    return { kind: 'entity', ...head, fields, span: this.ast ? this.from(start) : (undefined as never) };
  });

  fieldDecl = this.RULE('fieldDecl', (): A.FieldDecl => {
    const name = this.CONSUME(T.AnyName);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    let required = false;
    let isProtected = false;
    this.MANY(() => this.OR([{ ALT: () => { this.CONSUME(T.Required); required = true; } }, { ALT: () => { this.CONSUME(T.Protected); isProtected = true; } }]));
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    this.OPTION2(() => this.CONSUME(T.Comma));
    if (!this.ast) return undefined as never;
    return { kind: 'field', name: this.name(name), type, required, protected: isProtected, ...this.description(d), span: this.from(name.startOffset) };
  });

  typeExpr = this.RULE('typeExpr', (): A.TypeExpr => {
    const start = this.LA(1).startOffset;
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Enum);
          this.CONSUME(T.LParen);
          const members: A.Name[] = [];
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.AnyName); if (this.ast) members.push(this.name(t)); } });
          this.CONSUME(T.RParen);
          return { kind: 'enum', members, span: this.ast ? this.from(start) : (undefined as never) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Set);
          this.CONSUME(T.Lt);
          const element = this.CONSUME2(T.Identifier);
          this.CONSUME(T.Gt);
          return this.ast ? { kind: 'set', element: this.name(element), span: this.from(start) } : (undefined as never);
        },
      },
      { ALT: () => { const t = this.CONSUME(T.Identifier); return this.ast ? { kind: 'named', name: this.name(t), span: this.from(start) } : (undefined as never); } },
    ]);
  });

  listDecl = this.RULE('listDecl', (): A.Decl => {
    const start = this.CONSUME(T.List).startOffset;
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    let items: A.ListLit | undefined;
    let external = false;
    this.OR([
      { ALT: () => { this.CONSUME(T.Equals); items = this.SUBRULE(this.listLit); } },
      { ALT: () => { this.CONSUME(T.External); external = true; } },
    ]);
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    if (!this.ast) return undefined as never;
    return { kind: 'listDecl', name: this.name(name), type, ...(items ? { items } : {}), external, ...this.description(d), span: this.from(start) };
  });

  constDecl = this.RULE('constDecl', (): A.Decl => {
    const start = this.CONSUME(T.Const).startOffset;
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expression);
    return this.ast ? { kind: 'const', name: this.name(name), value, span: this.from(start) } : (undefined as never);
  });

  predicateDecl = this.RULE('predicateDecl', (): A.Decl => {
    const start = this.CONSUME(T.Predicate).startOffset;
    const nameTok = this.CONSUME(T.Identifier);
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    const head = this.ast ? { name: this.name(nameTok), ...this.description(d) } : (undefined as never);
    this.CONSUME(T.Equals);
    return this.OR([
      // `predicate risky = jsonlogic "risky.json"`: the body is a JSON Logic rule in a file of the pack.
      {
        ALT: () => {
          this.CONSUME(T.Jsonlogic);
          const file = this.CONSUME2(T.StringLit, { LABEL: 'file' });
          return this.ast ? { kind: 'jsonlogicPredicate', ...head, file: this.str(file), span: this.from(start) } : (undefined as never);
        },
      },
      { ALT: () => { const body = this.SUBRULE(this.expression); return this.ast ? { kind: 'predicate', ...head, body, span: this.from(start) } : (undefined as never); } },
    ]);
  });

  private ruleTitle?: () => IToken;
  private ruleClauses?: () => void;
  ruleDecl = this.RULE('ruleDecl', (): A.Decl => {
    const start = this.CONSUME(T.Rule).startOffset;
    const id = this.CONSUME(T.Identifier);
    const title = this.OPTION((this.ruleTitle ??= () => this.CONSUME(T.StringLit)));
    const head = this.ast ? { id: this.name(id), ...(title ? { title: this.str(title).value } : {}) } : (undefined as never);
    const mark = this.stack.length;
    this.MANY((this.ruleClauses ??= () => { this.stack.push(this.SUBRULE(this.ruleClause)); }));
    const clauses = this.take<A.RuleClause>(mark);
    return this.ast ? { kind: 'rule', ...head, clauses, span: this.from(start) } : (undefined as never);
  });

  private ruleClauseAlts?: IOrAlt<A.RuleClause>[];
  ruleClause = this.RULE('ruleClause', (): A.RuleClause => this.OR((this.ruleClauseAlts ??= [
    { ALT: () => { const start = this.CONSUME(T.Owner).startOffset; const v = this.CONSUME3(T.StringLit); return this.ast ? { kind: 'owner', value: this.str(v).value, span: this.from(start) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Tags).startOffset;
        const tags: A.Name[] = [];
        this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.AnyName); if (this.ast) tags.push(this.name(t)); } });
        return { kind: 'tags', tags, span: this.ast ? this.from(start) : (undefined as never) };
      },
    },
    { ALT: () => { const start = this.CONSUME(T.Severity).startOffset; const t = this.CONSUME2(T.Identifier); return this.ast ? { kind: 'severity', level: this.name(t), span: this.from(start) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Enabled); return this.ast ? { kind: 'enabled', value: true, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Disabled); return this.ast ? { kind: 'enabled', value: false, span: this.tokenSpan(t) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Effective).startOffset;
        const from = this.CONSUME(T.TimestampLit, { LABEL: 'from' });
        const fromTs = this.ast ? this.timestamp(from) : undefined;
        const until = this.OPTION(() => { this.CONSUME(T.Until); return this.CONSUME2(T.TimestampLit, { LABEL: 'until' }); });
        if (!this.ast) return undefined as never;
        return { kind: 'effective', from: fromTs, ...(until ? { until: this.timestamp(until) } : {}), span: this.from(start) };
      },
    },
    {
      ALT: () => {
        const start = this.CONSUME2(T.Until).startOffset;
        const until = this.CONSUME3(T.TimestampLit, { LABEL: 'until' });
        return this.ast ? { kind: 'effective', until: this.timestamp(until), span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => { const start = this.CONSUME(T.When).startOffset; const condition = this.SUBRULE(this.expression); return this.ast ? { kind: 'when', condition, span: this.from(start) } : (undefined as never); } },
    { ALT: () => { const start = this.CONSUME(T.Then).startOffset; const t = this.CONSUME3(T.Identifier); return this.ast ? { kind: 'then', outcome: this.name(t), span: this.from(start) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Score).startOffset;
        const sign = this.OPTION2(() => this.OR2([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]));
        const num = this.CONSUME(T.NumberLit);
        if (!this.ast) return undefined as never;
        const v = this.literal(num, parseNumber(num.image), 0);
        return { kind: 'score', points: sign?.tokenType === T.Minus ? -v : v, span: this.from(start) };
      },
    },
    { ALT: () => { const start = this.CONSUME(T.Reason).startOffset; const t = this.CONSUME4(T.Identifier); return this.ast ? { kind: 'reason', code: this.name(t), span: this.from(start) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Suppress).startOffset;
        const code = this.CONSUME5(T.Identifier, { LABEL: 'code' });
        const why = this.CONSUME5(T.StringLit, { LABEL: 'why' });
        return this.ast ? { kind: 'suppress', code: this.name(code), reason: this.str(why).value, span: this.from(start) } : (undefined as never);
      },
    },
    // `let name = expression`: a name for a value, used in the condition, the messages and the note.
    {
      ALT: () => {
        const start = this.CONSUME(T.Let).startOffset;
        const name = this.CONSUME6(T.Identifier, { LABEL: 'letName' });
        this.CONSUME(T.Equals);
        const value = this.SUBRULE2(this.expression, { LABEL: 'letValue' });
        return this.ast ? { kind: 'let', name: this.name(name), value, span: this.from(start) } : (undefined as never);
      },
    },
    // `note when CONDITION "中文" en "English"`: why the rule could not decide, listed on the decision.
    // (`note` is not a keyword: events may well have a field called `note`.)
    {
      GATE: () => this.LA(1).image === 'note',
      ALT: () => {
        const start = this.CONSUME7(T.Identifier, { LABEL: 'note' }).startOffset;
        this.CONSUME2(T.When);
        const condition = this.SUBRULE3(this.expression, { LABEL: 'noteWhen' });
        this.OPTION5(() => this.CONSUME2(T.Zh));
        const zh = this.CONSUME6(T.StringLit, { LABEL: 'noteZh' });
        const zhLit = this.ast ? this.str(zh) : undefined;
        const en = this.OPTION6(() => { this.CONSUME2(T.En); return this.CONSUME7(T.StringLit, { LABEL: 'noteEn' }); });
        if (!this.ast) return undefined as never;
        return { kind: 'note', condition, zh: zhLit!, ...(en ? { en: this.str(en) } : {}), span: this.from(start) };
      },
    },
    {
      ALT: () => {
        const start = this.CONSUME(T.Message).startOffset;
        this.OPTION3(() => this.CONSUME(T.Zh));
        const zh = this.CONSUME4(T.StringLit, { LABEL: 'zh' });
        const zhLit = this.ast ? this.str(zh) : undefined;
        const en = this.OPTION4(() => { this.CONSUME(T.En); return this.CONSUME2(T.StringLit, { LABEL: 'en' }); });
        if (!this.ast) return undefined as never;
        return { kind: 'message', zh: zhLit!, ...(en ? { en: this.str(en) } : {}), span: this.from(start) };
      },
    },
  ])));

  /** `invariant "title": CONDITION => outcome deny [and fired R …] [source "…"]` (`source` is a word, not a keyword). */
  invariantDecl = this.RULE('invariantDecl', (): A.Decl => {
    const start = this.CONSUME(T.Invariant).startOffset;
    const titleTok = this.CONSUME(T.StringLit, { LABEL: 'title' });
    const title = this.ast ? this.str(titleTok) : (undefined as never);
    this.CONSUME(T.Colon);
    const condition = this.SUBRULE(this.expression);
    this.CONSUME(T.Arrow);
    const conclusions: A.Conclusion[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.And, DEF: () => conclusions.push(this.SUBRULE(this.conclusion)) });
    const source = this.OPTION({
      GATE: () => this.LA(1).image === 'source',
      DEF: () => { this.CONSUME(T.Identifier, { LABEL: 'sourceWord' }); return this.CONSUME2(T.StringLit, { LABEL: 'source' }); },
    });
    if (!this.ast) return undefined as never;
    return { kind: 'invariant', title, condition, conclusions, ...(source ? { source: this.str(source) } : {}), span: this.from(start) };
  });

  /** `outcome X`, `outcome at least X`, `outcome at most X`, `fired R`, `not fired R`. */
  conclusion = this.RULE('conclusion', (): A.Conclusion => {
    const start = this.LA(1).startOffset;
    return this.OR([
      {
        ALT: () => {
          const not = this.OPTION(() => this.CONSUME(T.Not));
          this.CONSUME(T.Fired);
          const rule = this.CONSUME(T.Identifier, { LABEL: 'rule' });
          return this.ast ? { kind: 'fired', negated: !!not, rule: this.name(rule), span: this.from(start) } : (undefined as never);
        },
      },
      {
        ALT: () => {
          const word = this.CONSUME2(T.Identifier, { LABEL: 'outcomeWord' });
          const bound = this.OPTION2(() => { this.CONSUME(T.At); return this.CONSUME3(T.Identifier, { LABEL: 'bound' }); });
          const outcome = this.CONSUME4(T.Identifier, { LABEL: 'outcome' });
          if (!this.ast) return undefined as never;
          if (word.image !== 'outcome') this.error(word, `expected \`outcome\`, \`fired\` or \`not fired\` after \`=>\` but found \`${word.image}\``);
          if (bound && bound.image !== 'least' && bound.image !== 'most') this.error(bound, `expected \`at least\` or \`at most\` but found \`at ${bound.image}\``);
          const op = bound?.image === 'least' ? 'atLeast' : bound?.image === 'most' ? 'atMost' : 'is';
          return { kind: 'outcome', op, outcome: this.name(outcome), span: this.from(start) };
        },
      },
    ]);
  });

  testDecl = this.RULE('testDecl', (): A.Decl => {
    const start = this.CONSUME(T.Test).startOffset;
    const nameTok = this.CONSUME(T.StringLit);
    const name = this.ast ? this.str(nameTok) : (undefined as never);
    const clauses: A.TestClause[] = [];
    this.MANY(() => clauses.push(this.SUBRULE(this.testClause)));
    return this.ast ? { kind: 'test', name, clauses, span: this.from(start) } : (undefined as never);
  });

  /** `fixture NAME ["description"]` and `at` / `given` clauses: test data that tests include with `given NAME`. */
  fixtureDecl = this.RULE('fixtureDecl', (): A.Decl => {
    const start = this.CONSUME(T.Fixture).startOffset;
    const name = this.CONSUME(T.Identifier);
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    const head = this.ast ? { name: this.name(name), ...this.description(d) } : (undefined as never);
    const clauses: A.TestClause[] = [];
    this.MANY(() => clauses.push(this.SUBRULE(this.testClause)));
    return this.ast ? { kind: 'fixture', ...head, clauses, span: this.from(start) } : (undefined as never);
  });

  testClause = this.RULE('testClause', (): A.TestClause => {
    const start = this.LA(1).startOffset;
    const done = <C extends object>(c: C): C & { span: Span } => (this.ast ? { ...c, span: this.from(start) } : (undefined as never));
    return this.OR([
      { ALT: () => { this.CONSUME(T.At); const time = this.SUBRULE(this.expression); return done({ kind: 'at' as const, time }); } },
      {
        ALT: () => {
          this.CONSUME(T.Given);
          return this.OR2<A.TestClause>([
            { ALT: () => { this.CONSUME(T.Event); const record = this.SUBRULE(this.record); return done({ kind: 'givenEvent' as const, record }); } },
            {
              ALT: () => {
                this.CONSUME(T.History);
                this.CONSUME(T.LBracket);
                const events: A.RecordLit[] = [];
                this.MANY_SEP({ SEP: T.Comma, DEF: () => events.push(this.SUBRULE2(this.record)) });
                this.CONSUME(T.RBracket);
                return done({ kind: 'givenHistory' as const, events });
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.List);
                const list = this.CONSUME(T.Identifier, { LABEL: 'list' });
                const items = this.SUBRULE(this.listLit);
                return this.ast ? done({ kind: 'givenList' as const, list: this.name(list), items }) : (undefined as never);
              },
            },
            {
              ALT: () => {
                const entity = this.CONSUME2(T.Identifier, { LABEL: 'entity' });
                const record = this.SUBRULE3(this.record);
                return this.ast ? done({ kind: 'givenEntity' as const, entity: this.name(entity), record }) : (undefined as never);
              },
            },
            {
              ALT: () => {
                const which = this.CONSUME3(T.Identifier, { LABEL: 'days' });
                const days = this.SUBRULE2(this.listLit);
                return this.ast ? done({ kind: 'givenDays' as const, which: this.name(which), days }) : (undefined as never);
              },
            },
            { ALT: () => { const f = this.CONSUME4(T.Identifier, { LABEL: 'fixture' }); return this.ast ? done({ kind: 'givenFixture' as const, fixture: this.name(f) }) : (undefined as never); } },
          ]);
        },
      },
      { ALT: () => { this.CONSUME(T.Expect); const expectation = this.SUBRULE(this.expectation); return done({ kind: 'expect' as const, expectation }); } },
      {
        ALT: () => {
          this.CONSUME(T.Cases);
          this.CONSUME(T.LParen);
          const columns: A.PathExpr[] = [];
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => columns.push(this.SUBRULE(this.pathExpr)) });
          this.CONSUME(T.RParen);
          this.CONSUME(T.LBrace);
          const rows: A.CaseRow[] = [];
          this.MANY2(() => rows.push(this.SUBRULE(this.caseRow)));
          this.CONSUME(T.RBrace);
          return done({ kind: 'cases' as const, columns, rows });
        },
      },
    ]);
  });

  expectation = this.RULE('expectation', (): A.Expectation => {
    const start = this.LA(1).startOffset;
    return this.OR([
      {
        // `expect [not] note RULE` (`note` is a word, not a keyword).
        GATE: () => this.LA(1).image === 'note' || (this.LA(1).tokenType === T.Not && this.LA(2).image === 'note'),
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const not = this.OPTION6(() => this.CONSUME2(T.Not));
          this.CONSUME6(T.Identifier, { LABEL: 'noteWord' });
          const rule = this.CONSUME4(T.Identifier, { LABEL: 'noteRule' });
          return this.ast ? { kind: 'note', negated: !!not, rule: this.name(rule), span: this.from(start) } : (undefined as never);
        },
      },
      {
        ALT: () => {
          const negated = !!this.OPTION(() => this.CONSUME(T.Not));
          return this.OR2<A.Expectation>([
            {
              ALT: () => {
                this.CONSUME(T.Fired);
                const rules: A.Name[] = [];
                this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.Identifier); if (this.ast) rules.push(this.name(t)); } });
                return { kind: 'fired', negated, rules, span: this.ast ? this.from(start) : (undefined as never) };
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Reason);
                const code = this.CONSUME3(T.Identifier, { LABEL: 'reason' });
                return this.ast ? { kind: 'reason', negated, code: this.name(code), span: this.from(start) } : (undefined as never);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Score);
          const op = this.OPTION3(() => this.CONSUME(T.CompareOp, { LABEL: 'op' }));
          const minus = this.OPTION2(() => this.CONSUME(T.Minus));
          const num = this.CONSUME(T.NumberLit);
          if (!this.ast) return undefined as never;
          const v = this.literal(num, parseNumber(num.image), 0);
          return { kind: 'score', op: (op?.image ?? '==') as A.ScoreOp, points: minus ? -v : v, span: this.from(start) };
        },
      },
      {
        // `expect message [zh|en] [contains] "text"`
        ALT: () => {
          this.CONSUME(T.Message);
          const lang = this.OPTION4(() => this.OR4([{ ALT: () => { this.CONSUME(T.Zh); return 'zh' as const; } }, { ALT: () => { this.CONSUME(T.En); return 'en' as const; } }]));
          const how = this.OPTION5(() => this.CONSUME5(T.Identifier, { LABEL: 'how' }));
          const text = this.CONSUME(T.StringLit);
          if (!this.ast) return undefined as never;
          return { kind: 'message', ...(lang ? { lang } : {}), ...(how ? { how: this.name(how) } : {}), text: this.str(text), span: this.from(start) };
        },
      },
      // `expect seen FEATURE = VALUE`: the value a feature, aggregate, predicate or `let` had in the decision.
      {
        ALT: () => {
          this.CONSUME(T.Seen);
          const what = this.SUBRULE(this.coalesceExpr, { LABEL: 'seen' });
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expression, { LABEL: 'value' });
          return this.ast ? { kind: 'seen', what, value, span: this.from(start) } : (undefined as never);
        },
      },
      {
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const outcome = this.CONSUME2(T.Identifier, { LABEL: 'outcome' });
          // `expect reasons R`: words after a misspelt expectation, on its line, are kept for a clear error.
          // (In a `cases` row more expectations follow on the line; they start with a keyword, or `note`.)
          const stray: IToken[] = [];
          this.MANY({
            GATE: () => this.sameLine(outcome, this.LA(1)) && this.LA(1).image !== 'note',
            DEF: () => { stray.push(this.CONSUME7(T.Identifier, { LABEL: 'stray' })); },
          });
          if (!this.ast) return undefined as never;
          if (stray.length) {
            const kinds = ['fired', 'score', 'reason', 'message', 'seen', 'note'];
            const near = kinds.find((k) => k !== outcome.image && (k.startsWith(outcome.image.slice(0, 3)) || outcome.image.startsWith(k)));
            this.error(outcome, `\`expect ${outcome.image} ${stray.map((t) => t.image).join(' ')}\`: \`${outcome.image}\` is not a kind of expectation`,
              `${near ? `did you mean \`${near}\`? ` : ''}an expectation is an outcome, \`fired\`, \`not fired\`, \`score\`, \`reason\`, \`message\`, \`seen\` or \`note\``);
          }
          return { kind: 'outcome', outcome: this.name(outcome), ...(stray.length ? { misspelt: true } : {}), span: this.from(start) };
        },
      },
    ]);
  });

  caseRow = this.RULE('caseRow', (): A.CaseRow => {
    const start = this.CONSUME(T.LParen).startOffset;
    const values: A.Expr[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => values.push(this.SUBRULE(this.expression)) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    const expect: A.Expectation[] = [];
    this.AT_LEAST_ONE(() => expect.push(this.SUBRULE(this.expectation)));
    return { values, expect, span: this.ast ? this.from(start) : (undefined as never) };
  });

  record = this.RULE('record', (): A.RecordLit => {
    const start = this.CONSUME(T.LBrace).startOffset;
    const fields: A.RecordField[] = [];
    this.MANY(() => {
      const name = this.CONSUME(T.AnyName);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.expression);
      if (this.ast) fields.push({ name: this.name(name), value, span: this.from(name.startOffset) });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
    return { fields, span: this.ast ? this.from(start) : (undefined as never) };
  });

  private listComma?: () => void;
  private listItem?: () => void;
  listLit = this.RULE('listLit', (): A.ListLit => {
    const start = this.CONSUME(T.LBracket).startOffset;
    const mark = this.stack.length;
    this.MANY((this.listItem ??= () => {
      this.stack.push(this.SUBRULE(this.expression));
      this.OPTION((this.listComma ??= () => this.CONSUME(T.Comma)));
    }));
    this.CONSUME(T.RBracket);
    const items = this.take<A.Expr>(mark);
    return { kind: 'list', items, span: this.ast ? this.from(start) : (undefined as never) };
  });

  // ---------- expressions, lowest precedence first ----------
  // Each level joins its operands from the left; an operand that is alone at
  // its level is returned as it is (most operands pass through every level).
  private orMore?: () => void;
  expression = this.RULE('expression', (): A.Expr => {
    const acc = this.SUBRULE(this.andExpr);
    const mark = this.stack.length;
    this.MANY((this.orMore ??= () => { this.CONSUME(T.Or); this.stack.push(this.SUBRULE2(this.andExpr)); }));
    return this.logical('or', acc, mark);
  });

  private andMore?: () => void;
  andExpr = this.RULE('andExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.notExpr);
    const mark = this.stack.length;
    this.MANY((this.andMore ??= () => { this.CONSUME(T.And); this.stack.push(this.SUBRULE2(this.notExpr)); }));
    return this.logical('and', acc, mark);
  });

  /** `first` joined from the left by `kind` with the operands on `stack` from `mark` on. */
  private logical(kind: 'and' | 'or', first: A.Expr, mark: number): A.Expr {
    const n = this.stack.length;
    if (n === mark) return first;
    let acc = first;
    if (this.ast) for (let i = mark; i < n; i++) { const r = this.stack[i] as A.Expr; acc = { kind, left: acc, right: r, span: join(acc.span, r.span) }; }
    this.drop(mark);
    return acc;
  }

  private notExprAlts?: IOrAlt<A.Expr>[];
  notExpr = this.RULE('notExpr', (): A.Expr => this.OR((this.notExprAlts ??= [
    {
      ALT: () => {
        const start = this.CONSUME(T.Not).startOffset;
        const operand = this.SUBRULE(this.notExpr);
        return this.ast ? { kind: 'not', operand, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.cmpExpr) },
  ])));

  // The comparison's alternatives find its left operand and its start on `stack`.
  private cmpExprAlts?: IOrAlt<A.Expr>[];
  private cmpRight?: () => A.Expr;
  private cmpLeft(): A.Expr {
    return this.stack[this.stack.length - 2] as A.Expr;
  }
  private cmpSpan(): Span {
    return this.from(this.stack[this.stack.length - 1] as number);
  }
  cmpExpr = this.RULE('cmpExpr', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const left = this.SUBRULE(this.coalesceExpr, LEFT);
    this.stack.push(left, start);
    const cmp = this.OPTION((this.cmpRight ??= () => this.OR((this.cmpExprAlts ??= [
      {
        ALT: () => {
          const op = this.CONSUME(T.CompareOp, OP);
          const right = this.SUBRULE2(this.coalesceExpr, { LABEL: 'right' });
          return this.ast ? this.binary(op.image as A.BinaryOp, this.cmpLeft(), right, op) : (undefined as never);
        },
      },
      {
        ALT: () => {
          const not = this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'notIn' }));
          this.CONSUME(T.In);
          const set = this.SUBRULE3(this.coalesceExpr, { LABEL: 'set' });
          return this.ast ? { kind: 'in', negated: !!not, item: this.cmpLeft(), set, span: this.cmpSpan() } : (undefined as never);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Between);
          const low = this.SUBRULE4(this.coalesceExpr, { LABEL: 'low' });
          this.CONSUME(T.And);
          const high = this.SUBRULE5(this.coalesceExpr, { LABEL: 'high' });
          return this.ast ? { kind: 'between', item: this.cmpLeft(), low, high, span: this.cmpSpan() } : (undefined as never);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Is);
          const not = this.OPTION3(() => this.CONSUME2(T.Not, { LABEL: 'isNot' }));
          this.CONSUME(T.Missing);
          return this.ast ? { kind: 'isMissing', negated: !!not, operand: this.cmpLeft(), span: this.cmpSpan() } : (undefined as never);
        },
      },
    ]))));
    this.stack.pop();
    this.stack.pop();
    return cmp ?? left;
  });

  private coalesceMore?: () => void;
  coalesceExpr = this.RULE('coalesceExpr', (): A.Expr => {
    let acc = this.SUBRULE(this.addExpr);
    const mark = this.stack.length;
    this.MANY((this.coalesceMore ??= () => { this.stack.push(this.CONSUME(T.Coalesce), this.SUBRULE2(this.addExpr)); }));
    return this.operators(acc, mark);
  });

  private addExprAlts?: IOrAlt<IToken>[];
  private addMore?: () => void;
  addExpr = this.RULE('addExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.mulExpr);
    const mark = this.stack.length;
    this.MANY((this.addMore ??= () => {
      this.stack.push(this.OR((this.addExprAlts ??= [{ ALT: () => this.CONSUME(T.Plus, OP) }, { ALT: () => this.CONSUME(T.Minus, OP) }])));
      this.stack.push(this.SUBRULE2(this.mulExpr));
    }));
    return this.operators(acc, mark);
  });

  private mulExprAlts?: IOrAlt<IToken>[];
  private mulMore?: () => void;
  mulExpr = this.RULE('mulExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.unaryExpr);
    const mark = this.stack.length;
    this.MANY((this.mulMore ??= () => {
      this.stack.push(this.OR((this.mulExprAlts ??= [
        { ALT: () => this.CONSUME(T.Star, OP) },
        { ALT: () => this.CONSUME(T.Slash, OP) },
        { ALT: () => this.CONSUME(T.Percent, OP) },
      ])));
      this.stack.push(this.SUBRULE2(this.unaryExpr));
    }));
    return this.operators(acc, mark);
  });

  /** `first` joined from the left with the (operator token, operand) pairs on `stack` from `mark` on. */
  private operators(first: A.Expr, mark: number): A.Expr {
    const n = this.stack.length;
    if (n === mark) return first;
    let acc = first;
    if (this.ast) for (let i = mark; i + 1 < n; i += 2) { const t = this.stack[i] as IToken; acc = this.binary(t.image as A.BinaryOp, acc, this.stack[i + 1] as A.Expr, t); }
    this.drop(mark);
    return acc;
  }

  private unaryExprAlts?: IOrAlt<A.Expr>[];
  unaryExpr = this.RULE('unaryExpr', (): A.Expr => this.OR((this.unaryExprAlts ??= [
    {
      ALT: () => {
        const start = this.CONSUME(T.Minus).startOffset;
        const operand = this.SUBRULE(this.unaryExpr);
        return this.ast ? { kind: 'neg', operand, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.primary) },
  ])));

  private primaryAlts?: IOrAlt<A.Expr>[];
  primary = this.RULE('primary', (): A.Expr => this.OR((this.primaryAlts ??= [
    { ALT: () => { const t = this.CONSUME(T.NumberLit); return this.ast ? { kind: 'number', value: this.literal(t, parseNumber(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.MoneyLit); return this.ast ? { kind: 'money', fen: this.literal(t, parseMoney(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.DurationLit); return this.ast ? { kind: 'duration', ms: this.literal(t, parseDuration(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.TimestampLit); return this.ast ? this.timestamp(t) : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.StringLit); return this.ast ? this.str(t) : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.True); return this.ast ? { kind: 'bool', value: true, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.False); return this.ast ? { kind: 'bool', value: false, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Missing); return this.ast ? { kind: 'missing', span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Now); return this.ast ? { kind: 'now', span: this.tokenSpan(t) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.LParen).startOffset;
        const inner = this.SUBRULE(this.expression);
        this.CONSUME(T.RParen);
        return this.ast ? { kind: 'paren', inner, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.listLit) },
    // `any of X in S`, `all of X not in S`, `count of X in S`: several values tested against one set.
    { ALT: () => this.SUBRULE(this.quantExpr) },
    { GATE: () => this.LA(2).tokenType === T.LParen, ALT: () => this.SUBRULE(this.callExpr) },
    { ALT: () => this.SUBRULE(this.pathExpr) },
  ])));

  callExpr = this.RULE('callExpr', (): A.Expr => {
    const callee = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const args: A.CallArg[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.callArg)) });
    this.CONSUME(T.RParen);
    return this.ast ? { kind: 'call', callee: this.name(callee), args, span: this.from(callee.startOffset) } : (undefined as never);
  });

  quantExpr = this.RULE('quantExpr', (): A.Expr => {
    const q = this.CONSUME(T.Identifier, { LABEL: 'quantifier' });
    if (this.ast && !QUANTIFIERS.includes(q.image)) this.error(q, `expected \`any\`, \`all\` or \`count\` before \`of\` but found \`${q.image}\``);
    this.CONSUME(T.Of);
    const items = this.SUBRULE(this.primary, { LABEL: 'items' });
    const not = this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.In);
    const set = this.SUBRULE2(this.primary, { LABEL: 'set' });
    return this.ast ? { kind: 'quant', quantifier: this.name(q), items, negated: !!not, set, span: this.from(q.startOffset) } : (undefined as never);
  });

  private callArgAlts?: IOrAlt<A.CallArg>[];
  callArg = this.RULE('callArg', (): A.CallArg => this.OR((this.callArgAlts ??= [
    { ALT: () => { const start = this.CONSUME(T.By).startOffset; const f = this.CONSUME(T.AnyName); return this.ast ? { kind: 'by', field: this.name(f), span: this.from(start) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Last).startOffset;
        const d = this.CONSUME(T.DurationLit);
        return this.ast ? { kind: 'last', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span: this.from(start) } : (undefined as never);
      },
    },
    // `last 5 events`, `last 3 calendar months`
    {
      ALT: () => {
        const start = this.CONSUME2(T.Last).startOffset;
        const count = this.CONSUME(T.NumberLit, { LABEL: 'count' });
        // `event` is a keyword; `last 1 event` is still the window.
        const word = this.CONSUME3(T.AnyName, { LABEL: 'unitWord' });
        const word2 = this.OPTION(() => this.CONSUME4(T.AnyName, { LABEL: 'unitWord2' }));
        if (!this.ast) return undefined as never;
        const span = this.from(start);
        const c = this.literal(count, parseNumber(count.image), 0);
        const words = word2 ? [word, word2] : [word];
        const phrase = words.map((w) => w.image).join(' ');
        if (!Number.isInteger(c) || c < 1) this.diagnostics.push(diag('ZY1003', this.tokenSpan(count), `\`last ${count.image} …\` needs a whole number of at least 1`));
        if (phrase === 'events' || phrase === 'event') return { kind: 'events', n: c, span };
        if (phrase === 'calendar months' || phrase === 'calendar month') return { kind: 'months', n: c, span };
        const last = words[words.length - 1]!;
        this.error({ file: this.fileIndex, start: word.startOffset, end: Math.max(word.startOffset + word.image.length, last.startOffset + last.image.length) },
          `expected \`events\` or \`calendar months\` after \`last ${count.image}\` but found \`${phrase}\``, 'a time window is written with a unit: `last 30d`');
        return { kind: 'events', n: c, span };
      },
    },
    // `within 10m` (sequence)
    {
      ALT: () => {
        const within = this.CONSUME3(T.Identifier, { LABEL: 'within' });
        const d = this.CONSUME2(T.DurationLit);
        if (!this.ast) return undefined as never;
        if (within.image !== 'within') this.error(within, `expected \`within\` before \`${d.image}\` but found \`${within.image}\``);
        return { kind: 'within', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span: this.from(within.startOffset) };
      },
    },
    { ALT: () => { const t = this.CONSUME(T.Today); return this.ast ? { kind: 'calendar', unit: 'day', span: this.tokenSpan(t) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.This).startOffset;
        const unit = this.CONSUME2(T.AnyName, { LABEL: 'unit' });
        if (!this.ast) return undefined as never;
        if (unit.image === 'week' || unit.image === 'month' || unit.image === 'day') return { kind: 'calendar', unit: unit.image, span: this.from(start) };
        this.error(unit, `expected \`day\`, \`week\` or \`month\` after \`this\` but found \`${unit.image}\``);
        return { kind: 'calendar', unit: 'day', span: this.from(start) };
      },
    },
    { ALT: () => { const start = this.CONSUME(T.Where).startOffset; const expr = this.SUBRULE(this.expression); return this.ast ? { kind: 'where', expr, span: this.from(start) } : (undefined as never); } },
    { ALT: () => { const start = this.CONSUME(T.Including).startOffset; this.CONSUME(T.Current); return this.ast ? { kind: 'including', span: this.from(start) } : (undefined as never); } },
    {
      // An expression; in sequence(), `A followed by B followed by C`.
      ALT: () => {
        const start = this.LA(1).startOffset;
        const marked = this.diagnostics.length;
        const first = this.SUBRULE2(this.expression);
        const steps: A.Expr[] = [first];
        const followed: IToken[] = [];
        this.MANY(() => { followed.push(this.CONSUME4(T.Identifier, { LABEL: 'followed' })); this.CONSUME2(T.By); steps.push(this.SUBRULE3(this.expression)); });
        if (!this.ast) return undefined as never;
        if (!followed.length) return { kind: 'expr', expr: first, span: this.from(start) };
        // Reported ahead of anything found inside the steps.
        const misspelt = followed.filter((f) => f.image !== 'followed').map((f) => diag('ZY1002', this.tokenSpan(f), `expected \`followed by\` but found \`${f.image} by\``));
        this.diagnostics.splice(marked, 0, ...misspelt);
        return { kind: 'steps', steps, span: this.from(start) };
      },
    },
  ])));

  private pathExprAlts?: IOrAlt<IToken>[];
  private pathMore?: () => void;
  pathExpr = this.RULE('pathExpr', (): A.PathExpr => {
    const firstTok = this.OR((this.pathExprAlts ??= [{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Event) }]));
    const mark = this.stack.length;
    this.MANY((this.pathMore ??= () => { this.CONSUME(T.Dot); this.stack.push(this.CONSUME(T.AnyName)); }));
    const n = this.stack.length - mark;
    if (!this.ast) { this.drop(mark); return undefined as never; }
    const first = this.name(firstTok);
    // A one-word path spans its word: the two share one span (spans are never changed).
    if (n === 0) return { kind: 'path', parts: [first], span: first.span };
    // Made at its final length: grown by `push`, the list of a two-word path had room for 17.
    const parts = new Array<A.Name>(n + 1);
    parts[0] = first;
    for (let i = 0; i < n; i++) parts[i + 1] = this.name(this.stack[mark + i] as IToken);
    this.drop(mark);
    return { kind: 'path', parts, span: this.from(firstTok.startOffset) };
  });
}

function join(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export type { CstNode };
