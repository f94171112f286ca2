// The grammar of the pack's declarations: its name, outcomes and thresholds,
// the event and entities it reads, lists, constants, predicates, rules with
// their clauses, and invariants. Expressions are parsed by the rules of
// parser-expressions.ts.
import type { IOrAlt, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import * as T from './lexer.ts';
import { parseNumber } from './literals.ts';
import { ExpressionGrammar } from './parser-expressions.ts';

export class DeclarationGrammar extends ExpressionGrammar {
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
}
