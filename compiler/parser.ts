// The grammar, as a pure Chevrotain CstParser: no semantics here. Rules are
// class fields so that a misspelt rule name is a type error. Error recovery is
// on, so one broken declaration does not hide the errors in the others.
import { CstParser, type CstNode, type IOrAlt, type IToken } from 'chevrotain';
import * as T from './lexer.ts';
import { messages } from './parser-messages.ts';

const LEFT = { LABEL: 'left' } as const;
const OP = { LABEL: 'op' } as const;

/** A CST node's children: no inherited keys, as Chevrotain's own `Object.create(null)`. */
function Children(): void {}
Children.prototype = Object.create(null) as object;
const NewChildren = Children as unknown as new () => CstNode['children'];

export class RuleParser extends CstParser {
  // The alternatives of the ORs parsed most often are built once (`…Alts ??=`)
  // instead of as a fresh array of closures on every call: for each operand of
  // an expression that was about 30 objects of garbage (Chevrotain's
  // documented optimization; the closures use nothing but `this`). The bodies
  // of the MANYs and OPTIONs of expressions, lists and rules are kept the same
  // way (`…More ??=`), and so are the options objects (`LEFT`, `OP`).
  /** The text being parsed (set with `input`): a few rules look at line breaks. */
  text = '';

  /** Is `b` on the same line as `a` ends on? */
  private sameLine(a: IToken, b: IToken): boolean {
    return !Number.isNaN(b.startOffset) && !this.text.slice(a.startOffset + a.image.length, b.startOffset).includes('\n');
  }

  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'onlyOffset', errorMessageProvider: messages });
    this.performSelfAnalysis();
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

  /**
   * Called with each declaration as soon as it is parsed (parse.ts builds its
   * AST then, so that the CST of a large file is garbage while still young).
   */
  onDecl: ((decl: CstNode) => void) | undefined;

  file = this.RULE('file', () => {
    this.MANY(() => {
      const d = this.SUBRULE(this.decl);
      if (this.onDecl && !this.RECORDING_PHASE) this.onDecl(d);
    });
  });

  private declAlts?: IOrAlt<unknown>[];
  decl = this.RULE('decl', () => {
    this.OR((this.declAlts ??= [
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
    ]));
  });

  packDecl = this.RULE('packDecl', () => {
    this.CONSUME(T.Pack);
    this.CONSUME(T.Identifier);
    this.OPTION(() => { this.CONSUME(T.Version); this.CONSUME(T.StringLit); });
  });

  outcomesDecl = this.RULE('outcomesDecl', () => {
    this.CONSUME(T.Outcomes);
    this.AT_LEAST_ONE_SEP({ SEP: T.Gt, DEF: () => this.CONSUME(T.Identifier) });
  });

  thresholdDecl = this.RULE('thresholdDecl', () => {
    this.CONSUME(T.Threshold);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.At);
    this.CONSUME(T.NumberLit);
  });

  /** `decides login, transfer_out`: the event types the pack is for (members of the event's `type`). */
  decidesDecl = this.RULE('decidesDecl', () => {
    this.CONSUME(T.Decides);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.AnyName) });
  });

  /** `measured by fraud, chargeback`: the label kinds a backtest scores the pack against. */
  measuredDecl = this.RULE('measuredDecl', () => {
    this.CONSUME(T.Measured);
    this.CONSUME(T.By);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
  });

  eventDecl = this.RULE('eventDecl', () => {
    this.CONSUME(T.Event);
    this.OPTION(() => this.CONSUME(T.StringLit));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.fieldDecl));
    this.CONSUME(T.RBrace);
  });

  entityDecl = this.RULE('entityDecl', () => {
    this.CONSUME(T.Entity);
    this.CONSUME(T.AnyName, { LABEL: 'name' });
    this.CONSUME(T.By);
    this.CONSUME2(T.AnyName, { LABEL: 'key' });
    this.OPTION(() => this.CONSUME(T.StringLit));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.fieldDecl));
    this.CONSUME(T.RBrace);
  });

  fieldDecl = this.RULE('fieldDecl', () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(T.Required) }, { ALT: () => this.CONSUME(T.Protected) }]));
    this.OPTION(() => this.CONSUME(T.StringLit));
    this.OPTION2(() => this.CONSUME(T.Comma));
  });

  typeExpr = this.RULE('typeExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Enum);
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.AnyName) });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Set);
          this.CONSUME(T.Lt);
          this.CONSUME2(T.Identifier);
          this.CONSUME(T.Gt);
        },
      },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]);
  });

  listDecl = this.RULE('listDecl', () => {
    this.CONSUME(T.List);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OR([
      { ALT: () => { this.CONSUME(T.Equals); this.SUBRULE(this.listLit); } },
      { ALT: () => this.CONSUME(T.External) },
    ]);
    this.OPTION(() => this.CONSUME(T.StringLit));
  });

  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  predicateDecl = this.RULE('predicateDecl', () => {
    this.CONSUME(T.Predicate);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.StringLit));
    this.CONSUME(T.Equals);
    this.OR([
      // `predicate risky = jsonlogic "risky.json"`: the body is a JSON Logic rule in a file of the pack.
      { ALT: () => { this.CONSUME(T.Jsonlogic); this.CONSUME2(T.StringLit, { LABEL: 'file' }); } },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
  });

  private ruleTitle?: () => void;
  private ruleClauses?: () => void;
  ruleDecl = this.RULE('ruleDecl', () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier);
    this.OPTION((this.ruleTitle ??= () => this.CONSUME(T.StringLit)));
    this.MANY((this.ruleClauses ??= () => this.SUBRULE(this.ruleClause)));
  });

  private ruleClauseAlts?: IOrAlt<unknown>[];
  ruleClause = this.RULE('ruleClause', () => {
    this.OR((this.ruleClauseAlts ??= [
      { ALT: () => { this.CONSUME(T.Owner); this.CONSUME3(T.StringLit); } },
      { ALT: () => { this.CONSUME(T.Tags); this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.AnyName) }); } },
      { ALT: () => { this.CONSUME(T.Severity); this.CONSUME2(T.Identifier); } },
      { ALT: () => this.CONSUME(T.Enabled) },
      { ALT: () => this.CONSUME(T.Disabled) },
      {
        ALT: () => {
          this.CONSUME(T.Effective);
          this.CONSUME(T.TimestampLit, { LABEL: 'from' });
          this.OPTION(() => { this.CONSUME(T.Until); this.CONSUME2(T.TimestampLit, { LABEL: 'until' }); });
        },
      },
      { ALT: () => { this.CONSUME2(T.Until); this.CONSUME3(T.TimestampLit, { LABEL: 'until' }); } },
      { ALT: () => { this.CONSUME(T.When); this.SUBRULE(this.expression); } },
      { ALT: () => { this.CONSUME(T.Then); this.CONSUME3(T.Identifier); } },
      {
        ALT: () => {
          this.CONSUME(T.Score);
          this.OPTION2(() => this.OR2([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]));
          this.CONSUME(T.NumberLit);
        },
      },
      { ALT: () => { this.CONSUME(T.Reason); this.CONSUME4(T.Identifier); } },
      { ALT: () => { this.CONSUME(T.Suppress); this.CONSUME5(T.Identifier, { LABEL: 'code' }); this.CONSUME5(T.StringLit, { LABEL: 'why' }); } },
      // `let name = expression`: a name for a value, used in the condition, the messages and the note.
      { ALT: () => { this.CONSUME(T.Let); this.CONSUME6(T.Identifier, { LABEL: 'letName' }); this.CONSUME(T.Equals); this.SUBRULE2(this.expression, { LABEL: 'letValue' }); } },
      // `note when CONDITION "中文" en "English"`: why the rule could not decide, listed on the decision.
      // (`note` is not a keyword: events may well have a field called `note`.)
      {
        GATE: () => this.LA(1).image === 'note',
        ALT: () => {
          this.CONSUME7(T.Identifier, { LABEL: 'note' });
          this.CONSUME2(T.When);
          this.SUBRULE3(this.expression, { LABEL: 'noteWhen' });
          this.OPTION5(() => this.CONSUME2(T.Zh));
          this.CONSUME6(T.StringLit, { LABEL: 'noteZh' });
          this.OPTION6(() => { this.CONSUME2(T.En); this.CONSUME7(T.StringLit, { LABEL: 'noteEn' }); });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Message);
          this.OPTION3(() => this.CONSUME(T.Zh));
          this.CONSUME4(T.StringLit, { LABEL: 'zh' });
          this.OPTION4(() => { this.CONSUME(T.En); this.CONSUME2(T.StringLit, { LABEL: 'en' }); });
        },
      },
    ]));
  });

  /** `invariant "title": CONDITION => outcome deny [and fired R …] [source "…"]` (`source` is a word, not a keyword). */
  invariantDecl = this.RULE('invariantDecl', () => {
    this.CONSUME(T.Invariant);
    this.CONSUME(T.StringLit, { LABEL: 'title' });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
    this.CONSUME(T.Arrow);
    this.AT_LEAST_ONE_SEP({ SEP: T.And, DEF: () => this.SUBRULE(this.conclusion) });
    this.OPTION({
      GATE: () => this.LA(1).image === 'source',
      DEF: () => { this.CONSUME(T.Identifier, { LABEL: 'sourceWord' }); this.CONSUME2(T.StringLit, { LABEL: 'source' }); },
    });
  });

  /** `outcome X`, `outcome at least X`, `outcome at most X`, `fired R`, `not fired R`. */
  conclusion = this.RULE('conclusion', () => {
    this.OR([
      { ALT: () => { this.OPTION(() => this.CONSUME(T.Not)); this.CONSUME(T.Fired); this.CONSUME(T.Identifier, { LABEL: 'rule' }); } },
      {
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: 'outcomeWord' });
          this.OPTION2(() => { this.CONSUME(T.At); this.CONSUME3(T.Identifier, { LABEL: 'bound' }); });
          this.CONSUME4(T.Identifier, { LABEL: 'outcome' });
        },
      },
    ]);
  });

  testDecl = this.RULE('testDecl', () => {
    this.CONSUME(T.Test);
    this.CONSUME(T.StringLit);
    this.MANY(() => this.SUBRULE(this.testClause));
  });

  /** `fixture NAME ["description"]` and `at` / `given` clauses: test data that tests include with `given NAME`. */
  fixtureDecl = this.RULE('fixtureDecl', () => {
    this.CONSUME(T.Fixture);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.StringLit));
    this.MANY(() => this.SUBRULE(this.testClause));
  });

  testClause = this.RULE('testClause', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.At); this.SUBRULE(this.expression); } },
      {
        ALT: () => {
          this.CONSUME(T.Given);
          this.OR2([
            { ALT: () => { this.CONSUME(T.Event); this.SUBRULE(this.record); } },
            {
              ALT: () => {
                this.CONSUME(T.History);
                this.CONSUME(T.LBracket);
                this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.record) });
                this.CONSUME(T.RBracket);
              },
            },
            { ALT: () => { this.CONSUME(T.List); this.CONSUME(T.Identifier, { LABEL: 'list' }); this.SUBRULE(this.listLit); } },
            { ALT: () => { this.CONSUME2(T.Identifier, { LABEL: 'entity' }); this.SUBRULE3(this.record); } },
            { ALT: () => { this.CONSUME3(T.Identifier, { LABEL: 'days' }); this.SUBRULE2(this.listLit); } },
            { ALT: () => this.CONSUME4(T.Identifier, { LABEL: 'fixture' }) },
          ]);
        },
      },
      { ALT: () => { this.CONSUME(T.Expect); this.SUBRULE(this.expectation); } },
      {
        ALT: () => {
          this.CONSUME(T.Cases);
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.pathExpr) });
          this.CONSUME(T.RParen);
          this.CONSUME(T.LBrace);
          this.MANY2(() => this.SUBRULE(this.caseRow));
          this.CONSUME(T.RBrace);
        },
      },
    ]);
  });

  expectation = this.RULE('expectation', () => {
    this.OR([
      {
        // `expect [not] note RULE` (`note` is a word, not a keyword).
        GATE: () => this.LA(1).image === 'note' || (this.LA(1).tokenType === T.Not && this.LA(2).image === 'note'),
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          this.OPTION6(() => this.CONSUME2(T.Not));
          this.CONSUME6(T.Identifier, { LABEL: 'noteWord' });
          this.CONSUME4(T.Identifier, { LABEL: 'noteRule' });
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Not));
          this.OR2([
            { ALT: () => { this.CONSUME(T.Fired); this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) }); } },
            { ALT: () => { this.CONSUME(T.Reason); this.CONSUME3(T.Identifier, { LABEL: 'reason' }); } },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Score);
          this.OPTION3(() => this.CONSUME(T.CompareOp, { LABEL: 'op' }));
          this.OPTION2(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLit);
        },
      },
      {
        // `expect message [zh|en] [contains] "text"`
        ALT: () => {
          this.CONSUME(T.Message);
          this.OPTION4(() => this.OR4([{ ALT: () => this.CONSUME(T.Zh) }, { ALT: () => this.CONSUME(T.En) }]));
          this.OPTION5(() => this.CONSUME5(T.Identifier, { LABEL: 'how' }));
          this.CONSUME(T.StringLit);
        },
      },
      // `expect seen FEATURE = VALUE`: the value a feature, aggregate, predicate or `let` had in the decision.
      { ALT: () => { this.CONSUME(T.Seen); this.SUBRULE(this.coalesceExpr, { LABEL: 'seen' }); this.CONSUME(T.Equals); this.SUBRULE(this.expression, { LABEL: 'value' }); } },
      {
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const outcome = this.CONSUME2(T.Identifier, { LABEL: 'outcome' });
          // `expect reasons R`: words after a misspelt expectation, on its line, are kept for a clear error.
          // (In a `cases` row more expectations follow on the line; they start with a keyword, or `note`.)
          this.MANY({
            GATE: () => this.sameLine(outcome, this.LA(1)) && this.LA(1).image !== 'note',
            DEF: () => this.CONSUME7(T.Identifier, { LABEL: 'stray' }),
          });
        },
      },
    ]);
  });

  caseRow = this.RULE('caseRow', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.AT_LEAST_ONE(() => this.SUBRULE(this.expectation));
  });

  record = this.RULE('record', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.CONSUME(T.AnyName);
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expression);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  private listComma?: () => void;
  private listItem?: () => void;
  listLit = this.RULE('listLit', () => {
    this.CONSUME(T.LBracket);
    this.MANY((this.listItem ??= () => {
      this.SUBRULE(this.expression);
      this.OPTION((this.listComma ??= () => this.CONSUME(T.Comma)));
    }));
    this.CONSUME(T.RBracket);
  });

  // ---------- expressions, lowest precedence first ----------
  private orMore?: () => void;
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpr);
    this.MANY((this.orMore ??= () => { this.CONSUME(T.Or); this.SUBRULE2(this.andExpr); }));
  });

  private andMore?: () => void;
  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY((this.andMore ??= () => { this.CONSUME(T.And); this.SUBRULE2(this.notExpr); }));
  });

  private notExprAlts?: IOrAlt<unknown>[];
  notExpr = this.RULE('notExpr', () => {
    this.OR((this.notExprAlts ??= [
      { ALT: () => { this.CONSUME(T.Not); this.SUBRULE(this.notExpr); } },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
    ]));
  });

  private cmpExprAlts?: IOrAlt<unknown>[];
  private cmpRight?: () => void;
  cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.coalesceExpr, LEFT);
    this.OPTION((this.cmpRight ??= () => {
      this.OR((this.cmpExprAlts ??= [
        {
          ALT: () => {
            this.CONSUME(T.CompareOp, OP);
            this.SUBRULE2(this.coalesceExpr, { LABEL: 'right' });
          },
        },
        { ALT: () => { this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'notIn' })); this.CONSUME(T.In); this.SUBRULE3(this.coalesceExpr, { LABEL: 'set' }); } },
        {
          ALT: () => {
            this.CONSUME(T.Between);
            this.SUBRULE4(this.coalesceExpr, { LABEL: 'low' });
            this.CONSUME(T.And);
            this.SUBRULE5(this.coalesceExpr, { LABEL: 'high' });
          },
        },
        { ALT: () => { this.CONSUME(T.Is); this.OPTION3(() => this.CONSUME2(T.Not, { LABEL: 'isNot' })); this.CONSUME(T.Missing); } },
      ]));
    }));
  });

  private coalesceMore?: () => void;
  coalesceExpr = this.RULE('coalesceExpr', () => {
    this.SUBRULE(this.addExpr);
    this.MANY((this.coalesceMore ??= () => { this.CONSUME(T.Coalesce); this.SUBRULE2(this.addExpr); }));
  });

  private addExprAlts?: IOrAlt<unknown>[];
  private addMore?: () => void;
  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr);
    this.MANY((this.addMore ??= () => {
      this.OR((this.addExprAlts ??= [{ ALT: () => this.CONSUME(T.Plus, OP) }, { ALT: () => this.CONSUME(T.Minus, OP) }]));
      this.SUBRULE2(this.mulExpr);
    }));
  });

  private mulExprAlts?: IOrAlt<unknown>[];
  private mulMore?: () => void;
  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY((this.mulMore ??= () => {
      this.OR((this.mulExprAlts ??= [
        { ALT: () => this.CONSUME(T.Star, OP) },
        { ALT: () => this.CONSUME(T.Slash, OP) },
        { ALT: () => this.CONSUME(T.Percent, OP) },
      ]));
      this.SUBRULE2(this.unaryExpr);
    }));
  });

  private unaryExprAlts?: IOrAlt<unknown>[];
  unaryExpr = this.RULE('unaryExpr', () => {
    this.OR((this.unaryExprAlts ??= [
      { ALT: () => { this.CONSUME(T.Minus); this.SUBRULE(this.unaryExpr); } },
      { ALT: () => this.SUBRULE(this.primary) },
    ]));
  });

  private primaryAlts?: IOrAlt<unknown>[];
  primary = this.RULE('primary', () => {
    this.OR((this.primaryAlts ??= [
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.MoneyLit) },
      { ALT: () => this.CONSUME(T.DurationLit) },
      { ALT: () => this.CONSUME(T.TimestampLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Missing) },
      { ALT: () => this.CONSUME(T.Now) },
      { ALT: () => { this.CONSUME(T.LParen); this.SUBRULE(this.expression); this.CONSUME(T.RParen); } },
      { ALT: () => this.SUBRULE(this.listLit) },
      // `any of X in S`, `all of X not in S`, `count of X in S`: several values tested against one set.
      { ALT: () => this.SUBRULE(this.quantExpr) },
      { GATE: () => this.LA(2).tokenType === T.LParen, ALT: () => this.SUBRULE(this.callExpr) },
      { ALT: () => this.SUBRULE(this.pathExpr) },
    ]));
  });

  callExpr = this.RULE('callExpr', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.callArg) });
    this.CONSUME(T.RParen);
  });

  quantExpr = this.RULE('quantExpr', () => {
    this.CONSUME(T.Identifier, { LABEL: 'quantifier' });
    this.CONSUME(T.Of);
    this.SUBRULE(this.primary, { LABEL: 'items' });
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.In);
    this.SUBRULE2(this.primary, { LABEL: 'set' });
  });

  private callArgAlts?: IOrAlt<unknown>[];
  callArg = this.RULE('callArg', () => {
    this.OR((this.callArgAlts ??= [
      { ALT: () => { this.CONSUME(T.By); this.CONSUME(T.AnyName); } },
      { ALT: () => { this.CONSUME(T.Last); this.CONSUME(T.DurationLit); } },
      // `last 5 events`, `last 3 calendar months`
      {
        ALT: () => {
          this.CONSUME2(T.Last);
          this.CONSUME(T.NumberLit, { LABEL: 'count' });
          // `event` is a keyword; `last 1 event` is still the window.
          this.CONSUME3(T.AnyName, { LABEL: 'unitWord' });
          this.OPTION(() => this.CONSUME4(T.AnyName, { LABEL: 'unitWord2' }));
        },
      },
      // `within 10m` (sequence)
      { ALT: () => { this.CONSUME3(T.Identifier, { LABEL: 'within' }); this.CONSUME2(T.DurationLit); } },
      { ALT: () => this.CONSUME(T.Today) },
      { ALT: () => { this.CONSUME(T.This); this.CONSUME2(T.AnyName, { LABEL: 'unit' }); } },
      { ALT: () => { this.CONSUME(T.Where); this.SUBRULE(this.expression); } },
      { ALT: () => { this.CONSUME(T.Including); this.CONSUME(T.Current); } },
      {
        // An expression; in sequence(), `A followed by B followed by C`.
        ALT: () => {
          this.SUBRULE2(this.expression);
          this.MANY(() => { this.CONSUME4(T.Identifier, { LABEL: 'followed' }); this.CONSUME2(T.By); this.SUBRULE3(this.expression); });
        },
      },
    ]));
  });

  private pathExprAlts?: IOrAlt<unknown>[];
  private pathMore?: () => void;
  pathExpr = this.RULE('pathExpr', () => {
    this.OR((this.pathExprAlts ??= [{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Event) }]));
    this.MANY((this.pathMore ??= () => { this.CONSUME(T.Dot); this.CONSUME(T.AnyName); }));
  });
}

export type { CstNode };
